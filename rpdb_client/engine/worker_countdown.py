"""The warnings before a worker's time limit kills the debugged request.

Owns when they are said (docs/protocol.md section 6): at 50% and 80% of uWSGI's harakiri or
gunicorn's ``--timeout`` (or ``--timeout-hint``), counted from the connection, which began
after the request did: the warnings are early, never late.
"""

from __future__ import annotations

import asyncio
from typing import Callable

from rpdb_client.engine.session import Session, State
from rpdb_client.engine.wording import timeout_warning

SHARES = (0.5, 0.8)


def watch_timeout(session: Session, say: Callable[[str], None]) -> list[asyncio.TimerHandle]:
    """Timers that warn through ``say`` while ``session`` lasts; the caller cancels them."""
    timeout = session.identity.timeout if session.identity else None
    if timeout is None:
        return []
    loop = asyncio.get_running_loop()

    def warn(share: float) -> None:
        if session.state is not State.ENDED:
            say(timeout_warning(timeout, share))

    return [loop.call_later(timeout.seconds * share, warn, share) for share in SHARES]
