"""A debugger that decodes ASCII: Flask under a real uWSGI started with ``LANG=C``.

uWSGI's embedded interpreter keeps the C locale, so rpdb reads the socket as ASCII and one typed
``é`` kills the request (docs/protocol.md section 3). The client reads the worker's environment
through /proc before sending anything and escapes non-ASCII input itself; where the process cannot
be read, the decode error that killed the request ends the session at once instead of leaving it
"running" forever.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from debuggee import is_listening, wait_until
from prompt_toolkit.input import PipeInput
from repl_driver import ENTER, drive
from stacks import Request, Stack, uwsgi

from rpdb_client.config import Settings
from rpdb_client.engine import identity
from rpdb_client.engine.session_actions import Close, Ended, Ending, Notice, State
from rpdb_client.engine.session_machine import SessionMachine
from rpdb_client.errors import ExitStatus
from rpdb_client.terminal.repl import Repl


@pytest.fixture
def ascii_uwsgi(tmp_path: Path) -> Iterator[Stack]:
    stack = uwsgi(tmp_path, 60, lang="C")
    yield stack
    stack.stop()


def stopped_request(stack: Stack) -> Request:
    request = Request(f"http://127.0.0.1:{stack.port}/?name=ada")
    wait_until(lambda: is_listening(stack.rpdb_port), 30, "the view to stop in rpdb")
    return request


def test_typed_non_ascii_reaches_the_program_intact(ascii_uwsgi: Stack) -> None:
    request = stopped_request(ascii_uwsgi)
    result = subprocess.run(
        [sys.executable, "-m", "rpdb_client", "--port", str(ascii_uwsgi.rpdb_port)],
        input="greeting = 'café'\nresponse.set_data('☕ ' + greeting)\nc\n",
        capture_output=True,
        text=True,
        timeout=30,
    )
    got = request.wait()
    assert result.returncode == 0, result.stderr
    assert got.status == 200, (got.error, ascii_uwsgi.log())
    assert got.body.decode("utf-8") == "☕ café"
    assert got.headers["X-Greeting"] == "café"
    assert "decodes its input as ASCII (LANG=C in an embedded interpreter (uwsgi))" in (
        result.stderr
    )
    assert result.stderr.count("decodes its input as ASCII") == 1
    assert "UnicodeDecodeError" not in result.stdout + ascii_uwsgi.log()


UNREADABLE_PROCESS = (
    # Another user's process (connected with --trust-owner): its environment cannot be read.
    "import rpdb_client.engine.identity as identity\n"
    "identity.input_encoding_of = lambda pid: None\n"
    "from rpdb_client.cli.command import main\n"
    "main()\n"
)


def test_a_decode_error_that_killed_the_request_ends_the_session(ascii_uwsgi: Stack) -> None:
    request = stopped_request(ascii_uwsgi)
    result = subprocess.run(
        [sys.executable, "-c", UNREADABLE_PROCESS, "--port", str(ascii_uwsgi.rpdb_port)],
        input="greeting = 'café'\np greeting\nc\n",
        capture_output=True,
        text=True,
        timeout=30,  # before the fix: "running" until killed here
    )
    got = request.wait()
    assert got.status == 500  # what the decode error did, before the client could know
    assert result.returncode == 1, result.stderr
    assert "died with UnicodeDecodeError" in result.stderr
    assert "will never answer again" in result.stderr
    assert "--ascii" in result.stderr
    assert "harakiri" not in result.stderr  # the cause is known: no guess
    assert "Traceback" not in result.stderr


def test_in_the_repl_the_dead_debugger_ends_the_session_without_a_key(
    ascii_uwsgi: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No "running" with a countdown: the end is said, and the REPL (no --wait) is over."""
    monkeypatch.setattr(identity, "input_encoding_of", lambda pid: None)  # unreadable
    request = stopped_request(ascii_uwsgi)

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text("greeting = 'café'" + ENTER)

    settings = Settings(port=ascii_uwsgi.rpdb_port, history=False, color="never")
    status, text = drive(settings, script)
    assert request.wait().status == 500
    assert status is ExitStatus.LOST
    assert "died with UnicodeDecodeError" in text


# -- the rules, without a server -------------------------------------------------------------

TRACEBACK = (
    b"Traceback (most recent call last):\n"
    b'  File "/usr/lib/python3.11/cmd.py", line 132, in cmdloop\n'
    b"    line = self.stdin.readline()\n"
    b"UnicodeDecodeError: 'ascii' codec can't decode byte 0xc3 in position 15: ordinal not in "
    b"range(128)\n"
)


def busy_machine() -> SessionMachine:
    machine = SessionMachine()
    machine.received(b"> app.py(3)view()\n(Pdb) ", 0.0)
    machine.typed("greeting = 'caf\u00e9'")
    assert machine.state is State.BUSY
    return machine


def test_the_uncaught_decode_error_of_pdbs_read_ends_the_session() -> None:
    machine = busy_machine()
    actions = machine.received(TRACEBACK, 1.0)
    assert machine.ended
    assert any(isinstance(action, Close) for action in actions)
    end = next(action.end for action in actions if isinstance(action, Ended))
    assert end.ending is Ending.LOST and "died with UnicodeDecodeError" in end.detail


def test_pdbs_own_decode_error_is_only_advice() -> None:
    """``*** UnicodeDecodeError`` is pdb reporting a command's error: pdb prompts again."""
    machine = busy_machine()
    actions = machine.received(b"*** UnicodeDecodeError: 'ascii' codec can't decode byte\n", 1.0)
    assert not machine.ended
    assert any(isinstance(action, Notice) for action in actions)
