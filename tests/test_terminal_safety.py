"""Output is data, not instructions for the terminal: only colour reaches a terminal.

Line mode with stdout on a real pseudo-terminal: a real rpdb program prints request data that
carries a window title, an OSC 52 clipboard write, a screen clear, a cursor move and colour.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from typing import Callable

import pytest
from debuggee import Debuggee, run_client
from test_ascii_server import UNREADABLE_PROCESS

Start = Callable[..., Debuggee]


def run_with_terminal_stdout(
    port: int, script: str, *extra: str, stderr_too: bool = False
) -> bytes:
    """Run the client with stdin piped and stdout (and stderr) on a pty; all the pty received."""
    master, slave = os.openpty()
    client = subprocess.Popen(
        [sys.executable, "-m", "rpdb_client", "--port", str(port), *extra],
        stdin=subprocess.PIPE,
        stdout=slave,
        stderr=slave if stderr_too else subprocess.DEVNULL,
    )
    os.close(slave)
    assert client.stdin is not None
    client.stdin.write(script.encode())
    client.stdin.close()
    received = b""
    deadline = time.monotonic() + 15
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the client exited and closed the terminal
                    break
                if not chunk:
                    break
                received += chunk
            elif client.poll() is not None:
                break
        client.wait(timeout=5)
    finally:
        client.kill()
        os.close(master)
    assert client.returncode == 0
    return received


@pytest.mark.parametrize("raw", [False, True], ids=["filtered", "raw"])
def test_only_colour_reaches_the_terminal(debuggee: Start, raw: bool) -> None:
    program = debuggee("rpdb", "hostile")
    extra = ("--raw",) if raw else ()
    screen = run_with_terminal_stdout(program.port, "!print(payload)\nc\n", *extra)
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record
    assert b"\x1b[31mRED\x1b[0m" in screen  # colour passes either way
    hostile = (b"\x1b]0;OWNED\x07", b"\x1b]52;", b"\x1b[2J", b"\x1b[H")
    if raw:
        assert all(sequence in screen for sequence in hostile)
    else:
        assert not any(sequence in screen for sequence in hostile)
        assert b"^[]0;OWNED^G" in screen  # shown, visibly, as text
        assert b"^[[2J" in screen


def test_an_ascii_server_is_recognised(debuggee: Start) -> None:
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    program = debuggee("rpdb", "simple", env=env)
    result = subprocess.run(  # its /proc environment unread, as for another user's process
        [sys.executable, "-c", UNREADABLE_PROCESS, "--port", str(program.port)],
        input="p word\nx = 4\nc\n",
        capture_output=True,
        text=True,
        timeout=20,
    )
    record = program.finish()
    assert result.returncode == 0
    assert record["error"] is None and record["values"]["x"] == 4
    assert "UnicodeEncodeError: 'ascii' codec" in result.stdout
    assert result.stderr.count("Use --ascii") == 1


def test_an_ascii_server_is_known_from_its_environment(debuggee: Start) -> None:
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    program = debuggee("rpdb", "simple", env=env)
    result = run_client("--port", str(program.port), stdin="word = 'été'\nx = 4\nc\n")
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert record["error"] is None and record["values"] == {"x": 4, "y": 8, "word": "été"}
    assert result.stderr.count("decodes its input as ASCII (LC_ALL=C in python)") == 1
    assert "Use --ascii" not in result.stderr


def test_ascii_escapes_what_an_ascii_server_could_not_read(debuggee: Start) -> None:
    """A server started with LANG=C decodes ASCII: one é typed there would kill the request."""
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    program = debuggee("rpdb", "simple", env=env)
    script = "word = 'été'\ncafé = 1\nx = 3\nc\n"
    result = run_client("--port", str(program.port), "--ascii", stdin=script)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert record["error"] is None and record["reached_end"], record
    assert record["values"]["word"] == "été"  # sent as '\u00e9t\u00e9'
    assert record["values"]["x"] == 3
    assert "non-ASCII characters can only be sent inside string literals" in (
        result.stderr
    )  # `café = 1` was refused, not sent
