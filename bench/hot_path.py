"""
The request path of miniredis without sockets: how many microseconds one
pipelined command costs, stage by stage.

A prepared byte stream of pipelined requests (C{--pipeline} commands per
read, as one C{redis-benchmark -P 16} connection sends them) is fed to a
server protocol on a C{StringTransport}, so the numbers are deterministic
and leave out the kernel and the reactor. Each command is also timed stage
by stage on the same requests: the decoder alone, the request loop
(C{serve}: lookup, checks, command, reply), the command function alone, and
the encoder alone.

Usage::

    python3 bench/hot_path.py                   # table of us per command
    python3 bench/hot_path.py --families        # lists, hashes, ..., streams, geo
    python3 bench/hot_path.py --profile get     # cProfile of the GET path
"""

import argparse
import cProfile
import gc
import pstats
import sys
import time

from benchlib import table
from redis_benchmark import PREPARE
from twisted.internet import task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from miniredis.commands import dispatch, load_all, lookup, serve
from miniredis.protocol import MiniRedisFactory
from miniredis.resp import ReplyError, encode_command, encode_into, request_decoder

WORKLOADS = {
    "get": lambda key: [b"GET", b"key:%012d" % key],
    "set": lambda key: [b"SET", b"key:%012d" % key, b"xxx"],
    "incr": lambda key: [b"INCR", b"counter:%012d" % key],
    "mset": lambda key: (
        [b"MSET"]
        + [arg for j in range(10) for arg in (b"key:%012d:%d" % (key, j), b"xxx")]
    ),
    "ping": lambda key: [b"PING"],
}
# The other data types, on the keys redis_benchmark.py's --tests families
# prepares (PREPARE) and on a 100-element list: name -> request.
FAMILIES = {
    "lpush": lambda key: [b"LPUSH", b"mylist", b"xxx"],
    "lrange_100": lambda key: [b"LRANGE", b"list:100", b"0", b"99"],
    "sadd": lambda key: [b"SADD", b"myset", b"element:%012d" % key],
    "hset": lambda key: [b"HSET", b"myhash", b"element:%012d" % key, b"xxx"],
    "zadd": lambda key: [b"ZADD", b"myzset", b"%d" % key, b"element:%012d" % key],
    "xadd": lambda key: (
        b"XADD stream:%d MAXLEN ~ 1000 * field value" % (key % 100)
    ).split(),
    "xrange": lambda key: b"XRANGE rangeme - + COUNT 10".split(),
    "xreadgroup": lambda key: (
        b"XREADGROUP GROUP group consumer COUNT 10 STREAMS readme 0"
    ).split(),
    "geoadd": lambda key: (
        b"GEOADD geo:adds 13.361389 38.115556".split() + [b"m:%d" % key]
    ),
    "geosearch": lambda key: (
        b"GEOSEARCH geo:points FROMLONLAT 15 37 BYRADIUS 100 km COUNT 10 ASC"
    ).split(),
    "fcall": lambda key: [b"FCALL", b"bench_incr", b"1", b"fcall:%d" % key],
}


def chunks(name, commands, pipeline, keys):
    """
    @return: the requests as wire bytes, C{pipeline} commands a chunk, on
        C{keys} distinct keys visited in a scattered order.
    """
    make = WORKLOADS.get(name) or FAMILIES[name]
    return [
        b"".join(encode_command(make((i + j) * 7919 % keys)) for j in range(pipeline))
        for i in range(0, commands, pipeline)
    ]


def server(keys, families=False):
    """
    @return: a connected protocol on a C{StringTransport}, its keys set (and
        those of the L{FAMILIES} if C{families}).
    """
    factory = MiniRedisFactory(clock=task.Clock())
    protocol = factory.buildProtocol(None)
    # From 127.0.0.1: protected mode turns other addresses away.
    protocol.makeConnection(
        StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 40000))
    )
    db = factory.store.db(0)
    for i in range(keys):
        db.set(b"key:%012d" % i, b"xxx")
    if families:
        prepare = [[arg.encode() for arg in argv] for argv in PREPARE.values()]
        prepare.append(
            [b"RPUSH", b"list:100"] + [b"element:%d" % i for i in range(100)]
        )
        protocol.dataReceived(b"".join(encode_command(argv) for argv in prepare))
        protocol.transport.clear()
    return protocol


