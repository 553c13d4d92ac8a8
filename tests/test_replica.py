"""
miniredis as a replica of a real redis-server: the handshake with a
password, the full sync, the live stream, partial resynchronisation,
READONLY, promotion, and a chain redis-server -> miniredis -> redis-server.
"""

import os
import time

import pytest

from miniredis.resp import ReplyError
from tests.persistence import populate, read_back
from tests.servers import RawConnection, free_port, miniredis_process, redis_process
from tests.test_replication import info, live_writes, wait_until

PASSWORD = "s3cret"


class Chain:
    """Servers started in order; each is stopped at the end."""

    def __init__(self, base):
        self.base = base
        self.processes = []

    def start(self, make, name, *options):
        directory = str(self.base / name)
        os.makedirs(directory)
        process = make(directory, *options)
        self.processes.append(process)
        return process.start()

    def stop(self):
        for process in reversed(self.processes):
            process.stop()


@pytest.fixture
def chain(tmp_path):
    made = Chain(tmp_path)
    yield made
    made.stop()


def caught_up(master, replica):
    def check():
        state = info(replica)
        return state.get("master_link_status") == "up" and state.get(
            "master_repl_offset"
        ) == info(master).get("master_repl_offset")

    wait_until(check, what="the replica to catch up")


def redis_master(chain, *options):
    process = chain.start(
        redis_process,
        "master",
        "--requirepass",
        PASSWORD,
        "--repl-diskless-sync-delay",
        "0",
        *options,
    )
    conn = RawConnection(process.port)
    assert conn.call("AUTH", PASSWORD) == b"OK"
    return process, conn


def mini_replica(chain, master_port, name="replica", *options):
    process = chain.start(
        miniredis_process,
        name,
        "--replicaof",
        "127.0.0.1 %d" % (master_port,),
        "--masterauth",
        PASSWORD,
        *options,
    )
    return process, RawConnection(process.port)


@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_full_sync_stream_and_readonly(chain, diskless):
    master_process, master = redis_master(chain, "--repl-diskless-sync", diskless)
    populate(master)
    replica_process, replica = mini_replica(chain, master_process.port)
    caught_up(master, replica)
    assert read_back(replica) == read_back(master)
    live_writes(master)
    master.call("SELECT", "5")
    master.call("SET", "in5", "v")
    master.call("SELECT", "0")
    caught_up(master, replica)
    assert read_back(replica) == read_back(master)
    replica.call("SELECT", "5")
    assert replica.call("GET", "in5") == b"v"
    replica.call("SELECT", "0")
    assert master.call("WAIT", "1", "2000") == 1
    refused = ReplyError("READONLY You can't write against a read only replica.")
    assert replica.call("SET", "k", "v") == refused
    assert replica.call("GET", "s") == master.call("GET", "s")
    role = replica.call("ROLE")
    assert role[:4] == [b"slave", b"127.0.0.1", master_process.port, b"connected"]
    master.call("FLUSHALL")
    caught_up(master, replica)
    assert replica.call("DBSIZE") == 0
    assert replica.call("CONFIG", "SET", "replica-read-only", "no") == b"OK"
    assert replica.call("SET", "k", "v") == b"OK"
    assert "Full resync from master" in replica_process.log()


def test_partial_resync_and_promotion(chain):
    master_process, master = redis_master(chain)
    populate(master)
    replica_process, replica = mini_replica(chain, master_process.port)
    caught_up(master, replica)
    assert replica.call("CLIENT", "KILL", "TYPE", "master") == 1
    for i in range(100):
        master.call("SET", "during%d" % i, str(i))
    caught_up(master, replica)
    assert read_back(replica) == read_back(master)
    assert "Successful partial resynchronization with master." in (
        replica_process.log()
    )
    assert "Partial resynchronization request from" in master_process.log()
    old = info(replica)["master_replid"]
    assert replica.call("REPLICAOF", "NO", "ONE") == b"OK"
    state = info(replica)
    assert state["role"] == "master" and state["master_replid2"] == old
    assert replica.call("SET", "k", "v") == b"OK"
    assert replica.call("ROLE")[0] == b"master"


