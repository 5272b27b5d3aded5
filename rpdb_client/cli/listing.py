"""What the user sees of discovery: the table and JSON of ``--list``, the choice of ``--pick``.

Owns turning the candidates of :func:`rpdb_client.host.find_debuggers` (plain data, found without
connecting) into output and settings: a table or ``--json`` list on stdout, and for ``--pick`` a
numbered choice on stderr when several debuggers wait. Command lines, names and users are other
processes' text (a process can name itself with escape sequences): shown through
:func:`~rpdb_client.output.sanitize.make_visible`, never obeyed. May import :mod:`rpdb_client.host`,
:mod:`rpdb_client.wire.addresses`, the settings and the errors.
"""

from __future__ import annotations

import dataclasses
import json

import click

from rpdb_client.config import Settings
from rpdb_client.environment import Environment
from rpdb_client.errors import ConnectError, ExitStatus, UsageError
from rpdb_client.host import DebuggerCandidate, find_debuggers
from rpdb_client.output.sanitize import make_visible
from rpdb_client.wire.addresses import connect_address, host_port

NONE_WAITING = "no debugger is waiting on this machine (a listening socket with backlog 1)"


def describe(candidate: DebuggerCandidate) -> str:
    """One line for a listener: port, PID and what the process is."""
    process = candidate.process
    where = host_port(connect_address(candidate.address), candidate.port)
    if process is None:
        return f"{where}  pid unknown (owned by uid {candidate.listener.uid}, not readable here)"
    parent = f", parent {process.parent_pid}" if process.parent_pid else ""
    busy = ", a client is attached" if candidate.clients else ""
    label, command = make_visible(process.label), _short(make_visible(process.command))
    return f"{where}  pid {process.pid} ({label}{parent}{busy})  {command}"


def _short(command: str, width: int = 60) -> str:
    return command if len(command) <= width else command[: width - 1] + "…"


def print_debuggers(settings: Settings, env: Environment) -> ExitStatus:
    """``--list``: what waits on this machine, as a table or (``--json``) a JSON list."""
    candidates = find_debuggers()
    if settings.json:
        print(
            json.dumps([candidate.to_json() for candidate in candidates], indent=2), file=env.stdout
        )
        return ExitStatus.OK
    if not candidates:
        print(NONE_WAITING, file=env.stderr)
        return ExitStatus.OK
    print(
        f"{'PORT':>5}  {'ADDRESS':<15} {'PID':>7}  {'USER':<10} {'PARENT':>7}  PROCESS",
        file=env.stdout,
    )
    for candidate in candidates:
        info = candidate.to_json()
        print(
            f"{info['port']:>5}  {connect_address(info['address']):<15} "
            f"{_text(info['pid']):>7}  {_text(info['user']):<10} {_text(info['parent_pid']):>7}  "
            f"{_text(info['label'])}: {_short(_text(info['command']))}",
            file=env.stdout,
        )
    if any(not candidate.owner_known for candidate in candidates):
        print(
            "(pid unknown: the process belongs to another user; run as root to see it)",
            file=env.stdout,
        )
    return ExitStatus.OK


def _text(value: object) -> str:
    return "?" if value is None else make_visible(str(value))


def pick(settings: Settings, env: Environment) -> Settings:
    """``--pick``: the settings of the debugger the user chose (one found: that one)."""
    candidates = find_debuggers()
    if not candidates:
        raise ConnectError(NONE_WAITING, "Use --wait --any to wait for the next one to appear.")
    if len(candidates) == 1:
        chosen = candidates[0]
    else:
        if not env.stdin_isatty:
            raise UsageError("--pick needs a terminal to ask which debugger to connect to")
        for number, candidate in enumerate(candidates, 1):
            click.echo(f"{number:>3}. {describe(candidate)}", file=env.stderr)
        index = click.prompt(
            "Connect to", type=click.IntRange(1, len(candidates)), default=1, err=True
        )
        chosen = candidates[index - 1]
    return dataclasses.replace(settings, host=connect_address(chosen.address), port=chosen.port)
