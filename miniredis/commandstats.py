"""
Per-command statistics: the counts and times behind INFO commandstats, the
latency histograms of the metrics endpoint, and the slow-command log.

They are kept on each L{miniredis.commands.Command} (slot attributes, so
the dispatcher pays one attribute decrement a call) and counted in one
place, L{miniredis.commands.call} and its inlined copy in C{dispatch}:

    - C{calls}: the command ran (read from C{counted} and C{countdown});
    - C{failed_calls}: it ran and answered an error;
    - C{rejected_calls}: it was refused before it ran (arity, NOAUTH, ...).

Timing a call takes two clock reads and some bookkeeping, several times
what counting costs (a clock read is about 0.05 us on a virtual machine, a
whole GET's dispatch 0.25 us): so a command is timed on its first call and
then one call in L{SAMPLE_EVERY}, except while its calls are slow: a timed
call of L{SLOW_STREAK} microseconds or more has the next call timed too,
until a timed call is quick again. So the slow calls of KEYS, of SMEMBERS on
a big set or of a long script are all timed and logged, while GET and SET
pay for one timing in 64.

One counter does both jobs on the untimed calls: C{countdown}, the untimed
calls left before the next timed one, which each of them decrements once it
ran (a call that is not timed when its countdown is zero or less). A timed
call sets the next C{countdown} and adds it in advance to C{counted}, so
that C{calls} is C{counted - countdown} at any time. CONFIG RESETSTAT zeroes
both: an untimed RESETSTAT then counts itself by taking C{countdown} to -1.

C{usec} is the mean of the timed calls times
C{calls}. The latency histogram holds the timed calls, in power-of-two
microsecond buckets as Redis's C{LATENCY HISTOGRAM} reports them, and a
timed call slower than C{slowlog-log-slower-than} is logged.

The table is one per process, as Redis has one server per process: two
factories in one process share these counts, and C{total_commands_processed}
is their sum.

Usage::

    from miniredis.commands import COMMANDS
    commandstats.info_fields(COMMANDS)   # [("cmdstat_get", "calls=3,..."), ...]
"""

import time

from miniredis.logging import logger
from miniredis.resp import ReplyError

log = logger("miniredis.commands")

SAMPLE_EVERY = 64
SAMPLE_MASK = SAMPLE_EVERY - 1
BUCKETS = 40
SLOW_FLOOR = 10
SLOW_STREAK = 1000
clock = time.perf_counter


def reset(cmd):
    """Zero the statistics of the L{Command} C{cmd}: its next call is timed."""
    cmd.counted = cmd.countdown = 0
    cmd.failed_calls = cmd.rejected_calls = cmd.timed = 0
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


def run_timed(session, cmd, argv):
    """
    Run C{cmd} and time it (what C{call} does for a sampled call when
    nothing else follows a command).

    @return: the reply; an error reply as a L{ReplyError} value.
    """
    started = clock()
    try:
        reply = cmd.func(session, argv)
    except ReplyError as e:
        reply = e
        cmd.failed_calls += 1
    timed(session, cmd, argv, clock() - started)
    return reply


def timed(session, cmd, argv, seconds):
    """
    Count and record a timed call of C{cmd} that took C{seconds}; log it
    when it took longer than C{slowlog-log-slower-than} microseconds (calls
    under L{SLOW_FLOOR} microseconds are never looked at); time the next
    call too when this one took L{SLOW_STREAK} microseconds or more, else
    the one after L{SAMPLE_MASK} untimed calls.
    """
    cmd.timed += 1
    cmd.seconds += seconds
    usec = int(seconds * 1000000)
    bucket = usec.bit_length()
    latency = cmd.latency
    if latency is None:
        latency = cmd.latency = [0] * BUCKETS
    if bucket < BUCKETS:
        latency[bucket] += 1
    else:
        latency[-1] += 1
    untimed = 0 if usec >= SLOW_STREAK else SAMPLE_MASK
    # calls + 1 (this call) + the untimed calls to come, counted in advance.
    cmd.counted = cmd.counted - cmd.countdown + 1 + untimed
    cmd.countdown = untimed
    if usec >= SLOW_FLOOR:
        threshold = session.server.config["slowlog-log-slower-than"]
        if 0 <= threshold <= usec:
            log.warn(
                "slow command: {command} took {usec} us (client {client})",
                command=" ".join(_shown(arg) for arg in argv[:8]),
                usec=usec,
                client=session.address,
                event="slow_command",
            )


def _shown(arg):
    text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
    return text if len(text) <= 64 else text[:64] + "..."


def total(table):
    """@return: the calls of every command of C{table}."""
    return sum(cmd.calls for cmd in walk(table))


def usec(cmd):
    """@return: the estimated microseconds all calls of C{cmd} took."""
    if not cmd.timed:
        return 0
    return int(cmd.seconds * 1000000 * cmd.calls / cmd.timed)


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
    @return: the cumulative latency histogram of C{cmd}'s timed calls:
        C{[(upper bound in usec, calls at most that long)]}, up to the
        slowest bucket used.
    """
    latency = cmd.latency or ()
    last = max((i for i, n in enumerate(latency) if n), default=-1)
    out = []
    total = 0
    for i in range(last + 1):
        total += latency[i]
        out.append((1 << i, total))
    return out


PERCENTILES = (50.0, 99.0, 99.9)


def percentiles(cmd, wanted=PERCENTILES):
    """
    @return: C{[(percentile, usec)]} of C{cmd}'s timed calls: the upper
        bound of the histogram bucket each percentile falls in (Redis reads
        them from a finer histogram).
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


def latency_fields(table):
    """@return: INFO latencystats' C{(field, value)} pairs, as Redis 7.0 writes them."""
    return [
        (
            "latency_percentiles_usec_" + cmd.name,
            ",".join("p%g=%.3f" % pair for pair in percentiles(cmd)),
        )
        for cmd in used(table)
        if cmd.timed
    ]
