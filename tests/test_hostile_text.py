"""Text from other processes is shown, never obeyed, and never hides the client's own words.

Other processes' command lines (``--list``, the "connected to ... pid N (...)" line), the
server's questions (``Clear all breaks?`` after the program's output), error texts and names
from the config go through the debugger's output sanitiser; bidi controls are shown as
``\\u202e``. A concealing ``ESC[8m`` the program leaves open is reset before every message of
the client's and at its exit, in line mode and in the REPL. Real rpdb programs; the hostile
command line is the program's own (a link named with escape sequences starts its Python).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
import sysconfig
import tempfile
import threading
from pathlib import Path
from typing import Callable

import pytest
from debuggee import Debuggee, run_client
from terminal import CTRL_D, Terminal
from test_terminal_safety import run_with_terminal_stdout

from rpdb_client.output import sanitize

Start = Callable[..., Debuggee]
HOSTILE_NAME = "python\x1b]0;OWNED\x07\u202e3"
"""The name of the program's executable: a window title, then a bidi override."""
SHOWN_NAME = "python^[]0;OWNED^G\\u202e3"


def hostile_program(debuggee: Start, tmp_path: Path, scenario: str = "simple") -> Debuggee:
    link = tmp_path / HOSTILE_NAME
    link.symlink_to(os.path.realpath(sys.executable))
    # Started through another name, Python no longer finds the virtual environment.
    env = {"PYTHONPATH": sysconfig.get_paths()["purelib"]}
    return debuggee("rpdb", scenario, env=env, executable=str(link))


def obeyed(text: str) -> list[str]:
    """What of the hostile text reached the output as is."""
    return [bad for bad in ("\x1b]", "\x07", "\u202e", "\x9b", "\x08") if bad in text]


@pytest.mark.parametrize("control", ["\u202a", "\u202e", "\u2066", "\u2069", "\u200f", "\u061c"])
def test_bidi_controls_are_shown_everywhere(control: str) -> None:
    shown = f"\\u{ord(control):04x}"
    assert sanitize.make_safe(f"a{control}b") == f"a{shown}b"
    assert sanitize.make_visible(f"a{control}b\x1b[31m") == f"a{shown}b^[[31m"
    sanitizer = sanitize.Sanitizer()
    assert sanitizer.feed(f"caf\u00e9 {control}") + sanitizer.flush() == f"caf\u00e9 {shown}"


def test_list_shows_command_lines_sanitised(debuggee: Start) -> None:
    # A short directory named with the sequences: --list cuts a command line at 60 characters.
    short = Path(tempfile.mkdtemp(prefix="rl", dir="/tmp"))
    try:
        (short / HOSTILE_NAME).mkdir()
        link = short / HOSTILE_NAME / "python3"
        link.symlink_to(os.path.realpath(sys.executable))
        env = {"PYTHONPATH": sysconfig.get_paths()["purelib"]}
        program = debuggee("rpdb", "simple", env=env, executable=str(link))
        result = run_client("--list")
        assert run_client("--port", str(program.port), stdin="c\n").returncode == 0
    finally:
        shutil.rmtree(short)
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if str(program.process.pid) in line)
    assert SHOWN_NAME in row and obeyed(result.stdout) == [], row
    assert program.finish()["reached_end"] is True


def test_the_connect_line_shows_the_process_sanitised(debuggee: Start, tmp_path: Path) -> None:
    program = hostile_program(debuggee, tmp_path)
    result = run_client("--port", str(program.port), stdin="c\n")
    assert result.returncode == 0, result.stderr
    connected = next(line for line in result.stderr.splitlines() if "connected to" in line)
    assert f"pid {program.process.pid} (" in connected and "OWNED" in connected
    assert obeyed(result.stderr) == [], connected
    assert program.finish()["reached_end"] is True


