"""Benchmark rpdb-connect against a minimal raw-socket client: ``python bench/bench.py [RUNS]``.

Against a real rpdb and a real remote-pdb, side by side, both clients run as their own process
the same way (a command line, stdin from a pipe, stdout to /dev/null), timed from start to exit:

* per command: the round trip of ``p i``: (time of 3,001 commands - time of 1) / 3,000, which
  takes the fixed start-up out;
* reconnect: 200 ``set_trace()`` calls in a loop, each answered with ``c`` (start-up subtracted);
* tracepoint: the same loop caught with ``--wait -c 'p i' </dev/null`` (a command at every stop,
  then a safe detach), per stop, against the raw client sending ``p i`` and ``c`` at each;
* output: one 20 MB reply, ``p blob`` (the time of a run with only ``c`` subtracted).

The raw client (raw_client.py) sends a line and reads until the prompt, with ``TCP_QUICKACK``
re-armed after each read like rpdb-connect; against remote-pdb it also runs without it, which is
what nc and a naive client get. Prints a Markdown table of times and ratios.
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
RAW_CLIENT = HERE / "raw_client.py"
COMMANDS = 3000  # many, so that the start-up subtracted is a small share of the total
HUNG_AFTER = 60
"""Seconds after which a client run counts as hung (a normal run takes well under one)."""
SLOW_COMMANDS = 20  # without QUICKACK each remote-pdb reply stalls ~40 ms
LOOPS = 200  # set_trace() calls in the program's loop mode (bench/target.py)


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


def timed(kind: str, mode: str, command: list[str], stdin: bytes) -> float:
    """Start the program, wait until it listens, run ``command`` with ``stdin``; its run time.

    A run that hangs is run again: the raw client has no timeouts, and a connection that a
    closing rpdb listener accepted and dropped without a reset leaves it waiting for ever
    (seen about once in a hundred loops of 200).
    """
    for _ in range(3):
        program, port = start(kind, mode)
        if "--wait" not in command and "--loop" not in command:
            connect_probe_free_wait(port)
        began = time.perf_counter()
        try:
            result = subprocess.run(
                [arg.replace("PORT", str(port)) for arg in command],
                input=stdin,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=HUNG_AFTER,
            )
        except subprocess.TimeoutExpired:
            print(f"hung, running again: {' '.join(command[1:3])}", file=sys.stderr)
            program.kill()
            program.wait(30)
            continue
        elapsed = time.perf_counter() - began
        program.wait(30)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.decode())
        return elapsed
    raise RuntimeError(f"{command} hung three times")


OURS = [sys.executable, "-m", "rpdb_client", "--port", "PORT"]
RAW = [sys.executable, str(RAW_CLIENT), "PORT"]


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

    def run(client: list[str], mode: str, stdin: bytes, extra: tuple[str, ...] = ()) -> float:
        return best(runs, lambda: timed(kind, mode, [*client, *extra], stdin))

    rows = []
    script = b"p i\n" * COMMANDS + b"c\n"
    startup = {name: run(client, "stop", b"c\n") for name, client in (("ours", OURS), ("raw", RAW))}
    per = {
        name: (run(client, "stop", script) - startup[name]) / COMMANDS
        for name, client in (("ours", OURS), ("raw", RAW))
    }
    rows.append(row(f"{kind}: per `p i` round trip", per["ours"], per["raw"]))
    if kind == "remote_pdb":
        slow_script = b"p i\n" * SLOW_COMMANDS + b"c\n"
        slow = (timed(kind, "stop", [*RAW, "--no-quickack"], slow_script) - startup["raw"]) / (
            SLOW_COMMANDS
        )
        rows.append(
            f"| remote_pdb: per `p i`, raw client without TCP_QUICKACK "
            f"| {per['ours'] * 1000:.3f} ms | {slow * 1000:.3f} ms "
            f"| rpdb-connect {slow / per['ours']:.0f}x faster |"
        )
    ours = run(OURS, "loop", b"", ("--wait", "--count", str(LOOPS), "-c", "c")) - startup["ours"]
    raw = run(RAW, "loop", b"", ("--loop", str(LOOPS))) - startup["raw"]
    rows.append(row(f"{kind}: 200 set_trace() each answered with c", ours, raw))
    # The README's tracepoint recipe: `--wait -c CMD </dev/null`, a command at every stop and a
    # safe detach after it; against the raw client's same command and `c`. Per stop.
    tracepoint = ("--wait", "--count", str(LOOPS), "-c", "p i")
    ours = (run(OURS, "loop", b"", tracepoint) - startup["ours"]) / LOOPS
    raw = (run(RAW, "loop", b"", ("--loop", str(LOOPS), "--first", "p i")) - startup["raw"]) / LOOPS
    rows.append(row(f"{kind}: tracepoint `--wait -c 'p i' </dev/null`, per stop", ours, raw))
    ours = run(OURS, "stop", b"p blob\nc\n") - startup["ours"]
    raw = run(RAW, "stop", b"p blob\nc\n") - startup["raw"]
    rows.append(row(f"{kind}: one 20 MB reply", ours, raw))
    rows.append(
        f"| {kind}: start-up (connect, first screen, `c`, exit) | {startup['ours'] * 1000:.0f} ms "
        f"| {startup['raw'] * 1000:.0f} ms | fixed cost |"
    )
    return rows


def main(argv: Optional[list[str]] = None) -> None:
    """``bench.py [RUNS] [--write]``: print the table; with --write, also bench/RESULTS.md."""
    args = list(sys.argv[1:] if argv is None else argv)
    write = "--write" in args
    runs = int(next((arg for arg in args if arg.isdigit()), "3"))
    lines = [
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, best of {runs} runs, loopback.",
        "",
        "| measure | rpdb-connect | raw socket client | ratio |",
        "|---|---|---|---|",
    ]
    for kind in ("rpdb", "remote_pdb"):
        lines += measure(kind, runs)
    table = "\n".join(lines)
    print(table)
    if write:
        (HERE / "RESULTS.md").write_text(
            "# Benchmark results\n\n"
            f"Made by `python bench/bench.py {runs} --write` on "
            f"{time.strftime('%Y-%m-%d')}; see the docstring of bench.py for what each row "
            "measures. Both clients run as their own process, timed from start to exit, with "
            "their start-up subtracted.\n\n" + table + "\n"
        )


if __name__ == "__main__":
    main()
