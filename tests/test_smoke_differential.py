def test_set_get(differ):
    differ.run(
        [
            ("SET", "k", "v"),
            ("GET", "k"),
            ("GET", "missing"),
            ("SET", "k", "w", "NX"),
            ("SET", "k", "w", "XX", "GET"),
            ("SET", "k", "v", "EX", "0"),
            ("SET", "k", "v", "EX"),
            ("PING",),
            ("PING", "hi"),
            ("ECHO", "x"),
            ("NOSUCH", "a", "b"),
            ("GET",),
        ]
    )
