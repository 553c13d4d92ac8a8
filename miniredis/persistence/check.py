"""
C{miniredis-check-aof [--fix] FILE}: check an append-only file and, with
C{--fix}, cut it after the last complete command (or transaction), as
C{redis-check-aof} does.

Exit status: 0 for a valid file (or one fixed), 1 otherwise.
"""

import sys

from miniredis.persistence import files
from miniredis.persistence.aof import Scan
from miniredis.persistence.rdb import RDBError, load_rdb
from miniredis.store import Store


class Report:
    """
    The outcome of a check.

    @ivar size: the file's size.
    @ivar ok_up_to: the offset just past the last complete command that is
        not inside an unfinished transaction.
    @ivar ok_up_to_line: the line where the check stopped (1-based).
    @ivar problem: what is wrong, or None for a valid file.
    @ivar problem_offset: where the problem was found.
    """

    def __init__(self, size):
        self.size = size
        self.ok_up_to = 0
        self.ok_up_to_line = 1
        self.problem = None
        self.problem_offset = 0


def check(data):
    """@return: the L{Report} on the log image C{data}."""
    report = Report(len(data))
    start = 0
    if data.startswith(b"REDIS"):
        try:
            start = load_rdb(data, Store(databases=1 << 14), now_ms=0).end
        except RDBError as e:
            report.problem = "Bad RDB preamble: %s" % (e,)
            return report
    report.ok_up_to = start
    scan = Scan(data, start)
    multi_at = None
    for offset, end, argv in scan:
        verb = argv[0].lower() if type(argv[0]) is bytes else b""
        if verb == b"multi":
            if multi_at is not None:
                report.problem = "Unexpected MULTI"
                report.problem_offset = offset
                break
            multi_at = offset
        elif verb == b"exec":
            if multi_at is None:
                report.problem = "Unexpected EXEC"
                report.problem_offset = offset
                break
            multi_at = None
            report.ok_up_to = end
        elif multi_at is None:
            report.ok_up_to = end
    stopped = len(data)
    if report.problem is not None:
        stopped = report.problem_offset
    elif scan.error is not None:
        report.problem = "Bad file format: %s" % (scan.error,)
        report.problem_offset = stopped = scan.end
    elif scan.truncated:
        report.problem = "Unexpected end of file inside a command"
        report.problem_offset = scan.end
    elif multi_at is not None:
        report.problem = "Reached EOF before reading EXEC for MULTI"
        report.problem_offset = multi_at
    report.ok_up_to_line = 1 + data.count(b"\n", 0, stopped)
    return report


def main(argv=None, stdin=None, stdout=None):
    """Run the check tool; @return: the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    fix = "--fix" in argv
    paths = [arg for arg in argv if arg != "--fix"]
    if len(paths) != 1:
        stdout.write("Usage: miniredis-check-aof [--fix] <file.aof>\n")
        return 1
    path = paths[0]
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        stdout.write("Cannot open file %s: %s\n" % (path, e.strerror))
        return 1
    report = check(data)
    if report.problem is not None:
        stdout.write("0x%16x: %s\n" % (report.problem_offset, report.problem))
    stdout.write(
        "AOF analyzed: filename=%s, size=%d, ok_up_to=%d, ok_up_to_line=%d, diff=%d\n"
        % (
            path,
            report.size,
            report.ok_up_to,
            report.ok_up_to_line,
            report.size - report.ok_up_to,
        )
    )
    if report.problem is None:
        stdout.write("AOF %s is valid\n" % (path,))
        return 0
    if not fix:
        stdout.write(
            "AOF %s is not valid. Use the --fix option to try fixing it.\n" % (path,)
        )
        return 1
    stdout.write(
        "This will shrink the AOF %s from %d bytes, with %d bytes, to %d bytes\n"
        "Continue? [y/N]: "
        % (path, report.size, report.size - report.ok_up_to, report.ok_up_to)
    )
    stdout.flush()
    if stdin.readline().strip().lower() not in ("y", "yes"):
        stdout.write("Aborting...\n")
        return 1
    files.truncate(path, report.ok_up_to)
    stdout.write("Successfully truncated AOF %s\n" % (path,))
    return 0


if __name__ == "__main__":
    sys.exit(main())
