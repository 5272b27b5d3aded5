"""What the REPL knows of the debugged program's Python: asked once per session, before interact.

Owns :class:`ProgramPython`. Whether ``interact`` and ``exit()`` at ``>>>`` harm the program, and
what leaving ``>>>`` does, depend on the program's Python (before 3.13 no way out of ``interact``
is safe; from 3.13 ``exit()`` returns to pdb). The first ``interact`` of a session asks the
debugger with a side query (:meth:`rpdb_client.engine.session.Session.learn_python`), and
the lines typed while the answer comes are held, then taken in order, so nothing typed overtakes
the ``interact`` it follows. Imports asyncio and the engine; no prompt_toolkit.
"""

from __future__ import annotations

import asyncio
from typing import Callable, Optional

from rpdb_client.engine.session import Session

__all__ = ["ProgramPython"]


class ProgramPython:
    """The current session's program Python (``version``), and the lines held while it is asked."""

    def __init__(self) -> None:
        self.held: Optional[list[str]] = None
        """While the question runs: what was typed meanwhile (None the rest of the time)."""
        self._session: Optional[Session] = None
        self._version: Optional[tuple[int, int]] = None
        self._task: Optional[asyncio.Future[None]] = None  # kept: the loop holds tasks weakly

    def version(self, session: Optional[Session]) -> Optional[tuple[int, int]]:
        """``(3, 13)``, or None: not asked yet in this session, or no answer."""
        return self._version if session is not None and session is self._session else None

    def asked(self, session: Optional[Session]) -> bool:
        return session is not None and session is self._session

    def ask(self, session: Session, then: Callable[[], None], take: Callable[[str], None]) -> None:
        """Ask ``session``'s debugger, then run ``then`` and ``take`` each line held meanwhile."""
        self._session, self._version, self.held = session, None, []

        async def learn() -> None:
            try:
                self._version = await session.learn_python()
            finally:
                held, self.held = self.held or [], None
                then()
                for text in held:
                    take(text)

        self._task = asyncio.ensure_future(learn())
