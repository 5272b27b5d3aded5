"""When to try connecting again while waiting for a debugger (``--wait``, following a program).

Owns the retry schedule of docs/protocol.md section 5: a loop's next ``set_trace()`` listens
0.25-0.8 ms after ``c``, so for a moment after each session the client knocks (retries at once,
see ``Connection.open``), then pauses that double up to a bound, so that an idle wait costs no
noticeable CPU. Standard library only; the clock is the run's (the environment's).
"""

from __future__ import annotations

import asyncio
from typing import Callable

FAST_PHASE = 0.02
"""For this long after a session (or the start) the client knocks: a loop's next
``set_trace()`` listens 0.1-0.8 ms after ``c``."""
KNOCK_SLICE = 0.002
"""The longest one knocking attempt keeps the event loop (and so the terminal) waiting."""
FIRST_RETRY = 0.001
"""The first pause after the fast phase."""
LONGEST_RETRY = 0.05
"""After the fast phase the pauses double up to this, so an idle wait costs no noticeable CPU."""


class Backoff:
    """When to try again: knocking at first (see ``Connection.open``), then slower.

    ``clock`` is the run's monotonic clock (:attr:`rpdb_client.environment.Environment.monotonic`).
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._started = clock()
        self._pause = FIRST_RETRY

    def knock_for(self) -> float:
        """How long the next attempt may knock."""
        return KNOCK_SLICE if self._clock() - self._started < FAST_PHASE else 0.0

    async def wait(self) -> None:
        """Pause before the next attempt (during the fast phase, only let the loop run)."""
        if self.knock_for():
            await asyncio.sleep(0)
            return
        await asyncio.sleep(self._pause)
        self._pause = min(self._pause * 2, LONGEST_RETRY)
