"""What a person sees: the installed ``rpdb-connect`` in a pseudo-terminal, the screen by pyte.

Each test runs the real command under pexpect (80x24, ``TERM=xterm-256color``,
``PROMPT_TOOLKIT_NO_CPR=1``), renders its output with pyte, and asserts on the rendered rows (and
on pyte's character attributes for colour), then on the debugged program's own record. Nothing
sleeps a fixed time: every wait is for a condition on the screen, with a deadline; every process
is killed by its PID at the end.
"""

from __future__ import annotations

import fcntl
import os
import pty
import stat
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from debuggee import STOPS_ON_THE_CALL, Debuggee, line_of
from terminal import (
    COLUMNS,
    CTRL_C,
    CTRL_D,
    CTRL_U,
    PASTE_END,
    PASTE_START,
    ROWS,
    RPDB_CONNECT,
    UP,
    Terminal,
    terminal_env,
)

Start = Callable[..., Debuggee]


def clean_end(record: dict[str, Any]) -> None:
    assert record["error"] is None, record
    assert record["reached_end"] is True, record


def connect(
    terminal: Callable[..., Terminal], program: Debuggee, *args: str, history: str = ""
) -> Terminal:
    """Start the client on ``program`` and wait for its first prompt."""
    more = ["--history-file", history] if history else ["--no-history"]
    term = terminal("--port", str(program.port), *more, *args)
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the first prompt")
    return term


def test_prompt_highlighted_location_and_toolbar(debuggee: Start, terminal: Any) -> None:
    program = debuggee("rpdb", "simple")
    term = connect(terminal, program)
    term.wait_for(lambda t: "at prompt" in t.text(), "the toolbar")
    stop = line_of("simple stop") + (0 if STOPS_ON_THE_CALL else 1)  # the call, or the next
    location = term.row_of("> ")
    assert location >= 0 and term.rows[location].endswith(f"target.py({stop})simple()")
    prompt = term.row_of("(Pdb)")
    assert prompt > location
    toolbar = term.rows[prompt + 1]
    assert f"127.0.0.1:{program.port}" in toolbar and "at prompt" in toolbar
    assert "stopped 0:0" in toolbar and f"target.py:{stop} simple()" in toolbar
    # Colour: the path, the line number and the function each have their own colour.
    line = term.screen.buffer[location]
    path_at = term.rows[location].index("/")
    number_at = term.rows[location].index(f"({stop})") + 1
    function_at = term.rows[location].index("simple")
    colours = {line[path_at].fg, line[number_at].fg, line[function_at].fg}
    assert "default" not in colours and len(colours) == 3, colours
    assert line[0].bold  # the "> " marker
    assert term.screen.buffer[prompt][0].bold  # the prompt
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    clean_end(program.finish())


def test_history_is_recalled_in_the_next_run(
    debuggee: Start, terminal: Any, tmp_path: Path
) -> None:
    history = str(tmp_path / "state" / "history")
    first = debuggee("rpdb", "simple")
    term = connect(terminal, first, history=history)
    term.send("p word\r")
    term.wait_shows("'café'")
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    clean_end(first.finish())
    assert stat.S_IMODE(os.stat(history).st_mode) == 0o600

    second = debuggee("rpdb", "simple")
    term = connect(terminal, second, history=history)
    term.send(UP)
    term.wait_for(lambda t: t.rows[t.row_of("(Pdb)")] == "(Pdb) p word", "the recalled line")
    term.send(CTRL_U + CTRL_D)
    assert term.wait_exit() == 0
    clean_end(second.finish())


def test_ctrl_c_clears_the_line_and_the_program_never_notices(
    debuggee: Start, terminal: Any
) -> None:
    program = debuggee("rpdb", "simple")
    term = connect(terminal, program)
    term.send("x = 99")
    term.wait_for(lambda t: t.rows[t.row_of("(Pdb)")] == "(Pdb) x = 99", "the typed line")
    term.send(CTRL_C)
    term.wait_for(lambda t: t.rows[t.row_of("(Pdb)")] == "(Pdb)", "the cleared line")
    assert term.child.isalive()
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    record = program.finish()
    clean_end(record)
    assert record["values"]["x"] == 1  # the cleared assignment never reached the program


