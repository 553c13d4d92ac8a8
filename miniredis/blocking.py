"""
A blocking client, for scripts and the Python prompt, on a plain socket.

(C{blocking} as in "blocks until the reply is there"; the server's blocked
clients, BLPOP and friends, are L{miniredis.waits}.)

Usage::

    >>> from miniredis.blocking import Client
    >>> client = Client(port=6379, decode_responses=True)
    >>> client.mset("k1", "v1", "k2", ["v2-0", 1, "v2-2"], "k3", "v3")
    'OK'
    >>> client.get("k2")
    ['v2-0', 1, 'v2-2']
    >>> client.mget("k3", "k1")
    ['v3', 'v1']
    >>> client.delete("k1")
    1
    >>> client.close()

The methods are those of L{miniredis.client.RedisCommands}, plus
L{Client.execute} for any command. An error reply raises L{RedisError}.

The client connects on its first call, and again on the first call after
the server closed the connection while it was idle (a restart, an idle
timeout, C{CLIENT KILL}); the password, database and protocol version it
was given or switched to are set up again. If the connection breaks while a
reply is awaited, the call raises C{ConnectionError} (the command may or
may not have run) and the next call connects anew. Pub/sub is not for
this client (use L{miniredis.client}): it refuses to subscribe, and drops
any out-of-band RESP3 push.
"""

import select
import socket
from collections import deque

from miniredis.client import RedisCommands, RedisError, command_name, decoded
from miniredis.resp import Decoder, ProtocolError, Push, ReplyError, encode_command


class Client(RedisCommands):
    """
    A connection to a Redis server; each call returns the reply.

    @ivar db: the database selected (again after a reconnection).
    @ivar protocol: the RESP version spoken (2 or 3).
    """

    def __init__(
        self,
        host="127.0.0.1",
        port=6379,
        password=None,
        db=0,
        protocol=3,
        timeout=None,
        decode_responses=False,
    ):
        """
        @param password: sent with C{AUTH} (or C{HELLO 3 AUTH}) when given.
        @param db: the database to C{SELECT}.
        @param protocol: the RESP version to speak: 3 (C{HELLO 3}: maps come
            back as dicts, as typed values were stored), or 2.
        @param timeout: seconds to wait for the connection and for each
            reply (then C{TimeoutError}, and the connection is dropped);
            None to wait for ever.
        @param decode_responses: decode replies' byte strings to C{str}.
        """
        self.host = host
        self.port = port
        self.password = password
        self.db = db
        self.protocol = protocol
        self.timeout = timeout
        self.decode_responses = decode_responses
        self._sock = None
        self._decoder = None
        self._replies = deque()

    def __repr__(self):
        state = "connected" if self._sock is not None else "not connected"
        return "<Client %s:%s db=%s %s>" % (self.host, self.port, self.db, state)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def execute(self, *args):
        """
        Send a command and wait for its reply: C{execute("SET", "k", "v")}.

        @raise RedisError: for an error reply.
        @raise ConnectionError: the connection could not be made, or broke.
        @raise TimeoutError: no reply in C{timeout} seconds.
        """
        if not args:
            raise ValueError("a command needs a name")
        name = command_name(args)
        if name.endswith("subscribe"):
            raise ValueError("pub/sub needs the Deferred client (miniredis.client)")
        if name == "monitor":
            raise ValueError("MONITOR takes the connection: use monitor()")
        if self._sock is None or self._closed_by_server():
            self._connect()
        reply = self._roundtrip(args)
        self._remember(name, args)
        return reply

    def _call(self, convert, *args):
        reply = self.execute(*args)
        return reply if convert is None else convert(reply)

    def monitor(self):
        """
        C{MONITOR}: yield each line the server then sends about the commands
        it runs, until the connection breaks. The connection serves nothing
        else and closes when the generator does::

            for line in Client(port=6379).monitor():
                print(line)
        """
        if self._sock is None or self._closed_by_server():
            self._connect()
        try:
            self._roundtrip(("MONITOR",))
            while True:
                yield self._reply()
        finally:
            self.close()

    def _remember(self, name, args):
        """Keep what a reconnection must set up again."""
        if name == "select":
            self.db = int(args[1])
        elif name == "hello" and len(args) > 1:
            self.protocol = int(args[1])
        elif name == "auth":
            self.password = args[-1]
        elif name == "reset":
            self.db, self.protocol = 0, 2

    def close(self):
        """Close the connection (the next call opens a new one)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _connect(self):
        self.close()
        try:
            sock = socket.create_connection((self.host, self.port), self.timeout)
        except socket.timeout:
            raise TimeoutError("connecting to %s:%s timed out" % (self.host, self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._decoder = Decoder(inline=False)
        self._replies.clear()
        try:
            if self.protocol == 3:
                auth = ("AUTH", "default", self.password) if self.password else ()
                self._roundtrip(("HELLO", 3) + auth)
            elif self.password is not None:
                self._roundtrip(("AUTH", self.password))
            if self.db:
                self._roundtrip(("SELECT", self.db))
        except BaseException:
            self.close()
            raise

    def _closed_by_server(self):
        """
        @return: whether the server closed the connection while we were
            idle (what it sent before, pushes, is dropped).
        """
        while select.select([self._sock], [], [], 0)[0]:
            try:
                data = self._sock.recv(65536)
                if data:
                    self._decoder.feed(data)
                    self._decoder.values()
                    continue
            except (OSError, ProtocolError):
                pass
            self.close()
            return True
        return False

    def _roundtrip(self, args):
        return self._reply(encode_command(args))

    def _reply(self, request=None):
        """
        Send C{request}, if given, and read the next reply.

        @return: the reply, decoded as asked; @raise: as L{execute} does.
        """
        try:
            if request is not None:
                self._sock.sendall(request)
            reply = self._read()
        except socket.timeout:
            self.close()
            raise TimeoutError("no reply in %s seconds" % (self.timeout,))
        except (OSError, ProtocolError) as e:
            self.close()
            raise ConnectionError(
                "connection to %s:%s lost: %s" % (self.host, self.port, e)
            ) from e
        if isinstance(reply, ReplyError):
            raise RedisError(reply.message)
        return decoded(reply) if self.decode_responses else reply

    def _read(self):
        replies = self._replies
        while not replies:
            data = self._sock.recv(65536)
            if not data:
                raise ConnectionError("closed by the server")
            self._decoder.feed(data)
            replies.extend(v for v in self._decoder.values() if type(v) is not Push)
        return replies.popleft()
