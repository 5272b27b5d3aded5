"""Whole ``rpdb-connect`` commands run in-process, through an environment of the test's own.

:func:`memory_environment` builds an :class:`~rpdb_client.environment.Environment` with streams
in memory (stdin bytes to read, stdout and stderr to collect), no terminal, and a dict of
variables; the ``run_command`` fixture runs ``rpdb_client.cli.command.run`` with it and returns
what a subprocess would (exit status, stdout, stderr), without starting an interpreter. Commands
that need a real terminal (the REPL) or signals from outside stay in a subprocess or a pty.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, Optional, Protocol, Union

import pytest

from rpdb_client.cli import command as cli
from rpdb_client.environment import Environment


@dataclass(frozen=True)
class Result:
    """What a run left: named as ``subprocess.CompletedProcess`` names them."""

    returncode: int
    stdout: str
    stderr: str


class MemoryStreams:
    """The streams of a :func:`memory_environment`, to read what the run wrote."""

    def __init__(self, stdin: Union[str, bytes]) -> None:
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        self.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()


def memory_environment(
    stdin: Union[str, bytes] = b"",
    environ: Optional[Mapping[str, str]] = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> tuple[Environment, MemoryStreams]:
    """An environment in memory; ``environ`` None copies the process's (the test's) variables."""
    streams = MemoryStreams(stdin)
    env = Environment(
        stdin=streams.stdin,
        stdout=streams.stdout,
        stderr=streams.stderr,
        stdin_isatty=False,
        stdout_isatty=False,
        stderr_isatty=False,
        environ=dict(os.environ if environ is None else environ),
        monotonic=monotonic,
    )
    return env, streams


class RunCommand(Protocol):
    def __call__(
        self, *args: str, stdin: Union[str, bytes] = "", env: Optional[dict[str, str]] = None
    ) -> Result: ...


@pytest.fixture
def run_command(monkeypatch: pytest.MonkeyPatch) -> RunCommand:
    """``run_command(*args, stdin=..., env=...)``: ``rpdb-connect ARGS`` in-process.

    ``env`` adds variables. They are set in the test's process environment as well (undone after
    the test), because click reads ``RPDB_CONNECT_*`` from there, so both views agree.
    """

    def run(
        *args: str, stdin: Union[str, bytes] = "", env: Optional[dict[str, str]] = None
    ) -> Result:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        environment, streams = memory_environment(stdin)
        status = cli.run(args, environment)
        return Result(status, streams.stdout.getvalue(), streams.stderr.getvalue())

    return run
