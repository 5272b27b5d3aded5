"""rpdb_client.host.processes against real processes.

The uWSGI, gunicorn and celery processes here are Python programs started under the argv (and,
through a symlink, the executable name) those servers have, so labels and timeouts are read from
``/proc`` exactly as they would be for the real thing. Subprocesses are killed by PID when each
test ends; waits poll with a deadline.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import pytest
from debuggee import free_port
from test_listeners import (
    CELERY_RDB_PROGRAM,
    DEADLINE,
    LISTEN_SERVER,
    REMOTE_PDB_PROGRAM,
    RPDB_PROGRAM,
    continue_and_finish,
    needs_netlink,
    read_until,
    wait_for,
)

from rpdb_client.host import (
    SocketInfo,
    WorkerTimeout,
    describe_process,
    find_connection,
    find_debuggers,
    find_listener_owner,
    find_worker_timeout,
    list_listeners,
    looks_like_debugger_host,
    pids_for_inodes,
)

# A server that forks WORKERS children (as a uWSGI or gunicorn master does); each child listens
# with backlog 1 and reports "worker PID PORT". Everyone exits when stdin closes.
FORKING_SERVER = """
import os, socket, sys
for _ in range(int(os.environ.get("WORKERS", "0"))):
    if os.fork() == 0:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        os.write(1, b"worker %d %d\\n" % (os.getpid(), server.getsockname()[1]))
        sys.stdin.read()
        os._exit(0)
os.write(1, b"master %d\\n" % os.getpid())  # one write: lines from forks never interleave
sys.stdin.read()
"""

ACCEPTING_SERVER = """
import socket, sys
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
print(server.getsockname()[1], flush=True)
connection, _ = server.accept()
sys.stdin.read()
"""


class Spawner:
    """Starts Python programs under any argv; kills every process it learnt of, by PID."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []
        self.extra_pids: list[int] = []

    def __call__(
        self,
        code: str,
        *args: str,
        argv0: Optional[str] = None,
        script_name: Optional[str] = None,
        env: Optional[dict[str, str]] = None,
        executable: str = sys.executable,
    ) -> subprocess.Popen[bytes]:
        script = self.tmp_path / (script_name or f"program{len(self.procs)}.py")
        script.write_text(textwrap.dedent(code))
        proc = subprocess.Popen(
            [argv0 or sys.executable, str(script), *args],
            executable=executable,  # argv[0] is what /proc shows; this is what runs
            cwd=self.tmp_path,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self.procs.append(proc)
        return proc

    def workers(self, proc: subprocess.Popen[bytes], count: int) -> list[tuple[int, int]]:
        """(pid, port) of the forked workers, in the order they report."""
        found = []
        for _ in range(count):
            match = read_until(proc, "stdout", rb"worker (\d+) (\d+)\n")
            found.append((int(match.group(1)), int(match.group(2))))
            self.extra_pids.append(found[-1][0])
        return found

    def cleanup(self) -> None:
        # Workers first: they are alive until their stdin closes, so their PIDs are still theirs.
        for pid in self.extra_pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=DEADLINE)
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawner]:
    spawner = Spawner(tmp_path)
    yield spawner
    spawner.cleanup()


def uwsgi_workers(spawn: Spawner, *args: str, count: int = 2) -> list[tuple[int, int]]:
    proc = spawn(FORKING_SERVER, "--master", *args, argv0="uwsgi", env={"WORKERS": str(count)})
    return spawn.workers(proc, count)


def test_pids_for_inodes_finds_the_owner(spawn: Spawner) -> None:
    proc = spawn(LISTEN_SERVER, "1")
    port = int(read_until(proc, "stdout", rb"(\d+)\n").group(1))
    inode = next(entry.inode for entry in list_listeners() if entry.port == port)
    assert pids_for_inodes({inode}) == {inode: proc.pid}
    assert pids_for_inodes({inode}, first=[proc.pid]) == {inode: proc.pid}
    assert pids_for_inodes({inode, 1 << 40}) == {inode: proc.pid}
    assert pids_for_inodes(set()) == {}


def test_describe_a_python_program(spawn: Spawner) -> None:
    proc = spawn(LISTEN_SERVER, "1", script_name="listen_server.py")
    read_until(proc, "stdout", rb"\d+\n")
    info = describe_process(proc.pid)
    assert info.pid == proc.pid
    assert info.parent_pid == os.getpid()
    assert info.uid == os.geteuid()
    assert info.argv[1:] == (str(spawn.tmp_path / "listen_server.py"), "1")
    assert info.label == "python listen_server.py"
    assert looks_like_debugger_host(info)
    assert find_worker_timeout(info) is None
    with pytest.raises(ProcessLookupError):
        describe_process(1 << 30)


