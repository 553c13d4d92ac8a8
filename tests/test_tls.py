"""
TLS: Redis's C{tls-*} parameters, checked against a redis-server started
with the same ones (a CA, server and client certificates made here), and
the server on an C{ssl:} endpoint. What Twisted's TLS needs (pyOpenSSL,
service_identity) comes with C{pip install .}.
"""

import datetime
import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time

import pytest
import redis
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from miniredis.resp import Decoder, ReplyError
from tests.servers import ROOT, RawConnection, ServerProcess, free_port


def make_certificate(directory):
    """
    Write a self-signed certificate for C{localhost} and its key.

    @return: C{(certificate path, key path)}.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(directory, "cert.pem")
    key_path = os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as f:
        f.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("tls"))
    cert, key = make_certificate(directory)
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    listen = "ssl:%d:interface=127.0.0.1:privateKey=%s:certKey=%s" % (port, key, cert)
    server = ServerProcess(
        [sys.executable, "-m", "miniredis", "--listen", listen], port, directory, env
    ).start()
    yield server, cert
    server.stop()


def test_redis_cli_over_tls(tls_server):
    server, cert = tls_server
    cli = ["redis-cli", "--tls", "--cacert", cert, "-h", "127.0.0.1"]
    cli += ["-p", str(server.port)]
    done = subprocess.run(
        cli + ["SET", "greeting", "hello"], capture_output=True, timeout=30
    )
    assert done.stdout == b"OK\n", done
    done = subprocess.run(cli + ["GET", "greeting"], capture_output=True, timeout=30)
    assert done.stdout == b"hello\n", done


@pytest.mark.parametrize("protocol", [2, 3])
def test_redis_py_over_tls(tls_server, protocol):
    server, cert = tls_server
    client = redis.Redis(
        host="127.0.0.1",
        port=server.port,
        ssl=True,
        ssl_ca_certs=cert,
        protocol=protocol,
    )
    try:
        assert client.ping()
        client.set("tls-key", "value")
        assert client.get("tls-key") == b"value"
    finally:
        client.close()


def test_plain_text_on_the_tls_port_gets_nothing(tls_server):
    server, _ = tls_server
    done = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(server.port), "PING"],
        capture_output=True,
        timeout=30,
    )
    assert b"PONG" not in done.stdout


# ------------------------------------------------- Redis's tls-* parameters


def _write_key(key, path):
    with open(path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )


def _issue(directory, name, common_name, issuer=None, ca=False, hosts=False):
    """
    Write a certificate and its key: C{name.crt}, C{name.key}.

    @param issuer: C{(certificate, key)} of the CA that signs it, or None
        for a self-signed one.
    @return: C{(certificate, key)}.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer_name, signer = (issuer[0].subject, issuer[1]) if issuer else (subject, key)
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if hosts:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
    certificate = builder.sign(signer, hashes.SHA256())
    with open(os.path.join(directory, name + ".crt"), "wb") as f:
        f.write(certificate.public_bytes(serialization.Encoding.PEM))
    _write_key(key, os.path.join(directory, name + ".key"))
    return certificate, key


class PKI:
    """
    A CA, a server certificate and a client certificate it signs, and a
    client certificate from another CA: files in C{directory}.
    """

    def __init__(self, directory):
        self.directory = directory
        ca = _issue(directory, "ca", "Test CA", ca=True)
        _issue(directory, "server", "localhost", ca, hosts=True)
        _issue(directory, "client", "client", ca)
        other = _issue(directory, "other-ca", "Other CA", ca=True)
        _issue(directory, "stranger", "stranger", other)

    def path(self, name):
        return os.path.join(self.directory, name)

    def server_options(self):
        """@return: the options both servers start with."""
        return [
            "--tls-cert-file",
            self.path("server.crt"),
            "--tls-key-file",
            self.path("server.key"),
            "--tls-ca-cert-file",
            self.path("ca.crt"),
        ]

    def context(self, client="client", **versions):
        """
        @param client: the certificate to show (C{client}, C{stranger}), or
            None for none.
        @return: an C{ssl.SSLContext} trusting the CA.
        """
        context = ssl.create_default_context(cafile=self.path("ca.crt"))
        if client is not None:
            context.load_cert_chain(
                self.path(client + ".crt"), self.path(client + ".key")
            )
        for name, version in versions.items():
            setattr(context, name, version)
        return context


class TLSConnection(RawConnection):
    """A L{RawConnection} over TLS."""

    def __init__(self, port, context, timeout=10.0):
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = context.wrap_socket(raw, server_hostname="localhost")
        self.decoder = Decoder(inline=False)
        self.pending = []


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _mini(directory, port, *options, env=None):
    """A TLS-only miniredis process (not started)."""
    argv = [sys.executable, "-m", "miniredis", "--port", "0", "--tls-port", str(port)]
    return ServerProcess(argv + list(options), port, directory, env or _env())


