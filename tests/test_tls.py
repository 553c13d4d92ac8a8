"""
TLS: the server on an C{ssl:} endpoint, with a self-signed certificate made
here, serves C{redis-cli --tls} and redis-py's C{ssl=True}. What Twisted's
TLS needs (pyOpenSSL, service_identity) comes with C{pip install .}.
"""

import datetime
import ipaddress
import os
import subprocess
import sys

import pytest
import redis
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.servers import ROOT, ServerProcess, free_port


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
