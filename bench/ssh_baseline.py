"""The raw baseline of the SSH benchmark: ``python bench/ssh_baseline.py [RUNS] [COMMANDS]``.

What a client cannot beat through SSH, against a real rpdb and a real remote-pdb (bench/target.py,
``stop`` mode) behind a real sshd on 127.0.0.1 (tests/ssh_server.py's keys and configs):

* per command: the round trip of ``p i`` by the smallest raw client (send a line, read until
  ``(Pdb) ``) through ``ssh -W 127.0.0.1:PORT rpdb-test``, ssh's stdin and stdout being one end
  of a ``socket.socketpair()``; and the same client straight to the TCP port (re-arming
  ``TCP_QUICKACK`` like bench/raw_client.py), for reference;
* the same through ssh to the smallest relay a helper can be (:data:`RELAY`: the far side's
  python3 connects and copies bytes, re-arming ``TCP_QUICKACK``): through ``ssh -W`` remote-pdb
  stalls about 40 ms a reply (its reader is sshd, which does not re-arm QUICKACK; remote-pdb
  writes a reply and its prompt apart), so ``ssh -W`` is no floor for remote-pdb;
* session open: from starting ``ssh -W`` to the first prompt, on a new SSH connection and through
  a shared one (``ControlMaster``), the floor of "every session after the first opens in
  milliseconds".

bench/bench_remote.py puts rpdb-connect beside these. Bounded: timeouts on every read and wait,
every process (sshd and its sessions, masters, debugged programs, ssh) stopped by PID at the end.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Callable, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

import ssh_server  # noqa: E402 - tests/ssh_server.py, found through the path set above
from debuggee import is_listening, wait_until  # noqa: E402
from process_tree import kill_processes, processes_naming, stop_tree  # noqa: E402

from bench import start  # noqa: E402

PROMPT = b"(Pdb) "
QUICKACK = getattr(socket, "TCP_QUICKACK", None)
READ_TIMEOUT = 10.0
COMMANDS = 2000
SLOW_COMMANDS = 20
"""Commands of a first probe: a path that stalls on delayed ACKs (~40 ms a reply) is timed on
these only, not on COMMANDS."""
RELAY = """
import os, select, socket, sys
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
quickack = getattr(socket, "TCP_QUICKACK", None)
while True:
    ready, _, _ = select.select([sock, 0], [], [], 30)
    if not ready:
        break
    if sock in ready:
        data = sock.recv(262144)
        if quickack is not None:
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 262144)
        if not data:
            break
        sock.sendall(data)
"""
"""The smallest relay a helper on the far side can be: the remote python3 connects to the
debugger and copies bytes both ways, re-arming TCP_QUICKACK after each read (what ``ssh -W``,
whose reader is sshd, does not do). Its idle limit of 30 s bounds it."""


def start_sshd(tmpdir: Path) -> tuple[subprocess.Popen[bytes], int, list[str]]:
    """A test sshd (tests/ssh_server.py) with its keys in ``tmpdir``: the process, its port,
    and the ssh command that reaches it as ``rpdb-test``. Stop it with ``stop_tree(process)``."""
    openssh = ssh_server.find_openssh()
    if openssh is None:
        raise SystemExit("OpenSSH is not available (apt-get install openssh-server)")
    server = ssh_server.start_sshd(tmpdir, openssh)
    return server.process, server.port, server.ssh_argv


def read_until_prompt(sock: socket.socket, quickack: bool = False) -> None:
    """Read up to the next prompt; an error at EOF or after READ_TIMEOUT without a byte."""
    sock.settimeout(READ_TIMEOUT)
    tail = b""
    while True:
        chunk = sock.recv(262144)
        if not chunk:
            raise EOFError("the debugger closed before its prompt")
        if quickack and QUICKACK is not None:
            sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
        tail = (tail + chunk)[-len(PROMPT) :]
        if tail == PROMPT:
            return


def per_command(sock: socket.socket, commands: int, quickack: bool = False) -> float:
    """After the first prompt: seconds per ``p i`` round trip over ``commands``; then ``c``."""
    read_until_prompt(sock, quickack)
    began = time.perf_counter()
    for _ in range(commands):
        sock.sendall(b"p i\n")
        read_until_prompt(sock, quickack)
    elapsed = time.perf_counter() - began
    sock.sendall(b"c\n")
    return elapsed / commands


def ssh_w(ssh_command: list[str], debugger_port: int) -> list[str]:
    """The command that makes ssh's stdin and stdout a channel to the debugger's port."""
    return [*ssh_command, "-W", f"127.0.0.1:{debugger_port}", "rpdb-test"]


def ssh_relay(ssh_command: list[str], debugger_port: int) -> list[str]:
    """The command that runs :data:`RELAY` on the far side, to the debugger's port."""
    code = base64.b64encode(RELAY.encode()).decode()
    remote = f"exec python3 -c 'import base64; exec(base64.b64decode(\"{code}\"))' {debugger_port}"
    return [*ssh_command, "rpdb-test", remote]


