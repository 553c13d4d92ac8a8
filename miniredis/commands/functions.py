"""
Function commands: FUNCTION and its subcommands, FCALL and FCALL_RO.

The libraries live in L{miniredis.functions}; their functions run on the
Lua engine of EVAL (L{miniredis.commands.scripting.engine}), with its busy
machinery: a function running past C{busy-reply-threshold} is stopped by
FUNCTION KILL as SCRIPT KILL stops a script.
"""

import time

from miniredis.commands import command, container
from miniredis.commands.parsing import parse_int
from miniredis.commands.scripting import engine, show_before_its_commands
from miniredis.commands.spec import Arg, Index, Keynum, KeySpec, OneOf, Token
from miniredis.eviction import OOM
from miniredis.functions import ENGINE, LOAD_TIMEOUT, registry
from miniredis.persistence.rdb import dump_footer_ok
from miniredis.resp import OK, ReplyError, Status

container(
    "function",
    -2,
    summary="Commands that manage libraries of Lua functions.",
    group="scripting",
    since="7.0.0",
)


def _dirty(session):
    """Count a change of the libraries, so that it persists and propagates."""
    session.server.store.dirty += 1


def _subcommand_error(argv):
    return ReplyError(
        "ERR unknown subcommand or wrong number of arguments for '%s'. "
        "Try FUNCTION HELP." % (argv[1].decode("utf-8", "replace"),)
    )


