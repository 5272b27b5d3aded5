"""``--log`` with a huge reply: linear in its size, memory bounded by the read size.

An 80 MB line from a real rpdb program once took 52-68 s and 271 MB with ``--log`` (0.8 s and
25 MB without). Line mode, stdout to /dev/null; the client's time and peak memory are its own
(``os.wait4``), and the transcript must hold the whole line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from debuggee import Debuggee

Start = Callable[..., Debuggee]
SIZE = 80_000_000


def reply_of_80_mb(port: int, *extra: str) -> tuple[float, int]:
    """Seconds and peak kB of the client printing an 80 MB line, then letting the program go."""
    started = time.monotonic()
    client = subprocess.Popen(
        [sys.executable, "-m", "rpdb_client", "--port", str(port), *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert client.stdin is not None and client.stderr is not None
    client.stdin.write(f"p len('x' * {SIZE})\n!print('x' * {SIZE})\nc\n".encode())
    client.stdin.close()
    deadline = started + 60
    while (done := os.wait4(client.pid, os.WNOHANG))[0] == 0:
        if time.monotonic() > deadline:
            client.kill()
            raise AssertionError("the client took over 60 s")
        time.sleep(0.01)  # polling a child's exit: wait4 with a deadline has no timeout
    _, status, usage = done
    client.returncode = os.waitstatus_to_exitcode(status)
    assert client.returncode == 0, client.stderr.read()
    return time.monotonic() - started, usage.ru_maxrss


def test_an_80_mb_line_is_logged_in_linear_time(debuggee: Start, tmp_path: Path) -> None:
    plain = debuggee("rpdb", "simple")
    without_log, plain_kb = reply_of_80_mb(plain.port)
    assert plain.finish()["reached_end"] is True
    logged = debuggee("rpdb", "simple")
    log = tmp_path / "session.log"
    with_log, logged_kb = reply_of_80_mb(logged.port, "--log", str(log))
    assert logged.finish()["reached_end"] is True
    print(
        f"80 MB reply: {without_log:.2f} s, {plain_kb // 1024} MB without --log; "
        f"{with_log:.2f} s, {logged_kb // 1024} MB with --log"
    )
    assert with_log < 10
    assert logged_kb < plain_kb + 64 * 1024  # the transcript holds no copy of the reply
    assert log.stat().st_size > SIZE
