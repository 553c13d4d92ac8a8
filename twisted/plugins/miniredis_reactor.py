from twisted.application.reactors import Reactor

miniredis = Reactor(
    "miniredis",
    "miniredis.reactor",
    "epoll, without a logging context around each event (Linux).",
)
