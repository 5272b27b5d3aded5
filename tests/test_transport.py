"""Connecting: knocking on a port whose listener comes a moment later.

A loop's next ``set_trace()`` listens a fraction of a millisecond after ``c``; with
``knock_for`` the connection attempt is repeated until then instead of failing. The listener
here is a plain socket made by a second thread (the knocking blocks the event loop's thread).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from debuggee import free_port

from rpdb_client.errors import ConnectionRefused
from rpdb_client.wire.connection import Connection

LATE = 0.005
"""How long after the first attempt the listener appears."""


class LateListener:
    """Listens on ``port`` LATE seconds after ``start()``; accepts one client."""

    def __init__(self) -> None:
        self.port = free_port()
        self.accepted = threading.Event()
        self._go = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def start(self) -> None:
        self._go.set()

    def _serve(self) -> None:
        if not self._go.wait(10):
            return
        time.sleep(LATE)  # the late listener is what is tested, not a synchronisation
        with socket.socket() as listener:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(1)
            listener.settimeout(10)
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            self.accepted.set()
            connection.sendall(b"(Pdb) ")
            connection.settimeout(10)
            try:
                while connection.recv(4096):
                    pass
            except ConnectionResetError:
                pass  # join()'s own knock closes with the prompt unread: an RST
            connection.close()

    def join(self) -> None:
        """Stop: a listener nobody reached is reached here, so its accept() returns."""
        self._go.set()
        deadline = time.monotonic() + 10
        while not self.accepted.is_set() and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                time.sleep(0.001)  # not listening yet: retry until the deadline
        self._thread.join(10)


@pytest.fixture
def late_listener() -> Iterator[LateListener]:
    listener = LateListener()
    yield listener
    listener.join()


def test_knocking_reaches_a_listener_that_comes_a_moment_later(late_listener: LateListener) -> None:
    async def connect() -> tuple[str, int]:
        late_listener.start()
        connection = await Connection.open("127.0.0.1", late_listener.port, knock_for=5.0)
        peer = connection.peer
        connection.close()
        return peer

    assert asyncio.run(connect()) == ("127.0.0.1", late_listener.port)
    assert late_listener.accepted.wait(10)


def test_without_knocking_the_same_attempt_is_refused_at_once(late_listener: LateListener) -> None:
    # The listener is started only after the attempt: under load, a start before it could win
    # the race and make the test pass or fail by chance.
    async def connect() -> None:
        await Connection.open("127.0.0.1", late_listener.port)

    with pytest.raises(ConnectionRefused):
        asyncio.run(connect())


def test_knocking_gives_up_after_its_time_when_nothing_listens() -> None:
    port = free_port()
    began = time.monotonic()
    with pytest.raises(ConnectionRefused):
        asyncio.run(Connection.open("127.0.0.1", port, knock_for=0.05))
    assert time.monotonic() - began >= 0.05
