"""
Per-command statistics: the counts and times behind INFO commandstats and
INFO latencystats, the latency histograms of C{LATENCY HISTOGRAM} and the
metrics endpoint; and the hand-off of slow calls to the slow log
(L{miniredis.slowlog}) and the latency monitor (L{miniredis.latency}).

They are kept on each L{miniredis.commands.Command} (slot attributes) and
counted in one place, L{miniredis.commands.run} and its inlined copy in
C{serve} (the loop over a read's requests):

    - C{calls}: the command ran;
    - C{seconds}: the time its calls took;
    - C{failed_calls}: it ran and answered an error;
    - C{rejected_calls}: it was refused before it ran (arity, NOAUTH, ...).

Every call is timed, with one clock read: the requests of one read from a
client run one after the other, so the end of a call is the start of the
next (C{serve} reads the clock when a read's requests start, and
L{miniredis.commands.begin} does for a request run on its own). A
call's time is thus its command, its checks and the encoding of the reply
before it: a microsecond or so more than Redis counts. (The calls of EXEC
and of scripts read the clock before and after.) A call that took
L{DETAIL} microseconds or more, or at least the smallest threshold of the
slow log or the latency monitor of any server (L{refresh}), is then looked
at by L{record}: it goes into the power-of-two buckets of the latency
histogram, the slow log and the latency monitor (not when it left its
client blocked: a blocked call is counted, not logged). The quicker calls, most of
them, only add to C{calls} and C{seconds}: the histogram counts them in the
bucket of L{DETAIL} microseconds (C{calls} less those it holds), since
finding each one's bucket would cost as much as the rest of a GET's
dispatch.

While a server has C{latency-tracking} off, L{record} looks at every call
(C{untracked} counts those not in the histogram): the histograms only hold
the calls made while it was on, and INFO latencystats and C{LATENCY
HISTOGRAM} show none while it is off, as Redis's.

The table is one per process, as Redis has one server per process: two
factories in one process share these counts, and C{total_commands_processed}
is their sum.

Usage::

    from miniredis.commands import COMMANDS
    commandstats.info_fields(COMMANDS)   # [("cmdstat_get", "calls=3,..."), ...]
"""

import weakref

from miniredis.config import percentile_text
from miniredis.waits import BLOCKED

BUCKETS = 40
DETAIL = 8
_servers = weakref.WeakSet()
_set_floor = None


def reset(cmd):
    """Zero the statistics of the L{Command} C{cmd}."""
    cmd.calls = cmd.failed_calls = cmd.rejected_calls = cmd.untracked = 0
    cmd.seconds = 0.0
    cmd.latency = None


def reset_all(table):
    """Zero the statistics of every command of C{table} (CONFIG RESETSTAT)."""
    for cmd in walk(table):
        reset(cmd)


def walk(table):
    """@return: an iterator over the commands of C{table} and their subcommands."""
    for cmd in table.values():
        yield cmd
        if cmd.subcommands:
            yield from cmd.subcommands.values()


def watch(server, set_floor):
    """
    Take the thresholds of C{server} (a L{MiniRedisFactory}) into account
    now and whenever its configuration changes them.

    @param set_floor: what tells the dispatcher the shortest call to give
        L{record}, in seconds (L{miniredis.commands.set_floor}).
    """
    global _set_floor
    _set_floor = set_floor
    _servers.add(server)
    for name in (
        "slowlog-log-slower-than",
        "latency-monitor-threshold",
        "latency-tracking",
    ):
        server.config.listeners.setdefault(name, []).append(lambda value: refresh())
    refresh()


def refresh():
    """
    Set the shortest call L{record} looks at: L{DETAIL} microseconds, or
    less where a server's slow log or latency monitor wants shorter calls;
    every call while a server does not track latencies.
    """
    usec = DETAIL
    for server in _servers:
        if not server.config["latency-tracking"]:
            usec = 0
        slower = server.config["slowlog-log-slower-than"]
        if 0 <= slower < usec:
            usec = slower
        threshold = server.config["latency-monitor-threshold"] * 1000
        if 0 < threshold < usec:
            usec = threshold
    _set_floor(usec / 1000000.0)


