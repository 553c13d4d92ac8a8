"""
Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT.

The Lua runtime, its sandbox and the busy-script machinery live in
L{miniredis.scripting}; the engine is made on first use, so a server that
runs no script never starts Lua.
"""

from miniredis import monitor
from miniredis.commands import command, container
from miniredis.commands.parsing import parse_int
from miniredis.commands.spec import Arg, Index, Keynum, KeySpec, OneOf, Token
from miniredis.eviction import OOM
from miniredis.resp import OK, ReplyError, Status


def engine(server):
    """@return: the server's L{miniredis.scripting.Scripts}, made on first use."""
    scripts = getattr(server, "scripts", None)
    if scripts is None:
        from miniredis.scripting import Scripts

        scripts = server.scripts = Scripts(server)
    return scripts


def _keys_and_args(argv):
    numkeys = parse_int(argv[2])
    if numkeys > len(argv) - 3:
        raise ReplyError("ERR Number of keys can't be greater than number of args")
    if numkeys < 0:
        raise ReplyError("ERR Number of keys can't be negative")
    return argv[3 : 3 + numkeys], argv[3 + numkeys :]


def _run(session, script, keys, args, readonly):
    if readonly and script.shebang and script.writes:
        raise ReplyError(
            "ERR Can not execute a script with write flag using *_ro command."
        )
    if script.grows and session.server.memory.over and not session.from_master:
        raise ReplyError(OOM)
    return engine(session.server).evaluate(session, script, keys, args, readonly)


def _eval(session, argv, readonly):
    show_before_its_commands(session, argv)
    keys, args = _keys_and_args(argv)
    script = engine(session.server).compile(argv[1])
    return _run(session, script, keys, args, readonly)


def _evalsha(session, argv, readonly):
    show_before_its_commands(session, argv)
    script = engine(session.server).lookup(argv[1])
    if script is None:
        raise ReplyError("NOSCRIPT No matching script. Please use EVAL.")
    keys, args = _keys_and_args(argv)
    return _run(session, script, keys, args, readonly)


def show_before_its_commands(session, argv):
    """MONITOR shows a script's command first, then what the script runs."""
    if session.server.monitors:
        monitor.show(session, argv[0].decode("utf-8", "replace").lower(), argv)


_EVAL_FLAGS = "noscript stale skip_monitor no_mandatory_keys"


@command(
    "eval",
    -3,
    "noscript stale skip_monitor no_mandatory_keys may_replicate",
    group="scripting",
    since="2.6.0",
    acl="scripting",
    keys=[KeySpec("RW access update", Index(2), Keynum(0, 1, 1))],
    args=[
        Arg("script"),
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="optional multiple", key_spec=0),
        Arg("arg", flags="optional multiple"),
    ],
)
def eval_(session, argv):
    """Run a Lua script given as text, with keys and arguments."""
    return _eval(session, argv, False)


@command(
    "evalsha",
    -3,
    "noscript stale skip_monitor no_mandatory_keys may_replicate",
    group="scripting",
    since="2.6.0",
    acl="scripting",
    keys=[KeySpec("RW access update", Index(2), Keynum(0, 1, 1))],
    args=[
        Arg("sha1"),
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="optional multiple", key_spec=0),
        Arg("arg", flags="optional multiple"),
    ],
)
def evalsha(session, argv):
    """Run a cached Lua script named by its SHA1 digest."""
    return _evalsha(session, argv, False)


@command(
    "eval_ro",
    -3,
    "readonly noscript stale skip_monitor no_mandatory_keys",
    group="scripting",
    since="7.0.0",
    acl="scripting",
    keys=[KeySpec("RO access", Index(2), Keynum(0, 1, 1))],
    args=[
        Arg("script"),
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="optional multiple", key_spec=0),
        Arg("arg", flags="optional multiple"),
    ],
)
def eval_ro(session, argv):
    """Run a Lua script that may only read, given as text."""
    return _eval(session, argv, True)


