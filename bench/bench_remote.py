"""rpdb-connect against raw clients, through SSH: ``python bench/bench_remote.py [RUNS]``.

Against a real rpdb and a real remote-pdb (bench/target.py) behind a real sshd on 127.0.0.1
(tests/ssh_server.py), side by side in one run:

* per command: the round trip of ``p i`` by ``rpdb-connect ssh://rpdb-test --port P``, run as its
  own process with the commands piped in: (time of 3,001 commands - time of 1) / 3,000, which
  takes its start-up and SSH login out; against the raw client of bench/ssh_baseline.py through
  ``ssh -W`` (rpdb), and through ssh to the smallest relay a helper can be (remote-pdb, which
  stalls ~40 ms a reply through ``ssh -W``: its reader there, sshd, does not re-arm QUICKACK);
* session open with the connection shared: from asking the running helper for a connection to
  the debugger's first prompt, in process (the helper and the shared connection up, as for
  every session of a ``--wait`` run after the first); and the first session of a run, helper
  start included;
* a ``--wait`` loop: 200 ``set_trace()`` each answered with ``c``, per stop, through SSH against
  rpdb-connect on this machine (the helper knocks there: no attempt crosses the channel);
* ``--list`` over ten hosts (ten ssh aliases of the sshd: ten logins, ten helpers) against the
  slowest of one host alone.

Bounded: timeouts on every read and run; sshd, masters and programs stopped by PID at the end.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import ssh_baseline  # noqa: E402 - bench/ssh_baseline.py (which puts tests/ on the path)
from debuggee import is_listening, wait_until  # noqa: E402
from process_tree import kill_processes, processes_naming, stop_tree  # noqa: E402

from bench import LOOPS, start, timed  # noqa: E402
from rpdb_client.errors import ConnectionLost  # noqa: E402
from rpdb_client.remote.link import HelperLink  # noqa: E402
from rpdb_client.remote.reach import Reach, target_of  # noqa: E402

COMMANDS = 3000
HOSTS = 10
RUN_LIMIT = 120.0


def client_run(env: dict[str, str], args: list[str], stdin: bytes = b"") -> float:
    """Seconds of one ``rpdb-connect ARGS`` run with ``stdin`` piped in."""
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rpdb_client", *args],
        input=stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        timeout=RUN_LIMIT,
        check=True,
    )
    return time.perf_counter() - began


def commands_run(env: dict[str, str], port: int, commands: int) -> float:
    """Seconds of a run sending ``commands`` times ``p i``, then ``c``, through SSH."""
    return client_run(env, ["ssh://rpdb-test", "--port", str(port)], b"p i\n" * commands + b"c\n")


def per_command(env: dict[str, str], kind: str, runs: int) -> float:
    full = ssh_baseline.best(runs, kind, lambda port: commands_run(env, port, COMMANDS + 1))
    one = ssh_baseline.best(runs, kind, lambda port: commands_run(env, port, 1))
    return (full - one) / COMMANDS


class FirstPrompt:
    """A receiver that notes the debugger's first prompt."""

    def __init__(self) -> None:
        self.seen = asyncio.Event()
        self._tail = b""

    def on_data(self, data: bytes) -> None:
        self._tail = (self._tail + data)[-len(ssh_baseline.PROMPT) :]
        if self._tail == ssh_baseline.PROMPT:
            self.seen.set()

    def on_end(self, error: Optional[ConnectionLost]) -> None:
        self.seen.set()

    def expects_reply(self) -> bool:
        return False


def session_open(env: dict[str, str], kind: str, runs: int) -> tuple[float, float]:
    """Best seconds to the first prompt through the running helper; and the first session's,
    the helper's start included (the shared connection is up for both)."""

    async def measure() -> tuple[float, float]:
        reach = Reach(env["RPDB_CONNECT_SSH_COMMAND"], "python3", env["XDG_RUNTIME_DIR"])
        target = target_of("ssh://rpdb-test")
        link: Optional[HelperLink] = None
        times = []
        try:
            reach.prepare([target])
            for _ in range(runs + 1):
                program, port = start(kind, "stop")
                try:
                    await asyncio.to_thread(wait_until, functools.partial(is_listening, port), 20)
                    began = time.perf_counter()
                    link = link or await reach.helper(target)
                    connection = await link.open({"port": port, "wait": False}).result()
                    prompt = FirstPrompt()
                    connection.attach(prompt)
                    await asyncio.wait_for(prompt.seen.wait(), RUN_LIMIT)
                    times.append(time.perf_counter() - began)
                    connection.send_line("c")
                    connection.close()
                    await asyncio.to_thread(program.wait, 30)
                finally:
                    if program.poll() is None:
                        program.kill()
                        program.wait(5)
        finally:
            if link is not None:
                link.stop()
            reach.close()
        return min(times[1:]), times[0]

    return asyncio.run(measure())


def loop_per_stop(kind: str, runs: int, where: list[str]) -> float:
    """Seconds per stop of ``--wait -c c`` over bench/target.py's loop of LOOPS set_trace()."""
    client = [sys.executable, "-m", "rpdb_client", *where, "--port", "PORT"]
    startup = min(timed(kind, "stop", client, b"c\n") for _ in range(runs))
    loop = [*client, "--wait", "--count", str(LOOPS), "-c", "c"]
    return (min(timed(kind, "loop", loop, b"") for _ in range(runs)) - startup) / LOOPS


