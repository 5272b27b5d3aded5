"""What a session and the run tell the part of the client a person sees.

Owns the callbacks a front end implements (line mode, the REPL): :class:`SessionListener` (one
session's) and :class:`FrontEnd` (the run's too), and :data:`UNSEEN`, the listener of a session
nobody looks at (one the runner connected to but will not serve, let go at once).
Standard library only, and the parser's prompt and the session's states.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from rpdb_client.engine.session_actions import State
from rpdb_client.wire.parser import Prompt

if TYPE_CHECKING:
    from rpdb_client.engine.session import Session, SessionEnd


class SessionListener(Protocol):
    """What a front end learns from the session, in order."""

    def on_output(self, text: str) -> None: ...

    def on_prompt(self, prompt: Prompt) -> None:
        """The server waits and nothing is queued: the front end may ask the user."""

    def on_sent(self, line: str, prompt: Prompt) -> None:
        """A line was sent at ``prompt`` (a queued one, or one of the detach)."""

    def on_state(self, state: State) -> None: ...

    def on_notice(self, text: str) -> None:
        """Advice from the session about the server (shown as the client's own words)."""


class FrontEnd(SessionListener, Protocol):
    """What the runner tells the part of the client a person sees."""

    def on_waiting(self, target: str, sessions_done: int) -> None: ...

    def on_session_start(self, session: Session, number: int) -> None: ...

    def on_session_end(self, session: Session, end: SessionEnd) -> None: ...

    def on_notice(self, text: str) -> None: ...

    async def confirm_owner(self, owner: str) -> bool: ...


class _Unseen:
    """The listener of a session nobody looks at (one released right after connecting)."""

    def on_output(self, text: str) -> None:
        pass

    def on_prompt(self, prompt: Prompt) -> None:
        pass

    def on_sent(self, line: str, prompt: Prompt) -> None:
        pass

    def on_state(self, state: State) -> None:
        pass

    def on_notice(self, text: str) -> None:
        pass


UNSEEN: SessionListener = _Unseen()
"""For a session nobody looks at (one released right after connecting)."""