@pytest.mark.parametrize(
    "title, label",
    [
        ("uWSGI worker 3", "uwsgi worker 3"),
        ("uWSGI master", "uwsgi master"),
        ("[celeryd: celery@host:ForkPoolWorker-2]", "celery worker 2"),
        ("gunicorn: worker [app:app]", "gunicorn worker"),
        ("gunicorn: master [app:app]", "gunicorn master"),
    ],
)
def test_labels_from_process_titles(spawn: Spawner, title: str, label: str) -> None:
    proc = spawn(FORKING_SERVER, argv0=title)
    read_until(proc, "stdout", rb"master \d+\n")
    info = describe_process(proc.pid)
    assert info.argv[0] == title
    assert info.label == label
    assert looks_like_debugger_host(info)
    if label.startswith("gunicorn"):  # the title hides any --timeout: the default is a guess
        timeout = find_worker_timeout(info)
        assert timeout is not None and timeout.source.startswith("gunicorn default (")


def test_uwsgi_workers_harakiri_on_the_command_line(spawn: Spawner) -> None:
    # Forked in PID order (they may report in any order), as uWSGI numbers its workers.
    (first, _), (second, _) = sorted(uwsgi_workers(spawn, "--harakiri", "7"))
    assert describe_process(first).label == "uwsgi worker 1"
    worker = describe_process(second)
    assert worker.label == "uwsgi worker 2"
    assert worker.parent_pid is not None
    assert describe_process(worker.parent_pid).label == "uwsgi master"
    assert find_worker_timeout(worker) == WorkerTimeout(7.0, "uwsgi --harakiri", "harakiri")


def test_uwsgi_harakiri_from_ini_file_relative_to_cwd(spawn: Spawner) -> None:
    (spawn.tmp_path / "app.ini").write_text("[uwsgi]\nmodule = app\nharakiri = 12\n")
    [(worker, _)] = uwsgi_workers(spawn, "--ini", "app.ini", count=1)
    timeout = find_worker_timeout(describe_process(worker))
    assert timeout == WorkerTimeout(12.0, "uwsgi ini file app.ini", "harakiri")


def test_uwsgi_last_option_wins_and_ini_sections(spawn: Spawner) -> None:
    (spawn.tmp_path / "app.ini").write_text("[uwsgi]\nharakiri = 12\n[staging]\nharakiri=3\n")
    [(worker, _)] = uwsgi_workers(spawn, "--harakiri=9", "--ini=app.ini:staging", count=1)
    timeout = find_worker_timeout(describe_process(worker))
    assert timeout == WorkerTimeout(3.0, "uwsgi ini file app.ini:staging", "harakiri")


@pytest.mark.parametrize("ini", ["missing.ini", "."])
def test_uwsgi_unreadable_ini_is_no_timeout(spawn: Spawner, ini: str) -> None:
    [(worker, _)] = uwsgi_workers(spawn, "--ini", ini, count=1)
    assert find_worker_timeout(describe_process(worker)) is None


def gunicorn(spawn: Spawner, *args: str, workers: int = 0) -> subprocess.Popen[bytes]:
    # The shape of a console-script launch: python /venv/bin/gunicorn ARGS.
    env = {"WORKERS": str(workers)}
    proc = spawn(FORKING_SERVER, *args, "app:app", script_name="gunicorn", env=env)
    read_until(proc, "stdout", rb"master \d+\n")
    return proc


@pytest.mark.parametrize(
    "args, expected",
    [
        (("--timeout", "45"), WorkerTimeout(45.0, "gunicorn --timeout", "gunicorn-timeout")),
        (("--timeout=5",), WorkerTimeout(5.0, "gunicorn --timeout", "gunicorn-timeout")),
        (("-w", "2", "-t", "60"), WorkerTimeout(60.0, "gunicorn -t", "gunicorn-timeout")),
        ((), WorkerTimeout(30.0, "gunicorn default", "gunicorn-timeout")),
        (("--timeout", "0"), None),
    ],
)
def test_gunicorn_timeout(
    spawn: Spawner, args: tuple[str, ...], expected: Optional[WorkerTimeout]
) -> None:
    info = describe_process(gunicorn(spawn, *args).pid)
    assert info.label == "gunicorn master"
    assert find_worker_timeout(info) == expected


