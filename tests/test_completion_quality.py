"""Completion a demanding user expects, against real servers (issue 13 item 17).

Attributes come with their kind (``method``, ``attribute``), without running a property; after
``data["nested"].`` nothing the frame cannot vouch for is offered; a dict's keys complete after
``request.args["``; ``b target.py:`` offers the first line of each function of the file (its
source asked of the program, as pdb resolves the name); breakpoint numbers show where they are;
pdb++'s and IPython's prompts (a real pdb on a socket with their prompt) get frame names too;
and a slow answer costs one deadline at most. The debugged program must be untouched.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable

import pytest
from debuggee import Debuggee
from test_names import DEADLINE, Recorder, assert_unchanged, completions, drive, user_line

from rpdb_client.engine.frame_names import RemoteNames
from rpdb_client.engine.session import Ending, Session
from rpdb_client.terminal.completer import PdbCompleter
from rpdb_client.vocabulary.commands import PromptMode

Start = Callable[..., Debuggee]


def completer_for(session: Session, names: RemoteNames) -> PdbCompleter:
    return PdbCompleter(
        breakpoints=lambda: dict(session.breakpoints),
        seen_names=lambda: ("seenword", "request"),
        mode=lambda: PromptMode.PDB,
        names_async=names,
        dict_keys=names.keys,
        file_source=names.source,
    )


async def offered(completer: PdbCompleter, text: str) -> dict[str, str]:
    return {c.text: c.display_meta_text for c in await completions(completer, text)}


@pytest.mark.parametrize("kind", ["rpdb", "remote_pdb"])
def test_kinds_keys_lines_of_a_file_and_breakpoint_places(debuggee: Start, kind: str) -> None:
    program = debuggee(kind, "completion_names")

    async def body(session: Session, recorder: Recorder, names: RemoteNames) -> None:
        completer = completer_for(session, names)
        headers = await offered(completer, "p request.headers.")
        assert headers["keys"] == "method" and headers["items"] == "method", headers
        assert await offered(completer, "p request.pa") == {"path": "attribute"}
        assert await offered(completer, 'p data["nested"].') == {}  # not "seenword"
        assert await offered(completer, 'p request.args["') == {'name"]': "key", 'next"]': "key"}
        assert await offered(completer, "p request.args['sa") == {'say "hi"\']': "key"}
        lines = await offered(completer, "b target.py:")
        line = next(n for n, meta in lines.items() if meta == "def completion_names()")
        assert all(n.isdigit() for n in lines), lines
        said = await user_line(session, recorder, f"b target.py:{line}")
        assert f"target.py:{line}" in said, said
        places = await offered(completer, "cl ")
        assert places["1"] == f"breakpoint at target.py:{line}", places
        assert "Deleted" in await user_line(session, recorder, "cl 1")

    assert asyncio.run(drive(program.port, body)) is Ending.DETACHED
    record = program.finish()
    assert_unchanged(record)
    assert record["values"]["nested"] == {"inner": 1}


@pytest.mark.parametrize("prompt", ["(Pdb++) ", "ipdb> "])
def test_frame_names_at_the_prompts_of_pdb_replacements(debuggee: Start, prompt: str) -> None:
    program = debuggee("pdb", "completion_names", env={"TARGET_PROMPT": prompt})

    async def body(session: Session, recorder: Recorder, names: RemoteNames) -> None:
        completer = completer_for(session, names)
        assert (await offered(completer, "p reque"))["request"] == "name"
        assert names.queries_sent == 1

    assert asyncio.run(drive(program.port, body)) is Ending.DETACHED
    assert_unchanged(program.finish())


def test_a_slow_dict_key_or_source_answer_costs_one_deadline_at_most(debuggee: Start) -> None:
    program = debuggee("remote_pdb", "completion_names")

    async def body(session: Session, recorder: Recorder, names: RemoteNames) -> None:
        completer = completer_for(session, names)
        started = time.monotonic()
        assert await offered(completer, 'p lazy.slow["') == {}  # the property takes 5 s
        assert time.monotonic() - started < DEADLINE + 0.5
        started = time.monotonic()  # the debugger is still busy: nothing is asked, at once
        assert await offered(completer, "b target.py:") == {}
        assert time.monotonic() - started < DEADLINE + 0.5
        assert (await user_line(session, recorder, "p counter")).split() == ["0"]

    assert asyncio.run(drive(program.port, body, deadline=DEADLINE)) is Ending.DETACHED
    assert_unchanged(program.finish())


def test_another_threads_print_before_the_reply_on_its_line() -> None:
    """print() writes its text, then its newline: a thread's ``tick 6`` can start the reply's
    line. The reply is still read, and only ``tick 6`` reaches the screen."""
    from rpdb_client.engine.frame_names import parse_reply, unrelated_text

    text = "tick 6('m1', ['done', 'x'])\n\ntick 7\n"
    assert parse_reply(text, "m1") == ["done", "x"]
    assert unrelated_text(text, "m1") == "tick 6\n\ntick 7\n"