@command(
    "evalsha_ro",
    -3,
    "readonly noscript stale skip_monitor no_mandatory_keys",
    group="scripting",
    since="7.0.0",
    acl="scripting",
    keys=[KeySpec("RO access", Index(2), Keynum(0, 1, 1))],
    args=[
        Arg("sha1"),
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="optional multiple", key_spec=0),
        Arg("arg", flags="optional multiple"),
    ],
)
def evalsha_ro(session, argv):
    """Run a cached read-only Lua script named by its SHA1 digest."""
    return _evalsha(session, argv, True)


container(
    "script",
    -2,
    summary="Commands that manage the cache of Lua scripts.",
    group="scripting",
    since="2.6.0",
)


@command(
    "script|load",
    3,
    "noscript stale",
    group="scripting",
    since="2.6.0",
    acl="scripting",
    args=[Arg("script")],
    tips="request_policy:all_nodes response_policy:all_succeeded",
)
def script_load(session, argv):
    """Cache a Lua script and answer its SHA1 digest."""
    return engine(session.server).compile(argv[2]).sha


@command(
    "script|exists",
    -3,
    "noscript",
    group="scripting",
    since="2.6.0",
    acl="scripting",
    args=[Arg("sha1", flags="multiple")],
    tips="request_policy:all_shards response_policy:agg_logical_and",
)
def script_exists(session, argv):
    """Tell which of the SHA1 digests name cached scripts."""
    scripts = engine(session.server)
    return [int(scripts.lookup(sha) is not None) for sha in argv[2:]]


@command(
    "script|flush",
    -2,
    "noscript may_replicate",
    group="scripting",
    since="2.6.0",
    acl="scripting",
    args=[
        OneOf("async", Token("ASYNC"), Token("SYNC"), flags="optional", since="6.2.0")
    ],
    tips="request_policy:all_nodes response_policy:all_succeeded",
)
def script_flush(session, argv):
    """Forget every cached script."""
    if len(argv) > 3 or (len(argv) == 3 and argv[2].lower() not in (b"sync", b"async")):
        raise ReplyError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
    engine(session.server).flush()
    return OK


@command(
    "script|kill",
    2,
    "noscript allow_busy",
    group="scripting",
    since="2.6.0",
    acl="scripting",
    tips="request_policy:all_shards response_policy:one_succeeded",
)
def script_kill(session, argv):
    """Stop the script that is running, if it has written nothing yet."""
    scripts = getattr(session.server, "scripts", None)
    if scripts is None:
        raise ReplyError("NOTBUSY No scripts in execution right now.")
    scripts.kill()
    return OK


@command(
    "script|debug",
    3,
    "noscript",
    group="scripting",
    since="3.2.0",
    acl="scripting",
    args=[OneOf("mode", Token("YES"), Token("SYNC"), Token("NO"))],
)
def script_debug(session, argv):
    """Choose how scripts are debugged (only NO is supported)."""
    mode = argv[2].lower()
    if mode == b"no":
        return OK
    if mode in (b"yes", b"sync"):
        raise ReplyError(
            "ERR SCRIPT DEBUG is not supported: miniredis has no Lua debugger"
        )
    raise ReplyError("ERR Use SCRIPT DEBUG YES/SYNC/NO")


_HELP = [
    b"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"DEBUG (YES|SYNC|NO)",
    b"    Set the debug mode for subsequent scripts executed.",
    b"EXISTS <sha1> [<sha1> ...]",
    b"    Return information about the existence of the scripts in the script cache.",
    b"FLUSH [ASYNC|SYNC]",
    b"    Flush the Lua scripts cache. Very dangerous on replicas.",
    b"    When called without the optional mode argument, the behavior is determined by the",
    b"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    b"    * ASYNC: Asynchronously flush the scripts cache.",
    b"    * SYNC: Synchronously flush the scripts cache.",
    b"KILL",
    b"    Kill the currently executing Lua script.",
    b"LOAD <script>",
    b"    Load a script into the scripts cache without executing it.",
    b"HELP",
    b"    Prints this help.",
]


@command(
    "script|help", 2, "loading stale", group="scripting", since="5.0.0", acl="scripting"
)
def script_help(session, argv):
    """List the subcommands of SCRIPT."""
    return [Status(line) for line in _HELP]
