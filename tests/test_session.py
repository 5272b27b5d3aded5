"""The session's order of work on a reply: a queued answer leaves before the reply is shown.

The order of a socket write relative to a front end's callback cannot be seen from outside the
process, so this test gives the session a connection that records what was sent (a stand-in
for the transport, which the line-mode and side-query tests exercise against real servers).
"""

from __future__ import annotations

import asyncio

from rpdb_client.engine.session import Ending, Session, SessionEnd, State
from rpdb_client.errors import ConnectionLost
from rpdb_client.wire.parser import Prompt


class RecordingConnection:
    """Keeps the lines sent; nothing is ever received except what the test feeds."""

    connected_at = 0.0

    def __init__(self, journal: list[str]) -> None:
        self._journal = journal

    def attach(self, receiver: object) -> None:
        pass

    def send_line(self, line: str, encoding: str = "utf-8") -> None:
        self._journal.append(f"sent {line}")

    def peer_has_closed(self) -> bool:
        return False

    def bytes_waiting(self) -> bool:
        return False

    def close(self) -> None:
        pass


class Journal:
    """A listener that writes what it is told into the same journal as the connection."""

    def __init__(self, journal: list[str]) -> None:
        self._journal = journal

    def on_output(self, text: str) -> None:
        self._journal.append(f"output {text!r}")

    def on_prompt(self, prompt: Prompt) -> None:
        self._journal.append(f"prompt {prompt.text!r}")

    def on_sent(self, line: str, prompt: Prompt) -> None:
        self._journal.append(f"shown {prompt.text}{line}")

    def on_state(self, state: State) -> None:
        pass

    def on_notice(self, text: str) -> None:
        self._journal.append(f"notice {text}")


def run_session(replies: list[bytes], lines: list[str]) -> tuple[list[str], Session]:
    journal: list[str] = []

    async def drive() -> Session:
        session = Session(RecordingConnection(journal), Journal(journal))  # type: ignore[arg-type]
        for line in lines:
            session.send(line)
        for reply in replies:
            session.on_data(reply)
        return session

    return journal, asyncio.run(drive())


def test_a_queued_answer_is_sent_before_the_reply_is_shown_and_shown_in_order() -> None:
    journal, session = run_session(
        [b"> /srv/app.py(3)f()\n-> x\n(Pdb) ", b"7\n(Pdb) ", b"8\n(Pdb) "], ["p i", "p j"]
    )
    assert journal == [
        "sent p i",  # before the location it answers is shown
        "output '> /srv/app.py(3)f()\\n-> x\\n'",
        "shown (Pdb) p i",
        "sent p j",
        "output '7\\n'",
        "shown (Pdb) p j",
        "output '8\\n'",
        "prompt '(Pdb) '",
    ]
    assert session.state is State.AT_PROMPT
    assert session.location == "/srv/app.py(3)f()"


def test_breakpoints_in_a_reply_answered_ahead_are_still_cleared_on_leaving() -> None:
    journal, session = run_session(
        [b"(Pdb) ", b"Breakpoint 1 at /srv/app.py:9\n(Pdb) ", b"7\n(Pdb) "], ["b 9", "p i"]
    )
    assert session.breakpoints == {1: "/srv/app.py:9"}
    session.finish()
    assert journal[-2:] == ["sent cl 1", "shown (Pdb) cl 1"]


def test_a_reply_with_two_prompts_is_answered_at_its_last_only() -> None:
    # One line sent, one prompt owed: the first "prompt" had text after it (a look-alike).
    journal, _ = run_session([b"(Pdb) ", b"7\n(Pdb) 8\n(Pdb) "], ["p i", "p j", "p k"])
    assert journal == [
        "sent p i",
        "shown (Pdb) p i",
        "output '7\\n'",
        "output '(Pdb) '",
        "output '8\\n'",
        "sent p j",
        "shown (Pdb) p j",
    ]


class BrokenConnection(RecordingConnection):
    """A connection whose peer is gone: sending fails, and its EOF already waits unread."""

    def send_line(self, line: str, encoding: str = "utf-8") -> None:
        self._journal.append(f"refused {line}")
        raise ConnectionLost("the connection is closed")

    def peer_has_closed(self) -> bool:
        return True


def test_a_line_the_connection_refused_is_not_shown_as_sent_and_a_query_is_not_made() -> None:
    journal: list[str] = []

    async def drive() -> tuple[Session, object]:
        session = Session(BrokenConnection(journal), Journal(journal))  # type: ignore[arg-type]
        session.on_data(b"(Pdb) ")
        reply = session.query("p 1")
        session.send("p 2")
        return session, reply

    session, reply = asyncio.run(drive())
    assert reply is None
    assert journal == ["prompt '(Pdb) '", "refused p 1", "refused p 2"]
    assert session.state is State.BUSY  # the read loop then meets the broken connection


def test_a_detach_sends_nothing_when_the_programs_eof_already_waits() -> None:
    journal: list[str] = []

    async def drive() -> SessionEnd:
        session = Session(BrokenConnection(journal), Journal(journal))  # type: ignore[arg-type]
        session.on_data(b"(Pdb) ")
        session.finish()
        session.on_end(None)
        return await session.run()

    end = asyncio.run(drive())
    assert journal == ["prompt '(Pdb) '"]
    assert end.ending is Ending.LOST