def test_ctrl_d_detaches_and_the_program_reaches_its_end(debuggee: Start, terminal: Any) -> None:
    program = debuggee("rpdb", "simple")
    term = connect(terminal, program)
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    assert "rpdb-connect: detached: the program continues" in term.text()
    record = program.finish()
    assert record == {**record, "reached_end": True, "error": None}


def test_q_asks_for_confirmation(debuggee: Start, terminal: Any) -> None:
    program = debuggee("rpdb", "simple")
    term = connect(terminal, program)
    term.send("q\r")
    term.wait_for(lambda t: t.row_of("Send q anyway? [y/N]") >= 0, "the question")
    assert "raises BdbQuit in the program" in term.text().replace("\n", "")
    term.send("n\r")
    term.wait_for(lambda t: t.rows[t.row_of("(Pdb)")] == "(Pdb)", "the prompt back")
    assert "rpdb-connect: not sent" in term.text()
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    clean_end(program.finish())


def test_output_of_another_thread_shows_above_the_line_being_typed(
    debuggee: Start, terminal: Any
) -> None:
    program = debuggee("rpdb", "printing_thread")
    term = connect(terminal, program)
    term.send("p 12")

    def ticks_above_typed_line(t: Terminal) -> Optional[int]:
        prompt = t.row_of("(Pdb)")
        ticks = [int(row[5:]) for row in t.rows[:prompt] if row.startswith("tick ")]
        intact = prompt >= 0 and t.rows[prompt] == "(Pdb) p 12" and "at prompt" in t.rows[-1]
        return max(ticks) if ticks and intact else None

    first = term.wait_for(ticks_above_typed_line, "ticks above the typed line")
    term.wait_for(lambda t: (ticks_above_typed_line(t) or 0) >= first + 3, "more ticks")
    term.send(CTRL_U + CTRL_D)
    assert term.wait_exit() == 0
    clean_end(program.finish())


@pytest.mark.parametrize("how", ["bracketed-paste", "typed-ahead"])
def test_five_pasted_lines_reach_rpdb_in_order(debuggee: Start, terminal: Any, how: str) -> None:
    program = debuggee("rpdb", "collect")
    term = connect(terminal, program)
    lines = [f"got.append({n})" for n in range(1, 6)]
    if how == "bracketed-paste":
        term.send(PASTE_START + "\n".join(lines) + "\n" + PASTE_END)
        term.wait_for(lambda t: "got.append(5)" in t.text(), "the pasted block")
        term.send("\r")
    else:
        term.send("".join(line + "\r" for line in lines))  # faster than any prompt comes
    term.wait_for(lambda t: t.row_of("(Pdb) got.append(5)") >= 0, "the fifth line sent")
    term.wait_for(lambda t: t.rows[t.row_of("(Pdb)")] == "(Pdb)", "the prompt after it")
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    record = program.finish()
    clean_end(record)
    assert record["values"]["got"] == [1, 2, 3, 4, 5]


def test_waiting_state_between_two_sessions(debuggee: Start, terminal: Any, tmp_path: Path) -> None:
    go = tmp_path / "go"
    program = debuggee("rpdb", "two_stops", env={"TARGET_GO": str(go)})
    term = connect(terminal, program, "--wait")
    term.wait_for(lambda t: "session 1" in t.rows[t.row_of("(Pdb)") + 1], "session 1")
    term.send("c\r")
    term.wait_for(lambda t: t.row_of("(waiting)") >= 0, "the waiting prompt")
    toolbar = term.rows[term.row_of("(waiting)") + 1]
    assert "waiting" in toolbar and "after session 1" in toolbar
    assert "session ended: the program continued" in term.text()
    assert "waiting again for a debugger" in term.text()
    go.touch()
    term.wait_for(lambda t: "session 2" in t.rows[t.row_of("(Pdb)") + 1], "session 2")
    assert term.raw.count(b"\a") == 2  # the bell rang for each new session
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    record = program.finish()
    clean_end(record)
    assert record["values"]["stops"] == 2


