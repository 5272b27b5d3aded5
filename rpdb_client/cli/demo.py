"""``rpdb-connect --demo``: start the bundled program, connect to it, explain how to leave.

Owns the demo's life cycle: the program (:mod:`rpdb_client.cli.demo_program`) runs with this Python
as a child bounded in time, announces its port, and is waited for after the session, so that
leaving (``c``, Ctrl-D, ``:quit``) ends it cleanly; its own output is shown at the end.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rpdb_client.config import Settings
from rpdb_client.errors import ClientError

GUIDANCE = (
    "Demo: a request handler is stopped in pdb. Try  p request,  ll,  discount = 0.5,  Tab.",
    "Leave with  c  (the program goes on) or Ctrl-D (a safe detach).",
)


@contextmanager
def demo_program(settings: Settings, stderr: TextIO) -> Iterator[Settings]:
    """Run the demo program; yields the settings that connect to it (the guidance to ``stderr``)."""
    program = subprocess.Popen(
        [sys.executable, "-m", "rpdb_client.cli.demo_program"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert program.stdout is not None
        first = program.stdout.readline().split()
        if len(first) != 2 or first[0] != "port":
            raise ClientError(f"the demo program did not start: {' '.join(first)!r}")
        for line in GUIDANCE:
            print(line, file=stderr)
        yield dataclasses.replace(settings, host="127.0.0.1", port=int(first[1]), wait=False)
        try:
            rest, _ = program.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            rest = "the demo program did not finish; stopped it\n"
        print(rest, end="", file=stderr)
    finally:
        if program.poll() is None:
            program.kill()
            program.wait(5)
