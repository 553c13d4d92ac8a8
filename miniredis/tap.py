"""
The twistd plugin's options and service: C{twistd -n miniredis --port 6380}.

Usage (embedding the whole server as a service)::

    from miniredis.tap import Options, makeService
    options = Options()
    options.parseOptions(["--port", "6380"])
    makeService(options).setServiceParent(application)
"""

from twisted.application import service, strports
from twisted.python import usage

from miniredis.config import PARAMETERS


class Options(usage.Options):
    """
    Command-line options of C{twistd miniredis}. Every Redis parameter of
    L{miniredis.config} is also an option of the same name
    (C{--appendonly yes}, C{--requirepass secret}, ...).
    """

    synopsis = "[options]"
    longdesc = "A Redis-compatible key-value server on Twisted."

    optParameters = [
        [
            "listen",
            "l",
            None,
            "An endpoint to listen on (repeatable), e.g. "
            "tcp:6379:interface=127.0.0.1, unix:/run/miniredis.sock, ssl:6380:...",
        ],
    ] + [[name, None, None, "Redis's %s parameter." % (name,)] for name in PARAMETERS]

    def __init__(self):
        usage.Options.__init__(self)
        self["listen"] = []

    def opt_listen(self, endpoint):
        """An endpoint to listen on (repeatable)."""
        self["listen"].append(endpoint)

    opt_l = opt_listen

    def config_overrides(self):
        """@return: the Redis parameters given on the command line."""
        return {
            name: self[name].encode("utf-8")
            for name in PARAMETERS
            if self.get(name) is not None
        }

    def endpoints(self):
        """@return: the endpoint strings to listen on."""
        if self["listen"]:
            return list(self["listen"])
        port = self.get("port") or "6379"
        if port == "0" and self.get("unixsocket"):
            return ["unix:" + self["unixsocket"]]
        binds = (self.get("bind") or "127.0.0.1").split()
        out = []
        for address in binds:
            kind = "tcp6" if ":" in address else "tcp"
            out.append("%s:%s:interface=%s" % (kind, port, address.replace(":", "\\:")))
        if self.get("unixsocket"):
            out.append("unix:" + self["unixsocket"])
        return out


def makeService(options):
    """
    Build the miniredis service: a listener per endpoint around one
    L{MiniRedisFactory}, and the server's own parts (persistence).

    @rtype: L{service.MultiService}; its C{factory} is the server.
    """
    from miniredis.config import Config
    from miniredis.protocol import MiniRedisFactory

    config = Config()
    for name, raw in options.config_overrides().items():
        config[name] = raw
    factory = MiniRedisFactory(config=config)
    top = service.MultiService()
    top.factory = factory
    for endpoint in options.endpoints():
        strports.service(endpoint, factory).setServiceParent(top)
    return top