def test_dumb_terminal_gets_plain_line_mode(debuggee: Start, terminal: Any) -> None:
    program = debuggee("rpdb", "simple")
    term = terminal("--port", str(program.port), env=terminal_env(TERM="dumb"))
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the prompt")
    term.send("p x\r")
    term.wait_for(lambda t: t.row_of("1") >= 0, "the answer")
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    clean_end(program.finish())
    assert b"\x1b" not in term.raw  # no colour, no cursor movement


def test_no_color_means_plain_text(debuggee: Start, terminal: Any) -> None:
    program = debuggee("rpdb", "simple")
    term = terminal("--port", str(program.port), "--no-history", env=terminal_env(NO_COLOR="1"))
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the prompt")
    location = term.row_of("> ")
    assert {char.fg for char in term.screen.buffer[location].values()} == {"default"}
    term.send(CTRL_D)
    assert term.wait_exit() == 0
    clean_end(program.finish())


def test_a_lost_connection_is_explained_without_a_traceback(debuggee: Start, terminal: Any) -> None:
    program = debuggee("rpdb", "simple")
    term = connect(terminal, program)
    program.stop()  # killed, as a worker's timeout would
    assert term.wait_exit() == 1
    text = term.text()
    assert "connection lost" in text and "Traceback" not in text


def test_resizing_redraws_at_the_new_width(debuggee: Start, terminal: Any) -> None:
    program = debuggee("rpdb", "simple")
    term = connect(terminal, program)
    term.wait_for(lambda t: "at prompt" in t.text(), "the toolbar")
    term.screen.resize(ROWS, 100)
    term.child.setwinsize(ROWS, 100)
    term.send("p 1")  # any key: the redraw after it uses the new size

    def toolbar_is_100_wide(t: Terminal) -> bool:
        row = t.row_of("(Pdb) p 1")
        return row >= 0 and t.screen.buffer[row + 1][99].bg != "default"

    term.wait_for(toolbar_is_100_wide, "a toolbar 100 columns wide")
    term.send(CTRL_U + CTRL_D)
    assert term.wait_exit() == 0
    clean_end(program.finish())


# -- speed: a 20 MiB reply against cat of the same bytes in the same kind of pty --------------


class _Reader:
    """Reads a pty's master as fast as a terminal could, and notes when ``until`` first holds."""

    def __init__(self, master: int, until: Callable[[bytes, int], bool]) -> None:
        self.master, self.until = master, until
        self.tail, self.total, self.done = b"", 0, 0.0
        self.finished = threading.Event()

    def run(self) -> None:
        while True:
            try:
                data = os.read(self.master, 1 << 20)
            except OSError:  # EIO: the other side closed
                data = b""
            self.total += len(data)
            self.tail = (self.tail + data)[-4096:]
            if not self.finished.is_set() and (not data or self.until(self.tail, self.total)):
                self.done = time.perf_counter()
                self.finished.set()
            if not data:
                return


