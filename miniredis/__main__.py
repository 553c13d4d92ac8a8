"""
C{python -m miniredis [options]} (the C{miniredis} command): run the server
in the foreground, like C{twistd -n miniredis} but without twistd's pid file.
"""

import sys

from twisted.python import usage


def main(argv=None):
    from twisted.internet import reactor
    from twisted.logger import globalLogBeginner, textFileLogObserver

    from miniredis.tap import Options, makeService

    options = Options()
    try:
        options.parseOptions(sys.argv[1:] if argv is None else argv)
    except usage.UsageError as e:
        sys.stderr.write("%s\n%s\n" % (options, e))
        return 2
    globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stdout)])
    server = makeService(options)
    server.startService()
    reactor.addSystemEventTrigger("before", "shutdown", server.stopService)
    reactor.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