def record(session, cmd, argv, seconds, reply):
    """
    Look at a call of C{cmd} that took C{seconds}, at least the floor
    L{refresh} set: count it in its histogram bucket, log it when it is
    slow enough, and show it to the latency monitor.

    A call that left its client blocked (C{reply} is L{BLOCKED}) is not
    slow: it is waiting.
    """
    usec = int(seconds * 1000000)
    server = session.server
    if not server.config["latency-tracking"]:
        cmd.untracked += 1
    elif usec >= DETAIL:
        bucket = usec.bit_length()
        histogram = cmd.latency
        if histogram is None:
            histogram = cmd.latency = [0] * BUCKETS
        histogram[bucket if bucket < BUCKETS else -1] += 1
    if reply is BLOCKED:
        return
    if 0 <= server.config["slowlog-log-slower-than"] <= usec:
        server.slowlog.add(session, cmd, argv, usec)
    event = "fast-command" if "fast" in cmd.flags else "command"
    server.latency.add(event, usec // 1000)


def total(table):
    """@return: the calls of every command of C{table}."""
    return sum(cmd.calls for cmd in walk(table))


def usec(cmd):
    """@return: the microseconds all calls of C{cmd} took."""
    return int(cmd.seconds * 1000000)


def used(table):
    """@return: the commands of C{table} that were called or refused."""
    return [
        cmd
        for cmd in walk(table)
        if cmd.calls or cmd.failed_calls or cmd.rejected_calls
    ]


def info_fields(table):
    """@return: INFO commandstats' C{(field, value)} pairs, as Redis 7.0 writes them."""
    fields = []
    for cmd in used(table):
        total = usec(cmd)
        fields.append(
            (
                "cmdstat_" + cmd.name,
                "calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d"
                % (
                    cmd.calls,
                    total,
                    total / cmd.calls if cmd.calls else 0,
                    cmd.rejected_calls,
                    cmd.failed_calls,
                ),
            )
        )
    return fields


def histogram(cmd):
    """
    @return: the cumulative latency histogram of C{cmd}'s calls:
        C{[(upper bound in usec, calls at most that long)]}, up to the
        slowest bucket used (the calls under L{DETAIL} microseconds all in
        its bucket).
    """
    counts = list(cmd.latency or [0] * BUCKETS)
    quick = cmd.calls - cmd.untracked - sum(counts)
    if quick > 0:
        counts[DETAIL.bit_length() - 1] += quick
    last = max((i for i, n in enumerate(counts) if n), default=-1)
    out = []
    total = 0
    for i in range(last + 1):
        total += counts[i]
        out.append((1 << i, total))
    return out


PERCENTILES = (50.0, 99.0, 99.9)


def percentiles(cmd, wanted=PERCENTILES):
    """
    @return: C{[(percentile, usec)]} of C{cmd}'s calls: the upper bound of
        the histogram bucket each percentile falls in (Redis reads them
        from a finer histogram).
    """
    buckets = histogram(cmd)
    if not buckets:
        return []
    total = buckets[-1][1]
    out = []
    for percentile in wanted:
        rank = total * percentile / 100.0
        bound = next(b for b, count in buckets if count >= rank)
        out.append((percentile, float(bound)))
    return out


def tracked(server, table):
    """
    @return: the commands of C{table} with a latency histogram, none when
        C{server} has C{latency-tracking} off.
    """
    if not server.config["latency-tracking"]:
        return []
    return [cmd for cmd in walk(table) if cmd.calls > cmd.untracked]


def latency_fields(server, table):
    """
    @return: INFO latencystats' C{(field, value)} pairs, as Redis 7.0
        writes them, for the percentiles C{latency-tracking-info-percentiles}
        asks for.
    """
    wanted = server.config["latency-tracking-info-percentiles"]
    return [
        (
            "latency_percentiles_usec_" + cmd.name,
            ",".join(
                "p%s=%.3f" % (percentile_text(p), usec)
                for p, usec in percentiles(cmd, wanted)
            ),
        )
        for cmd in tracked(server, table)
    ]
