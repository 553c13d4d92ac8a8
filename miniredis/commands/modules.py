"""
MODULE: miniredis has no module system, so there is never a module to list
and every load fails as Redis's does for a file it cannot open. LOAD,
LOADEX and UNLOAD stand behind C{enable-module-command} as in Redis.
"""

from miniredis.commands import command, container
from miniredis.commands.introspection import help_reply
from miniredis.commands.spec import Arg, Block
from miniredis.logging import logger
from miniredis.resp import ReplyError

log = logger("miniredis.modules")

_REFUSED = (
    'ERR MODULE command not allowed. If the enable-module-command option is set to "local", '
    "you can run it from a local connection, otherwise you need to set this option "
    "in the configuration file, and then restart the server."
)
_LOAD_FAILED = "ERR Error loading the extension. Please check the server logs."


def _check_allowed(session):
    if not session.allowed(session.server.config["enable-module-command"]):
        raise ReplyError(_REFUSED)


container(
    "module",
    -2,
    group="server",
    since="4.0.0",
    summary="Commands for the (absent) module system.",
)


@command(
    "module|list",
    2,
    "admin noscript",
    group="server",
    since="4.0.0",
    tips="nondeterministic_output_order",
)
def module_list(session, argv):
    """List the loaded modules: always none."""
    return []


def _load_failed(path):
    log.warn(
        "Module {path} failed to load: miniredis cannot load Redis modules",
        path=path.decode("utf-8", "replace"),
    )
    return ReplyError(_LOAD_FAILED)


@command(
    "module|load",
    -3,
    "admin noscript no_async_loading",
    group="server",
    since="4.0.0",
    args=[Arg("path"), Arg("arg", flags="optional multiple")],
)
def module_load(session, argv):
    """Try to load a module library: miniredis has no module support."""
    _check_allowed(session)
    raise _load_failed(argv[2])


@command(
    "module|loadex",
    -3,
    "admin noscript no_async_loading",
    group="server",
    since="7.0.0",
    args=[
        Arg("path"),
        Block(
            "configs",
            Arg("name"),
            Arg("value"),
            token="CONFIG",
            flags="optional multiple multiple_token",
        ),
        Block("args", Arg("arg"), token="ARGS", flags="optional multiple"),
    ],
)
def module_loadex(session, argv):
    """Try to load a module library with settings: it always fails."""
    _check_allowed(session)
    raise _load_failed(argv[2])


@command(
    "module|unload",
    3,
    "admin noscript no_async_loading",
    group="server",
    since="4.0.0",
    args=[Arg("name")],
)
def module_unload(session, argv):
    """Unload a module by name: there is none to unload."""
    _check_allowed(session)
    raise ReplyError("ERR Error unloading module: no such module with that name")


@command("module|help", 2, "loading stale", group="server", since="5.0.0")
def module_help(session, argv):
    """Show what MODULE can do."""
    return help_reply(
        [
            "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "LIST",
            "    Return a list of loaded modules.",
            "LOAD <path> [<arg> ...]",
            "    Load a module library from <path>, passing to it any optional arguments.",
            "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
            "    Load a module library from <path>, while passing it module configurations"
            " and optional arguments.",
            "UNLOAD <name>",
            "    Unload a module.",
            "HELP",
            "    Prints this help.",
        ]
    )