@command(
    "function|load",
    -3,
    "write denyoom noscript",
    group="scripting",
    since="7.0.0",
    acl="scripting",
    args=[Token("REPLACE", flags="optional"), Arg("function-code")],
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def function_load(session, argv):
    """Load a library of functions from its Lua code."""
    replace = False
    for option in argv[2:-1]:
        if option.lower() != b"replace":
            raise ReplyError(
                "ERR Unknown option given: %s" % (option.decode("utf-8", "replace"),)
            )
        replace = True
    # the AOF being loaded (a session with no connection) has no time limit
    timeout = LOAD_TIMEOUT if session.connection is not None else None
    name = registry(session.server).load(argv[-1], replace, timeout)
    _dirty(session)
    return name


@command(
    "function|delete",
    3,
    "write noscript",
    group="scripting",
    since="7.0.0",
    acl="scripting",
    args=[Arg("library-name")],
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def function_delete(session, argv):
    """Remove a library and its functions."""
    registry(session.server).delete(argv[2])
    _dirty(session)
    return OK


@command(
    "function|flush",
    -2,
    "write noscript",
    group="scripting",
    since="7.0.0",
    acl="scripting",
    args=[OneOf("async", Token("ASYNC"), Token("SYNC"), flags="optional")],
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def function_flush(session, argv):
    """Remove every library."""
    if len(argv) > 3:
        raise _subcommand_error(argv)
    if len(argv) == 3 and argv[2].lower() not in (b"sync", b"async"):
        raise ReplyError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
    registry(session.server).flush()
    _dirty(session)
    return OK


@command(
    "function|list",
    -2,
    "noscript",
    group="scripting",
    since="7.0.0",
    acl="scripting",
    args=[
        Arg("library-name-pattern", token="LIBRARYNAME", flags="optional"),
        Token("WITHCODE", flags="optional"),
    ],
    tips="nondeterministic_output_order",
)
def function_list(session, argv):
    """Describe the libraries, their functions and, if asked, their code."""
    code = False
    pattern = None
    i = 2
    while i < len(argv):
        option = argv[i].lower()
        if not code and option == b"withcode":
            code = True
        elif pattern is None and option == b"libraryname":
            if i == len(argv) - 1:
                raise ReplyError("ERR library name argument was not given")
            i += 1
            pattern = argv[i]
        else:
            raise ReplyError(
                "ERR Unknown argument %s" % (argv[i].decode("utf-8", "replace"),)
            )
        i += 1
    return registry(session.server).listing(pattern, code)


@command(
    "function|dump", 2, "noscript", group="scripting", since="7.0.0", acl="scripting"
)
def function_dump(session, argv):
    """Serialize every library into one payload."""
    return registry(session.server).dump()


@command(
    "function|restore",
    -3,
    "write denyoom noscript",
    group="scripting",
    since="7.0.0",
    acl="scripting",
    args=[
        Arg("serialized-value"),
        OneOf(
            "policy",
            Token("FLUSH"),
            Token("APPEND"),
            Token("REPLACE"),
            flags="optional",
        ),
    ],
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def function_restore(session, argv):
    """Load the libraries of a payload that FUNCTION DUMP made."""
    if len(argv) > 4:
        raise _subcommand_error(argv)
    policy = argv[3].lower() if len(argv) == 4 else b"append"
    if policy not in (b"flush", b"append", b"replace"):
        raise ReplyError(
            "ERR Wrong restore policy given, value should be either "
            "FLUSH, APPEND or REPLACE."
        )
    if not dump_footer_ok(argv[2]):
        raise ReplyError("ERR DUMP payload version or checksum are wrong")
    registry(session.server).restore(argv[2], policy)
    _dirty(session)
    return OK


@command(
    "function|stats",
    2,
    "noscript allow_busy",
    group="scripting",
    since="7.0.0",
    acl="scripting",
    tips="nondeterministic_output request_policy:all_shards response_policy:special",
)
def function_stats(session, argv):
    """Tell which function runs now, and how many libraries are loaded."""
    server = session.server
    run = server.busy
    running = None
    if run is not None:
        if not run.script.is_function:
            raise ReplyError(run.busy_reply)
        running = {
            b"name": run.script.name,
            b"command": list(run.command),
            b"duration_ms": int((time.monotonic() - run.started) * 1000),
        }
    libraries = registry(server)
    counts = {
        b"libraries_count": len(libraries.libraries),
        b"functions_count": sum(
            len(library.functions) for library in libraries.libraries.values()
        ),
    }
    return {b"running_script": running, b"engines": {ENGINE: counts}}


@command(
    "function|kill",
    2,
    "noscript allow_busy",
    group="scripting",
    since="7.0.0",
    acl="scripting",
    tips="request_policy:all_shards response_policy:one_succeeded",
)
def function_kill(session, argv):
    """Stop the function that is running, if it has written nothing yet."""
    scripts = getattr(session.server, "scripts", None)
    if scripts is None:
        raise ReplyError("NOTBUSY No scripts in execution right now.")
    scripts.kill(function=True)
    return OK


_HELP = [
    b"FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"LOAD [REPLACE] <FUNCTION CODE>",
    b"    Create a new library with the given library name and code.",
    b"DELETE <LIBRARY NAME>",
    b"    Delete the given library.",
    b"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    b"    Return general information on all the libraries:",
    b"    * Library name",
    b"    * The engine used to run the Library",
    b"    * Library description",
    b"    * Functions list",
    b"    * Library code (if WITHCODE is given)",
    b"    It also possible to get only function that matches a pattern using "
    b"LIBRARYNAME argument.",
    b"STATS",
    b"    Return information about the current function running:",
    b"    * Function name",
    b"    * Command used to run the function",
    b"    * Duration in MS that the function is running",
    b"    If no function is running, return nil",
    b"    In addition, returns a list of available engines.",
    b"KILL",
    b"    Kill the current running function.",
    b"FLUSH [ASYNC|SYNC]",
    b"    Delete all the libraries.",
    b"    When called without the optional mode argument, the behavior is "
    b"determined by the",
    b"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    b"    * ASYNC: Asynchronously flush the libraries.",
    b"    * SYNC: Synchronously flush the libraries.",
    b"DUMP",
    b"    Return a serialized payload representing the current libraries, "
    b"can be restored using FUNCTION RESTORE command",
    b"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    b"    Restore the libraries represented by the given payload, it is possible "
    b"to give a restore policy to",
    b"    control how to handle existing libraries (default APPEND):",
    b"    * FLUSH: delete all existing libraries.",
    b"    * APPEND: appends the restored libraries to the existing libraries. "
    b"On collision, abort.",
    b"    * REPLACE: appends the restored libraries to the existing libraries, "
    b"On collision, replace the old",
    b"      libraries with the new libraries (notice that even on this option "
    b"there is a chance of failure",
    b"      in case of functions name collision with another library).",
    b"HELP",
    b"    Prints this help.",
]


@command(
    "function|help",
    2,
    "loading stale",
    group="scripting",
    since="7.0.0",
    acl="scripting",
)
def function_help(session, argv):
    """List the subcommands of FUNCTION."""
    return [Status(line) for line in _HELP]


# ---------------------------------------------------------------- FCALL


def _fcall(session, argv, readonly):
    server = session.server
    libraries = getattr(server, "functions", None)
    function = None if libraries is None else libraries.functions.get(argv[1].lower())
    if function is not None and server.memory.over and function.grows:
        # what Redis's command flags of this call say: denyoom
        raise ReplyError(OOM)
    show_before_its_commands(session, argv)
    if function is None:
        raise ReplyError("ERR Function not found")
    try:
        numkeys = parse_int(argv[2])
    except ReplyError:
        raise ReplyError("ERR Bad number of keys provided")
    if numkeys > len(argv) - 3:
        raise ReplyError("ERR Number of keys can't be greater than number of args")
    if numkeys < 0:
        raise ReplyError("ERR Number of keys can't be negative")
    if function.writes and readonly:
        raise ReplyError(
            "ERR Can not execute a script with write flag using *_ro command."
        )
    keys, args = argv[3 : 3 + numkeys], argv[3 + numkeys :]
    return engine(server).evaluate(session, function, keys, args, readonly, argv)


@command(
    "fcall",
    -3,
    "noscript stale skip_monitor no_mandatory_keys",
    group="scripting",
    since="7.0.0",
    acl="scripting",
    keys=[KeySpec("RW access update", Index(2), Keynum(0, 1, 1))],
    args=[
        Arg("function"),
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="optional multiple", key_spec=0),
        Arg("arg", flags="optional multiple"),
    ],
)
def fcall(session, argv):
    """Call a function of a loaded library, with keys and arguments."""
    return _fcall(session, argv, False)


@command(
    "fcall_ro",
    -3,
    "readonly noscript stale skip_monitor no_mandatory_keys",
    group="scripting",
    since="7.0.0",
    acl="scripting",
    keys=[KeySpec("RO access", Index(2), Keynum(0, 1, 1))],
    args=[
        Arg("function"),
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="optional multiple", key_spec=0),
        Arg("arg", flags="optional multiple"),
    ],
)
def fcall_ro(session, argv):
    """Call a read-only function of a loaded library."""
    return _fcall(session, argv, True)
