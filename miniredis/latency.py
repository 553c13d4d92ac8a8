"""
The latency monitor: for each kind of event, the latest spikes of at
least C{latency-monitor-threshold} milliseconds (none while it is 0), one a
second (the worst), the last L{HISTORY} of them, as Redis 7.0 keeps them for
C{LATENCY LATEST}, C{HISTORY}, C{GRAPH} and C{DOCTOR}.

The events miniredis has the work of:

    - C{command}: a command that is not flagged C{fast} (its checks and the
      encoding of the reply before it included, see
      L{miniredis.commandstats});
    - C{fast-command}: a command flagged C{fast};
    - C{expire-cycle}: one run of the active expiry cycle
      (L{miniredis.expiry});
    - C{eviction-cycle}: one round of eviction over C{maxmemory}
      (L{miniredis.eviction}).

Redis's other events time work that miniredis does not do on its reactor
thread or at all: fsyncs (run on a thread), forks, defragmenting, deleting
evicted values lazily, unlinking a temporary RDB file.

Usage::

    monitor = LatencyMonitor(factory.config, factory.clock)
    monitor.add("command", 250)       # a command took 250 ms
    monitor.latest()                  # [[b"command", time, 250, 250]]
"""

HISTORY = 160


class Series:
    """
    The spikes of one event.

    @ivar samples: C{[time, ms]} pairs, oldest first, one a second.
    @ivar worst: the longest spike since the last reset.
    """

    def __init__(self):
        self.samples = []
        self.worst = 0

    def add(self, now, ms):
        if ms > self.worst:
            self.worst = ms
        samples = self.samples
        if samples and samples[-1][0] == now:
            samples[-1][1] = max(samples[-1][1], ms)
            return
        samples.append([now, ms])
        if len(samples) > HISTORY:
            del samples[0]


class LatencyMonitor:
    """
    The latency spikes of one server.

    @ivar events: event name (bytes) -> L{Series}, in the order they first
        spiked.
    """

    def __init__(self, config, clock):
        """
        @param config: the server's L{miniredis.config.Config}.
        @param clock: what tells the time (the reactor).
        """
        self._config = config
        self._clock = clock
        self.events = {}

    def add(self, event, ms):
        """Note that C{event} (a str) took C{ms} milliseconds, if that is a spike."""
        threshold = self._config["latency-monitor-threshold"]
        if not threshold or ms < threshold:
            return
        series = self.events.get(event.encode())
        if series is None:
            series = self.events[event.encode()] = Series()
        series.add(int(self._clock.seconds()), ms)

    def latest(self):
        """@return: C{[event, time, ms, worst ms]} of the latest spike of each event."""
        return [
            [name, series.samples[-1][0], series.samples[-1][1], series.worst]
            for name, series in self.events.items()
        ]

    def history(self, event):
        """@return: the C{[time, ms]} spikes of C{event} (bytes), oldest first."""
        series = self.events.get(event)
        return [list(sample) for sample in series.samples] if series else []

    def reset(self, events=None):
        """
        Forget the spikes of C{events} (bytes), of every event by default.

        @return: how many events had spikes.
        """
        if events is None:
            events = list(self.events)
        return sum(self.events.pop(name, None) is not None for name in set(events))

    def graph(self, event):
        """
        @return: C{event}'s spikes drawn as text: a bar a spike, four lines
            high from the lowest to the highest, each with its age below
            it; None when it has none.
        """
        series = self.events.get(event)
        if series is None:
            return None
        samples = series.samples
        values = [ms for _, ms in samples]
        low, high = min(values), max(values)
        rows = 4
        heights = [
            1 + (ms - low) * (rows - 1) // (high - low) if high > low else rows
            for ms in values
        ]
        lines = [
            "%s - high %d ms, low %d ms (all time high %d ms)"
            % (event.decode("utf-8", "replace"), high, low, series.worst),
            "-" * 80,
        ]
        for row in range(rows, 0, -1):
            lines.append(
                "".join(
                    "#" if height == row else "|" if height > row else " "
                    for height in heights
                )
            )
        now = int(self._clock.seconds())
        ages = [_age(now - when) for when, _ in samples]
        lines.append("")
        for at in range(max(len(age) for age in ages)):
            lines.append("".join(age[at] if at < len(age) else " " for age in ages))
        return "\n".join(lines) + "\n"

    def doctor(self):
        """@return: a report, in plain words, of the spikes seen and what may help."""
        threshold = self._config["latency-monitor-threshold"]
        if not threshold:
            return (
                "The latency monitor is off, so there is nothing to report. "
                "Turn it on with CONFIG SET latency-monitor-threshold <milliseconds> "
                "to record the events slower than that.\n"
            )
        if not self.events:
            return (
                "No event has been slower than %d ms since the latency monitor "
                "was last reset: nothing to worry about.\n" % (threshold,)
            )
        lines = ["Events slower than the %d ms threshold:" % threshold, ""]
        for number, (name, series) in enumerate(self.events.items(), 1):
            values = [ms for _, ms in series.samples]
            lines.append(
                "%d. %s: %d spike%s recorded, averaging %d ms, the worst %d ms."
                % (
                    number,
                    name.decode("utf-8", "replace"),
                    len(values),
                    "" if len(values) == 1 else "s",
                    sum(values) // len(values),
                    series.worst,
                )
            )
        lines += ["", "What may help:"]
        names = set(self.events)
        if names & {b"command", b"fast-command"}:
            lines.append(
                "- Look at SLOWLOG GET for the commands that took long; commands "
                "that walk a whole key (KEYS, SMEMBERS, LRANGE 0 -1 on big "
                "values) or long scripts block every other client meanwhile."
            )
        if b"fast-command" in names:
            lines.append(
                "- Even O(1) commands were slow: the process may be starved of "
                "CPU (other processes, or a swapped-out heap)."
            )
        if b"expire-cycle" in names:
            lines.append(
                "- Many keys expire at the same time: spread their TTLs so the "
                "active expiry cycle has less to do at once."
            )
        return "\n".join(lines) + "\n"


def _age(seconds):
    """@return: an age written short: C{12s}, C{5m}, C{3h}, C{2d}."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return "%d%s" % (seconds // size, unit)
    return "%ds" % (seconds,)
