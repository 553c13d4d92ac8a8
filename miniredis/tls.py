"""
TLS as Redis 7.0 sets it up: the C{tls-*} parameters make an OpenSSL
context for the C{tls-port} listeners and one for the connection to a
master (C{tls-replication}). A CONFIG SET of one of them makes both again
(new connections get the new ones), and a CONFIG SET of C{tls-port} moves
its listeners.

Twisted's TLS is pyOpenSSL's: without it, a server asked for TLS does not
start (L{TLSError} says what to install).

Usage::

    tls = TLS(factory)                  # factory.tls, a service
    tls.configure()                     # or TLSError with what is wrong
    reactor.connectSSL(host, port, client_factory, tls.client)
"""

from twisted.application import service
from twisted.internet import defer
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import (
    IOpenSSLClientConnectionCreator,
    IOpenSSLServerConnectionCreator,
)
from zope.interface import implementer

from miniredis.config import interfaces
from miniredis.logging import logger

log = logger("miniredis.tls")

NEEDS_PYOPENSSL = "TLS needs pyOpenSSL and service_identity: pip install 'twisted[tls]'"

# The parameters the contexts are made of: changing one remakes them.
CONTEXT_PARAMETERS = (
    "tls-cert-file",
    "tls-key-file",
    "tls-key-file-pass",
    "tls-client-cert-file",
    "tls-client-key-file",
    "tls-client-key-file-pass",
    "tls-dh-params-file",
    "tls-ca-cert-file",
    "tls-ca-cert-dir",
    "tls-protocols",
    "tls-ciphers",
    "tls-ciphersuites",
    "tls-prefer-server-ciphers",
    "tls-session-caching",
    "tls-session-cache-size",
    "tls-session-cache-timeout",
    "tls-replication",
    "tls-cluster",
)

_PROTOCOLS = ("tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3")


class TLSError(Exception):
    """The C{tls-*} parameters make no usable context: the message says why."""


def _openssl():
    """@return: pyOpenSSL's C{SSL} module. @raise TLSError: without it."""
    try:
        import service_identity  # noqa: F401 (Twisted's TLS needs it too)
        from OpenSSL import SSL
    except ImportError:
        raise TLSError(NEEDS_PYOPENSSL)
    return SSL


def in_use(config):
    """Whether the parameters ask for TLS (Redis then makes the contexts)."""
    return bool(
        config["tls-port"] or config["tls-replication"] or config["tls-cluster"]
    )


def _reason(error):
    """@return: the text of a pyOpenSSL error: its reasons, first to last."""
    errors = error.args[0] if error.args and isinstance(error.args[0], list) else []
    reasons = [reason or library for library, _, reason in errors]
    return ", ".join(reasons) or str(error) or error.__class__.__name__


def _readable(path, what):
    """@raise TLSError: naming C{what} when C{path} cannot be read."""
    try:
        open(path, "rb").close()
    except OSError as e:
        raise TLSError("Failed to load %s: %s: %s" % (what, path, e.strerror))


def _disabled(SSL, text):
    """
    @return: the C{OP_NO_*} options for the protocols C{tls-protocols}
        leaves out (empty: TLS 1.2 and 1.3).
    """
    wanted = text.lower().split() or ["tlsv1.2", "tlsv1.3"]
    if any(name not in _PROTOCOLS for name in wanted):
        raise TLSError(
            "Invalid tls-protocols specified. Use a combination of 'TLSv1', "
            "'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'."
        )
    options = 0
    for name, option in zip(
        _PROTOCOLS, ("OP_NO_TLSv1", "OP_NO_TLSv1_1", "OP_NO_TLSv1_2", "OP_NO_TLSv1_3")
    ):
        if name not in wanted:
            options |= getattr(SSL, option)
    return options