def test_gunicorn_worker_and_config_file(spawn: Spawner) -> None:
    (spawn.tmp_path / "gunicorn.conf.py").write_text("bind = '127.0.0.1:0'\ntimeout = 90\n")
    [(worker, port)] = spawn.workers(gunicorn(spawn, workers=1), 1)
    info = describe_process(worker)
    assert info.label == "gunicorn worker"
    expected = WorkerTimeout(90.0, "gunicorn config file gunicorn.conf.py", "gunicorn-timeout")
    assert find_worker_timeout(info) == expected
    owner = find_listener_owner(port, "127.0.0.1")
    assert owner is not None and owner.pid == worker


def test_the_process_behind_a_connection(spawn: Spawner) -> None:
    """As the client learns its peer: the server's end of the connection, then its holder."""
    proc = spawn(ACCEPTING_SERVER)
    port = int(read_until(proc, "stdout", rb"(\d+)\n").group(1))
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as client:
        local, remote = client.getsockname(), client.getpeername()

        def accepted() -> Optional[SocketInfo]:
            info = find_connection(local, remote)
            return info if info is not None and info.inode else None  # no inode before accept()

        inode = wait_for(accepted, "the server to accept").inode
        assert pids_for_inodes({inode}) == {inode: proc.pid}
        assert pids_for_inodes({inode}, first=[proc.pid]) == {inode: proc.pid}


def start_debuggers(spawn: Spawner) -> dict[str, tuple[subprocess.Popen[bytes], int]]:
    """A plain listen(1), a listen(128), rpdb, remote-pdb and celery's rdb, with their ports."""
    started: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    for name, backlog in (("plain", "1"), ("busy", "128")):
        proc = spawn(LISTEN_SERVER, backlog)
        started[name] = (proc, int(read_until(proc, "stdout", rb"(\d+)\n").group(1)))
    rpdb_port = free_port()
    proc = spawn(RPDB_PROGRAM, env={"PYTHON_RPDB_PORT": str(rpdb_port)})
    read_until(proc, "stderr", rb"\[rpdb\] running on ")
    started["rpdb"] = (proc, rpdb_port)
    proc = spawn(REMOTE_PDB_PROGRAM, env={"REMOTE_PDB_PORT": "0"})
    match = read_until(proc, "stderr", rb"RemotePdb session open at 127\.0\.0\.1:(\d+)")
    started["remote-pdb"] = (proc, int(match.group(1)))
    proc = spawn(CELERY_RDB_PROGRAM, env={"CELERY_RDB_PORT": str(free_port())})
    match = read_until(proc, "stdout", rb"Remote Debugger:(\d+): Ready to connect")
    started["celery-rdb"] = (proc, int(match.group(1)))
    return started


@needs_netlink
def test_find_debuggers(spawn: Spawner, tmp_path: Path) -> None:
    started = start_debuggers(spawn)
    nginx = tmp_path / "nginx"  # a listen(1) socket of a process that is not Python
    nginx.symlink_to(os.path.realpath(sys.executable))
    other = spawn(LISTEN_SERVER, "1", argv0=str(nginx), executable=str(nginx))
    other_port = int(read_until(other, "stdout", rb"(\d+)\n").group(1))
    wanted = {port for name, (_, port) in started.items() if name != "busy"}
    wait_for(lambda: wanted <= {entry.port for entry in list_listeners()}, "every listener")
    found = [candidate for candidate in find_debuggers() if candidate.port in wanted]
    assert [c.port for c in found] == sorted(wanted)
    pids = {port: proc.pid for proc, port in started.values()}
    for candidate in found:
        data = candidate.to_json()
        assert data["pid"] == pids[candidate.port]
        assert data["address"] == "127.0.0.1"
        assert data["parent_pid"] == os.getpid()
        assert data["label"].startswith("python program")
        assert data["owner_known"] is True
        assert data["user"] == describe_process(os.getpid()).user
        assert str(spawn.tmp_path) in data["command"]  # whole, however long the path
    ports = {c.port for c in find_debuggers()}
    assert started["busy"][1] not in ports
    assert other_port not in ports
    assert any(entry.port == other_port for entry in list_listeners())
    assert all(candidate.clients == 0 for candidate in found)

    def in_session(port: int) -> None:
        candidate = next(c for c in find_debuggers() if c.port == port)
        assert candidate.to_json()["clients"] == 1

    # Listing did not touch them: each is still waiting for its first client. rpdb and celery
    # keep listening during a session; remote-pdb closes its listener at accept().
    for name in ("rpdb", "remote-pdb", "celery-rdb"):
        proc, port = started[name]
        attached = None if name == "remote-pdb" else functools.partial(in_session, port)
        continue_and_finish(port, proc, attached)
