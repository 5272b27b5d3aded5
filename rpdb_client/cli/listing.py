"""What the user sees of discovery: the table and JSON of ``--list``, the choice of ``--pick``.

Owns turning the candidates of :func:`rpdb_client.host.find_debuggers` (plain data, found without
connecting, on this machine or by a helper on another: docs/protocol.md section 8) into output
and settings: a table or ``--json`` list on stdout, with a HOST column when several machines are
listed, one line on stderr for each machine that could not be asked, and for ``--pick`` a
numbered choice on stderr when several debuggers wait. Command lines, names and users are other
processes' text (a process can name itself with escape sequences): shown through
:func:`~rpdb_client.output.sanitize.make_visible`, never obeyed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Mapping
from typing import Any

import click

from rpdb_client.config import Settings
from rpdb_client.environment import Environment
from rpdb_client.errors import ClientError, ConnectError, ExitStatus, UsageError
from rpdb_client.host import find_debuggers
from rpdb_client.output.sanitize import make_visible
from rpdb_client.remote.reach import Reach
from rpdb_client.remote.targets import Target
from rpdb_client.wire.addresses import connect_address, host_port

NONE_WAITING = "no debugger is waiting on this machine (a listening socket with backlog 1)"
Row = Mapping[str, Any]
"""A candidate as ``DebuggerCandidate.to_json()`` gives it (and a helper sends it)."""


def describe(row: Row) -> str:
    """One line for a listener: port, PID and what the process is."""
    where = host_port(connect_address(row["address"]), row["port"])
    if not row["owner_known"]:
        return f"{where}  pid unknown (owned by uid {row['uid']}, not readable here)"
    parent = f", parent {row['parent_pid']}" if row["parent_pid"] else ""
    busy = ", a client is attached" if row["clients"] else ""
    label, command = _text(row["label"]), _short(_text(row["command"]))
    return f"{where}  pid {row['pid']} ({label}{parent}{busy})  {command}"


def _short(command: str, width: int = 60) -> str:
    return command if len(command) <= width else command[: width - 1] + "…"


def _text(value: object) -> str:
    return "?" if value is None else make_visible(str(value))


def print_debuggers(settings: Settings, env: Environment) -> ExitStatus:
    """``--list``: what waits on this machine, as a table or (``--json``) a JSON list."""
    rows: list[Row] = [candidate.to_json() for candidate in find_debuggers()]
    return print_rows(settings, env, {"": rows}, {})


def print_rows(
    settings: Settings,
    env: Environment,
    found: Mapping[str, list[Row]],
    failures: Mapping[str, ClientError],
) -> ExitStatus:
    """The rows found on each machine ("": this one), and a line for each that failed."""
    several = len(found) + len(failures) > 1 or "" not in found
    for error in failures.values():
        click.echo(f"rpdb-connect: {make_visible(str(error))}", file=env.stderr)
    rows = [{**row, "host": name} if name else row for name, part in found.items() for row in part]
    status = ExitStatus.REMOTE if failures else ExitStatus.OK
    if settings.json:
        print(json.dumps(rows, indent=2), file=env.stdout)
        return status
    if not rows:
        if found:  # (every machine failed: their lines said so)
            where = "on " + ", ".join(found) if several else "on this machine"
            print(NONE_WAITING.replace("on this machine", where), file=env.stderr)
        return status
    width = min(32, max(4, *(len(_text(row.get("host", ""))) for row in rows)))
    host = f"{'HOST':<{width}} " if several else ""
    print(
        f"{host}{'PORT':>5}  {'ADDRESS':<15} {'PID':>7}  {'USER':<10} {'PARENT':>7}  PROCESS",
        file=env.stdout,
    )
    for row in rows:
        on = f"{_text(row['host'])[:width]:<{width}} " if several else ""
        print(
            f"{on}{row['port']:>5}  {connect_address(row['address']):<15} "
            f"{_text(row['pid']):>7}  {_text(row['user']):<10} {_text(row['parent_pid']):>7}  "
            f"{_text(row['label'])}: {_short(_text(row['command']))}",
            file=env.stdout,
        )
    if any(not row["owner_known"] for row in rows):
        print(
            "(pid unknown: the process belongs to another user; run as root to see it)",
            file=env.stdout,
        )
    return status


def list_there(
    reach: Reach, targets: list[Target], before_a_session: bool = False
) -> tuple[dict[str, list[Row]], dict[str, ClientError]]:
    """Ask a helper on each target at once: the rows of each, and the failures.

    ``before_a_session`` (``--pick``): the shared connections' own helpers are kept for it.
    """

    async def ask(target: Target) -> list[Row]:
        link = await reach.helper(target, for_a_look=before_a_session)
        try:
            return list(await link.list_debuggers())
        finally:
            link.stop()

    async def ask_all() -> list[Any]:
        return await asyncio.gather(*(ask(target) for target in targets), return_exceptions=True)

    found: dict[str, list[Row]] = {}
    failures: dict[str, ClientError] = {}
    for target, result in zip(targets, asyncio.run(ask_all())):
        if isinstance(result, ClientError):
            failures[target.name] = result
        elif isinstance(result, BaseException):
            raise result
        else:
            found[target.name] = result
    return found, failures


def pick(settings: Settings, env: Environment, rows: list[Row] | None = None) -> Settings:
    """``--pick``: the settings of the debugger the user chose (one found: that one).

    ``rows``: the candidates a helper found on another machine; None: this machine's.
    """
    if rows is None:
        rows = [candidate.to_json() for candidate in find_debuggers()]
    if not rows:
        raise ConnectError(NONE_WAITING, "Use --wait --any to wait for the next one to appear.")
    if len(rows) == 1:
        chosen = rows[0]
    else:
        if not env.stdin_isatty:
            raise UsageError("--pick needs a terminal to ask which debugger to connect to")
        for number, row in enumerate(rows, 1):
            click.echo(f"{number:>3}. {describe(row)}", file=env.stderr)
        index = click.prompt("Connect to", type=click.IntRange(1, len(rows)), default=1, err=True)
        chosen = rows[index - 1]
    return dataclasses.replace(
        settings, host=connect_address(chosen["address"]), port=chosen["port"]
    )
