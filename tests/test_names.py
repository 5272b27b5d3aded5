"""Names from the debugged program: the query, its strict reading, and real debuggers.

The pure parts (which owners may be evaluated, the query text, reading the reply back for any
name) are tested on strings. The name source and ``PdbCompleter.get_completions_async`` are
driven in-process against real rpdb, remote-pdb (CRLF) and celery programs stopped in
``completion_names`` (tests/programs/target.py), asserting on what the debugged program
recorded: a slow property or a raising ``__getattr__`` gives no names within the deadline, is
asked once per stop, and the program ends unchanged.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable

import pytest
from debuggee import Debuggee
from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.document import Document

from rpdb_client.engine.frame_names import (
    RemoteNames,
    build_query,
    is_plain_owner,
    make_name_source,
    parse_reply,
)
from rpdb_client.engine.session import Ending, Session, State
from rpdb_client.terminal.completer import PdbCompleter
from rpdb_client.vocabulary.commands import PromptMode
from rpdb_client.wire.connection import Connection
from rpdb_client.wire.parser import Prompt

Start = Callable[..., Debuggee]
DEADLINE = 0.75

# --- pure parts -----------------------------------------------------------------------------


@pytest.mark.parametrize("owner", ["request", "request.headers", "a.b.c", "$_frame", "None"])
def test_plain_dotted_names_may_be_asked_about(owner: str) -> None:
    assert is_plain_owner(owner)
    assert owner in build_query(owner, "m1")


@pytest.mark.parametrize(
    "owner", ["f()", "x[0]", "a.b()", "a .b", "a..b", "", "import", "x.for", "1x", "a;;c", "a\nb"]
)
def test_anything_else_is_never_evaluated(owner: str) -> None:
    assert not is_plain_owner(owner)
    with pytest.raises(ValueError):
        build_query(owner, "m1")


def test_the_query_is_one_pdb_line_that_local_names_cannot_hijack() -> None:
    query = build_query(None, "abc123")
    assert query.startswith("p ('abc123', ")
    assert "\n" not in query and ";;" not in query
    # Spelled through builtins: a local `dir = ...` in the frame changes nothing.
    assert " dir(" not in query and " sorted(" not in query
    with pytest.raises(ValueError):
        build_query(None, "no'marker")


NASTY = ["plain", "it's", 'say "hi"', "back\\slash", "line\nbreak", "caf\u00e9", "\u4e2d", "x\r"]


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_any_name_survives_the_trip(ending: str) -> None:
    marker = "m42"
    printed = repr((marker, sorted(NASTY)))  # what pdb's `p` writes
    reply = f"tick 1{ending}{printed}{ending}"
    assert parse_reply(reply, marker) == sorted(NASTY)


@pytest.mark.parametrize(
    "reply",
    [
        "*** NameError: name 'nope' is not defined\n",
        "*** RuntimeError: no attribute x here\n",
        "('other', ['a'])\n",
        "('m42', ['a', 1])\n",
        "('m42', ['a'], 'extra')\n",
        "('m42', ['unterminated)\n",
        "",
    ],
)
def test_anything_but_the_answer_means_no_names(reply: str) -> None:
    assert parse_reply(reply, "m42") is None


# --- against real debuggers -------------------------------------------------------------------


class Recorder:
    """A session listener that keeps what would have been shown."""

    def __init__(self) -> None:
        self.output: list[str] = []
        self.prompted = asyncio.Event()

    def on_output(self, text: str) -> None:
        self.output.append(text)

    def on_prompt(self, prompt: Prompt) -> None:
        self.prompted.set()

    def on_sent(self, line: str, prompt: Prompt) -> None:
        pass

    def on_state(self, state: State) -> None:
        pass

    def on_notice(self, text: str) -> None:
        pass

    @property
    def shown(self) -> str:
        return "".join(self.output)


Body = Callable[[Session, Recorder, RemoteNames], Awaitable[None]]


async def drive(port: int, body: Body, deadline: float = DEADLINE) -> Ending:
    recorder = Recorder()
    session = Session(await Connection.open("127.0.0.1", port), recorder)
    running = asyncio.ensure_future(session.run())
    try:
        await asyncio.wait_for(session.wait_for_state(State.AT_PROMPT), 10)
        await body(session, recorder, make_name_source(lambda: session, True, deadline))
        session.finish()
        end = await asyncio.wait_for(running, 15)
    finally:
        if not running.done():
            session.abandon()
    return end.ending


async def user_line(session: Session, recorder: Recorder, line: str) -> str:
    """Send a line as the user would; return what the debugger showed for it."""
    before = len(recorder.shown)
    recorder.prompted.clear()
    session.send(line)
    # The prompt after the line (a state wait could miss BUSY: it may last one read callback).
    await asyncio.wait_for(recorder.prompted.wait(), 10)
    return recorder.shown[before:]


async def completions(completer: PdbCompleter, text: str) -> list[Completion]:
    found = completer.get_completions_async(
        Document(text), CompleteEvent(completion_requested=True)
    )
    return [completion async for completion in found]


def completer_for(names: RemoteNames) -> PdbCompleter:
    return PdbCompleter(
        breakpoints=lambda: (),
        seen_names=lambda: (),
        mode=lambda: PromptMode.PDB,
        names_async=names,
    )


def assert_unchanged(record: dict[str, Any]) -> None:
    assert record["error"] is None and record["reached_end"], record
    values = record["values"]
    assert values["counter"] == 0 and values["path"] == "/orders", values


@pytest.mark.parametrize("kind", ["rpdb", "remote_pdb", "celery"])
def test_frame_names_and_attributes_complete(debuggee: Start, kind: str) -> None:
    program = debuggee(kind, "completion_names")

    async def body(session: Session, recorder: Recorder, names: RemoteNames) -> None:
        shown = recorder.shown
        frame = await names(None)
        assert {"request", "lazy", "broken", "counter"} <= set(frame)
        attributes = await names("request")
        assert {"path", "headers", "method"} <= set(attributes)
        assert recorder.shown == shown, "a side query's reply reached the screen"
        # Through the completer, the way prompt_toolkit asks: cached, no new query.
        sent = names.queries_sent
        completer = completer_for(names)
        found = {(c.text, c.display_meta_text) for c in await completions(completer, "p req")}
        assert ("request", "name") in found
        completed = {c.text for c in await completions(completer, "p request.pa")}
        assert completed == {"path"}
        assert names.queries_sent == sent
        # The program moves on (the user's line): what was learnt is dropped and asked again.
        assert (await user_line(session, recorder, "p counter")).split() == ["0"]
        assert "request" in await names(None)
        assert names.queries_sent == sent + 1

    assert asyncio.run(drive(program.port, body)) is Ending.DETACHED
    assert_unchanged(program.finish())


def test_a_slow_property_gives_nothing_within_the_deadline_and_is_asked_once(
    debuggee: Start,
) -> None:
    program = debuggee("remote_pdb", "completion_names")

    async def body(session: Session, recorder: Recorder, names: RemoteNames) -> None:
        completer = completer_for(names)
        started = time.monotonic()
        assert await completions(completer, "p lazy.slow.up") == []
        assert time.monotonic() - started < DEADLINE + 0.5
        # A second Tab at the same stop does not queue another five seconds.
        started = time.monotonic()
        assert await names("lazy.slow") == ()
        assert time.monotonic() - started < 0.1
        assert names.queries_sent == 1
        # The user's next line waits for the slow answer, then works; nothing of it is shown.
        assert (await user_line(session, recorder, "p counter")).split() == ["0"]
        assert "late" not in recorder.shown

    assert asyncio.run(drive(program.port, body)) is Ending.DETACHED
    record = program.finish()
    assert_unchanged(record)
    assert record["values"]["slow_calls"] == 1


@pytest.mark.parametrize("kind", ["rpdb", "remote_pdb"])
def test_a_raising_getattr_gives_nothing_and_the_session_goes_on(
    debuggee: Start, kind: str
) -> None:
    program = debuggee(kind, "completion_names")

    async def body(session: Session, recorder: Recorder, names: RemoteNames) -> None:
        started = time.monotonic()
        assert await names("broken.missing") == ()
        assert time.monotonic() - started < DEADLINE  # an error answer, not a timeout
        assert await names("broken.missing") == ()
        assert names.queries_sent == 1
        assert "RuntimeError" not in recorder.shown
        assert "/orders" in await user_line(session, recorder, "p request.path")

    assert asyncio.run(drive(program.port, body)) is Ending.DETACHED
    record = program.finish()
    assert_unchanged(record)
    assert record["values"]["getattr_calls"] == 1


def test_switched_off_or_between_sessions_nothing_is_asked(debuggee: Start) -> None:
    program = debuggee("rpdb", "completion_names")

    async def body(session: Session, recorder: Recorder, names: RemoteNames) -> None:
        switch = {"on": False}
        off = make_name_source(lambda: session, lambda: switch["on"])
        assert await off(None) == () and off.queries_sent == 0
        switch["on"] = True
        assert "request" in await off(None)
        nobody = make_name_source(lambda: None)
        assert await nobody(None) == ()
        # At `>>> ` (interact) the completer does not ask: Python keywords and builtins only.
        python = PdbCompleter(
            breakpoints=lambda: (),
            seen_names=lambda: (),
            mode=lambda: PromptMode.PYTHON,
            names_async=off,
        )
        sent = off.queries_sent
        assert {c.text for c in await completions(python, "le")} == {"len"}
        assert off.queries_sent == sent
        # Not at pdb's own prompt (a query is in flight): nothing is sent, nothing cached.
        busy = session.query("p 1")
        assert busy is not None
        assert await names("request") == () and names.queries_sent == 0
        await asyncio.wait_for(busy, 5)
        assert "path" in await names("request")

    assert asyncio.run(drive(program.port, body)) is Ending.DETACHED
    assert_unchanged(program.finish())


def test_a_user_line_sent_meanwhile_is_not_held_up(debuggee: Start) -> None:
    """Tab then Enter at once: the user's line goes right after the quick query's prompt."""
    program = debuggee("rpdb", "completion_names")

    async def body(session: Session, recorder: Recorder, names: RemoteNames) -> None:
        asking = asyncio.ensure_future(names(None))
        deadline = time.monotonic() + 5
        while names.queries_sent == 0:  # let the query go out first
            assert time.monotonic() < deadline and not asking.done()
            await asyncio.sleep(0)
        assert "GET" in await user_line(session, recorder, "p request.method")
        assert "request" in await asking

    assert asyncio.run(drive(program.port, body)) is Ending.DETACHED
    assert_unchanged(program.finish())


def test_unrelated_text_keeps_other_threads_output_only() -> None:
    from rpdb_client.engine.frame_names import unrelated_text

    marker = "rpdbconnectabc123"
    reply = f"tick 1\n('{marker}', ['a', 'b'])\ntick 2\n"
    assert unrelated_text(reply, marker) == "tick 1\ntick 2\n"
    assert unrelated_text("*** NameError: name 'x' is not defined\n", marker) == ""


def test_a_reply_after_another_threads_unfinished_line_is_still_the_answer() -> None:
    # `print("tick 6")` writes its newline apart: pdb's reply can land between the two writes.
    from rpdb_client.engine.frame_names import unrelated_text

    marker = "rpdbconnectabc123"
    reply = f"tick 6('{marker}', ['a', 'b'])\n"
    assert parse_reply(reply, marker) == ["a", "b"]
    assert unrelated_text(reply, marker) == "tick 6\n"  # shown as the line it is
