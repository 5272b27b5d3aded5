"""Shared fixtures: debugged programs that are always stopped, whatever the test did."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable, Iterator, Optional

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from debuggee import Debuggee
from in_process import run_command  # noqa: F401 - a fixture for every test module
from terminal import terminal  # noqa: F401 - a fixture for every test module


@pytest.fixture(autouse=True)
def isolated_user_files(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads the user's config or writes the user's history; no RPDB_CONNECT_* leaks in."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    for name in [name for name in os.environ if name.startswith("RPDB_CONNECT_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def debuggee(tmp_path: Path) -> Iterator[Callable[..., Debuggee]]:
    """Start debugged programs: ``debuggee(kind, scenario)``; all are killed at the end."""
    started: list[Debuggee] = []

    def start(
        kind: str,
        scenario: str,
        env: Optional[dict[str, str]] = None,
        executable: str = sys.executable,
        extra_args: tuple[str, ...] = (),
        port: Optional[int] = None,
    ) -> Debuggee:
        program = Debuggee(kind, scenario, tmp_path, env, executable, extra_args, port)
        started.append(program)
        program.wait_listening()
        return program

    yield start
    for program in started:
        program.stop()
