"""rpdb_client.host.listeners against real sockets and real debugger servers.

Every listener here is a real one: a socket in this process, a plain ``listen(1)`` or
``listen(128)`` server in a subprocess, ``rpdb.set_trace()`` and ``remote_pdb.set_trace()``
programs. Each subprocess is killed by PID when its test ends, and every wait has a deadline.
The helpers and programs here are shared with test_processes.py.
"""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
import textwrap
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Optional, TypeVar

import pytest
from debuggee import free_port

from rpdb_client.host import Listener, accepted_per_port, find_connection, list_listeners, listeners

T = TypeVar("T")
DEADLINE = 10.0

LISTEN_SERVER = """
import socket, sys
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(int(sys.argv[1]))
print(server.getsockname()[1], flush=True)
sys.stdin.read()  # until the test closes our stdin or kills us
"""

# set_trace() is on a line of its own so the pause comes before the marker, not at the return.
RPDB_PROGRAM = """
import rpdb, sys
rpdb.set_trace()
sys.stderr.write("AFTER-CONTINUE\\n")
"""
CELERY_RDB_PROGRAM = """
import sys
from celery.contrib import rdb
rdb.set_trace()
sys.stderr.write("AFTER-CONTINUE\\n")
"""
REMOTE_PDB_PROGRAM = """
import remote_pdb, sys
remote_pdb.set_trace()
sys.stderr.write("AFTER-CONTINUE\\n")
"""


def _backlog_is_known() -> bool:
    """Whether listings here carry the backlog: sock_diag netlink answers (``/proc/net`` does not
    have it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        probe.listen(1)
        port = probe.getsockname()[1]
        return any(entry.port == port and entry.backlog == 1 for entry in list_listeners())


# Without sock_diag the backlog is unknown (None), so tests of it cannot run.
needs_netlink = pytest.mark.skipif(
    not _backlog_is_known(), reason="sock_diag netlink is not available here"
)


def wait_for(condition: Callable[[], Optional[T]], what: str, timeout: float = DEADLINE) -> T:
    """Poll ``condition`` until it returns something other than None/False, or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.002)


# Bytes read from a pipe but not matched yet, kept for the next read_until on that pipe.
_unread: weakref.WeakKeyDictionary[subprocess.Popen[bytes], dict[str, bytes]]
_unread = weakref.WeakKeyDictionary()