def _drain_pty(argv: list[str], until: Callable[[bytes, int], bool], send: bytes = b"") -> float:
    """Run ``argv`` in an 80x24 pty; seconds until ``until(tail, total)`` holds or output ends.

    With ``send``, the clock starts when it is typed, once the client's toolbar is drawn.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=terminal_env(), start_new_session=True
    )
    os.close(slave)
    reader = _Reader(master, until)
    try:
        if send:
            _wait_for_toolbar(master)
            os.write(master, send)
        started = time.perf_counter()
        threading.Thread(target=reader.run, daemon=True).start()
        assert reader.finished.wait(60), "the output did not end"
        return reader.done - started
    finally:
        if process.poll() is None:
            os.write(master, b"\x04")
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        os.close(master)


def _wait_for_toolbar(master: int) -> None:
    """Read the client's first screen until its toolbar says it is at the prompt."""
    deadline = time.monotonic() + 15
    seen = b""
    while b"at prompt" not in seen:
        assert time.monotonic() < deadline, seen
        seen = (seen + os.read(master, 1 << 16))[-4096:]


def test_a_20_mib_reply_shows_about_as_fast_as_cat(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "huge")
    size = 262_144 * 80
    reply = tmp_path / "reply.txt"
    reply.write_text("".join(f"line {i:7d} " + "x" * 66 + "\n" for i in range(262_144)))
    shown = _drain_pty(
        [RPDB_CONNECT, "--port", str(program.port), "--no-history"],
        until=lambda tail, total: total > size and b"at prompt" in tail[-600:],
        send=b"!print(text)\r",
    )
    clean_end(program.finish())
    cat = min(_drain_pty(["cat", str(reply)], until=lambda tail, total: False) for _ in range(2))
    print(f"20 MiB reply: rpdb-connect {shown:.3f} s, cat {cat:.3f} s, ratio {shown / cat:.2f}")
    # About twice is what this measures on an idle 2-core machine (1.8 to 2.5 here); the bound
    # leaves room for a loaded CI machine and still fails on printing line by line (> 10x).
    assert shown < 4 * cat + 0.3, (shown, cat)


def test_tab_completes_names_and_attributes_of_the_frame(debuggee: Start, terminal: Any) -> None:
    program = debuggee("rpdb", "completion_names")
    term = connect(terminal, program)
    term.send("p req\t")
    term.wait_for(lambda t: t.row_of("(Pdb) p request") >= 0, "p req<Tab> completed")
    term.send(".pa\t")
    term.wait_for(lambda t: t.row_of("(Pdb) p request.path") >= 0, "the attribute completed")
    term.send("\r")
    term.wait_shows("'/orders'")
    term.send("c\r")
    assert term.wait_exit() == 0
    clean_end(program.finish())


def test_hostile_output_reaches_the_screen_as_text_and_colour(
    debuggee: Start, terminal: Any
) -> None:
    """A window title, an OSC 52 clipboard write, a screen clear: shown, not obeyed."""
    program = debuggee("rpdb", "hostile")
    term = connect(terminal, program)
    term.send("!print(payload)\r")
    term.wait_shows("RED")
    text = term.text()
    assert "connected to" in text  # the screen was not cleared
    assert "^[]0;OWNED^G" in text and "^[]52;c;ZXZpbA==^G" in text and "^[[2J" in text
    assert term.screen.title != "OWNED"
    row = next(n for n, line in enumerate(term.rows) if "RED" in line)
    start = term.rows[row].index("RED")
    cells = [term.screen.buffer[row][column] for column in range(start, start + 3)]
    assert [cell.fg for cell in cells] == ["red"] * 3, cells
    term.send("c\r")
    assert term.wait_exit() == 0
    clean_end(program.finish())


def test_closing_the_terminal_detaches_and_the_program_goes_on(
    debuggee: Start, terminal: Any
) -> None:
    """A closed window hangs up the terminal (SIGHUP): nc would quit pdb; this detaches."""
    program = debuggee("rpdb", "simple")
    term = connect(terminal, program)
    term.send("x = 12\r")
    term.wait_for(lambda t: t.text().count("(Pdb)") >= 2, "the next prompt")
    # The window goes away: the terminal's master side closes and the kernel hangs up the
    # session (SIGHUP), nothing else is sent.
    os.close(term.child.child_fd)
    record = program.finish()
    clean_end(record)
    assert record["values"]["x"] == 12
