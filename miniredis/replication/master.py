"""
The master side of replication, in Redis 7.0's protocol, so that unmodified
Redis (and Valkey) servers can be replicas of miniredis.

A replica connects as a client, announces itself with C{REPLCONF} and asks
for the stream with C{PSYNC <replid> <offset>}. If its replication id is
ours (or the one before it) and the backlog still holds the stream from
its offset, it gets C{+CONTINUE} and what it missed; otherwise
C{+FULLRESYNC <replid> <offset>}, an RDB snapshot made by a forked child
(L{miniredis.replication.snapshot}), then the stream from the moment of
the fork on. The stream is the server's write stream
(L{miniredis.propagation}) in the form the append-only file logs it.

Usage::

    master = Master(factory)   # the factory makes its own: factory.replication
"""

import binascii
import os

from twisted.internet import task
from twisted.logger import Logger

from miniredis.persistence.aof import encode_request, select_command
from miniredis.replication.backlog import Backlog
from miniredis.replication.failover import NO_FAILOVER
from miniredis.replication.snapshot import Snapshot

log = Logger(namespace="miniredis.replication")

_PING = encode_request([b"PING"])
_GETACK = encode_request([b"REPLCONF", b"GETACK", b"*"])
NO_REPLICATION_ID = "0" * 40


def new_replication_id():
    """@return: 40 random hex digits, as Redis makes a replication id."""
    return binascii.hexlify(os.urandom(20)).decode()


class Announce:
    """
    What a client told of itself with REPLCONF before it asked to sync.

    @ivar port: the port it listens on (C{listening-port}), 0 if not told.
    @ivar ip: the address it gave (C{ip-address}), or None.
    @ivar capa: the capabilities it announced (C{eof}, C{psync2}).
    @ivar rdb_only: it wants the snapshot only, not the stream after it.
    """

    def __init__(self):
        self.port = 0
        self.ip = None
        self.capa = set()
        self.rdb_only = False


class ReplicaLink:
    """
    One replica of this server.

    @ivar session: the replica's connection's L{miniredis.session.Session}.
    @ivar state: C{wait_bgsave} while its snapshot is being made, C{online}
        once it gets the stream.
    @ivar ack_offset: the last offset it acknowledged.
    @ivar acked: whether it acknowledged anything yet (once its snapshot is
        loaded): WAIT counts no replica before that.
    @ivar ack_time: when it last acknowledged (clock seconds).
    @ivar pending: the stream made since its snapshot, held until the
        snapshot is sent, or after a snapshot ended by an EOF mark until the
        replica's first acknowledgement (a replica finds the mark only at
        the end of what it reads, so nothing may follow it at once).
    @ivar held: the bytes in C{pending}: they count against the replica's
        C{client-output-buffer-limit}, as Redis counts them.
    @ivar streaming: whether the stream goes out as it is made.
    @ivar snapshot: the L{Snapshot} being sent to it, or None.
    """

    def __init__(self, session, announce, now):
        self.session = session
        self.announce = announce
        self.state = "wait_bgsave"
        self.streaming = False
        self.ack_offset = 0
        self.acked = False
        self.ack_time = now
        self.pending = []
        self.held = 0
        self.snapshot = None
        self.eof_mark = None

    @property
    def ip(self):
        if self.announce.ip is not None:
            return self.announce.ip
        return self.session.address.rpartition(":")[0].strip("[]")

    def send(self, data):
        """Send stream bytes, or hold them until the replica can take them."""
        if self.streaming:
            self.session.connection.send_raw(data)
        else:
            self.pending.append(data)
            self.held += len(data)
            if self.session.connection is not None:
                self.session.connection.check_output()

    def start_streaming(self):
        """Send what was held, and the stream as it is made from now on."""
        self.streaming = True
        pending, self.pending = self.pending, []
        self.held = 0
        if pending:
            self.session.connection.send_raw(b"".join(pending))


