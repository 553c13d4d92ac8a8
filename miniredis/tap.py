"""
The twistd plugin's options and service: C{twistd -n miniredis --port 6380}.

Options are Redis's parameters (L{miniredis.config}) as C{--name value},
read after an optional configuration file in redis.conf's format
(C{twistd -n miniredis /etc/miniredis.conf --port 7000}), and
C{--listen ENDPOINT} (repeatable) for any Twisted endpoint instead of
C{--bind}/C{--port}/C{--unixsocket}.

Usage (embedding the whole server as a service)::

    from miniredis.tap import Options, makeService
    options = Options()
    options.parseOptions(["--port", "6380"])
    makeService(options).setServiceParent(application)
"""

import os
import re

from twisted.application import service, strports
from twisted.python import usage

from miniredis.config import PARAMETERS, interfaces


class Options(usage.Options):
    """
    Command-line options of C{twistd miniredis}. Every Redis parameter of
    L{miniredis.config} is also an option of the same name
    (C{--appendonly yes}, C{--requirepass secret}, ...).
    """

    synopsis = "[options] [/path/to/miniredis.conf]"
    longdesc = (
        "A Redis-compatible key-value server on Twisted. Without --listen it "
        "listens on tcp:6379:interface=127.0.0.1 (--bind, --port and "
        "--unixsocket change that, as in Redis)."
    )

    optParameters = [
        [
            "config",
            "c",
            None,
            "A configuration file in redis.conf's format, read before the "
            "other options.",
        ],
        [
            "metrics",
            None,
            None,
            "An endpoint serving Prometheus metrics at /metrics, e.g. "
            "tcp:9121:interface=127.0.0.1 (off by default).",
        ],
        [
            "dashboard",
            None,
            None,
            "An endpoint serving the web dashboard, e.g. "
            "tcp:8080:interface=127.0.0.1 (off by default; a bare port number "
            "listens on the loopback interface only).",
        ],
    ] + [[name, None, None, "Redis's %s parameter." % (name,)] for name in PARAMETERS]

    def __init__(self):
        usage.Options.__init__(self)
        self["listen"] = []
        self["rename-command"] = []

    def opt_rename_command(self, names):
        """
        Rename a command, as rename-command does in the configuration file
        (repeatable): "FLUSHALL MYFLUSH", or 'CONFIG ""' to disable it.
        """
        self["rename-command"].append(names)

    def opt_listen(self, endpoint):
        """
        An endpoint to listen on (repeatable), e.g. tcp:6379:interface=127.0.0.1,
        unix:/run/miniredis.sock:mode=660, ssl:6380:privateKey=key.pem
        """
        self["listen"].append(endpoint)

    opt_l = opt_listen

    def parseArgs(self, config=None, *extra):
        if extra:
            raise usage.UsageError(
                "Options go before the configuration file: [options] %s" % (config,)
            )
        if config is not None:
            if self["config"] is not None:
                raise usage.UsageError("Give the configuration file only once.")
            self["config"] = config

    def postOptions(self):
        self.server_config = self.make_config()

    def config_overrides(self):
        """@return: the Redis parameters given on the command line."""
        return {
            name: self[name].encode("utf-8")
            for name in PARAMETERS
            if self.get(name) is not None
        }

    def make_config(self):
        """
        @return: the L{Config}: defaults, then the configuration file, then
            the command line; with C{--listen} endpoints, C{port} is the first
            TCP one's (what INFO reports as C{tcp_port}).
        @raise usage.UsageError: for a bad file or value.
        """
        from miniredis import conffile, tls
        from miniredis.config import Config

        config = Config()
        if self["config"] is not None:
            try:
                conffile.read(config, self["config"])
            except (OSError, conffile.ConfigFileError) as e:
                raise usage.UsageError("Bad configuration file: %s" % (e,))
        for names in self["rename-command"]:
            try:
                conffile.rename_command(config, conffile.split_line(names))
            except ValueError as e:
                raise usage.UsageError("--rename-command: %s" % (e,))
        for name, raw in self.config_overrides().items():
            try:
                config[name] = raw
            except ValueError as e:
                raise usage.UsageError("--%s: %s" % (name, e))
        if config["aclfile"] or config.users:
            _check_users(config)
        if tls.in_use(config):
            try:
                tls.make_contexts(config)
            except tls.TLSError as e:
                raise usage.UsageError("Failed to configure TLS: %s" % (e,))
        for endpoint in self["listen"]:
            found = re.match(r"tcp6?:(?:port=)?(\d+)(?::|$)", endpoint)
            if found:
                config["port"] = int(found.group(1))
                break
        return config