def _real(directory, port, *options):
    """A TLS-only redis-server process (not started)."""
    argv = [shutil.which("redis-server"), "--port", "0", "--tls-port", str(port)]
    argv += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return ServerProcess(argv + list(options), port, directory)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return PKI(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="module")
def both(pki, tmp_path_factory):
    """C{(redis-server, miniredis)}, TLS only, with the same TLS options."""
    options = pki.server_options()
    servers = []
    try:
        for make in (_real, _mini):
            directory = str(tmp_path_factory.mktemp(make.__name__.strip("_")))
            servers.append(make(directory, free_port(), *options).start())
        yield tuple(servers)
    finally:
        for server in servers:
            server.stop()


def _cli(port, pki, *args, client=True):
    argv = ["redis-cli", "--tls", "--cacert", pki.path("ca.crt"), "-p", str(port)]
    if client:
        argv += ["--cert", pki.path("client.crt"), "--key", pki.path("client.key")]
    return subprocess.run(argv + list(args), capture_output=True, timeout=30)


def _replies(port, pki, context=None):
    """@return: the replies of a few commands over one TLS connection."""
    connection = TLSConnection(port, context or pki.context())
    try:
        return [
            connection.call(*argv)
            for argv in (
                ["PING"],
                ["SET", "tls:key", "value"],
                ["GET", "tls:key"],
                ["CONFIG", "GET", "tls-auth-clients"],
                ["CONFIG", "GET", "tls-protocols"],
                ["DEL", "tls:key"],
            )
        ]
    finally:
        connection.close()


def _refused(port, context):
    """@return: whether the server drops a TLS client (in or after the handshake)."""
    try:
        connection = TLSConnection(port, context)
    except (ssl.SSLError, OSError):
        return True
    try:
        return connection.call("PING") != b"PONG"
    except (ssl.SSLError, OSError):
        return True
    finally:
        connection.close()


def test_redis_cli_gets_the_same_replies(both, pki):
    outputs = []
    for server in both:
        script = [
            ["SET", "k", "v"],
            ["GET", "k"],
            ["INCR", "n"],
            ["CONFIG", "GET", "tls-*"],
        ]
        outputs.append([_cli(server.port, pki, *argv).stdout for argv in script])
        _cli(server.port, pki, "FLUSHALL")
    real, mini = outputs
    assert real[:3] == mini[:3] == [b"OK\n", b"v\n", b"1\n"]

    # CONFIG GET tls-*: the same parameters and values, but for the port.
    def values(text):
        lines = text.split(b"\n")
        found = dict(zip(lines[::2], lines[1::2]))
        found.pop(b"tls-port")
        return found

    assert values(real[3]) == values(mini[3])


def test_commands_over_tls(both, pki):
    real, mini = (_replies(server.port, pki) for server in both)
    assert real == mini
    assert real[2] == b"value"


@pytest.mark.parametrize("protocol", [2, 3])
def test_redis_py_with_a_client_certificate(both, pki, protocol):
    for server in both:
        client = redis.Redis(
            host="127.0.0.1",
            port=server.port,
            ssl=True,
            ssl_ca_certs=pki.path("ca.crt"),
            ssl_certfile=pki.path("client.crt"),
            ssl_keyfile=pki.path("client.key"),
            protocol=protocol,
        )
        try:
            assert client.ping()
            client.set("py", "tls")
            assert client.get("py") == b"tls"
            client.delete("py")
        finally:
            client.close()


def _redis_py_ping(port, pki):
    """redis-py with C{ssl=True} and no client certificate."""
    client = redis.Redis(
        host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=pki.path("ca.crt")
    )
    try:
        return client.ping()
    except redis.ConnectionError:
        return "refused"
    finally:
        client.close()


def test_a_client_certificate_is_required(both, pki):
    for server in both:
        assert _refused(server.port, pki.context(client=None))
        assert _refused(server.port, pki.context(client="stranger"))
        assert _redis_py_ping(server.port, pki) == "refused"
        assert _cli(server.port, pki, "PING", client=False).stdout != b"PONG\n"
        assert not _refused(server.port, pki.context())


@pytest.mark.parametrize("mode", ["optional", "no"])
def test_tls_auth_clients(both, pki, mode):
    """CONFIG SET tls-auth-clients: new connections follow it at once."""
    for server in both:
        admin = TLSConnection(server.port, pki.context())
        try:
            assert admin.call("CONFIG", "SET", "tls-auth-clients", mode) == b"OK"
            assert _redis_py_ping(server.port, pki) is True
            assert not _refused(server.port, pki.context(client=None))
            # A certificate from another CA: checked when shown, unless "no".
            assert _refused(server.port, pki.context("stranger")) == (mode != "no")
        finally:
            admin.call("CONFIG", "SET", "tls-auth-clients", "yes")
            admin.close()
        assert _refused(server.port, pki.context(client=None))