def test_chained_redis_miniredis_redis(chain):
    master_process, master = redis_master(chain)
    populate(master)
    middle_process, middle = mini_replica(chain, master_process.port, "middle")
    caught_up(master, middle)
    last_process = chain.start(
        redis_process, "last", "--replicaof", "127.0.0.1", str(middle_process.port)
    )
    last = RawConnection(last_process.port)
    caught_up(middle, last)
    live_writes(master)
    caught_up(master, middle)
    caught_up(middle, last)
    assert read_back(last) == read_back(master)
    assert info(middle)["connected_slaves"] == "1"
    # promoted, the middle keeps its replica with a partial resynchronisation
    assert middle.call("REPLICAOF", "NO", "ONE") == b"OK"
    assert middle.call("SET", "promoted", "1") == b"OK"
    caught_up(middle, last)
    assert last.call("GET", "promoted") == b"1"
    assert "Successful partial resynchronization with master." in (last_process.log())
    assert last_process.log().count("Full resync from master") == 1


def test_a_restarted_replica_continues_from_its_rdb(chain):
    master_process, master = redis_master(chain)
    populate(master)
    replica_process, replica = mini_replica(
        chain, master_process.port, "replica", "--save", "3600 1"
    )
    caught_up(master, replica)
    master.call("SELECT", "3")
    master.call("SET", "before", "1")
    caught_up(master, replica)
    replica_process.stop()  # SIGTERM: the last snapshot keeps the history
    master.call("SET", "while-down", "1")  # still in database 3
    replica_process.start()
    replica = RawConnection(replica_process.port)
    caught_up(master, replica)
    assert read_back(replica) == read_back(master)
    replica.call("SELECT", "3")
    assert replica.call("GET", "while-down") == b"1"
    assert replica_process.log().count("Successful partial resynchronization") == 1
    assert master_process.log().count("Full resync requested") == 1


def test_replicas_continue_with_a_restarted_master(chain):
    master_process = chain.start(miniredis_process, "master", "--save", "3600 1")
    master = RawConnection(master_process.port)
    populate(master)
    replica_process = chain.start(
        redis_process, "replica", "--replicaof", "127.0.0.1", str(master_process.port)
    )
    replica = RawConnection(replica_process.port)
    caught_up(master, replica)
    master.call("SET", "k", "1")
    assert master.call("WAIT", "1", "2000") == 1
    master_process.stop()
    master_process.start()
    master = RawConnection(master_process.port)
    master.call("SET", "after", "1")
    caught_up(master, replica)
    assert read_back(replica) == read_back(master)
    assert "Successful partial resynchronization with master." in (
        replica_process.log()
    )


def test_the_master_says_when_keys_expire(chain):
    master_process, master = redis_master(chain, "--enable-debug-command", "yes")
    assert master.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    replica_process, replica = mini_replica(chain, master_process.port)
    master.call("SET", "short", "v", "PX", "200")
    master.call("RPUSH", "list", "a")
    caught_up(master, replica)
    time.sleep(0.3)
    assert replica.call("GET", "short") is None  # gone for clients...
    assert replica.call("DBSIZE") == 2  # ...but kept until the master's DEL
    master.call("RPUSH", "list", "b")
    caught_up(master, replica)
    assert replica.call("DBSIZE") == 2
    assert master.call("GET", "short") is None  # the master deletes it now
    caught_up(master, replica)
    assert replica.call("DBSIZE") == 1
    assert replica.call("LRANGE", "list", "0", "-1") == [b"a", b"b"]


