"""A real terminal for the tests: ``rpdb-connect`` under pexpect, its screen rendered by pyte.

Shared by the pseudo-terminal tests and the end-to-end tests: waits are for conditions on the
rendered screen, with deadlines; every terminal is killed by its PID at the end of its test.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, Optional

import pexpect
import pyte
import pytest

RPDB_CONNECT = str(Path(sys.executable).parent / "rpdb-connect")
ROWS, COLUMNS = 24, 160
"""Wide enough that pdb's location line (an absolute path into this checkout) does not wrap
wherever the repository is cloned."""
UP, CTRL_C, CTRL_D, CTRL_U = "\x1b[A", "\x03", "\x04", "\x15"
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


def terminal_env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    env.update(PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm-256color", LANG="C.UTF-8")
    env.update(changes)
    return env


class Terminal:
    """``rpdb-connect ARGS`` in a pseudo-terminal, its screen rendered by pyte."""

    def __init__(
        self,
        *args: str,
        env: Optional[dict[str, str]] = None,
        stderr: Optional[Path] = None,
        columns: int = COLUMNS,
    ) -> None:
        """``stderr``: the client's standard error goes to this file instead of the terminal
        (what it writes once the terminal is gone can still be read)."""
        self.screen = pyte.Screen(columns, ROWS)
        self._stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        command, argv = RPDB_CONNECT, list(args)
        if stderr is not None:  # exec: the shell's PID is the client's
            command, argv = "/bin/sh", ["-c", 'exec "$0" "$@" 2>"$RPDB_TEST_STDERR"', *argv]
            argv.insert(2, RPDB_CONNECT)
        env = dict(env or terminal_env())
        if stderr is not None:
            env["RPDB_TEST_STDERR"] = str(stderr)
        self.child: pexpect.spawn[bytes] = pexpect.spawn(
            command, argv, env=env, dimensions=(ROWS, columns)
        )

    @property
    def rows(self) -> list[str]:
        return [row.rstrip() for row in self.screen.display]

    def text(self) -> str:
        return "\n".join(self.rows)

    def row_of(self, prefix: str) -> int:
        """The last row starting with ``prefix``, or -1."""
        found = [n for n, row in enumerate(self.rows) if row.startswith(prefix)]
        return found[-1] if found else -1

    def send(self, text: str) -> None:
        self.child.send(text.encode())

    def pump(self, wait: float = 0.02) -> None:
        try:
            while True:
                data = self.child.read_nonblocking(1 << 16, timeout=wait)
                self.raw += data
                self._stream.feed(data)
                wait = 0
        except (pexpect.TIMEOUT, pexpect.EOF):
            pass

    def wait_for(self, condition: Callable[[Terminal], Any], what: str, timeout: float = 10) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            self.pump()
            result = condition(self)
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{self.text()}")

    def wait_shows(self, text: str, timeout: float = 10) -> None:
        self.wait_for(lambda term: text in term.text(), repr(text), timeout)

    def wait_exit(self, timeout: float = 10) -> int:
        deadline = time.monotonic() + timeout
        while self.child.isalive():
            self.pump()
            if time.monotonic() > deadline:
                raise AssertionError(f"rpdb-connect did not exit; screen:\n{self.text()}")
        self.pump(0)
        self.child.wait()
        return int(self.child.exitstatus if self.child.exitstatus is not None else -1)

    def kill(self) -> None:
        if self.child.isalive() and self.child.pid is not None:
            os.kill(self.child.pid, 9)
        with contextlib.suppress(OSError):  # a test may have closed the terminal itself
            self.child.close(force=True)


@pytest.fixture
def terminal() -> Iterator[Callable[..., Terminal]]:
    started: list[Terminal] = []

    def start(
        *args: str,
        env: Optional[dict[str, str]] = None,
        stderr: Optional[Path] = None,
        columns: int = COLUMNS,
    ) -> Terminal:
        term = Terminal(*args, env=env, stderr=stderr, columns=columns)
        started.append(term)
        return term

    yield start
    for term in started:
        term.kill()
