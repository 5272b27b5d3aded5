"""Benchmark rpdb-connect against a minimal raw-socket client: ``python bench/bench.py [RUNS]``.

Against a real rpdb and a real remote-pdb, side by side:

* per command: the round trip of ``p i`` (1,000 of them), rpdb-connect's fixed start-up
  subtracted (the time of a 1-command run);
* reconnect: 200 ``set_trace()`` calls in a loop, each answered with ``c``;
* output: one 20 MB reply (``p blob``).

The raw client sends a line and reads until the prompt, with ``TCP_QUICKACK`` re-armed after
each read like rpdb-connect; against remote-pdb it also runs without it, which is what nc and a
naive client get. Results are printed as a Markdown table of times and ratios.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Optional

HERE = Path(__file__).resolve().parent
TARGET = HERE / "target.py"
COMMANDS = 1000
SLOW_COMMANDS = 50  # without QUICKACK each remote-pdb reply stalls ~40 ms
PROMPT = b"(Pdb) "
QUICKACK = getattr(socket, "TCP_QUICKACK", None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(kind: str, mode: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = dict(os.environ, PYTHONNOUSERSITE="1")
    program = subprocess.Popen(
        [sys.executable, str(TARGET), kind, str(port), mode],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    return program, port


def connect(port: int, quickack: bool, deadline: float = 20.0) -> socket.socket:
    """Connect, retrying at once while refused: the best a client can do between set_trace()s."""
    end = time.monotonic() + deadline
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port))
            if quickack and QUICKACK is not None:
                sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
            return sock
        except (ConnectionRefusedError, ConnectionResetError):
            if time.monotonic() > end:
                raise


def read_until_prompt(sock: socket.socket, quickack: bool) -> bytes:
    data = bytearray()
    while not data.endswith(PROMPT):
        chunk = sock.recv(262144)
        if not chunk:
            raise ConnectionError("closed before the prompt")
        if quickack and QUICKACK is not None:
            sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
        data += chunk
    return bytes(data)


def finish(sock: socket.socket, program: subprocess.Popen[bytes]) -> None:
    sock.sendall(b"c\n")
    sock.settimeout(1)
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass
    sock.close()
    program.wait(30)


def raw_commands(kind: str, count: int, quickack: bool) -> float:
    program, port = start(kind, "stop")
    sock = connect(port, quickack)
    read_until_prompt(sock, quickack)
    began = time.perf_counter()
    for _ in range(count):
        sock.sendall(b"p i\n")
        read_until_prompt(sock, quickack)
    elapsed = time.perf_counter() - began
    finish(sock, program)
    return elapsed / count


def raw_reconnects(kind: str) -> float:
    program, port = start(kind, "loop")
    began = time.perf_counter()
    for _ in range(200):
        while True:
            sock = connect(port, True)
            try:
                read_until_prompt(sock, True)
                break
            except (ConnectionResetError, ConnectionError):
                sock.close()  # rpdb's previous listener accepted and reset us: not yet
        sock.sendall(b"c\n")
        if kind == "rpdb":
            while sock.recv(65536):
                pass
        sock.close()
    elapsed = time.perf_counter() - began
    program.wait(30)
    return elapsed


def raw_big_reply(kind: str) -> float:
    program, port = start(kind, "stop")
    sock = connect(port, True)
    read_until_prompt(sock, True)
    began = time.perf_counter()
    sock.sendall(b"p blob\n")
    reply = read_until_prompt(sock, True)
    elapsed = time.perf_counter() - began
    assert len(reply) > 20_000_000
    finish(sock, program)
    return elapsed


def client(kind: str, mode: str, args: list[str], stdin: bytes) -> float:
    """Time the real rpdb-connect from start to exit, output to /dev/null."""
    program, port = start(kind, mode)
    command = [sys.executable, "-m", "rpdb_client", "--port", str(port), *args]
    if "--wait" not in args:
        connect_probe_free_wait(port)
    began = time.perf_counter()
    result = subprocess.run(command, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - began
    program.wait(30)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.decode())
    return elapsed


def connect_probe_free_wait(port: int) -> None:
    """Wait until the port listens, reading /proc/net/tcp (connecting would be a quit)."""
    wanted = f":{port:04X} "
    end = time.monotonic() + 20
    while time.monotonic() < end:
        with open("/proc/net/tcp") as table:
            if any(
                line.split()[3] == "0A" and (line.split()[1] + " ").endswith(wanted)
                for line in list(table)[1:]
            ):
                return
        time.sleep(0.002)
    raise TimeoutError(port)


def best(runs: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(runs))


def row(name: str, ours: float, raw: float, unit: str = "ms", scale: float = 1000) -> str:
    line = f"| {name} | {ours * scale:.3f} {unit} | {raw * scale:.3f} {unit} | {ours / raw:.2f}x |"
    print(line, file=sys.stderr, flush=True)  # progress: a full run takes a minute or two
    return line


def measure(kind: str, runs: int) -> list[str]:
    """The rows of one server."""
    rows = []
    script = b"p i\n" * COMMANDS + b"c\n"
    startup = best(runs, lambda: client(kind, "stop", [], b"c\n"))
    full = best(runs, lambda: client(kind, "stop", [], script))
    ours = (full - startup) / COMMANDS
    raw = best(runs, lambda: raw_commands(kind, COMMANDS, True))
    rows.append(row(f"{kind}: per `p i` (start-up {startup * 1000:.0f} ms apart)", ours, raw))
    if kind == "remote_pdb":
        slow = raw_commands(kind, SLOW_COMMANDS, False)
        rows.append(
            f"| remote_pdb: per `p i`, raw client without TCP_QUICKACK | {ours * 1000:.3f} ms "
            f"| {slow * 1000:.3f} ms | rpdb-connect {slow / ours:.0f}x faster |"
        )
    wait_args = ["--wait", "--count", "200", "-c", "c"]
    ours = best(runs, lambda: client(kind, "loop", wait_args, b"")) - startup
    raw = best(runs, lambda: raw_reconnects(kind))
    rows.append(row(f"{kind}: 200 set_trace() each answered with c", ours, raw))
    ours = best(runs, lambda: client(kind, "stop", [], b"p blob\nc\n")) - startup
    raw = best(runs, lambda: raw_big_reply(kind))
    rows.append(row(f"{kind}: one 20 MB reply", ours, raw))
    return rows


def main(argv: Optional[list[str]] = None) -> None:
    runs = int((argv or sys.argv[1:] or ["3"])[0])
    lines = [
        f"Python {sys.version.split()[0]}, best of {runs} runs, loopback.",
        "",
        "| measure | rpdb-connect | raw socket client | ratio |",
        "|---|---|---|---|",
    ]
    for kind in ("rpdb", "remote_pdb"):
        lines += measure(kind, runs)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