def test_stale_data_refused_like_redis(chain):
    master_process, master = redis_master(chain)
    master.call("SET", "k", "v")
    options = ("--replica-serve-stale-data", "no")
    mini_process, mini = mini_replica(chain, master_process.port, "mini", *options)
    real_process = chain.start(
        redis_process,
        "real",
        "--replicaof",
        "127.0.0.1",
        str(master_process.port),
        "--masterauth",
        PASSWORD,
        *options,
    )
    real = RawConnection(real_process.port)
    caught_up(master, mini)
    caught_up(master, real)
    assert mini.call("GET", "k") == real.call("GET", "k") == b"v"
    refused = real.call("WAIT", "0", "0")
    assert isinstance(refused, ReplyError) and mini.call("WAIT", "0", "0") == refused
    master_process.stop()
    for conn in (mini, real):
        wait_until(lambda c=conn: info(c)["master_link_status"] == "down")
    for argv in (
        ("GET", "k"),
        ("PING",),
        ("SET", "k", "w"),
        ("DBSIZE",),
        ("CONFIG", "GET", "replica-serve-stale-data"),
        ("MULTI",),
        ("GET", "k"),
        ("EXEC",),
    ):
        assert mini.call(*argv) == real.call(*argv), argv
    assert mini.call("GET", "k") == ReplyError(
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set "
        "to 'no'."
    )
    assert mini.call("CONFIG", "SET", "replica-serve-stale-data", "yes") == b"OK"
    assert mini.call("GET", "k") == b"v"


def test_no_sync_without_a_master_link(chain):
    nowhere = str(free_port())
    mini_process = chain.start(
        miniredis_process, "mini", "--replicaof", "127.0.0.1 %s" % nowhere
    )
    real_process = chain.start(
        redis_process, "real", "--replicaof", "127.0.0.1", nowhere
    )
    replies = []
    for process in (real_process, mini_process):
        conn = RawConnection(process.port)
        replies.append(
            [conn.call("PSYNC", "?", "-1"), conn.call("ROLE")[0], conn.call("PING")]
        )
    assert replies[1] == replies[0]
    assert isinstance(replies[0][0], ReplyError)


def test_masteruser(chain):
    master_process = chain.start(
        redis_process,
        "master",
        "--repl-diskless-sync-delay",
        "0",
        "--user",
        "replicator",
        "on",
        ">rpw",
        "+@all",
        "~*",
        "--user",
        "default",
        "off",
    )
    master = RawConnection(master_process.port)
    assert master.call("AUTH", "replicator", "rpw") == b"OK"
    master.call("SET", "k", "v")
    replica_process, replica = mini_replica(
        chain, master_process.port, "replica", "--masteruser", "replicator"
    )
    # mini_replica gave the wrong password: the master refuses it
    wait_until(lambda: "Unable to AUTH to MASTER" in replica_process.log())
    assert info(replica)["master_link_status"] == "down"
    assert replica.call("CONFIG", "SET", "masterauth", "rpw") == b"OK"
    assert replica.call("REPLICAOF", "NO", "ONE") == b"OK"
    assert replica.call("REPLICAOF", "127.0.0.1", str(master_process.port)) == b"OK"
    caught_up(master, replica)
    assert replica.call("GET", "k") == b"v"


def test_a_replica_with_an_append_only_file(chain):
    master_process, master = redis_master(chain)
    populate(master)
    replica_process, replica = mini_replica(
        chain, master_process.port, "replica", "--appendonly", "yes"
    )
    caught_up(master, replica)
    master.call("SET", "streamed", "1")
    caught_up(master, replica)
    wait_until(
        lambda: (
            info(replica, "persistence")["aof_rewrite_in_progress"] == "0"
            and info(replica, "persistence")["aof_rewrites"] != "0"
        ),
        what="the log written from the snapshot",
    )
    expected = read_back(master)
    replica_process.kill()
    master_process.stop()  # restarted alone, the replica has only its log
    replica_process.start()
    replica = RawConnection(replica_process.port)
    assert read_back(replica) == expected