class Master:
    """
    The replicas of one server, its replication ids, offset and backlog.

    @ivar replid: the current replication id.
    @ivar replid2: the id this history had before (or zeros).
    @ivar second_offset: the offset up to which L{replid2} is valid, or -1.
    @ivar offset: C{master_repl_offset}: the bytes of stream made so far.
    @ivar backlog: the L{Backlog}, or None before the first replica (and
        once C{repl-backlog-ttl} passed without one).
    @ivar replicas: the L{ReplicaLink}s, in the order they came.
    @ivar good_replicas: replicas acknowledging within
        C{min-replicas-max-lag}.
    """

    def __init__(self, factory):
        self.factory = factory
        self.config = factory.config
        self.clock = factory.clock
        self.replid = new_replication_id()
        self.replid2 = NO_REPLICATION_ID
        self.second_offset = -1
        self.offset = 0
        self.backlog = None
        self.replicas = []
        self.good_replicas = 0
        self.lonely_since = self.clock.seconds()
        self._selected = -1
        self._waiting = []
        self._getack_call = None
        self._ticks = 0
        self._cron = task.LoopingCall(self._tick)
        self._cron.clock = self.clock
        listeners = self.config.listeners
        listeners.setdefault("repl-backlog-size", []).append(self._resize)
        for name in ("min-replicas-to-write", "min-replicas-max-lag"):
            listeners.setdefault(name, []).append(self._min_replicas_changed)

    # -- the stream

    def _write(self, db, argvs):
        """The write stream's listener: the writes as the stream's bytes."""
        parts = []
        if db != self._selected:
            parts.append(select_command(db))
            self._selected = db
        for argv in argvs:
            parts.append(encode_request(argv))
        self.feed(b"".join(parts))

    def feed(self, data):
        """Add C{data} to the stream: the backlog and every replica."""
        self.offset += len(data)
        self.backlog.append(data)
        for link in self.replicas:
            link.send(data)

    def _create_backlog(self):
        """The first replica came: a new history starts, kept in a backlog."""
        self.replid = new_replication_id()
        self.replid2 = NO_REPLICATION_ID
        self.second_offset = -1
        self.backlog = Backlog(self.config["repl-backlog-size"], self.offset + 1)
        self.factory.writes.listen(self._write)
        self._cron.start(1, now=False)

    def _free_backlog(self):
        log.info(
            "Replication backlog freed after {ttl} seconds without connected replicas.",
            ttl=self.config["repl-backlog-ttl"],
        )
        self.factory.writes.unlisten(self._write)
        self.backlog = None
        self.replid = new_replication_id()
        self.replid2 = NO_REPLICATION_ID
        self.second_offset = -1
        if self._cron.running:
            self._cron.stop()

    # -- when this server is a replica (L{miniredis.replication.replica})

    def become_replica(self):
        """
        From now on the stream is the master's, fed by the replica side:
        our replicas must sync again, from the new history.
        """
        self.factory.writes.unlisten(self._write)
        self._disconnect_replicas()

    def adopt(self, replid, offset):
        """A full sync from our master: its history is ours from C{offset}."""
        self.replid = replid
        self.replid2 = NO_REPLICATION_ID
        self.second_offset = -1
        self.offset = offset
        self.backlog = Backlog(self.config["repl-backlog-size"], offset + 1)
        if not self._cron.running:
            self._cron.start(1, now=False)
        self._disconnect_replicas()

    def shift_id(self, replid):
        """Our history goes on under the id C{replid} (the master changed it)."""
        if replid != self.replid:
            self.replid2, self.second_offset = self.replid, self.offset + 1
            self.replid = replid
            self._disconnect_replicas()

    def change_id(self):
        """DEBUG CHANGE-REPL-ID: a new id, and no previous one."""
        self.replid = new_replication_id()
        self.replid2 = NO_REPLICATION_ID
        self.second_offset = -1

    def promote(self):
        """REPLICAOF NO ONE: a new history, which continues the one we had."""
        self.shift_id(new_replication_id())
        self._selected = -1
        if self.backlog is not None:
            self.factory.writes.listen(self._write)

    def _disconnect_replicas(self):
        for link in list(self.replicas):
            if link.session.connection is not None:
                link.session.connection.transport.loseConnection()

    # -- across restarts

    def save_info(self):
        """
        @return: the AUX fields an RDB file keeps of the replication
            history (none without one), so that after a restart replicas,
            or this server as a replica, may continue it.
        """
        if self.backlog is None:
            return []
        return [
            (b"repl-stream-db", b"%d" % self.factory.upstream.stream_db()),
            (b"repl-id", self.replid.encode()),
            (b"repl-offset", b"%d" % self.offset),
        ]

    def restore(self, aux):
        """Take up the history an RDB file's AUX fields tell, if they do."""
        replid = aux.get(b"repl-id", b"")
        try:
            offset = int(aux.get(b"repl-offset", b""))
            stream_db = int(aux.get(b"repl-stream-db", b"0"))
        except ValueError:
            return
        if len(replid) != 40 or offset < 0:
            return
        self.replid = replid.decode("ascii", "replace")
        self.replid2 = NO_REPLICATION_ID
        self.second_offset = -1
        self.offset = offset
        self.backlog = Backlog(self.config["repl-backlog-size"], offset + 1)
        self.factory.upstream.restored_db = stream_db
        if not self.factory.upstream.active:
            self.factory.writes.listen(self._write)
        if not self._cron.running:
            self._cron.start(1, now=False)

    def _resize(self, size):
        if self.backlog is not None:
            self.backlog.resize(size)

    # -- syncing

    def psync(self, session, replid, offset):
        """
        PSYNC: go on from C{offset} if the history allows it, else a full
        resynchronisation.

        @param replid: the id the replica knows (C{?} for none).
        @param offset: the offset of the first byte it wants, or None when
            it sent no number.
        """
        if self._unlinked(session):
            return
        if offset is not None and self._can_continue(replid, offset):
            self._continue(session, offset)
        else:
            self.full_sync(session, psync=True)

    def _unlinked(self, session):
        """
        Refuse to serve a replica while this server, itself a replica, has
        no link to its master; @return: whether it refused.
        """
        upstream = self.factory.upstream
        if upstream.active and upstream.link_state != "connected":
            session.connection.send_raw(
                b"-NOMASTERLINK Can't SYNC while not connected with my master\r\n"
            )
            return True
        return False

    def _can_continue(self, replid, offset):
        if self.backlog is None:
            return False
        if replid != self.replid and not (
            replid == self.replid2 and offset <= self.second_offset
        ):
            return False
        return self.backlog.holds(offset)

    def _continue(self, session, offset):
        link = self._attach(session)
        link.state = "online"
        link.streaming = True
        connection = session.connection
        if "psync2" in link.announce.capa:
            connection.send_raw(b"+CONTINUE %s\r\n" % (self.replid.encode(),))
        else:
            connection.send_raw(b"+CONTINUE\r\n")
        missed = self.backlog.since(offset)
        if missed:
            connection.send_raw(missed)
        log.info(
            "Partial resynchronization request from {ip}:{port} accepted. "
            "Sending {count} bytes of backlog starting from offset {offset}.",
            ip=link.ip,
            port=link.announce.port,
            count=len(missed),
            offset=offset,
        )

    def full_sync(self, session, psync):
        """
        Send a snapshot, then the stream from the snapshot on.

        @param psync: whether the replica asked with PSYNC (which is told
            the id and offset) rather than the old SYNC.
        """
        if self._unlinked(session):
            return
        if self.backlog is None:
            self._create_backlog()
        link = self._attach(session)
        connection = session.connection
        if psync:
            connection.send_raw(
                b"+FULLRESYNC %s %d\r\n" % (self.replid.encode(), self.offset)
            )
        eof = self.config["repl-diskless-sync"] and "eof" in link.announce.capa
        aux = [
            (b"repl-stream-db", b"0"),
            (b"repl-id", self.replid.encode()),
            (b"repl-offset", b"%d" % self.offset),
        ]
        # the stream after the snapshot starts with a SELECT
        self._selected = -1
        if eof:
            link.eof_mark = binascii.hexlify(os.urandom(20))
            connection.send_raw(b"$EOF:%s\r\n" % (link.eof_mark,))
            on_data = connection.send_raw
        else:
            image = []
            on_data = image.append

        def done(ok):
            link.snapshot = None
            if session.replica is not link:
                return
            if not ok:
                connection.transport.loseConnection()
                return
            if eof:
                connection.transport.unregisterProducer()
                connection.send_raw(link.eof_mark)
            else:
                data = b"".join(image)
                connection.send_raw(b"$%d\r\n" % (len(data),))
                connection.send_uncounted(data)
            self._online(link)

        link.snapshot = Snapshot(
            self.clock,
            self.factory.store,
            aux,
            on_data,
            done,
            checksum=self.config["rdbchecksum"],
        )
        link.snapshot.start()
        if eof:
            connection.transport.registerProducer(link.snapshot, True)
        log.info(
            "Starting {kind} sync with replica {ip}:{port} (child {pid})",
            kind="diskless" if eof else "full",
            ip=link.ip,
            port=link.announce.port,
            pid=link.snapshot.pid,
        )

    def _online(self, link):
        connection = link.session.connection
        if link.announce.rdb_only:
            connection.transport.loseConnection()
            return
        link.state = "online"
        link.ack_time = self.clock.seconds()
        if link.eof_mark is None:
            link.start_streaming()
        log.info(
            "Synchronization with replica {ip}:{port} succeeded",
            ip=link.ip,
            port=link.announce.port,
        )
        self._count_good_replicas()

    def _attach(self, session):
        announce = session.replica_announce or Announce()
        link = ReplicaLink(session, announce, self.clock.seconds())
        session.replica = link
        self.replicas.append(link)
        return link

    def detach(self, session):
        """The replica of C{session} went away."""
        link = session.replica
        session.replica = None
        if link in self.replicas:
            self.replicas.remove(link)
        if link.snapshot is not None:
            link.snapshot.stopProducing()
        if not self.replicas:
            self.lonely_since = self.clock.seconds()
        log.info(
            "Connection with replica {ip}:{port} lost.",
            ip=link.ip,
            port=link.announce.port,
        )
        self._count_good_replicas()

    # -- acknowledgements and WAIT

    def ack(self, session, offset):
        """REPLCONF ACK from a replica."""
        link = session.replica
        if link is None:
            return
        if offset > link.ack_offset:
            link.ack_offset = offset
        link.acked = True
        if link.state == "online" and not link.streaming:
            link.start_streaming()
        link.ack_time = self.clock.seconds()
        self._count_good_replicas()
        if self._waiting:
            self._serve_waiting()
        self.factory.failover.check()

    def acknowledged(self, offset):
        """@return: how many replicas acknowledged the stream up to C{offset}."""
        return sum(
            1 for link in self.replicas if link.acked and link.ack_offset >= offset
        )

    def wait(self, session, wanted, timeout):
        """
        WAIT: reply at once if enough replicas acknowledged this server's
        writes so far, else block C{session} until they do or C{timeout}
        (seconds, 0 for ever) passes.

        @return: the count, or None when the session now waits.
        """
        target = self.offset
        count = self.acknowledged(target)
        if count >= wanted or session.deny_blocking:
            return count
        self.factory.waits.block(
            session, (), timeout, _no_key_serves, lambda: self.acknowledged(target)
        )
        self._waiting = [w for w in self._waiting if w[0].blocked is w[1]]
        self._waiting.append((session, session.blocked, wanted, target))
        if self._getack_call is None and self.backlog is not None:
            self._getack_call = self.clock.callLater(0, self._ask_acks)
        return None

    def _ask_acks(self):
        self._getack_call = None
        if self.backlog is not None and self.replicas:
            self.feed(_GETACK)

    def _serve_waiting(self):
        still = []
        for session, wait, wanted, target in self._waiting:
            if session.blocked is not wait:
                continue
            count = self.acknowledged(target)
            if count >= wanted:
                self.factory.waits.cancel(session)
                session.resume(count)
            else:
                still.append((session, wait, wanted, target))
        self._waiting = still

    # -- min-replicas-to-write

    def _min_replicas_changed(self, value):
        self._count_good_replicas()

    def _count_good_replicas(self):
        now, lag = self.clock.seconds(), self.config["min-replicas-max-lag"]
        self.good_replicas = sum(
            1
            for link in self.replicas
            if link.state == "online" and now - link.ack_time <= lag
        )
        needed = self.config["min-replicas-to-write"]
        self.factory.set_noreplicas(
            bool(needed and lag and self.good_replicas < needed)
            and not self.factory.upstream.active
        )

    # -- once a second

    def _tick(self):
        try:
            self._cron_work()
        except Exception:
            log.failure("replication cron failed")

    def _cron_work(self):
        self._ticks += 1
        now = self.clock.seconds()
        period = self.config["repl-ping-replica-period"]
        upstream = self.factory.upstream.active  # then the master pings
        quiet = upstream or self.factory.failover.state != NO_FAILOVER
        if self.replicas and period > 0 and self._ticks % period == 0 and not quiet:
            self.feed(_PING)
        timeout = self.config["repl-timeout"]
        for link in list(self.replicas):
            connection = link.session.connection
            if link.state != "online":
                if link.eof_mark is None:
                    connection.send_raw(b"\n")  # alive while the image is made
                continue
            if now - link.ack_time > timeout:
                log.warn(
                    "Disconnecting timedout replica: {ip}:{port}",
                    ip=link.ip,
                    port=link.announce.port,
                )
                connection.transport.loseConnection()
        ttl = self.config["repl-backlog-ttl"]
        if not (self.replicas or upstream) and ttl and now - self.lonely_since > ttl:
            self._free_backlog()
        self._count_good_replicas()

    # -- reports

    def role(self):
        """@return: ROLE's reply."""
        if self.factory.upstream.active:
            return self.factory.upstream.role()
        return [
            b"master",
            self.offset,
            [
                [link.ip.encode(), b"%d" % link.announce.port, b"%d" % link.ack_offset]
                for link in self.replicas
            ],
        ]

    def info(self):
        """@return: the fields of INFO's replication section."""
        now = self.clock.seconds()
        upstream = self.factory.upstream
        fields = upstream.info() if upstream.active else [("role", "master")]
        fields.append(("connected_slaves", len(self.replicas)))
        for index, link in enumerate(self.replicas):
            lag = int(now - link.ack_time) if link.state == "online" else 0
            fields.append(
                (
                    "slave%d" % index,
                    "ip=%s,port=%d,state=%s,offset=%d,lag=%d"
                    % (link.ip, link.announce.port, link.state, link.ack_offset, lag),
                )
            )
        backlog = self.backlog
        fields += [
            ("master_failover_state", self.factory.failover.state),
            ("master_replid", self.replid),
            ("master_replid2", self.replid2),
            ("master_repl_offset", self.offset),
            ("second_repl_offset", self.second_offset),
            ("repl_backlog_active", int(backlog is not None)),
            ("repl_backlog_size", self.config["repl-backlog-size"]),
            ("repl_backlog_first_byte_offset", backlog.first if backlog else 0),
            ("repl_backlog_histlen", backlog.histlen if backlog else 0),
        ]
        return fields


def _no_key_serves(key):
    return None