def _check_users(config):
    """
    @raise usage.UsageError: where the users (the ACL file, or the
        configuration file's C{user} lines) cannot be loaded.
    """
    from miniredis import commands
    from miniredis.acl import Users
    from miniredis.resp import ReplyError

    commands.load_all()
    try:
        Users(config)
    except ReplyError as e:
        raise usage.UsageError(
            "Aborting startup because of ACL errors: " + e.message[len("ERR ") :]
        )


def endpoints(options, config):
    """
    @return: the endpoint strings to listen on: C{--listen} values, or
        what Redis's C{bind}, C{port}, C{unixsocket}, C{unixsocketperm} and
        C{tcp-backlog} say (port 0: no TCP). C{tls-port} is not one of them:
        L{miniredis.tls.TLS} listens there.
    """
    if options["listen"]:
        return list(options["listen"])
    out = []
    backlog = ":backlog=%d" % (config["tcp-backlog"],)
    if config["unixsocket"]:
        unix = "unix:" + config["unixsocket"].replace(":", "\\:")
        if config["unixsocketperm"]:
            unix += ":mode=%o" % (config["unixsocketperm"],)
        out.append(unix + backlog)
    port = config["port"]
    for interface in interfaces(config["bind"]) if port else ():
        if ":" in interface:
            interface = interface.replace(":", "\\:")
            out.append("tcp6:%d:interface=%s" % (port, interface) + backlog)
        elif interface:
            out.append("tcp:%d:interface=%s" % (port, interface) + backlog)
        else:
            out.append("tcp:%d" % (port,) + backlog)
    return out


class PidFile(service.Service):
    """Redis's C{pidfile}: the process id, written at start, removed at stop."""

    def __init__(self, path):
        self.path = path

    def startService(self):
        service.Service.startService(self)
        with open(self.path, "w") as f:
            f.write("%d\n" % (os.getpid(),))

    def stopService(self):
        service.Service.stopService(self)
        try:
            os.remove(self.path)
        except OSError:
            pass


def makeService(options):
    """
    Build the miniredis service: a listener per endpoint around one
    L{MiniRedisFactory}, and the server's own parts (persistence).

    @rtype: L{miniredis.lifecycle.ServerService}; its C{factory} is the
        server.
    """
    from miniredis import fdlimit
    from miniredis.lifecycle import Drain, ServerService
    from miniredis.persistence import Persistence
    from miniredis.protocol import MiniRedisFactory

    config = getattr(options, "server_config", None) or options.make_config()
    try:
        fdlimit.follow(config)
    except fdlimit.TooFewFiles:
        raise SystemExit(1)
    factory = MiniRedisFactory(config=config)
    top = ServerService(factory)
    Persistence(factory).setServiceParent(top)
    Drain(factory).setServiceParent(top)
    if config["pidfile"]:
        PidFile(config["pidfile"]).setServiceParent(top)
    for endpoint in endpoints(options, config):
        strports.service(endpoint, factory).setServiceParent(top)
    factory.tls.setServiceParent(top)
    if options.get("metrics"):
        from miniredis.web.metrics import metrics_site

        site = metrics_site(factory)
        strports.service(web_endpoint(options["metrics"]), site).setServiceParent(top)
    if options.get("dashboard"):
        from miniredis.web.dashboard import dashboard_site

        site = dashboard_site(factory)
        strports.service(web_endpoint(options["dashboard"]), site).setServiceParent(top)
    return top


def web_endpoint(description):
    """
    @return: C{description}, where a bare port number becomes a TCP endpoint
        on the loopback interface (web endpoints are local by default).
    """
    if description.isdigit():
        return "tcp:%s:interface=127.0.0.1" % (description,)
    return description
