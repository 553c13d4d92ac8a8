"""
The libraries of scripts that miniredis implements itself, one file each:

    bit.py        the C{bit} library (LuaBitOp), in Python: L{bit.bit_operation}
    cjson.lua     C{cjson} (lua-cjson 2.1.0), in pure Lua
    structlib.py  C{struct}, in Python: L{structlib.StructLibrary}
    cmsgpack.py   C{cmsgpack} (lua-cmsgpack 0.4.0), in Python:
                  L{cmsgpack.MessagePack}
    capi.py       what the Python ones share: arguments read as Lua's C API
                  reads them, its error messages and stack limit

C{miniredis/sandbox.lua}, which builds what scripts see, receives them all
from L{miniredis.scripting}.

Usage::

    from miniredis.lua import cjson_source
    runtime.execute(sandbox, ..., bit_operation, cjson_source(), ...)
"""

import os

CJSON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cjson.lua")


def cjson_source():
    """@return: the text of C{cjson.lua}."""
    with open(CJSON, "rb") as f:
        return f.read()
