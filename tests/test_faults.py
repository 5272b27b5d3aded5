"""Peers that are not a waiting pdb: silent servers, pudb, and the listener that resets.

The servers here are fakes, because no real debugger can be made to produce these faults on
demand: a server that accepts and never speaks (another client holds rpdb; madbg), and pudb's
telnet greeting (pudb itself would need a terminal). Each fake records every byte it received,
so the tests can assert that the client sent nothing.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Iterator
from typing import Callable

import pytest
from debuggee import Debuggee, run_client, start_client, wait_until
from in_process import RunCommand

Start = Callable[..., Debuggee]


class FakeServer:
    """Accepts one client on 127.0.0.1, sends ``greeting``, records what arrives."""

    def __init__(self, greeting: bytes = b"") -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self._listener.settimeout(30)
        self.port: int = self._listener.getsockname()[1]
        self.received = b""
        self.closed_by_client = threading.Event()
        self._greeting = greeting
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            connection, _ = self._listener.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(30)
            connection.sendall(self._greeting)
            while True:
                try:
                    chunk = connection.recv(4096)
                except OSError:
                    break
                if not chunk:
                    break
                self.received += chunk
        self.closed_by_client.set()

    def close(self) -> None:
        self._listener.close()
        self._thread.join(5)


@pytest.fixture
def fake_server() -> Iterator[Callable[[bytes], FakeServer]]:
    servers: list[FakeServer] = []

    def start(greeting: bytes = b"") -> FakeServer:
        servers.append(FakeServer(greeting))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_silent_server_times_out_having_sent_nothing(
    fake_server: Callable[[bytes], FakeServer], run_command: RunCommand
) -> None:
    server = fake_server(b"")
    started = time.monotonic()
    result = run_command("--port", str(server.port), "--connect-timeout", "0.5", stdin="p x\n")
    assert result.returncode == 1
    assert time.monotonic() - started < 10
    assert "nothing was received within 0.5 s" in result.stderr
    assert "another client is already attached" in result.stderr
    assert server.closed_by_client.wait(5)
    assert server.received == b""
    assert "Traceback" not in result.stderr


def test_pudb_greeting_is_recognised_at_once(
    fake_server: Callable[[bytes], FakeServer], run_command: RunCommand
) -> None:
    server = fake_server(b"\xff\xfb\x03")
    result = run_command("--port", str(server.port), "--connect-timeout", "30", stdin="p x\n")
    assert result.returncode == 1
    assert "pudb server" in result.stderr and "telnet" in result.stderr
    assert server.closed_by_client.wait(5)
    assert server.received == b""


def test_wait_follows_remote_pdb_to_its_next_listener(debuggee: Start) -> None:
    """remote-pdb keeps the old connection open after `c`; each new set_trace() listens anew."""
    program = debuggee("remote_pdb", "loop3_remote_env")
    script = "value = value + 100\nc\nvalue = value + 100\nc\nvalue = value + 100\nc\n"
    result = run_client("--port", str(program.port), "--wait", "--count", "3", stdin=script)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert record["error"] is None and record["reached_end"], record
    assert record["values"]["seen"] == [100, 101, 102]
    assert result.stderr.count("connected to") == 3


def test_a_signal_during_a_running_command_waits_for_the_prompt_and_says_so(
    fake_server: Callable[[bytes], FakeServer],
) -> None:
    """A second interrupt closes at once; until then nothing is closed under pdb's feet."""
    server = fake_server(b"(Pdb) ")
    client = start_client("--port", str(server.port))
    try:
        assert client.stdin is not None and client.stderr is not None
        client.stdin.write("p slow()\n")
        client.stdin.flush()
        wait_until(lambda: server.received == b"p slow()\n", 10, "the command to arrive")
        client.send_signal(signal.SIGTERM)
        assert "waiting for the debugger's next prompt" in client.stderr.readline() + (
            client.stderr.readline()
        )
        assert client.poll() is None and not server.closed_by_client.is_set()
        client.send_signal(signal.SIGTERM)
        client.wait(timeout=10)
        stderr = client.stderr.read()
    finally:
        client.kill()
    assert client.returncode == 130
    assert "closed without waiting for the next prompt" in stderr
    assert server.closed_by_client.wait(5)