def test_plain_text_on_the_tls_port_is_dropped(both):
    for server in both:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"PING\r\n")
            try:
                data = sock.recv(1024)
                while data and b"PONG" not in data:
                    data = sock.recv(1024)
            except OSError:
                data = b""
            assert b"PONG" not in data


def test_tls_protocols(both, pki):
    """Only TLS 1.3: a client limited to TLS 1.2 cannot connect."""
    old = pki.context(maximum_version=ssl.TLSVersion.TLSv1_2)
    for server in both:
        admin = TLSConnection(server.port, pki.context())
        try:
            assert admin.call("CONFIG", "SET", "tls-protocols", "TLSv1.3") == b"OK"
            assert _refused(server.port, old)
            assert not _refused(server.port, pki.context())
        finally:
            assert admin.call("CONFIG", "SET", "tls-protocols", "") == b"OK"
            admin.close()
        assert not _refused(server.port, old)


@pytest.mark.parametrize(
    "name, value",
    [
        ("tls-cert-file", "/nonexistent/server.crt"),
        ("tls-key-file", "/nonexistent/server.key"),
        ("tls-ca-cert-file", "/nonexistent/ca.crt"),
        ("tls-protocols", "TLSv1.2 SSLv3"),
        ("tls-ciphers", "NO-SUCH-CIPHER"),
        ("tls-ciphersuites", "NO_SUCH_SUITE"),
        ("tls-dh-params-file", "/nonexistent/dh.pem"),
    ],
)
def test_config_set_of_unusable_values(both, pki, name, value):
    """Both refuse them with the same error, keep the old ones and go on."""
    replies = []
    for server in both:
        admin = TLSConnection(server.port, pki.context())
        try:
            before = admin.call("CONFIG", "GET", name)
            reply = admin.call("CONFIG", "SET", name, value)
            replies.append(str(reply))
            assert isinstance(reply, ReplyError)
            assert admin.call("CONFIG", "GET", name) == before
            assert not _refused(server.port, pki.context())
        finally:
            admin.close()
    assert replies[0] == replies[1]
    assert "Unable to update TLS configuration" in replies[0]


def test_config_set_of_the_certificate_and_key_together(both, pki, tmp_path):
    """A new certificate and key in one CONFIG SET: new connections get them."""
    directory = str(tmp_path)
    ca = x509.load_pem_x509_certificate(open(pki.path("ca.crt"), "rb").read())
    ca_key = serialization.load_pem_private_key(
        open(pki.path("ca.key"), "rb").read(), None
    )
    certificate, _ = _issue(directory, "renewed", "localhost", (ca, ca_key), hosts=True)
    for server in both:
        admin = TLSConnection(server.port, pki.context())
        try:
            reply = admin.call(
                "CONFIG",
                "SET",
                "tls-cert-file",
                os.path.join(directory, "renewed.crt"),
                "tls-key-file",
                os.path.join(directory, "renewed.key"),
            )
            assert reply == b"OK"
            fresh = TLSConnection(server.port, pki.context())
            seen = fresh.sock.getpeercert(binary_form=True)
            fresh.close()
            assert seen == certificate.public_bytes(serialization.Encoding.DER)
        finally:
            admin.call(
                "CONFIG",
                "SET",
                "tls-cert-file",
                pki.path("server.crt"),
                "tls-key-file",
                pki.path("server.key"),
            )
            admin.close()


def test_config_set_tls_port(both, pki):
    """CONFIG SET tls-port moves the listener; a port in use is refused."""
    for server in both:
        admin = TLSConnection(server.port, pki.context())
        moved = free_port()
        try:
            reply = admin.call("CONFIG", "SET", "tls-port", str(moved))
            assert reply == b"OK"
            assert not _refused(moved, pki.context())
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", server.port), timeout=5)
            same = admin.call("CONFIG", "SET", "tls-port", str(moved))
            assert same == b"OK"  # unchanged: nothing to do
            other = both[0] if server is both[1] else both[1]
            busy = admin.call("CONFIG", "SET", "tls-port", str(other.port))
            assert str(busy) == (
                "ERR CONFIG SET failed (possibly related to argument 'tls-port') - "
                "Unable to listen on this port. Check server logs."
            )
            assert admin.call("CONFIG", "GET", "tls-port")[1] == b"%d" % moved
        finally:
            assert admin.call("CONFIG", "SET", "tls-port", str(server.port)) == b"OK"
            admin.close()
        assert not _refused(server.port, pki.context())