def run_protocol(protocol, data):
    """Feed C{data} a chunk a reactor turn; the outbox sends after each."""
    transport = protocol.transport
    received = protocol.dataReceived
    end_turn = protocol.factory.clock.advance
    for chunk in data:
        received(chunk)
        end_turn(0)
        transport.clear()


def decode_only(data):
    decoder = request_decoder()
    for chunk in data:
        decoder.feed(chunk)
        decoder.requests()


def decode_all(data):
    decoder = request_decoder()
    out = []
    for chunk in data:
        decoder.feed(chunk)
        out.extend(decoder.requests())
    return out


def dispatch_only(session, requests):
    return [dispatch(session, argv) for argv in requests]


def serve_only(session, requests):
    serve(session, iter(requests), [])


def commands_only(session, requests):
    entries = [(lookup(argv), argv) for argv in requests]
    start = time.process_time()
    for cmd, argv in entries:
        cmd.func(session, argv)
    return time.process_time() - start


def encode_only(replies, proto):
    out = []
    for reply in replies:
        encode_into(reply, proto, out)


def timed(f, *args):
    start = time.process_time()
    f(*args)
    return time.process_time() - start


def without_gc(f):
    """@return: the result of C{f()}, run with the cyclic GC off (as timeit)."""
    gc.collect()
    gc.disable()
    try:
        return f()
    finally:
        gc.enable()


def best(repeat, f):
    """@return: the fastest of C{repeat} timings of C{f()} (seconds)."""
    return min(without_gc(f) for _ in range(repeat))


def measure(name, commands, pipeline, keys, repeat):
    """@return: microseconds per command: total and by stage."""
    data = chunks(name, commands, pipeline, keys)
    protocol = server(keys, name in FAMILIES)
    session = protocol.session
    requests = decode_all(data)
    replies = dispatch_only(session, requests)
    total = best(repeat, lambda: timed(run_protocol, protocol, data))
    decode = best(repeat, lambda: timed(decode_only, data))
    served = best(repeat, lambda: timed(serve_only, session, requests))
    command = best(repeat, lambda: commands_only(session, requests))
    encode = best(repeat, lambda: timed(encode_only, replies, session.proto))
    per = 1e6 / commands
    return {
        "total": total * per,
        "decode": decode * per,
        "dispatch": (served - command - encode) * per,
        "command": command * per,
        "encode": encode * per,
        "rest": (total - decode - served) * per,
    }


def known(argv):
    """@return: whether miniredis has the command of C{argv} yet."""
    try:
        lookup(argv)
    except ReplyError:
        return False
    return True


def profile(name, commands, pipeline, keys):
    data = chunks(name, commands, pipeline, keys)
    protocol = server(keys, name in FAMILIES)
    profiler = cProfile.Profile()
    profiler.runcall(run_protocol, protocol, data)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--commands", type=int, default=200000)
    parser.add_argument("-P", "--pipeline", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--keys",
        type=int,
        default=1000,
        help="distinct keys, visited in a scattered order (%(default)s); "
        "100000 is what redis_benchmark.py's -r gives, cache misses included",
    )
    parser.add_argument(
        "--families",
        action="store_true",
        help="the other data types (%s) instead of the strings" % ", ".join(FAMILIES),
    )
    parser.add_argument(
        "--profile",
        choices=sorted(WORKLOADS) + sorted(FAMILIES),
        help="cProfile one workload",
    )
    options = parser.parse_args(argv)
    load_all()
    if options.profile:
        profile(options.profile, options.commands, options.pipeline, options.keys)
        return 0
    stages = ["total", "decode", "dispatch", "command", "encode", "rest"]
    rows = []
    for name, make in (FAMILIES if options.families else WORKLOADS).items():
        if not known(make(0)):
            rows.append([name.upper()] + ["n/a"] * len(stages))
            continue
        us = measure(
            name, options.commands, options.pipeline, options.keys, options.repeat
        )
        rows.append([name.upper()] + ["%.2f" % us[s] for s in stages])
    print(
        "us per command, %d commands, %d per read, %d keys (rest = protocol glue)"
        % (options.commands, options.pipeline, options.keys)
    )
    print(table(["command"] + stages, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
