from twisted.application.service import ServiceMaker

miniredis = ServiceMaker(
    "miniredis",
    "miniredis.tap",
    "A Redis-compatible key-value server.",
    "miniredis",
)
