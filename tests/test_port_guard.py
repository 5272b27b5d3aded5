"""The tests' port guard refuses a connect to a listener that the test run did not start.

A listener outside the run stands in for a developer's own debugger: a daemon (double fork, so
that it is no descendant of pytest) that listens on a free port, bounded in time and killed by
its PID. The real client, pointed at it, must be refused by the guard (the daemon sees no client)
and the attempt must be logged, which is what fails a test that does this by mistake.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from debuggee import free_port, is_listening, run_client, wait_until

DAEMON = """
import os, socket, sys, time
if os.fork():
    sys.exit(0)
os.setsid()
if os.fork():
    sys.exit(0)
server = socket.socket()
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(1)
server.settimeout(30)
with open(sys.argv[2] + ".tmp", "w") as file:
    file.write(str(os.getpid()))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
try:
    server.accept()
    open(sys.argv[2] + ".accepted", "w").close()
except OSError:
    pass
"""


def test_a_connect_to_a_foreign_listener_is_refused_and_fails_the_test(tmp_path: Path) -> None:
    port, pid_file = free_port(), tmp_path / "daemon.pid"
    subprocess.run([sys.executable, "-c", DAEMON, str(port), str(pid_file)], check=True, timeout=10)
    pid = int(wait_until(lambda: pid_file.exists() and pid_file.read_text(), what="the daemon"))
    log = Path(os.environ["RPDB_TEST_GUARD_LOG"])
    try:
        wait_until(lambda: is_listening(port), what="the daemon's listener")
        result = run_client("--port", str(port), "-c", "c", timeout=20)
        assert result.returncode != 0
        assert f"port {port}: its listener was not started by this test run" in log.read_text()
        assert not Path(f"{pid_file}.accepted").exists()
    finally:
        os.kill(pid, signal.SIGKILL)
        log.unlink(missing_ok=True)  # expected here: the autouse guard must not fail this test


def test_a_listener_the_test_started_is_allowed(tmp_path: Path) -> None:
    foreign_listener = sys.modules["port_guard_hook"].foreign_listener
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", f"import socket,time;s=socket.socket();s.bind(('127.0.0.1',{port}));"
         "s.listen(1);time.sleep(30)"]
    )  # fmt: skip
    try:
        wait_until(lambda: is_listening(port), what="the test's listener")
        assert foreign_listener(port, os.getpid()) is None
        assert foreign_listener(port, 1 << 30) is not None  # a root that started nothing
    finally:
        server.kill()
        server.wait(timeout=10)
