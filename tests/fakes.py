"""Stand-ins the tests share: a clock they move by hand, and a port nothing listens on."""

from __future__ import annotations

import socket


class FakeClock:
    """A clock that stands still until a test moves it; pass it where a module takes ``clock``."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
