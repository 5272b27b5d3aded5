"""What a run of the client gets from its process: the standard streams, the environment, the clock.

Owns :class:`Environment` (httpie's idea): stdin, stdout and stderr, whether each is a terminal,
the environment variables as a mapping, and the clock (monotonic for deadlines and double
presses, wall for what a person reads). The command line makes one,
:meth:`Environment.from_process`, and passes it down; every layer under it takes what it needs
from the object it was given, and no module outside ``rpdb_client/cli/`` and this one reads
``sys.stdin``, ``sys.stdout``, ``sys.stderr``, ``sys.argv`` or ``os.environ`` itself (a test
walks the package to hold that). Tests build one of their own (streams in memory, a dict of
variables) and run whole commands in-process through it.

Click reads ``RPDB_CONNECT_*`` for the options from the process environment itself (its
``auto_envvar_prefix``); that stays inside the command line.

Standard library only, and imports nothing of the package: any layer may import it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, TextIO

__all__ = ["Environment", "is_terminal"]


@dataclass(frozen=True)
class Environment:
    """The streams, variables and clock of one run; see the module docstring.

    ``stdin`` is a text stream whose bytes can be read: through its file descriptor when it has
    one (the real stdin, a pipe or a file), else through its ``buffer`` (an
    ``io.TextIOWrapper`` over ``io.BytesIO`` in tests). The ``*_isatty`` fields are decided once,
    when the environment is made, so that every layer agrees on them.
    """

    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    stdin_isatty: bool
    stdout_isatty: bool
    stderr_isatty: bool
    environ: Mapping[str, str]
    monotonic: Callable[[], float] = time.monotonic
    """Seconds from an arbitrary start, never going back: for deadlines and intervals."""
    wall: Callable[[], float] = time.time
    """Seconds since the epoch: for the times a person reads (transcripts, history)."""

    @classmethod
    def from_process(cls) -> Environment:
        """This process's own: only the command line calls this, once per run."""
        return cls(
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin_isatty=is_terminal(sys.stdin),
            stdout_isatty=is_terminal(sys.stdout),
            stderr_isatty=is_terminal(sys.stderr),
            environ=os.environ,
        )


def is_terminal(stream: object) -> bool:
    """Whether ``stream`` is a terminal; a closed, detached or missing stream is not."""
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except (ValueError, OSError):
        return False
