"""A port owned by another user is refused before anything is sent to it.

Whoever binds 4444 first receives everything typed there. Here the squatter is a listener owned
by root (a thread of the test) and the client runs as user ``nobody`` through ``setpriv``, with
the system's Python and this checkout on its path; the squatter records every byte it receives
and must receive none. Needs root and world-readable paths; skipped, with the reason, otherwise.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sysconfig
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
AS_NOBODY = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin")


def readable_by_all(path: Path) -> bool:
    """Every directory on the way, and the path itself, can be entered by any user."""
    return all(part.stat().st_mode & stat.S_IXOTH for part in [path, *path.parents])


class Squatter:
    """A root-owned listener that records what it is sent until the client closes."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(30)
        self.port: int = self.listener.getsockname()[1]
        self.received = b""
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(30)
            connection.sendall(b"(Pdb) ")
            while chunk := connection.recv(4096):
                self.received += chunk
                connection.sendall(b"(Pdb) ")  # answer like a pdb, one prompt per line
        self.done.set()


@pytest.fixture
def squatter() -> Iterator[Squatter]:
    if os.getuid() != 0 or not shutil.which("setpriv") or not SYSTEM_PYTHON:
        pytest.skip("needs root and setpriv to run the client as another user")
    if not (readable_by_all(ROOT) and readable_by_all(SITE_PACKAGES)):
        pytest.skip("the checkout or its site-packages is not readable by other users")
    server = Squatter()
    yield server
    server.listener.close()


def run_as_nobody(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    assert SYSTEM_PYTHON is not None
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT}:{SITE_PACKAGES}", "HOME": "/"}
    return subprocess.run(
        [*AS_NOBODY, SYSTEM_PYTHON, "-m", "rpdb_client", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        cwd="/",
    )


def test_another_users_port_is_refused_having_sent_nothing(squatter: Squatter) -> None:
    result = run_as_nobody("--port", str(squatter.port), stdin="p 'my password'\n")
    assert result.returncode == 3, result.stderr
    assert "belongs to another user" in result.stderr and "--trust-owner" in result.stderr
    assert "Traceback" not in result.stderr
    assert squatter.done.wait(10)
    assert squatter.received == b""


def test_trust_owner_connects_all_the_same(squatter: Squatter) -> None:
    result = run_as_nobody("--port", str(squatter.port), "--trust-owner", stdin="p 'hello'\n")
    assert result.returncode == 0, result.stderr
    assert squatter.done.wait(10)
    assert squatter.received.startswith(b"p 'hello'\n")  # then the safe detach's `c`


@pytest.mark.parametrize("host", ["::ffff:127.0.0.1", "localhost"])
def test_every_spelling_of_loopback_is_checked(squatter: Squatter, host: str) -> None:
    """An IPv4-mapped loopback once skipped the owner check, and was called another machine."""
    result = run_as_nobody("--host", host, "--port", str(squatter.port), stdin="p 'secret'\n")
    assert result.returncode == 3, result.stderr
    assert "belongs to another user" in result.stderr
    assert "not this machine" not in result.stderr
    assert squatter.done.wait(10)
    assert squatter.received == b""
