"""Start real debugged programs for the tests and read what happened to them.

Each program runs as a subprocess on 127.0.0.1 with a free port, is bounded in time, is stopped
by its PID, and leaves a JSON record (see programs/target.py). Waiting for its listener reads
/proc/net/tcp and never connects: a connect is a quit to a waiting debugger.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

TARGET = Path(__file__).parent / "programs" / "target.py"
KINDS = ("rpdb", "remote_pdb", "celery", "pdb")

STOPS_ON_THE_CALL = sys.version_info >= (3, 13)
"""From Python 3.13, ``set_trace(frame)`` stops on the frame's current line (the ``stop()``
call in target.py); before, on the line after it. The programs run under the tests' Python."""


def line_of(marker: str) -> int:
    """The line number in target.py of the line carrying ``# marker: <marker>``."""
    for number, line in enumerate(TARGET.read_text().splitlines(), 1):
        if line.endswith(f"# marker: {marker}"):
            return number
    raise LookupError(marker)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    """Poll ``condition`` until it is true; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def is_listening(port: int, pid: Optional[int] = None) -> bool:
    """True when a socket listens on ``port`` (read from /proc, never by connecting).

    With ``pid``, in that process's network namespace (``/proc/PID/net/tcp``), which may not be
    this one's (a program started by ``ip netns exec``)."""
    wanted = f":{port:04X} "
    where = f"/proc/{pid}/net" if pid is not None else "/proc/net"
    for table in (f"{where}/tcp", f"{where}/tcp6"):
        try:
            with open(table) as file:
                next(file)
                for line in file:
                    fields = line.split()
                    if fields[3] == "0A" and (fields[1] + " ").endswith(wanted):
                        return True
        except OSError:
            continue
    return False


class Debuggee:
    """A debugged program: ``kind`` is the server, ``scenario`` a function of target.py."""

    def __init__(
        self,
        kind: str,
        scenario: str,
        tmp: Path,
        env: Optional[dict[str, str]] = None,
        executable: str = sys.executable,
        extra_args: tuple[str, ...] = (),
        port: Optional[int] = None,
        prefix: tuple[str, ...] = (),
    ):
        """``prefix`` runs the program through a command: ``prefix + [executable, TARGET...]``
        (``ip netns exec NS`` execs it: the process is still the program's own)."""
        self.kind = kind
        self.prefix = prefix
        self.port = port or free_port()
        self.record_path = tmp / f"record-{kind}-{scenario}-{self.port}.json"
        self.log_path = tmp / f"log-{kind}-{scenario}-{self.port}.txt"
        full_env = dict(os.environ)
        # rpdb uses IPython's debugger when it can import it; the plain variant is tested here.
        full_env.update(
            PYTHONUNBUFFERED="1",
            PYTHONNOUSERSITE="1",
            CELERY_RDB_PORT=str(self.port),
            REMOTE_PDB_PORT=str(self.port),
        )
        full_env.update(env or {})
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            [
                *prefix,
                executable,
                str(TARGET),
                kind,
                str(self.port),
                str(self.record_path),
                scenario,
                *extra_args,
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=full_env,
        )

    def wait_listening(self, timeout: float = 10.0) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"debuggee exited early:\n{self.log()}")
            return is_listening(self.port, self.process.pid if self.prefix else None)

        wait_until(ready, timeout, f"{self.kind} to listen on {self.port}")

    def finish(self, timeout: float = 15.0) -> dict[str, Any]:
        """Wait for the program to end (killing it at the deadline); return its record."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"debuggee did not end in {timeout} s:\n{self.log()}") from None
        if not self.record_path.exists():
            return {"reached_end": False, "error": "no record", "values": {}}
        return dict(json.loads(self.record_path.read_text()))

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self._log.close()


def remote_pdb_on_a_random_port(tmp: Path, scenario: str = "remote_env_once") -> Debuggee:
    """remote-pdb's own ``set_trace()`` on a random port (its default); ``port`` is the first."""
    program = Debuggee("remote_pdb", scenario, tmp, env={"REMOTE_PDB_PORT": "0"})
    found = wait_until(
        lambda: re.search(r"RemotePdb session open at 127\.0\.0\.1:(\d+)", program.log()),
        10,
        "remote-pdb to say its port",
    )
    program.port = int(found.group(1))
    return program


def run_client(
    *args: str,
    stdin: str = "",
    timeout: float = 20.0,
    env: Optional[dict[str, str]] = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real ``rpdb-connect`` with ``stdin`` piped in; bounded in time."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "rpdb_client", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


def start_client(*args: str, env: Optional[dict[str, str]] = None) -> subprocess.Popen[str]:
    """Start ``rpdb-connect`` with a stdin pipe the test controls."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "rpdb_client", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
    )
