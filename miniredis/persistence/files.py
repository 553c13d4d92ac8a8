"""
Crash-safe file replacement: write a temporary file beside the target,
fsync it, rename it over the target, fsync the directory.

Usage::

    def fill(write):
        write(b"hello")

    write_atomically("/var/lib/miniredis/dump.rdb", fill)
"""

import os


def fsync_directory(path):
    """Make a rename or a creation in the directory of C{path} durable."""
    fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def truncate(path, size):
    """Cut the file at C{path} to C{size} bytes, durably."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd, data):
    """C{os.write} until every byte of C{data} is written."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def temporary_path(path, tag, pid=None):
    """
    @param pid: the process writing it (this one by default).
    @return: the path of a temporary file beside C{path}.
    """
    directory, name = os.path.split(os.path.abspath(path))
    if pid is None:
        pid = os.getpid()
    return os.path.join(directory, "temp-%s-%d-%s" % (tag, pid, name))


def write_atomically(path, fill, tag="save"):
    """
    Replace the file at C{path} with what C{fill} writes, all or nothing.

    @param fill: a callable given a C{write(bytes)} function.
    @param tag: a word for the temporary file's name.
    """
    temp = temporary_path(path, tag)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            fill(lambda data: write_all(fd, data))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    fsync_directory(path)