@contextlib.contextmanager
def channel(command: list[str]) -> Iterator[socket.socket]:
    """A socket whose other end is the stdin and stdout of ``command`` (an ssh); closed, and
    ssh waited for (killed at the deadline), after the block."""
    ours, theirs = socket.socketpair()
    process = subprocess.Popen(
        command,
        stdin=theirs.fileno(),
        stdout=theirs.fileno(),
        stderr=subprocess.DEVNULL,
    )
    theirs.close()
    try:
        yield ours
    finally:
        ours.close()
        try:
            process.wait(READ_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def raw_round_trip_ssh_w(ssh_command: list[str], debugger_port: int, commands: int) -> float:
    """Seconds per ``p i`` round trip of a raw client through ``ssh -W`` to the debugger."""
    with channel(ssh_w(ssh_command, debugger_port)) as sock:
        return per_command(sock, commands)


def raw_round_trip_relay(ssh_command: list[str], debugger_port: int, commands: int) -> float:
    """The same through ssh to the minimal relay on the far side (:data:`RELAY`)."""
    with channel(ssh_relay(ssh_command, debugger_port)) as sock:
        return per_command(sock, commands)


def raw_round_trip_tcp(debugger_port: int, commands: int) -> float:
    """The same raw client straight to the TCP port (re-arming TCP_QUICKACK), for reference."""
    with socket.create_connection(("127.0.0.1", debugger_port), timeout=READ_TIMEOUT) as sock:
        return per_command(sock, commands, quickack=True)


def open_ssh_w(ssh_command: list[str], debugger_port: int) -> float:
    """Seconds from starting ``ssh -W`` to the debugger's first prompt."""
    began = time.perf_counter()
    with channel(ssh_w(ssh_command, debugger_port)) as sock:
        read_until_prompt(sock)
        elapsed = time.perf_counter() - began
        sock.sendall(b"c\n")
    return elapsed


@contextlib.contextmanager
def shared_connection(ssh_command: list[str]) -> Iterator[list[str]]:
    """A ControlMaster for ``rpdb-test`` in a short private directory; the ssh command that
    uses it. The master is asked to exit after the block, and killed by PID if it stays."""
    runtime = tempfile.mkdtemp(prefix="rpdb-", dir="/tmp")
    shared = [*ssh_command, "-o", f"ControlPath={runtime}/%C"]
    try:
        subprocess.run(
            [
                *shared,
                "-o",
                "ControlMaster=yes",
                "-o",
                "ControlPersist=60",
                "-N",
                "-f",
                "rpdb-test",
            ],
            stdin=subprocess.DEVNULL,
            check=True,
            timeout=30,
        )
        yield [*shared, "-o", "ControlMaster=no"]
    finally:
        subprocess.run(
            [*shared, "-O", "exit", "rpdb-test"], capture_output=True, timeout=10, check=False
        )
        kill_processes(processes_naming(runtime))
        with contextlib.suppress(OSError):
            for name in os.listdir(runtime):
                os.unlink(os.path.join(runtime, name))
            os.rmdir(runtime)


def against(kind: str, measure: Callable[[int], float]) -> float:
    """``measure(port)`` against a new debugged program of ``kind``, which is then stopped."""
    program, port = start(kind, "stop")
    try:
        wait_until(lambda: program.poll() is not None or is_listening(port), 20, f"{kind}")
        if program.poll() is not None:
            raise RuntimeError(f"{kind} exited ({program.returncode}) before listening")
        result = measure(port)
        program.wait(30)  # it was sent `c`: it reaches its end
        return result
    finally:
        if program.poll() is None:
            program.kill()
            program.wait(5)


def best(runs: int, kind: str, measure: Callable[[int], float]) -> float:
    return min(against(kind, measure) for _ in range(runs))


def round_trip(
    runs: int, kind: str, measure: Callable[[int, int], float], commands: int
) -> tuple[float, int]:
    """Best seconds per command, and over how many: SLOW_COMMANDS if a probe of that many is
    slower than 5 ms a command (delayed ACKs), else ``commands``."""
    probe = against(kind, lambda port: measure(port, SLOW_COMMANDS))
    if probe <= 0.005:
        return best(runs, kind, lambda port: measure(port, commands)), commands
    rest = [against(kind, lambda port: measure(port, SLOW_COMMANDS)) for _ in range(runs - 1)]
    return min([probe, *rest]), SLOW_COMMANDS


def rows(kind: str, ssh_command: list[str], runs: int, commands: int) -> list[str]:
    tcp, _ = round_trip(runs, kind, raw_round_trip_tcp, commands)
    lines = []
    for name, through_ssh in (
        ("`ssh -W`", raw_round_trip_ssh_w),
        ("ssh + minimal relay (QUICKACK)", raw_round_trip_relay),
    ):
        through, count = round_trip(
            runs, kind, functools.partial(through_ssh, ssh_command), commands
        )
        lines.append(
            f"| {kind}: per `p i` round trip, {name} (over {count}) | {tcp * 1000:.3f} ms "
            f"| {through * 1000:.3f} ms | {through / tcp:.2f}x (+{(through - tcp) * 1000:.3f} ms) |"
        )
    fresh = best(runs, kind, lambda port: open_ssh_w(ssh_command, port))
    with shared_connection(ssh_command) as shared:
        reused = best(runs, kind, lambda port: open_ssh_w(shared, port))
    lines.append(
        f"| {kind}: `ssh -W` start to first prompt, new connection / shared (ControlMaster) "
        f"| {fresh * 1000:.1f} ms | {reused * 1000:.1f} ms | {fresh / reused:.1f}x |"
    )
    for line in lines:
        print(line, file=sys.stderr, flush=True)  # progress
    return lines


def main(argv: Optional[list[str]] = None) -> None:
    """``ssh_baseline.py [RUNS] [COMMANDS]``: print the table (best of RUNS, default 3)."""
    args = [arg for arg in (sys.argv[1:] if argv is None else argv) if arg.isdigit()]
    runs = int(args[0]) if args else 3
    commands = int(args[1]) if len(args) > 1 else COMMANDS
    directory = Path(tempfile.mkdtemp(prefix="rpdb-bench-sshd-", dir="/tmp"))
    sshd, _port, ssh_command = start_sshd(directory)
    try:
        lines = [
            f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, best of {runs} runs, "
            f"{commands} commands, loopback, {ssh_version()}.",
            "",
            "| measure | raw client, TCP | raw client, through SSH | ratio |",
            "|---|---|---|---|",
        ]
        for kind in ("rpdb", "remote_pdb"):
            lines += rows(kind, ssh_command, runs, commands)
    finally:
        stop_tree(sshd)
        shutil.rmtree(directory, ignore_errors=True)
    print("\n".join(lines))


def ssh_version() -> str:
    result = subprocess.run(["ssh", "-V"], capture_output=True, text=True, timeout=10)
    return result.stderr.strip().split(",")[0]


if __name__ == "__main__":
    main()
