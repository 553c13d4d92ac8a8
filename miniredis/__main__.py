"""
C{python -m miniredis [options] [/path/to/miniredis.conf]} (the C{miniredis}
command): run the server in the foreground, logging to standard output, like
C{twistd -n miniredis} but without twistd's pid file. C{--help} lists the
options.
"""

import sys

from twisted.python import usage


def main(argv=None):
    """
    Run the server until the reactor stops (Ctrl-C, SIGTERM, SHUTDOWN).

    @return: the process's exit status.
    """
    from miniredis.tap import Options

    options = Options()
    try:
        options.parseOptions(sys.argv[1:] if argv is None else argv)
    except usage.UsageError as e:
        sys.stderr.write("miniredis: %s\nRun with --help for the options.\n" % (e,))
        return 2
    return _run(options)


def _install_reactor():
    """
    Install L{miniredis.reactor}'s epoll reactor, where there is epoll and
    no reactor was installed yet; else leave Twisted's choice.
    """
    if "twisted.internet.reactor" in sys.modules:
        return
    try:
        from miniredis import reactor
    except ImportError:  # no epoll here
        return
    reactor.install()


def _run(options):
    _install_reactor()
    from twisted.internet import reactor
    from twisted.internet.error import CannotListenError
    from twisted.logger import globalLogBeginner, textFileLogObserver

    from miniredis.tap import makeService

    server = makeService(options)
    server.log_attached = server.log_file is not None
    globalLogBeginner.beginLoggingTo(
        [server.log_file or textFileLogObserver(sys.stdout)]
    )
    try:
        server.startService()
    except CannotListenError as e:
        sys.stderr.write("miniredis: %s\n" % (e,))
        return 1
    reactor.addSystemEventTrigger("before", "shutdown", server.stopService)
    reactor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
