"""Linux network namespaces standing in for containers in the tests of ``--via``.

This module owns the namespaces the tests make: :func:`network_namespace` creates one with a
unique name (``rpdb-test-<pid>-<n>``) and its loopback up, and at the end kills by PID every
process still in it and deletes it; ``netns`` is its fixture. A program started with
``exec_prefix`` (``ip netns exec NS``, which execs the command, so the pid is the program's) has
its own 127.0.0.1: nothing on the host's loopback reaches it, as with a container's unpublished
port, and ``via`` is the ``--via`` command that gets in, as ``docker exec -i CONTAINER`` would.

Where namespaces are refused (not root, no CAP_SYS_ADMIN, no kernel support) the test is skipped
with the kernel's own message, and failed under CI (tests/components.py).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from components import require_component
from debuggee import wait_until

_numbers = itertools.count(1)


@dataclass(frozen=True)
class Namespace:
    """A network namespace of the test run's own."""

    name: str

    @property
    def exec_prefix(self) -> tuple[str, ...]:
        """What to put before a command to run it inside (``Debuggee(prefix=...)``)."""
        return ("ip", "netns", "exec", self.name)

    @property
    def via(self) -> str:
        """The ``--via`` command into the namespace."""
        return f"ip netns exec {self.name}"

    def pids(self) -> list[int]:
        """The live processes in the namespace (``ip netns pids`` reads /proc/PID/ns/net); a
        killed one that its parent has not reaped yet is not counted."""
        result = _ip("netns", "pids", self.name)
        return [int(word) for word in result.stdout.split() if not _is_zombie(int(word))]

    def run(self, *command: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run ``command`` inside, bounded in time; its output as text."""
        return subprocess.run(
            [*self.exec_prefix, *command],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return True  # gone


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", *args], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
    )


def create_namespace() -> Namespace:
    """A new namespace with ``lo`` up; the test is skipped (failed under CI) where refused."""
    require_component("iproute2's ip", shutil.which("ip"), "apt-get install iproute2")
    namespace = Namespace(f"rpdb-test-{os.getpid()}-{next(_numbers)}")
    added = _ip("netns", "add", namespace.name)
    if added.returncode != 0:
        require_component(
            "network namespaces",
            None,
            f"`ip netns add` said: {added.stderr.strip() or added.returncode}",
        )
    up = _ip("-n", namespace.name, "link", "set", "lo", "up")
    if up.returncode != 0:
        delete_namespace(namespace)
        raise AssertionError(f"lo did not come up in {namespace.name}: {up.stderr.strip()}")
    return namespace


def delete_namespace(namespace: Namespace) -> None:
    """Kill what still runs inside (by PID) and delete the namespace."""
    for pid in namespace.pids():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not namespace.pids(), 10, f"the processes in {namespace.name} to end")
    deleted = _ip("netns", "delete", namespace.name)
    if deleted.returncode != 0:
        raise AssertionError(f"could not delete {namespace.name}: {deleted.stderr.strip()}")


@contextlib.contextmanager
def network_namespace() -> Iterator[Namespace]:
    """A namespace for the block; emptied and deleted after it."""
    namespace = create_namespace()
    try:
        yield namespace
    finally:
        delete_namespace(namespace)


@pytest.fixture
def netns() -> Iterator[Namespace]:
    """A network namespace for this test (``name``, ``exec_prefix``, ``via``), deleted after."""
    with network_namespace() as namespace:
        yield namespace
