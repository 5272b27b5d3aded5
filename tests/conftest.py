"""Shared fixtures: debugged programs that are always stopped, whatever the test did."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Callable, Iterator, Optional

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from debuggee import Debuggee
from in_process import run_command  # noqa: F401 - a fixture for every test module
from netns import netns  # noqa: F401 - a fixture for every test module
from ssh_server import fresh_ssh_server, ssh_client_env, ssh_server  # noqa: F401 - fixtures
from terminal import terminal  # noqa: F401 - a fixture for every test module

PORT_GUARD = Path(__file__).parent / "port_guard"


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


def _load_port_guard() -> None:
    """The guard's audit hook, in this process too (in-process clients, and the tests' knocks)."""
    spec = importlib.util.spec_from_file_location("port_guard", PORT_GUARD / "sitecustomize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules["port_guard_hook"] = module  # for tests/test_port_guard.py


_load_port_guard()


@pytest.fixture(autouse=True)
def port_guard(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Fail a test whose client connected to a listener that the test run did not start.

    A developer may be debugging a program of their own while the suite runs: a connect to its
    port would be a quit. Every Python process the tests start loads ``port_guard/sitecustomize.py``
    (it is first on ``PYTHONPATH``); it refuses such a connect and writes it to the log read here.
    """
    log = tmp_path_factory.mktemp("guard") / "foreign-connects.log"
    monkeypatch.setenv("RPDB_TEST_ROOT_PID", str(os.getpid()))
    monkeypatch.setenv("RPDB_TEST_GUARD_LOG", str(log))
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(PORT_GUARD), path])))
    yield
    if log.exists() and log.read_text().strip():
        pytest.fail("connected to a debugger this test did not start:\n" + log.read_text())


@pytest.fixture
def debuggee(tmp_path: Path) -> Iterator[Callable[..., Debuggee]]:
    """Start debugged programs: ``debuggee(kind, scenario)``; all are killed at the end.

    ``prefix`` starts the program through a command, e.g. a network namespace's
    ``("ip", "netns", "exec", NS)`` (tests/netns.py)."""
    started: list[Debuggee] = []

    def start(
        kind: str,
        scenario: str,
        env: Optional[dict[str, str]] = None,
        executable: str = sys.executable,
        extra_args: tuple[str, ...] = (),
        port: Optional[int] = None,
        prefix: tuple[str, ...] = (),
    ) -> Debuggee:
        program = Debuggee(kind, scenario, tmp_path, env, executable, extra_args, port, prefix)
        started.append(program)
        program.wait_listening()
        return program

    yield start
    for program in started:
        program.stop()