def read_until(proc: subprocess.Popen[bytes], stream: str, pattern: bytes) -> re.Match[bytes]:
    """Read a subprocess's pipe until ``pattern`` matches, with a deadline.

    Only the match is consumed: what came before or after it stays for the next call, so lines
    printed by several processes sharing the pipe are never lost.
    """
    pipe = proc.stdout if stream == "stdout" else proc.stderr
    assert pipe is not None
    unread = _unread.setdefault(proc, {})
    data, deadline = unread.pop(stream, b""), time.monotonic() + DEADLINE
    while True:
        match = re.search(pattern, data)
        if match:
            unread[stream] = data[: match.start()] + data[match.end() :]
            return match
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([pipe], [], [], remaining)[0]:
            raise AssertionError(f"no {pattern!r} on {stream}; got {data!r}")
        chunk = os.read(pipe.fileno(), 4096)
        if not chunk:
            raise AssertionError(f"{stream} closed before {pattern!r}; got {data!r}")
        data += chunk


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start ``python script args`` in a subprocess; every one is killed by PID at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(
        code: str, *args: str, env: Optional[dict[str, str]] = None
    ) -> subprocess.Popen[bytes]:
        script = tmp_path / f"program{len(started)}.py"
        script.write_text(textwrap.dedent(code))
        proc = subprocess.Popen(
            [sys.executable, str(script), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=DEADLINE)
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def listener_on(port: int) -> Optional[Listener]:
    return next((entry for entry in list_listeners() if entry.port == port), None)


def continue_and_finish(
    port: int, proc: subprocess.Popen[bytes], attached: Optional[Callable[[], None]] = None
) -> None:
    """Prove the debugger was still waiting: take the session, continue, see the program end.

    ``attached`` runs while the session is open, at the first prompt.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as client:
        received = b""
        while not received.endswith((b"(Pdb) ", b"ipdb> ")):
            chunk = client.recv(4096)
            assert chunk, f"EOF before the prompt: {received!r}"
            received += chunk
        if attached is not None:
            attached()
        client.sendall(b"c\n")
        read_until(proc, "stderr", b"AFTER-CONTINUE")
        assert proc.wait(timeout=DEADLINE) == 0


@needs_netlink
def test_plain_listen_one_is_listed_with_backlog_one(
    spawn: Callable[..., subprocess.Popen[bytes]],
) -> None:
    proc = spawn(LISTEN_SERVER, "1")
    port = int(read_until(proc, "stdout", rb"(\d+)\n").group(1))
    entry = listener_on(port)
    assert entry is not None
    assert (entry.address, entry.backlog, entry.queued) == ("127.0.0.1", 1, 0)
    assert entry.uid == os.getuid()
    assert entry.inode > 0


@needs_netlink
def test_listen_128_shows_its_backlog(spawn: Callable[..., subprocess.Popen[bytes]]) -> None:
    proc = spawn(LISTEN_SERVER, "128")
    port = int(read_until(proc, "stdout", rb"(\d+)\n").group(1))
    somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
    entry = listener_on(port)
    assert entry is not None
    assert entry.backlog == min(128, somaxconn)


@needs_netlink
def test_ipv6_address_is_shown_plainly() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    with socket.socket(socket.AF_INET6) as server:
        try:
            server.bind(("::1", 0))
        except OSError:
            pytest.skip("no ::1 here")
        server.listen(1)
        entry = listener_on(server.getsockname()[1])
        assert entry is not None
        assert (entry.address, entry.backlog) == ("::1", 1)
        assert entry.inode == os.fstat(server.fileno()).st_ino


@needs_netlink
def test_proc_fallback_agrees_but_has_no_backlog() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        from_netlink = listener_on(port)
        from_proc = next(entry for entry in listeners._listeners_proc() if entry.port == port)
    assert from_netlink is not None
    assert (from_proc.address, from_proc.inode, from_proc.uid) == (
        from_netlink.address,
        from_netlink.inode,
        from_netlink.uid,
    )
    assert from_proc.backlog is None


@pytest.mark.parametrize("family, host", [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")])
def test_find_connection_returns_the_servers_end(family: int, host: str) -> None:
    with socket.socket(family) as server:
        try:
            server.bind((host, 0))
        except OSError:
            pytest.skip(f"cannot bind {host}")
        server.listen(1)
        with socket.create_connection((host, server.getsockname()[1]), timeout=DEADLINE) as client:
            local, remote = client.getsockname(), client.getpeername()
            queued = find_connection(local, remote)
            # Until accept() the kernel has no file, hence no inode, for the server's end.
            assert queued is not None and queued.inode == 0
            accepted, _ = server.accept()
            with accepted:
                found = find_connection(local, remote)
                assert found is not None
                assert found.inode == os.fstat(accepted.fileno()).st_ino
                assert found.uid == os.getuid()
                assert found.local == (remote[0], remote[1])
                assert found.remote == (local[0], local[1])
                from_proc = listeners._connection_proc(local[:2], remote[:2])
                assert from_proc is not None and from_proc.inode == found.inode
        # No such connection: the kernel's lookup would fall back to the listener itself.
        assert find_connection((host, free_port()), server.getsockname()) is None
    assert find_connection(("127.0.0.1", 1), ("127.0.0.1", free_port())) is None


@needs_netlink
def test_accepted_per_port_counts_only_accepted_connections() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE):
            assert accepted_per_port().get(port, 0) == 0  # still in the backlog
            accepted, _ = server.accept()
            with accepted:
                assert accepted_per_port().get(port) == 1


@needs_netlink
def test_rpdb_is_listed_and_still_waiting(spawn: Callable[..., subprocess.Popen[bytes]]) -> None:
    port = free_port()
    proc = spawn(RPDB_PROGRAM, env={"PYTHON_RPDB_PORT": str(port)})
    read_until(proc, "stderr", rb"\[rpdb\] running on 127\.0\.0\.1:%d" % port)
    entry = wait_for(lambda: listener_on(port), "rpdb's listener")
    assert (entry.backlog, entry.queued) == (1, 0)
    for _ in range(20):  # listing many times must not touch the waiting debugger
        list_listeners()
    assert proc.poll() is None
    continue_and_finish(port, proc)


@needs_netlink
def test_remote_pdb_is_listed_and_still_waiting(
    spawn: Callable[..., subprocess.Popen[bytes]],
) -> None:
    proc = spawn(REMOTE_PDB_PROGRAM, env={"REMOTE_PDB_PORT": "0"})
    match = read_until(proc, "stderr", rb"RemotePdb session open at 127\.0\.0\.1:(\d+)")
    port = int(match.group(1))
    entry = wait_for(lambda: listener_on(port), "remote-pdb's listener")
    assert (entry.backlog, entry.queued) == (1, 0)
    for _ in range(20):
        list_listeners()
    assert proc.poll() is None
    continue_and_finish(port, proc)
