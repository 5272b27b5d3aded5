"""The REPL in-process: keys through a pipe input, a real rpdb program on the other side.

Each test types into :class:`rpdb_client.terminal.repl.Repl` with ``create_pipe_input()`` (the
output is a ``DummyOutput`` that keeps what was written), and asserts on what the *debugged program*
experienced (its record), on the transcript of what was sent, and on the REPL's state.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
from pathlib import Path

import pytest
from debuggee import line_of
from in_process import memory_environment
from matrix_pythons import python_before_313, python_with_servers
from prompt_toolkit.application.current import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.enums import EditingMode
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput
from repl_driver import (
    CTRL_C,
    CTRL_D,
    CTRL_R,
    CTRL_U,
    ENTER,
    ESCAPE,
    F2,
    RIGHT,
    Start,
    at_prompt,
    clean_end,
    drive,
    sent_lines,
    settings_for,
    until,
)

from rpdb_client.config import Settings
from rpdb_client.engine import wording
from rpdb_client.engine.session import State
from rpdb_client.errors import ExitStatus
from rpdb_client.terminal.repl import SECOND_CTRL_C, Repl, run_repl
from rpdb_client.terminal.toolbar import make_toolbar
from rpdb_client.vocabulary.client_commands import find_client_command


def test_typed_lines_reach_the_program_and_ctrl_d_detaches(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text("p x" + ENTER)
        await until(lambda: "p x" in repl.last_command and at_prompt(repl), "p x answered")
        keys.send_text("x = 20" + ENTER)
        await until(lambda: repl.last_command == "x = 20" and at_prompt(repl), "x = 20")
        keys.send_text(CTRL_D)

    status, text = drive(settings_for(program, tmp_path), script)
    record = program.finish()
    clean_end(record)
    assert record["values"]["y"] == 40
    assert status is ExitStatus.OK
    assert sent_lines(tmp_path) == ["p x", "x = 20", "c"]
    assert "(Pdb) p x\r\n" in text  # the sent line echoed after its prompt
    log = [line[13:] for line in (tmp_path / "t.log").read_text().splitlines()]
    assert log[log.index("> p x") + 1] == "| 1"
    assert "detached: the program continues" in text


def test_enter_on_an_empty_line_repeats_explicitly(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "steps")

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text(ENTER)  # nothing sent yet: nothing to repeat
        keys.send_text("n" + ENTER)
        await until(lambda: repl.last_command == "n" and at_prompt(repl), "n")
        stop = repl.session.location if repl.session else None
        keys.send_text(ENTER)
        await until(
            lambda: at_prompt(repl) and repl.session is not None and repl.session.location != stop,
            "the repeat",
        )
        keys.send_text(CTRL_D)

    drive(settings_for(program, tmp_path), script)
    clean_end(program.finish())
    assert sent_lines(tmp_path) == ["n", "n", "c"]  # never an empty line


def test_quit_confirmed_with_yes(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text("q" + ENTER)
        await until(lambda: repl.question is not None, "the question")
        keys.send_text("y" + ENTER)

    drive(settings_for(program, tmp_path), script)
    assert "BdbQuit" in str(program.finish()["error"])


def test_no_confirm_quit_sends_at_once(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text("q" + ENTER)

    drive(settings_for(program, tmp_path, confirm_quit=False), script)
    assert "BdbQuit" in str(program.finish()["error"])


def test_interact_is_warned_about_first(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple", executable=python_before_313())  # interact is unsafe

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text("interact" + ENTER)
        await until(lambda: repl.question is not None, "the question")
        keys.send_text(ENTER)  # the default answer is no
        await until(lambda: repl.question is None, "the answer")
        keys.send_text(CTRL_D)

    _, text = drive(settings_for(program, tmp_path), script)
    clean_end(program.finish())
    assert "there is no way back to pdb: exit()" in text
    assert sent_lines(tmp_path) == ["c"]


@pytest.mark.parametrize("python", ["suite", "3.13"])
def test_python_mode_sends_a_block_as_one_statement(
    debuggee: Start, tmp_path: Path, python: str
) -> None:
    """F2's block runs in the frame: one ``!exec(...)`` before 3.13; on 3.13 (whose pdb runs
    ``!exec`` in a copy of the locals) one ``!if True:`` statement pdb reads on at ``...   ``."""
    executable = sys.executable if python == "suite" else python_with_servers(python)
    program = debuggee("rpdb", "simple", executable=executable)
    native = python == "3.13" or sys.version_info >= (3, 13)

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text(F2)
        await until(lambda: repl.python_mode, "Python mode")
        keys.send_text("for i in range(3):" + ENTER)
        keys.send_text("x += i" + ENTER)  # indented by the editor after the colon
        await until(lambda: "x += i" in repl.app.current_buffer.text, "the block")
        assert repl.app.current_buffer.text == "for i in range(3):\n    x += i\n    "
        keys.send_text(ENTER)
        await until(lambda: repl.session is not None and repl.session.server_python, "asked")
        await until(lambda: repl.session is not None and not repl.session.pending, "sent")
        await until(lambda: at_prompt(repl), "the block ran")
        keys.send_text(CTRL_D)

    drive(settings_for(program, tmp_path), script)
    record = program.finish()
    clean_end(record)
    assert record["values"]["x"] == 4  # 1 + 0 + 1 + 2, run in the frame
    sent = sent_lines(tmp_path)
    if native:
        assert sent[:3] == ["!if True:", "    for i in range(3):", "        x += i"]
        assert sent[-1] == "c" and len(sent) == 5
    else:
        assert len(sent) == 2 and sent[1] == "c"
        block = r"'for i in range(3):\n    x += i\n'"
        assert sent[0] == f"!exec(compile({block}, '<rpdb-connect>', 'exec'))"


def test_client_commands_never_reach_the_debugger(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        mid = tmp_path / "mid.log"
        for line in [":help", ":bell", ":toolbar", ":nonsense", f":log {mid}", ":send p 5"]:
            keys.send_text(line + ENTER)
        await until(lambda: at_prompt(repl) and mid.exists() and "| 5" in mid.read_text(), "p 5")
        keys.send_text(":log" + ENTER + ":quit" + ENTER)

    status, text = drive(settings_for(program, tmp_path), script)
    clean_end(program.finish())
    assert sent_lines(tmp_path) == []  # :log FILE moved the logging to FILE
    mid = [line for line in (tmp_path / "mid.log").read_text().splitlines() if " # " not in line]
    assert "session 1: target 127.0.0.1:" in mid[0]
    assert mid[1].endswith("> p 5") and mid[2].endswith("| 5")
    assert not [line for line in mid if line.endswith("> c")]  # logging stopped before
    assert "stopped logging to" in text
    assert "Client commands (never sent to the debugger)" in text
    assert "unknown client command :nonsense" in text
    assert status is ExitStatus.OK


def test_an_ascii_server_is_escaped_from_the_start_and_help_says_so(
    debuggee: Start, tmp_path: Path
) -> None:
    """A server in LANG=C, known from its /proc environment: escaping is on before any line."""
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    program = debuggee("rpdb", "simple", env=env)
    log = tmp_path / "t.log"

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text(":ascii" + ENTER + "word = 'été'" + ENTER)
        await until(lambda: "> word = " in log.read_text() and at_prompt(repl), "the assignment")
        keys.send_text(":help" + ENTER + ":ascii off" + ENTER + ":ascii maybe" + ENTER + CTRL_D)

    status, text = drive(settings_for(program, tmp_path), script)
    record = program.finish()
    clean_end(record)
    assert record["values"]["word"] == "été"  # it reached the program as an escape
    assert "word = '\\u00e9t\\u00e9'" in sent_lines(tmp_path)
    # The client's notes (``TIME # text``), not a source line that holds a comment.
    notes = re.findall(r"^\S+ # (.*)$", log.read_text(), re.M)
    said = next(note for note in notes if "decodes its input as ASCII" in note)
    assert "(LC_ALL=C in python)" in said and find_client_command(":ascii") is not None
    off, on = wording.ASCII_STATE[False], wording.ASCII_STATE[True]
    assert notes[notes.index(said) + 1] == on  # `:ascii` alone: auto-detection set it
    assert notes[-3:-1] == [off, wording.ASCII_USAGE]
    help_line = next(line for line in text.splitlines() if line.startswith("  :ascii"))
    assert help_line.endswith("(now on)")
    assert status is ExitStatus.OK


def test_lines_typed_while_busy_go_out_one_per_prompt(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text("!__import__('time').sleep(0.3)" + ENTER + "x = 5" + ENTER + "p x" + ENTER)
        await until(lambda: repl.last_command == "p x" and at_prompt(repl), "all three")
        keys.send_text(CTRL_D)

    drive(settings_for(program, tmp_path), script)
    record = program.finish()
    clean_end(record)
    assert record["values"]["x"] == 5
    assert sent_lines(tmp_path) == ["!__import__('time').sleep(0.3)", "x = 5", "p x", "c"]


def test_ctrl_c_twice_while_running_leaves_safely(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text("!__import__('time').sleep(0.5)" + ENTER)
        await until(lambda: repl.session and repl.session.state is State.BUSY, "busy")
        keys.send_text(CTRL_C)
        await until(lambda: repl.session and repl.session.state is State.BUSY, "still busy")
        keys.send_text(CTRL_C)

    status, text = drive(settings_for(program, tmp_path), script)
    clean_end(program.finish())
    assert "cannot be interrupted over this connection" in text
    assert sent_lines(tmp_path)[-1] == "c"
    assert status is ExitStatus.INTERRUPTED


def test_two_ctrl_c_further_apart_than_two_seconds_do_not_leave(
    debuggee: Start, tmp_path: Path
) -> None:
    program = debuggee("rpdb", "simple")
    now = [0.0]
    reads: list[float] = []

    def clock() -> float:
        reads.append(now[0])
        return now[0]

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text("!__import__('time').sleep(1.5)" + ENTER)
        await until(lambda: repl.session and repl.session.state is State.BUSY, "busy")
        keys.send_text(CTRL_C)
        await until(lambda: reads, "the first Ctrl-C")
        now[0] += SECOND_CTRL_C + 0.5
        keys.send_text(CTRL_C)
        await until(lambda: len(reads) == 2, "the second Ctrl-C")
        await until(lambda: at_prompt(repl), "the end of the sleep")
        keys.send_text("x = 7" + ENTER)
        await until(lambda: repl.last_command == "x = 7" and at_prompt(repl), "x = 7")
        keys.send_text(CTRL_D)

    status, text = drive(settings_for(program, tmp_path), script, clock)
    record = program.finish()
    clean_end(record)
    assert record["values"]["x"] == 7
    assert text.count("cannot be interrupted over this connection") == 2
    assert status is ExitStatus.OK


def test_ctrl_c_at_the_prompt_only_clears(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text("x = 99")
        await until(lambda: repl.app.current_buffer.text == "x = 99", "typing")
        keys.send_text(CTRL_C)
        await until(lambda: repl.app.current_buffer.text == "", "the line cleared")
        keys.send_text(CTRL_D)

    drive(settings_for(program, tmp_path), script)
    record = program.finish()
    clean_end(record)
    assert record["values"]["x"] == 1
    assert sent_lines(tmp_path) == ["c"]


def test_toolbar_shows_target_state_and_location(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")
    shown: list[str] = []

    async def script(repl: Repl, keys: PipeInput) -> None:
        toolbar = make_toolbar(repl)
        shown.append("".join(fragment[1] for fragment in toolbar()))
        keys.send_text("unt")
        await until(lambda: repl.input_text == "unt", "the typed word")
        shown.append("".join(fragment[1] for fragment in toolbar()))
        keys.send_text(CTRL_U + CTRL_D)

    drive(settings_for(program, tmp_path), script)
    program.finish()
    assert f"127.0.0.1:{program.port}" in shown[0]
    assert "at prompt" in shown[0] and "stopped 0:0" in shown[0]
    assert "target.py:" in shown[0] and "simple()" in shown[0]
    assert "unt(il) [lineno]" in shown[1] and "target.py:" not in shown[1]


def test_broken_history_warns_once_and_the_session_goes_on(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")
    history = tmp_path / "history"
    history.write_bytes(b"\x00garbage")

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text("p x" + ENTER)
        await until(lambda: repl.last_command == "p x" and at_prompt(repl), "p x")
        keys.send_text(CTRL_D)

    settings = settings_for(program, tmp_path, history=True, history_file=str(history))
    _, text = drive(settings, script)
    clean_end(program.finish())
    assert text.count("is not a history file") == 1
    assert history.read_bytes() == b"\x00garbage"


@pytest.mark.parametrize("style", ["no-such-style"])
def test_unknown_style_is_a_usage_error(style: str) -> None:
    from rpdb_client.errors import UsageError

    def build() -> None:
        with create_pipe_input() as keys, create_app_session(input=keys, output=DummyOutput()):
            Repl(Settings(style=style, history=False), memory_environment(environ={})[0])

    with pytest.raises(UsageError):
        build()


def test_completion_suggestion_and_search(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "steps")
    history = tmp_path / "history"
    history.write_text("\n# 2025-01-01 10:00:00\n+p total\n\n# 2025-01-01 10:00:01\n+where\n")

    async def script(repl: Repl, keys: PipeInput) -> None:
        buffer = repl.app.current_buffer
        keys.send_text("p t")
        await until(lambda: buffer.suggestion is not None, "a suggestion from history")
        keys.send_text(RIGHT)  # takes the suggestion, fish style
        await until(lambda: buffer.text == "p total", "the suggestion taken")
        keys.send_text(CTRL_U + CTRL_R + "ere")
        await until(lambda: repl.app.current_buffer.text == "ere", "the search string")
        keys.send_text(ENTER)  # ends the search with the entry found, without sending it
        await until(lambda: buffer.text == "where", "the entry found by Ctrl-R")
        keys.send_text(CTRL_C + f"b {line_of('loop body')}" + ENTER)
        await until(lambda: bool(repl.session and repl.session.breakpoints), "the breakpoint")
        completer = repl.prompt_session.completer
        assert completer is not None
        words = [c.text for c in completer.get_completions(Document("disa"), CompleteEvent())]
        assert words == ["disable"]
        numbers = [c.text for c in completer.get_completions(Document("disable "), CompleteEvent())]
        assert numbers == ["1"]
        seen = [c.text for c in completer.get_completions(Document("p ste"), CompleteEvent())]
        assert seen == ["steps"]  # a name seen in this session's output (the location line)
        keys.send_text(CTRL_D)

    settings = settings_for(program, tmp_path, history=True, history_file=str(history))
    drive(settings, script)
    clean_end(program.finish())
    assert sent_lines(tmp_path) == [f"b {line_of('loop body')}", "cl 1", "c"]


def test_blocks_typed_at_interacts_prompt_go_line_by_line(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple", executable=python_before_313())  # interact is unsafe

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text("interact" + ENTER)
        await until(lambda: repl.question is not None, "the question")
        keys.send_text("y" + ENTER)
        await until(lambda: repl.editing_python and at_prompt(repl), "the >>> prompt")
        keys.send_text("for i in range(2):" + ENTER + "x += 10" + ENTER + ENTER)
        keys.send_text("print(x * 2)" + ENTER)
        await until(lambda: "42" in (tmp_path / "t.log").read_text(), "the block's effect")
        keys.send_text("exit()" + ENTER)
        await until(lambda: repl.question is not None, "the exit() question")
        keys.send_text(CTRL_D)  # declines
        await until(lambda: repl.question is None, "no")
        keys.send_text(CTRL_D)  # leaving from >>> cannot be safe before 3.13: asked first
        await until(lambda: repl.question is not None, "the leaving question")
        keys.send_text("y" + ENTER)

    _, text = drive(settings_for(program, tmp_path), script)
    assert "BdbQuit" in str(program.finish()["error"])  # as the question said
    assert sent_lines(tmp_path) == [
        "interact",
        "for i in range(2):",
        "    x += 10",
        "",
        "print(x * 2)",
    ]  # the version was asked before interact (a side query): the detach need not ask at >>>
    assert "exit() at >>> ends the debugged program" in text
    assert "left from inside interact" in text


def test_vi_mode(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        assert repl.app.editing_mode is EditingMode.VI
        keys.send_text("p wrd" + ESCAPE + "hio")  # vi: back one, insert before it
        await until(lambda: repl.app.current_buffer.text == "p word", "vi editing")
        keys.send_text(ENTER)
        await until(lambda: repl.last_command == "p word" and at_prompt(repl), "sent")
        keys.send_text(CTRL_D)

    drive(settings_for(program, tmp_path, vi=True), script)
    clean_end(program.finish())
    assert sent_lines(tmp_path) == ["p word", "c"]


def test_tab_completes_names_of_the_frame(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        completer = repl.prompt_session.completer
        assert completer is not None
        found = [
            c.text async for c in completer.get_completions_async(Document("p wo"), CompleteEvent())
        ]
        assert "word" in found  # a local of the stopped frame, asked of the debugger
        buffer = repl.app.current_buffer
        keys.send_text("p wo\t")  # a menu when "work" was seen in the output too, else inserted
        await until(
            lambda: buffer.complete_state is not None or buffer.text == "p word", "the completion"
        )
        if buffer.text != "p word":
            keys.send_text("\t")  # the first candidate: the frame's own name
        await until(lambda: buffer.text == "p word", "Tab completing")
        keys.send_text(ENTER)
        await until(lambda: repl.last_command == "p word" and at_prompt(repl), "sent")
        keys.send_text(ENTER)  # repeats "p word", never the side query
        await until(lambda: sent_lines(tmp_path) == ["p word", "p word"], "the repeat")
        keys.send_text(CTRL_D)

    drive(settings_for(program, tmp_path), script)
    clean_end(program.finish())
    assert sent_lines(tmp_path) == ["p word", "p word", "c"]  # side queries are not logged


def test_remote_completion_can_be_turned_off(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        completer = repl.prompt_session.completer
        assert completer is not None
        event = CompleteEvent()
        found = [c.text async for c in completer.get_completions_async(Document("p wo"), event)]
        assert "word" not in found  # ("work", from the path in the output, is a seen name)
        assert repl.frame_names.queries_sent == 0
        keys.send_text(CTRL_D)

    drive(settings_for(program, tmp_path, remote_completion=False), script)
    clean_end(program.finish())


def test_a_dumb_terminal_runs_line_mode_and_closes_its_transcript(
    debuggee: Start, tmp_path: Path
) -> None:
    program = debuggee("rpdb", "simple")
    log = tmp_path / "t.log"
    env, streams = memory_environment(b"x = 7\nc\n", environ={"TERM": "dumb"})
    status = asyncio.run(run_repl(Settings(port=program.port, log_file=str(log)), env))
    assert program.finish()["values"]["x"] == 7
    assert status is ExitStatus.OK
    err, out = streams.stderr.getvalue(), streams.stdout.getvalue()
    assert wording.DUMB_TERMINAL in err and "(Pdb) x = 7" in out
    assert str(log) not in open_files()
    assert "# session ended: the program continued" in log.read_text()


def open_files() -> list[str]:
    """What this process's descriptors point at."""
    names = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            names.append(os.readlink(f"/proc/self/fd/{fd}"))
    return names
