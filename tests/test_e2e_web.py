"""The whole scene with the real stacks: Flask under uWSGI and gunicorn, and a Twisted service.

A view builds a response and stops in rpdb; an HTTP request waits in the background; the real
``rpdb-connect`` inspects the request, fixes a response header and continues. The tests assert
on what the HTTP client (or the service's peer) got, on the server's log and on the client's
output; the timeout cases let uWSGI's harakiri or gunicorn's timeout kill the worker.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Callable, Optional

import pytest
from debuggee import is_listening, run_client, start_client, wait_until
from stacks import Request, Stack, gunicorn, twisted_service, uwsgi
from terminal import Terminal

Launch = Callable[..., Stack]


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launch]:
    started: list[Stack] = []

    def start(factory: Callable[..., Stack], *args: int) -> Stack:
        started.append(factory(tmp_path, *args))
        return started[-1]

    yield start
    for stack in started:
        stack.stop()


def fix_header_and_continue(
    stack: Stack,
    worker_word: str,
    where: tuple[str, ...] = (),
    env: Optional[dict[str, str]] = None,
) -> None:
    """``where``: the target (``ssh://...``) and ``env`` its variables, for test_remote.py."""
    request = Request(f"http://127.0.0.1:{stack.port}/?name=ada")
    wait_until(lambda: is_listening(stack.rpdb_port), 30, "the view to stop in rpdb")
    script = "p request\np greeting\nresponse.headers['Content-Type'] = 'text/plain'\nc\n"
    result = run_client(*where, "--port", str(stack.rpdb_port), stdin=script, env=env)
    got = request.wait()
    assert result.returncode == 0, result.stderr
    assert got.status == 200, (got.error, stack.log())
    assert got.headers["Content-Type"] == "text/plain"
    assert got.headers["X-Greeting"] == "ada"
    assert re.search(r"<Request 'http://127\.0\.0\.1:\d+/\?name=ada' \[GET\]>", result.stdout)
    assert f"({worker_word}" in result.stderr
    assert "session ended: the program continued" in result.stderr


def wait_across_three_requests(stack: Stack) -> list[str]:
    """Three requests, each caught by one --wait client; the client's connection lines."""
    commands = ["-c", "response.headers['X-Seen'] = greeting", "-c", "c"]
    client = start_client("--port", str(stack.rpdb_port), "--wait", "--count", "3", *commands)
    try:
        assert client.stdin is not None
        client.stdin.close()
        for name in ("one", "two", "three"):
            got = Request(f"http://127.0.0.1:{stack.port}/?name={name}").wait()
            assert got.status == 200, (got.error, stack.log())
            assert got.headers["X-Seen"] == name
        client.wait(timeout=30)
        stderr = client.stderr.read() if client.stderr else ""
    finally:
        client.kill()
    assert client.returncode == 0, stderr
    return [line for line in stderr.splitlines() if "connected to" in line]


def assert_same_or_new_process_is_right(connected: list[str]) -> None:
    """Same as last time, met in an earlier session (``seen in session N``), or new."""
    pids = [int(re.search(r"pid (\d+)", line).group(1)) for line in connected]  # type: ignore[union-attr]
    for number, (previous, pid, line) in enumerate(zip(pids, pids[1:], connected[1:]), 2):
        met = pids[: number - 1]
        if pid == previous:
            expected = "same process"
        elif pid in met:
            expected = f"seen in session {met.index(pid) + 1}"
        else:
            expected = "new process"
        assert line.endswith(expected), connected


def test_uwsgi_inspect_fix_a_header_and_continue(launch: Launch) -> None:
    stack = launch(uwsgi, 30)
    fix_header_and_continue(stack, "uwsgi worker")
    assert "GET /?name=ada => generated" in stack.log()
    assert "HTTP/1.1 200" in stack.log()


def test_uwsgi_wait_across_three_requests(launch: Launch) -> None:
    stack = launch(uwsgi, 30)
    connected = wait_across_three_requests(stack)
    assert len(connected) == 3 and all("(uwsgi worker" in line for line in connected)
    assert_same_or_new_process_is_right(connected)


def idle_until_killed_then_catch_the_next(
    stack: Stack,
    cause: str,
    log_line: str,
    where: tuple[str, ...] = (),
    env: Optional[dict[str, str]] = None,
) -> None:
    client = start_client(*where, "--port", str(stack.rpdb_port), "--wait", "--count", "2", env=env)
    try:
        assert client.stdin is not None and client.stderr is not None
        first = Request(f"http://127.0.0.1:{stack.port}/?name=first")
        stderr = client.stderr
        lines: list[str] = []

        def waiting_again() -> bool:
            lines.append(stderr.readline())
            return "waiting again" in lines[-1]

        wait_until(waiting_again, 60)
        client.stdin.write("c\n")  # for the next session
        client.stdin.flush()
        second = Request(f"http://127.0.0.1:{stack.port}/?name=second").wait()
        client.stdin.close()
        client.wait(timeout=30)
        lines += client.stderr.read().splitlines()
        first.wait()
    finally:
        client.kill()
    said = "\n".join(lines)
    assert "connection lost" in said and f"{cause} is the likely cause" in said, said
    assert second.status == 200, (second.error, stack.log())
    assert first.status != 200
    assert log_line in stack.log()


def test_uwsgi_harakiri_kills_an_idle_session_and_the_next_request_is_caught(
    launch: Launch,
) -> None:
    stack = launch(uwsgi, 3)
    idle_until_killed_then_catch_the_next(
        stack, "uWSGI's harakiri (3 s, from uwsgi --harakiri)", "HARAKIRI ON WORKER"
    )


def test_gunicorn_inspect_fix_a_header_and_continue(launch: Launch) -> None:
    stack = launch(gunicorn, 30)
    fix_header_and_continue(stack, "gunicorn worker")
    connected = wait_across_three_requests(stack)
    assert_same_or_new_process_is_right(connected)


def test_gunicorn_timeout_kills_an_idle_session_and_the_next_request_is_caught(
    launch: Launch,
) -> None:
    stack = launch(gunicorn, 3)
    idle_until_killed_then_catch_the_next(
        stack, "gunicorn's worker timeout (3 s, from gunicorn --timeout)", "WORKER TIMEOUT"
    )


def test_twisted_service_answers_its_peer_and_goes_on_serving(launch: Launch) -> None:
    stack = launch(twisted_service)
    with socket.create_connection(("127.0.0.1", stack.port), timeout=30) as peer:
        peer.sendall(b"debug me\n")
        wait_until(lambda: is_listening(stack.rpdb_port), 30, "the handler to stop in rpdb")
        script = "p line\nreply = b'fixed: ' + line\nc\n"
        result = run_client("--port", str(stack.rpdb_port), stdin=script)
        assert peer.recv(100) == b"fixed: debug me\n"
    assert result.returncode == 0, result.stderr
    assert "b'debug me'" in result.stdout
    with socket.create_connection(("127.0.0.1", stack.port), timeout=30) as other:
        other.sendall(b"plain\n")
        assert other.recv(100) == b"echo plain\n"
    assert stack.process.poll() is None


def test_uwsgi_scene_in_a_terminal(launch: Launch, terminal: Callable[..., Terminal]) -> None:
    """What a person does and sees: the REPL in a pseudo-terminal, the screen read by pyte."""
    stack = launch(uwsgi, 30)
    request = Request(f"http://127.0.0.1:{stack.port}/?name=grace")
    wait_until(lambda: is_listening(stack.rpdb_port), 30, "the view to stop in rpdb")
    term = terminal("--port", str(stack.rpdb_port), "--no-history")
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the first prompt")
    assert "(uwsgi worker" in term.text()
    term.send("p request\r")
    term.wait_shows("?name=grace' [GET]>")
    term.send("response.headers['Content-Type'] = 'text/plain'\r")
    term.send("c\r")
    term.wait_shows("session ended: the program continued")
    got = request.wait()
    assert got.status == 200, (got.error, stack.log())
    assert got.headers["Content-Type"] == "text/plain"
    assert got.headers["X-Greeting"] == "grace"
    assert term.wait_exit() == 0