def test_error_texts_and_config_names_are_sanitised(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('host = "evil\\u001b]0;OWNED\\u0007\\u202e.invalid"\n"k\\u001b[2J" = 1\n')
    result = run_client("--config", str(config), "--port", "9", stdin="")
    assert result.returncode == 3, result.stderr
    assert "cannot resolve host" in result.stderr and "OWNED" in result.stderr
    assert "k^[[2J" in result.stderr and "Traceback" not in result.stderr
    assert obeyed(result.stderr) == [] and "\x1b" not in result.stderr


def run_on_a_terminal(port: int, script: str) -> bytes:
    """Line mode with stdin piped and stdout and stderr on one pty: all the pty received."""
    return run_with_terminal_stdout(port, script, stderr_too=True)


class QuestionAfterOutput:
    """A pdb-like server whose ``Clear all breaks?`` follows the program's output on one line.

    A fake server: a real program gets there only when a thread's output races pdb's question,
    which no test can time; the bytes on the wire are the same. It answers one prompt per line,
    closes after ``c`` as rpdb does, and records what it was sent.
    """

    OUTPUT = "\x1b]0;OWNED\x07\x9b2J\x08\u202e"

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(15)
        self.port: int = self.listener.getsockname()[1]
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection, connection.makefile("rwb", buffering=0) as stream:
            connection.settimeout(15)
            stream.write(b"(Pdb) ")
            for line in stream:
                self.received.append(line)
                if line == b"clear\n":
                    stream.write((self.OUTPUT + "Clear all breaks? ").encode())
                elif line == b"c\n":
                    return
                else:
                    stream.write(b"Deleted breakpoint 1\n(Pdb) ")


def test_a_question_after_the_programs_output_is_sanitised() -> None:
    server = QuestionAfterOutput()
    try:
        screen = run_on_a_terminal(server.port, "clear\ny\n")
        server.thread.join(10)
    finally:
        server.listener.close()
    assert server.received == [b"clear\n", b"y\n", b"c\n"]
    text = screen.decode("utf-8", "replace")
    assert "^[]0;OWNED^G^[[2J^H\\u202eClear all breaks? y" in text, text
    assert obeyed(text) == [], text


_SGR = re.compile(rb"\x1b\[([0-9;]*)m")


def concealed_at(raw: bytes, index: int) -> bool:
    """Whether text written at ``index`` of ``raw`` would be concealed (SGR 8 still on)."""
    concealed = False
    for sequence in _SGR.finditer(raw, 0, index):
        for code in (sequence.group(1) or b"0").split(b";"):
            if code in (b"", b"0", b"28"):
                concealed = False
            elif code == b"8":
                concealed = True
    return concealed


def own_messages(raw: bytes) -> list[int]:
    return [found.start() for found in re.finditer(rb"rpdb-connect: ", raw)]


CONCEAL = '!print("shown" + chr(27) + "[8mhidden")\n'
"""Mid-line: a line's leading colour codes do not reach the output (the parser's prompt check)."""


def test_line_mode_is_not_hidden_by_a_concealing_sgr(debuggee: Start) -> None:
    program = debuggee("rpdb", "simple")
    screen = run_on_a_terminal(program.port, CONCEAL + "c\n")
    assert program.finish()["reached_end"] is True
    start = screen.index(b"\x1b[8m")
    after = [index for index in own_messages(screen) if index > start]
    assert after, screen  # "detached: the program continues" comes after it
    assert not any(concealed_at(screen, index) for index in after), screen
    assert not concealed_at(screen, len(screen)), screen  # nor is the shell after the exit


def test_the_repl_is_not_hidden_by_a_concealing_sgr(
    debuggee: Start, terminal: Callable[..., Terminal]
) -> None:
    program = debuggee("rpdb", "simple")
    term = terminal("--port", str(program.port), "--no-history")
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the prompt")
    term.send(CONCEAL.replace("\n", "\r"))
    term.wait_shows("hidden")
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    assert program.finish()["reached_end"] is True
    raw = bytes(term.raw)
    start = raw.index(b"\x1b[8m")
    after = [index for index in own_messages(raw) if index > start]
    assert after, raw
    assert not any(concealed_at(raw, index) for index in after), raw
    assert not concealed_at(raw, len(raw)), raw


def test_the_repl_shows_the_connect_line_and_a_question_sanitised(
    debuggee: Start, tmp_path: Path, terminal: Callable[..., Terminal]
) -> None:
    program = hostile_program(debuggee, tmp_path)
    term = terminal("--port", str(program.port), "--no-history")
    term.wait_shows("connected to")  # through another name, rpdb may choose IPython's pdb
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0 or t.row_of("ipdb>") >= 0, "the prompt")
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    assert program.finish()["reached_end"] is True
    server = QuestionAfterOutput()
    try:
        asking = terminal("--port", str(server.port), "--no-history")
        asking.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the fake server's prompt")
        asking.send("clear\r")
        asking.wait_shows("Clear all breaks?")
        asking.send("y\r")
        asking.wait_for(lambda t: t.row_of("Deleted") >= 0, "the answer")
        asking.send(CTRL_D)
        assert asking.wait_exit() == 0
        server.thread.join(10)
    finally:
        server.listener.close()
    assert server.received == [b"clear\n", b"y\n", b"c\n"]
    for shown in (term, asking):
        raw = bytes(shown.raw).decode("utf-8", "replace")
        # Colour, cursor moves and the bell are the REPL's own: the others must not be there.
        assert not any(bad in raw for bad in ("\x1b]", "\u202e", "\x9b")), raw
    assert SHOWN_NAME in term.text()
    assert "^[]0;OWNED^G^[[2J^H\\u202eClear all breaks?" in asking.text()
