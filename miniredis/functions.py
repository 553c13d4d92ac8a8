"""
Redis Functions: libraries of Lua functions, loaded by FUNCTION LOAD and
run by FCALL, on the Lua runtime of EVAL (L{miniredis.scripting}).

A library is Lua code behind a C{#!lua name=<library>} line. Loading runs
the code once with only a small C{redis} table in reach (no C{redis.call}):
each C{redis.register_function} call names a function, its callback, and
maybe a description and flags. Once loaded, the callbacks see the globals
every script sees and are called with the keys and arguments as two
tables.

Usage::

    libraries = registry(server)
    name = libraries.load(b"#!lua name=lib\\nredis.register_function(...)")
    function = libraries.functions[b"myfunction"]
"""

from miniredis.glob import matcher
from miniredis.persistence.rdb import RDBError, dump_functions, load_functions_payload
from miniredis.resp import ProtocolError, ReplyError, SetReply, split_inline

ENGINE = b"LUA"
LOAD_TIMEOUT = 0.5  # seconds a library's code may run while FUNCTION LOAD waits
# the order Redis lists flags in
FLAG_ORDER = (
    b"no-writes",
    b"allow-oom",
    b"allow-stale",
    b"no-cluster",
    b"allow-cross-slot-keys",
)
BAD_NAME = (
    "ERR Library names can only contain letters, numbers, or underscores(_) "
    "and must be at least one character long"
)


def registry(server):
    """@return: the server's L{Libraries}, made on first use."""
    libraries = getattr(server, "functions", None)
    if libraries is None:
        libraries = server.functions = Libraries(server)
    return libraries


def library_codes(server):
    """@return: the code of each library of C{server}, for persistence."""
    libraries = getattr(server, "functions", None)
    if libraries is None:
        return []
    return [library.code for library in libraries.libraries.values()]


def _ascii_word(name):
    return bool(name) and all(
        c == 95 or 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 for c in name
    )


def parse_metadata(code):
    """
    Read a library's C{#!<engine> name=<name>} line.

    @return: C{(name, code after the line)}, the code keeping the line's
        newline so that error line numbers count from the shebang.
    @raise ReplyError: with Redis's messages for what is wrong.
    """
    if not code.startswith(b"#!"):
        raise ReplyError("ERR Missing library metadata")
    end = code.find(b"\n")
    if end < 0:
        raise ReplyError("ERR Invalid library metadata")
    try:
        parts = split_inline(code[:end])
    except ProtocolError:
        parts = None
    if not parts:
        raise ReplyError("ERR Invalid library metadata")
    engine = parts[0][2:]
    name = None
    for part in parts[1:]:
        if part.startswith(b"name="):
            if name is not None:
                raise ReplyError(
                    "ERR Invalid metadata value, name argument was given multiple times"
                )
            name = part[5:]
        else:
            raise ReplyError(
                "ERR Invalid metadata value given: %s"
                % (part.decode("utf-8", "replace"),)
            )
    if name is None:
        raise ReplyError("ERR Library name was not given")
    if not _ascii_word(name):
        raise ReplyError(BAD_NAME)
    if engine.upper() != ENGINE:
        raise ReplyError(
            "ERR Engine '%s' not found" % (engine.decode("utf-8", "replace"),)
        )
    return name, code[end:]


class Function:
    """
    A function of a library, as FCALL runs it.

    @ivar name: its name (bytes).
    @ivar library: the L{Library} it belongs to.
    @ivar function: its Lua callback.
    @ivar description: its description (bytes), or None.
    @ivar flags: its flags (a set of bytes).
    """

    is_function = True

    def __init__(self, name, library, function, description, flags):
        self.name = name
        self.library = library
        self.function = function
        self.description = description
        self.flags = flags

    @property
    def writes(self):
        """Whether it may write (it lacks the C{no-writes} flag)."""
        return b"no-writes" not in self.flags

    @property
    def grows(self):
        """
        Whether a call may take memory (refused over C{maxmemory}): unless
        it has C{allow-oom} or C{no-writes}.
        """
        return not self.flags & {b"allow-oom", b"no-writes"}

    def listed_flags(self):
        """@return: its flags in the order Redis lists them."""
        return [flag for flag in FLAG_ORDER if flag in self.flags]


class Library:
    """
    A loaded library.

    @ivar name: its name (bytes).
    @ivar code: its whole code, shebang line included.
    @ivar functions: name -> L{Function}, in the order they were registered.
    """

    def __init__(self, name, code):
        self.name = name
        self.code = code
        self.functions = {}


