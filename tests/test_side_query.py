"""Side queries: a line sent at an idle prompt whose reply goes to the caller, never the screen.

Driven in-process against real rpdb and remote-pdb programs: the reply is returned, nothing of
it reaches the listener, lines the user sends meanwhile wait for the query's prompt, and a
caller that gives up (a deadline) leaves the session consistent.
"""

from __future__ import annotations

import asyncio
import re
from typing import Callable

import pytest
from debuggee import Debuggee

from rpdb_client.engine.session import Ending, Session, State
from rpdb_client.wire.connection import Connection
from rpdb_client.wire.parser import Prompt

Start = Callable[..., Debuggee]


class Recorder:
    """A listener that keeps everything it is told."""

    def __init__(self) -> None:
        self.output: list[str] = []
        self.prompts: list[Prompt] = []
        self.sent: list[str] = []

    def on_output(self, text: str) -> None:
        self.output.append(text)

    def on_prompt(self, prompt: Prompt) -> None:
        self.prompts.append(prompt)

    def on_sent(self, line: str, prompt: Prompt) -> None:
        self.sent.append(line)

    def on_state(self, state: State) -> None:
        pass

    def on_notice(self, text: str) -> None:
        pass


async def drive(port: int, body: Callable[[Session, Recorder], object]) -> Ending:
    recorder = Recorder()
    session = Session(await Connection.open("127.0.0.1", port), recorder)
    running = asyncio.ensure_future(session.run())
    await asyncio.wait_for(session.wait_for_state(State.AT_PROMPT), 10)
    await body(session, recorder)  # type: ignore[misc]
    session.finish()
    end = await asyncio.wait_for(running, 10)
    return end.ending


@pytest.mark.parametrize("kind", ["rpdb", "remote_pdb"])
def test_query_reply_is_returned_and_not_shown(debuggee: Start, kind: str) -> None:
    program = debuggee(kind, "simple")

    async def body(session: Session, recorder: Recorder) -> None:
        shown_before = "".join(recorder.output)
        reply = session.query("p sorted(k for k in dir() if not k.startswith('_'))")
        assert reply is not None
        text = await asyncio.wait_for(reply, 5)
        assert "'word'" in text and "'x'" in text
        assert "".join(recorder.output) == shown_before  # nothing of the query was shown
        assert session.state is State.AT_PROMPT
        session.send("x = 9")

    assert asyncio.run(drive(program.port, body)) is Ending.DETACHED
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record
    assert record["values"]["x"] == 9


def test_user_line_waits_for_a_slow_query_and_a_deadline_leaves_it_consistent(
    debuggee: Start,
) -> None:
    program = debuggee("rpdb", "simple")

    async def body(session: Session, recorder: Recorder) -> None:
        reply = session.query("p __import__('time').sleep(0.5) or 'slept'")
        assert reply is not None
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(reply), 0.05)
        assert session.query("p 1") is None  # one query at a time
        session.send("x = 11")  # typed while the query runs: waits for its prompt
        assert recorder.sent == []
        await asyncio.wait_for(reply, 5)
        await asyncio.wait_for(session.wait_for_state(State.AT_PROMPT), 5)
        assert recorder.sent == ["x = 11"]
        assert "slept" not in "".join(recorder.output)

    assert asyncio.run(drive(program.port, body)) is Ending.DETACHED
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record
    assert record["values"]["x"] == 11


def test_other_threads_output_during_a_name_query_still_reaches_the_screen(
    debuggee: Start,
) -> None:
    from rpdb_client.engine.frame_names import make_name_source

    program = debuggee("rpdb", "printing_thread")

    async def body(session: Session, recorder: Recorder) -> None:
        names = make_name_source(lambda: session, True)
        loop = asyncio.get_running_loop()
        end = loop.time() + 0.6
        while loop.time() < end:  # queries back to back: most ticks arrive during one
            assert "done" in await names(None)
            session.stop_number += 1  # a new stop for the cache: ask again
        shown = "".join(recorder.output)
        assert "rpdbconnect" not in shown  # nothing of the queries themselves
        ticks = [int(n) for n in re.findall(r"tick (\d+)", shown)]
        assert len(ticks) >= 5
        assert ticks == list(range(ticks[0], ticks[0] + len(ticks)))  # none swallowed

    assert asyncio.run(drive(program.port, body)) is Ending.DETACHED
    assert program.finish()["reached_end"] is True


def test_a_coloured_location_line_is_tracked_as_plain_text() -> None:
    """IPython's debugger (rpdb uses it when IPython is importable) colours the location."""

    class Unconnected:
        connected_at = 0.0

        def attach(self, receiver: object) -> None:
            pass

        def bytes_waiting(self) -> bool:
            return False

        def close(self) -> None:
            pass

    async def track() -> str | None:
        session = Session(Unconnected(), Recorder())  # type: ignore[arg-type]
        session.on_data(b"> \x1b[32m/srv/app.py\x1b[0m(12)\x1b[36mindex\x1b[0m()\n-> x\nipdb> ")
        return session.location

    assert asyncio.run(track()) == "/srv/app.py(12)index()"
