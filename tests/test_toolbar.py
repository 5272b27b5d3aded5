"""The prompt and the toolbar, from a plain view of the REPL's state (no terminal)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Optional

import pytest
from prompt_toolkit.formatted_text import StyleAndTextTuples

from rpdb_client.engine.session import Ending, SessionEnd, State
from rpdb_client.terminal.toolbar import (
    command_hint,
    format_elapsed,
    make_prompt,
    make_toolbar,
    short_location,
)
from rpdb_client.wire.parser import Prompt, PromptKind


@dataclass
class View:
    target: str = "127.0.0.1:4444"
    session: Optional[Any] = None
    session_number: int = 0
    counting_sessions: bool = False
    waiting: bool = False
    state_since: float = 0.0
    last_end: Optional[SessionEnd] = None
    python_mode: bool = False
    question: Optional[str] = None
    input_text: str = ""
    vi_mode: str = ""


def text(fragments: StyleAndTextTuples) -> str:
    return "".join(fragment[1] for fragment in fragments)


def test_elapsed_and_location() -> None:
    assert format_elapsed(7.9) == "0:07"
    assert format_elapsed(760) == "12:40"
    assert format_elapsed(3723) == "1:02:03"
    assert short_location("/srv/app/views.py(12)index()") == "views.py:12 index()"
    assert short_location("/srv/a.py(3)f()->None") == "a.py:3 f()->None"
    long = short_location("/x/" + "m" * 100 + ".py(1)f()")
    assert len(long) == 60 and long.endswith("\u2026")


def test_between_sessions_with_wait() -> None:
    lost = SessionEnd(Ending.LOST, "reset")
    view = View(
        waiting=True,
        counting_sessions=True,
        session_number=2,
        last_end=lost,
        state_since=time.monotonic() - 65,
    )
    assert text(make_prompt(view)()) == "(waiting) "
    bar = make_toolbar(view)()
    shown = text(bar)
    assert "127.0.0.1:4444" in shown and " waiting " in shown and "for 1:05" in shown
    assert "after session 2" in shown and "last session lost" in shown
    assert ("class:toolbar.state.waiting", " waiting ") in bar


def test_after_a_lost_session_without_wait() -> None:
    view = View(last_end=SessionEnd(Ending.LOST, "reset"), session_number=1)
    assert text(make_prompt(view)()) == "(lost) "
    assert ("class:toolbar.state.lost", " lost ") in make_toolbar(view)()


def test_question_and_python_mode() -> None:
    view = View(question="Send q anyway? [y/N] ")
    assert make_prompt(view)() == [("class:prompt.question", "Send q anyway? [y/N] ")]
    view = View(python_mode=True, waiting=True)
    assert text(make_prompt(view)()) == "(waiting) py> "
    assert "[python]" in text(make_toolbar(view)())


@dataclass
class AtPrompt:
    """The parts of a session the toolbar reads, stopped at a prompt of ``kind``."""

    kind: PromptKind = PromptKind.PDB
    state: State = State.AT_PROMPT
    location: Optional[str] = "/srv/app/views.py(12)index()"
    stopped_at: Optional[float] = None
    identity: None = None
    pending: int = 0

    @property
    def prompt(self) -> Prompt:
        return Prompt("(Pdb) ", self.kind)


@pytest.mark.parametrize(
    ("typed", "kind", "hint"),
    [
        ("b", PromptKind.PDB, "b(reak) [([filename:]lineno | function) [, condition]]"),
        ("  unt 12", PromptKind.PDB, "unt(il) [lineno]"),
        ("p x;; cl", PromptKind.PDB, "cl(ear) [filename:lineno | bpnumber ...]"),
        ("p(x)", PromptKind.IPDB, "p expression"),
        ("end", PromptKind.COMMANDS, "end"),
        ("end", PromptKind.PDB, ""),  # only (com) knows `end`
        (":log /tmp/x", PromptKind.PYTHON, ":log FILE"),
        ("b", PromptKind.PYTHON, ""),  # Python at >>>, not a command
        ("x = 1", PromptKind.PDB, ""),
        ("", PromptKind.PDB, ""),
        (":nope", PromptKind.PDB, ""),
    ],
)
def test_the_hint_is_the_synopsis_of_the_command_being_typed(
    typed: str, kind: PromptKind, hint: str
) -> None:
    view = View(session=AtPrompt(kind), input_text=typed)
    assert command_hint(view) == hint
    shown = make_toolbar(view)()
    if hint:
        assert ("class:toolbar.hint", f" {hint} ") in shown
        assert "views.py:12" not in text(shown)  # the hint takes the location's place
    else:
        assert not [f for f in shown if f[0] == "class:toolbar.hint"]
        assert "views.py:12 index()" in text(shown)


def test_no_hint_while_a_question_or_python_mode_reads_the_line() -> None:
    assert command_hint(View(session=AtPrompt(), input_text="b", question="Send q? ")) == ""
    assert command_hint(View(session=AtPrompt(), input_text="b", python_mode=True)) == ""
    assert command_hint(View(input_text="s")) == "s(tep)"  # before the first prompt too