class Libraries:
    """
    The function libraries of one server.

    @ivar libraries: name -> L{Library}, in the order they were loaded.
    @ivar functions: lower-cased name -> L{Function}, for every library
        (function names are case-insensitive, library names are not).
    """

    def __init__(self, server):
        self.server = server
        self.libraries = {}
        self.functions = {}

    def _engine(self):
        from miniredis.commands.scripting import engine

        return engine(self.server)

    def _run(self, name, code, body, timeout):
        library = Library(name, code)
        registered = self._engine().load_library(body, timeout)
        if not registered:
            raise ReplyError("ERR No functions registered")
        for function_name, callback, description, flags in registered:
            library.functions[function_name] = Function(
                function_name, library, callback, description, flags
            )
        return library

    def load(self, code, replace=False, timeout=LOAD_TIMEOUT):
        """
        FUNCTION LOAD: load a library, replacing one of the same name only
        when C{replace} is true.

        @return: the library's name.
        @raise ReplyError: as Redis refuses the library.
        """
        name, body = parse_metadata(code)
        if name in self.libraries and not replace:
            raise ReplyError(
                "ERR Library '%s' already exists" % (name.decode("utf-8", "replace"),)
            )
        library = self._run(name, code, body, timeout)
        self._check_collisions([library], {name})
        self._unlink(name)
        self._link(library)
        return name

    def _check_collisions(self, libraries, replaced):
        """
        @raise ReplyError: when a function of C{libraries} has the name of
            one in a library not named in C{replaced}.
        """
        for library in libraries:
            for function in library.functions.values():
                other = self.functions.get(function.name.lower())
                if other is not None and other.library.name not in replaced:
                    raise ReplyError(
                        "ERR Function %s already exists"
                        % (function.name.decode("utf-8", "replace"),)
                    )

    def _link(self, library):
        self.libraries[library.name] = library
        for function in library.functions.values():
            # names differing only in case in one library: the first wins
            self.functions.setdefault(function.name.lower(), function)

    def _unlink(self, name):
        library = self.libraries.pop(name, None)
        if library is not None:
            for function_name in library.functions:
                self.functions.pop(function_name.lower(), None)

    def delete(self, name):
        """
        FUNCTION DELETE.

        @raise ReplyError: when there is no such library.
        """
        if name not in self.libraries:
            raise ReplyError("ERR Library not found")
        self._unlink(name)

    def flush(self):
        """FUNCTION FLUSH: forget every library."""
        self.libraries = {}
        self.functions = {}

    def dump(self):
        """@return: the FUNCTION DUMP payload of every library."""
        return dump_functions([library.code for library in self.libraries.values()])

    def restore(self, payload, policy):
        """
        FUNCTION RESTORE of a payload whose footer is valid.

        @param policy: C{b"flush"}, C{b"append"} or C{b"replace"}.
        @raise ReplyError: for a bad payload or a collision (then nothing
            changes).
        """
        try:
            codes = load_functions_payload(payload)
        except RDBError as e:
            raise ReplyError("ERR %s" % (e,))
        restored = Libraries(self.server)
        for code in codes:
            restored.load(code, timeout=None)
        if policy == b"flush":
            self.libraries, self.functions = restored.libraries, restored.functions
            return
        replaced = set()
        for name in restored.libraries:
            if name in self.libraries:
                if policy != b"replace":
                    raise ReplyError(
                        "ERR Library %s already exists"
                        % (name.decode("utf-8", "replace"),)
                    )
                replaced.add(name)
        self._check_collisions(restored.libraries.values(), replaced)
        for name in replaced:
            self._unlink(name)
        for library in restored.libraries.values():
            self._link(library)

    def load_codes(self, codes):
        """Load libraries read from an RDB file, each replacing its namesake."""
        for code in codes:
            self.load(code, replace=True, timeout=None)

    def listing(self, pattern=None, code=False):
        """
        FUNCTION LIST.

        @param pattern: a glob pattern (case-insensitive) library names
            must match, or None.
        @param code: whether to give each library's code.
        @return: one map per library.
        """
        match = matcher(pattern, nocase=True) if pattern is not None else None
        result = []
        for library in self.libraries.values():
            if match is not None and not match(library.name):
                continue
            entry = {
                b"library_name": library.name,
                b"engine": ENGINE,
                b"functions": [
                    {
                        b"name": function.name,
                        b"description": function.description,
                        b"flags": SetReply(function.listed_flags()),
                    }
                    for function in library.functions.values()
                ],
            }
            if code:
                entry[b"library_code"] = library.code
            result.append(entry)
        return result