@pytest.mark.parametrize(
    "options, why",
    [
        ("--tls-port PORT", "No tls-cert-file configured!"),
        ("--tls-port PORT --tls-cert-file server.crt", "No tls-key-file configured!"),
        (
            "--tls-port PORT --tls-cert-file server.crt --tls-key-file server.key",
            "Either tls-ca-cert-file or tls-ca-cert-dir must be specified",
        ),
        (
            "--tls-port PORT --tls-cert-file server.crt --tls-key-file server.key "
            "--tls-auth-clients no --tls-protocols TLSv1.4",
            "Invalid tls-protocols specified.",
        ),
        (
            "--tls-replication yes --tls-cert-file missing.crt --tls-key-file "
            "server.key --tls-ca-cert-file ca.crt",
            "Failed to load certificate",
        ),
    ],
)
def test_bad_tls_stops_the_start(pki, tmp_path, options, why):
    """Both servers refuse to start, and say why."""
    port = "%d" % (free_port(),)
    argv = [
        port
        if arg == "PORT"
        else pki.path(arg)
        if arg.endswith((".crt", ".key"))
        else arg
        for arg in options.split()
    ]
    for make in (_real, _mini):
        server = make(str(tmp_path), free_port(), *argv)
        done = subprocess.run(
            server.argv, capture_output=True, timeout=60, env=server.env, text=True
        )
        assert done.returncode != 0, (make, done)
        assert why in done.stdout + done.stderr, (make, done)


def test_configuration_file_with_both_ports(pki, tmp_path):
    """tls-* lines of a configuration file; port and tls-port side by side."""
    plain, tls_port = free_port(), free_port()
    conf = tmp_path / "miniredis.conf"
    conf.write_text(
        "port %d\ntls-port %d\ntls-cert-file %s\ntls-key-file %s\n"
        "tls-ca-cert-file %s\ntls-auth-clients optional\n"
        % (
            plain,
            tls_port,
            pki.path("server.crt"),
            pki.path("server.key"),
            pki.path("ca.crt"),
        )
    )
    argv = [sys.executable, "-m", "miniredis", str(conf)]
    server = ServerProcess(argv, tls_port, str(tmp_path), _env()).start()
    try:
        connection = RawConnection(plain)
        assert connection.call("PING") == b"PONG"
        connection.close()
        assert not _refused(tls_port, pki.context(client=None))
    finally:
        server.stop()


def test_without_pyopenssl_a_tls_port_is_refused(pki, tmp_path):
    """Without pyOpenSSL the start fails, saying what to install."""
    blocker = tmp_path / "blocked" / "OpenSSL"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('no pyOpenSSL here')\n")
    env = _env()
    env["PYTHONPATH"] = str(blocker.parent) + os.pathsep + env["PYTHONPATH"]
    server = _mini(str(tmp_path), free_port(), *pki.server_options(), env=env)
    done = subprocess.run(
        server.argv, capture_output=True, timeout=60, env=env, text=True
    )
    assert done.returncode != 0
    assert "pip install 'twisted[tls]'" in done.stderr, done


# ------------------------------------------------------------- replication


def _wait_for(predicate, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.parametrize("master_kind", ["redis-server", "miniredis"])
def test_replication_over_tls(pki, tmp_path, master_kind):
    """A replica with tls-replication follows its master over TLS only."""
    makers = {"redis-server": _real, "miniredis": _mini}
    replica_make = _mini if master_kind == "redis-server" else _real
    options = pki.server_options()
    master = makers[master_kind](str(tmp_path / "master"), free_port(), *options)
    (tmp_path / "master").mkdir()
    (tmp_path / "replica").mkdir()
    master.start()
    replica = None
    try:
        replica = replica_make(
            str(tmp_path / "replica"),
            free_port(),
            *options,
            "--tls-replication",
            "yes",
            "--replicaof",
            *(
                ["127.0.0.1 %d" % (master.port,)]
                if replica_make is _mini
                else ["127.0.0.1", str(master.port)]
            ),
        ).start()
        writer = TLSConnection(master.port, pki.context())
        reader = TLSConnection(replica.port, pki.context())
        try:
            assert writer.call("SET", "over", "tls") == b"OK"
            _wait_for(lambda: reader.call("GET", "over") == b"tls")
            writer.call("INCRBY", "counter", "5")
            _wait_for(lambda: reader.call("GET", "counter") == b"5")
            role = reader.call("ROLE")
            assert role[0] == b"slave" and role[3] == b"connected"
        finally:
            writer.close()
            reader.close()
    finally:
        if replica is not None:
            replica.stop()
        master.stop()