def _context(SSL, config, disabled, cert, key, password):
    """
    @return: a context with this certificate and key, the CA and the
        protocols and ciphers of C{config}.
    """
    context = SSL.Context(SSL.TLS_METHOD)
    context.set_options(
        SSL.OP_NO_SSLv2 | SSL.OP_NO_SSLv3 | SSL.OP_NO_COMPRESSION | disabled
    )
    # Always answer a key's request for a password: OpenSSL would ask the terminal.
    context.set_passwd_cb(lambda *_: password.encode("utf-8"))
    _readable(cert, "certificate")
    _readable(key, "private key")
    try:
        context.use_certificate_chain_file(cert)
    except SSL.Error as e:
        raise TLSError("Failed to load certificate: %s: %s" % (cert, _reason(e)))
    try:
        context.use_privatekey_file(key)
        context.check_privatekey()
    except SSL.Error as e:
        raise TLSError("Failed to load private key: %s: %s" % (key, _reason(e)))
    cafile, capath = config["tls-ca-cert-file"], config["tls-ca-cert-dir"]
    if cafile or capath:
        try:
            context.load_verify_locations(cafile or None, capath or None)
        except SSL.Error as e:
            raise TLSError(
                "Failed to configure CA certificate(s) file/directory: %s"
                % (_reason(e),)
            )
    if config["tls-ciphers"]:
        try:
            context.set_cipher_list(config["tls-ciphers"].encode("utf-8"))
        except SSL.Error:
            raise TLSError("Failed to configure ciphers: %s" % (config["tls-ciphers"],))
    if config["tls-ciphersuites"]:
        if not hasattr(context, "set_tls13_ciphersuites"):
            raise TLSError("tls-ciphersuites needs pyOpenSSL 25.3 or newer")
        try:
            context.set_tls13_ciphersuites(config["tls-ciphersuites"].encode("utf-8"))
        except SSL.Error:
            raise TLSError(
                "Failed to configure ciphersuites: %s" % (config["tls-ciphersuites"],)
            )
    return context


def make_contexts(config):
    """
    Make the contexts the C{tls-*} parameters describe, checking them as
    Redis does.

    @return: C{(server context, client context)}; the server's connections
        verify clients as C{tls-auth-clients} says when they are made
        (L{TLS.serverConnectionForTLS}), the client's verify the master.
    @raise TLSError: for missing or unusable files and values.
    """
    SSL = _openssl()
    if not config["tls-cert-file"]:
        raise TLSError("No tls-cert-file configured!")
    if not config["tls-key-file"]:
        raise TLSError("No tls-key-file configured!")
    verifies = (
        config["tls-auth-clients"] != "no"
        or config["tls-replication"]
        or config["tls-cluster"]
    )
    if verifies and not (config["tls-ca-cert-file"] or config["tls-ca-cert-dir"]):
        raise TLSError(
            "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when "
            "tls-cluster, tls-replication or tls-auth-clients are enabled!"
        )
    disabled = _disabled(SSL, config["tls-protocols"])
    own = (config["tls-cert-file"], config["tls-key-file"], config["tls-key-file-pass"])
    server = _context(SSL, config, disabled, *own)
    if config["tls-session-caching"]:
        server.set_session_cache_mode(SSL.SESS_CACHE_SERVER)
        server.set_timeout(config["tls-session-cache-timeout"])
        server.set_session_id(b"redis")
    else:
        server.set_session_cache_mode(SSL.SESS_CACHE_OFF)
    if config["tls-prefer-server-ciphers"]:
        server.set_options(SSL.OP_CIPHER_SERVER_PREFERENCE)
    if config["tls-dh-params-file"]:
        _readable(config["tls-dh-params-file"], "DH params file")
        try:
            server.load_tmp_dh(config["tls-dh-params-file"])
        except Exception as e:  # pyOpenSSL asserts on a file without DH parameters
            raise TLSError(
                "Failed to load DH params file: %s: %s"
                % (config["tls-dh-params-file"], _reason(e))
            )
    if config["tls-client-cert-file"] and config["tls-client-key-file"]:
        own = (
            config["tls-client-cert-file"],
            config["tls-client-key-file"],
            config["tls-client-key-file-pass"],
        )
    client = _context(SSL, config, disabled, *own)
    client.set_verify(SSL.VERIFY_PEER)
    return server, client