def fleet_config(config: Path, directory: Path) -> Path:
    """The test client config with HOSTS more aliases of the same sshd: ``h1`` .. ``h10``."""
    text = config.read_text()
    aliases = " ".join(f"h{number}" for number in range(1, HOSTS + 1))
    fleet = directory / "fleet_config"
    fleet.write_text(text.replace("Host rpdb-test", f"Host rpdb-test {aliases}", 1))
    return fleet


def list_run(env: dict[str, str], hosts: list[str]) -> float:
    return client_run(env, ["--list", *(f"ssh://{host}" for host in hosts)])


def plain_ssh(options: str, hosts: list[str]) -> float:
    """Seconds for ``ssh HOST true`` to each of ``hosts``, all at once."""
    began = time.perf_counter()
    runs = [
        subprocess.Popen(["ssh", *options.split(), host, "true"], stdin=subprocess.DEVNULL)
        for host in hosts
    ]
    for run in runs:
        run.wait(RUN_LIMIT)
    return time.perf_counter() - began


def main(argv: Optional[list[str]] = None) -> None:
    args = [arg for arg in (sys.argv[1:] if argv is None else argv) if arg.isdigit()]
    runs = int(args[0]) if args else 3
    directory = Path(tempfile.mkdtemp(prefix="rpdb-bench-remote-", dir="/tmp"))
    runtime = tempfile.mkdtemp(prefix="rpdb-", dir="/tmp")
    sshd, _port, ssh_command = ssh_baseline.start_sshd(directory / "sshd")
    config = Path(ssh_command[ssh_command.index("-F") + 1])
    env = dict(
        os.environ,
        RPDB_CONNECT_SSH_COMMAND=" ".join(ssh_command),
        XDG_RUNTIME_DIR=runtime,
        PYTHONNOUSERSITE="1",
    )
    lines = [
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, best of {runs} runs, loopback, "
        f"{ssh_baseline.ssh_version()}.",
        "",
        "| measure | baseline | rpdb-connect | ratio |",
        "|---|---|---|---|",
    ]
    try:
        for kind, baseline, name in (
            ("rpdb", ssh_baseline.raw_round_trip_ssh_w, "raw client through `ssh -W`"),
            ("remote_pdb", ssh_baseline.raw_round_trip_relay, "raw client, ssh + minimal relay"),
        ):
            raw, _ = ssh_baseline.round_trip(
                runs, kind, functools.partial(baseline, ssh_command), COMMANDS
            )
            ours = per_command(env, kind, runs)
            lines.append(
                f"| {kind}: per `p i` round trip through SSH ({name}) | {raw * 1000:.3f} ms "
                f"| {ours * 1000:.3f} ms | {ours / raw:.2f}x |"
            )
            print(lines[-1], file=sys.stderr, flush=True)
            shared, first = session_open(env, kind, runs)
            lines.append(
                f"| {kind}: session open, connection shared (first session of a run, helper "
                f"start included) | {first * 1000:.1f} ms | {shared * 1000:.1f} ms | target 20 ms |"
            )
            print(lines[-1], file=sys.stderr, flush=True)
        os.environ.update(env)  # for bench.timed's runs
        for kind in ("rpdb", "remote_pdb"):
            here = loop_per_stop(kind, runs, [])
            there = loop_per_stop(kind, runs, ["ssh://rpdb-test"])
            lines.append(
                f"| {kind}: {LOOPS} set_trace() each answered with c, per stop (baseline: "
                f"rpdb-connect on this machine) | {here * 1000:.2f} ms | {there * 1000:.2f} ms "
                f"| {there / here:.2f}x |"
            )
            print(lines[-1], file=sys.stderr, flush=True)
        env["RPDB_CONNECT_SSH_COMMAND"] = f"ssh -F {fleet_config(config, directory)}"
        hosts = [f"h{number}" for number in range(1, HOSTS + 1)]
        single = max(min(list_run(env, [host]) for _ in range(runs)) for host in hosts[:3])
        fleet = min(list_run(env, hosts) for _ in range(runs))
        lines.append(
            f"| `--list` over {HOSTS} hosts (baseline: the slowest of one host alone) "
            f"| {single * 1000:.0f} ms | {fleet * 1000:.0f} ms | {fleet / single:.2f}x |"
        )
        # Every "host" here is this machine: their logins share its two cores. What plain ssh
        # does in the same conditions says how much of the ratio is that.
        ssh_alone = " ".join(env["RPDB_CONNECT_SSH_COMMAND"].split()[1:])
        one = min(plain_ssh(ssh_alone, hosts[:1]) for _ in range(runs))
        ten = min(plain_ssh(ssh_alone, hosts) for _ in range(runs))
        lines.append(
            f"| for scale: plain `ssh HOST true`, {HOSTS} at once against one "
            f"| {one * 1000:.0f} ms | {ten * 1000:.0f} ms | {ten / one:.2f}x |"
        )
    finally:
        stop_tree(sshd)
        kill_processes(processes_naming(runtime))
        shutil.rmtree(directory, ignore_errors=True)
        shutil.rmtree(runtime, ignore_errors=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
