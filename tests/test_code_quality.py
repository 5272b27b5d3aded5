"""The code stays ruff and mypy clean, and the engine stays free of UI imports."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_linters_pass(command: list[str]) -> None:
    executable = shutil.which(command[0], path=str(Path(sys.executable).parent))
    assert executable, f"{command[0]} is a test dependency and must be installed"
    result = subprocess.run(
        [executable, *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_engine_imports_no_ui() -> None:
    """The engine is usable without a terminal, and ``--version`` stays fast."""
    code = (
        "import sys, rpdb_client.engine.session, rpdb_client.engine.runner, rpdb_client.line_mode,"
        " rpdb_client.vocabulary.suggest, rpdb_client.vocabulary.commands, rpdb_client.wire.parser;"
        "print(sorted(m for m in ('prompt_toolkit', 'click', 'pygments') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_the_session_machine_loads_no_asyncio_and_no_socket() -> None:
    """The session's decisions stay without I/O (the clock comes in with the events)."""
    code = (
        "import sys, rpdb_client.engine.session_machine;"
        "print(sorted(m for m in ('asyncio', 'socket', 'selectors') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