@implementer(IOpenSSLClientConnectionCreator)
class _ClientSide:
    """Connections to a master: made from the client context."""

    def __init__(self, tls):
        self._tls = tls

    def clientConnectionForTLS(self, protocol):
        return _openssl().Connection(self._tls.contexts()[1], None)


@implementer(IOpenSSLServerConnectionCreator)
class TLS(service.Service):
    """
    The server's TLS: its contexts (it makes the listeners' connections)
    and its C{tls-port} listeners, opened when it starts.

    @ivar client: what makes the connections to a master.
    @ivar ports: the listening ports of C{tls-port}, one per C{bind} address.
    """

    def __init__(self, factory):
        self.factory = factory
        self.config = factory.config
        self.client = _ClientSide(self)
        self.ports = []
        self._contexts = None
        appliers = self.config.appliers
        for name in CONTEXT_PARAMETERS:
            appliers[name] = self._parameters_changed
        appliers["tls-port"] = self._port_changed

    def configure(self):
        """
        Make the contexts of the current parameters (the old ones stay when
        the new ones cannot be made).

        @raise TLSError: when they cannot.
        """
        self._contexts = make_contexts(self.config)

    def contexts(self):
        """@return: C{(server, client)} contexts, made when first needed."""
        if self._contexts is None:
            self.configure()
        return self._contexts

    def serverConnectionForTLS(self, protocol):
        """
        @return: a connection made from the server context, verifying the
            client as C{tls-auth-clients} now says.
        """
        SSL = _openssl()
        connection = SSL.Connection(self.contexts()[0], None)
        connection.set_verify(
            {
                "yes": SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT,
                "optional": SSL.VERIFY_PEER,
                "no": SSL.VERIFY_NONE,
            }[self.config["tls-auth-clients"]]
        )
        return connection

    def startService(self):
        if in_use(self.config):
            self.configure()
        self._listen(self.config["tls-port"])
        service.Service.startService(self)

    def stopService(self):
        service.Service.stopService(self)
        ports, self.ports = self.ports, []
        return defer.gatherResults([port.stopListening() for port in ports])

    def _listen(self, port):
        """
        Listen on C{port} on every C{bind} address (0: nowhere), then close
        the previous listeners; keep them if one new listener fails.

        @raise CannotListenError: for a port in use.
        """
        opened = []
        try:
            for interface in interfaces(self.config["bind"]) if port else ():
                opened.append(
                    self.factory.clock.listenSSL(
                        port,
                        self.factory,
                        self,
                        self.config["tcp-backlog"],
                        interface,
                    )
                )
        except CannotListenError:
            for listening in opened:
                listening.stopListening()
            raise
        previous, self.ports = self.ports, opened
        for listening in previous:
            listening.stopListening()

    def _parameters_changed(self):
        """CONFIG SET of a context parameter: remake the contexts if TLS is on."""
        if not in_use(self.config):
            return
        try:
            self.configure()
        except TLSError as e:
            log.warn("{why}", why=str(e))
            raise ValueError("Unable to update TLS configuration. Check server logs.")

    def _port_changed(self):
        """CONFIG SET tls-port: make the contexts if needed, move the listeners."""
        try:
            self.contexts()
        except TLSError as e:
            log.warn("{why}", why=str(e))
            raise ValueError("Unable to update TLS configuration. Check server logs.")
        if not self.running:
            return
        try:
            self._listen(self.config["tls-port"])
        except CannotListenError as e:
            log.warn("Could not create server TLS listening socket: {why}", why=str(e))
            raise ValueError("Unable to listen on this port. Check server logs.")
