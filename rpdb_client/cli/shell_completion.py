"""Values the shell completes for ``rpdb-connect``'s options and its TARGET argument.

Owns the ``shell_complete`` callbacks of the click command: pygments style names for
``--style``, the config file's hosts for ``--host``, its target names and ``~/.ssh/config``'s
hosts (``ssh://HOST``) for TARGET, and for
``--port`` the ports where a debugger waits on this machine, found from kernel state only (a
connect is a quit to a waiting debugger: docs/protocol.md section 5). They run inside the user's
shell on every Tab, so each imports what it needs only when called, never prints (a warning on
stderr would garble the command line) and answers nothing rather than fail.

Must not import the engine or the REPL.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional

import click
from click.shell_completion import CompletionItem

from rpdb_client.config import DEFAULT_HOST, ConfigFile, load_config
from rpdb_client.environment import Environment
from rpdb_client.errors import ClientError
from rpdb_client.wire.addresses import host_port


def _config(ctx: click.Context) -> ConfigFile:
    """The config file as the command would read it (``--config`` if typed before the Tab)."""
    path: Optional[str] = ctx.params.get("config")
    env = ctx.find_object(Environment)  # run()'s; the environment is read here only if absent
    environ = env.environ if env is not None else os.environ
    try:
        return load_config(path, environ=environ)
    except ClientError:
        return ConfigFile()


def complete_style(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """``--style``: the pygments styles installed (plugins included)."""
    from rpdb_client.output.highlight import available_styles

    return [CompletionItem(name) for name in available_styles() if name.startswith(incomplete)]


def complete_host(
    ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """``--host``: the default, the config file's host and its targets' hosts."""
    config = _config(ctx)
    hosts: dict[str, str] = {DEFAULT_HOST: "default"}
    if "host" in config.values:
        hosts[config.values["host"]] = "config file"
    for name, target in sorted(config.targets.items()):
        if "host" in target:
            hosts.setdefault(target["host"], f"target {name}")
    return [CompletionItem(h, help=why) for h, why in hosts.items() if h.startswith(incomplete)]


def complete_port(
    ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """``--port``: where a debugger waits on this machine now, then the config's targets."""
    ports: dict[int, str] = {}
    try:
        from rpdb_client.host import find_debuggers

        for candidate in find_debuggers():
            process = candidate.process
            ports.setdefault(candidate.port, process.label if process else "debugger waiting")
    except Exception:
        pass  # no netlink, no /proc: the targets below are still worth offering
    for name, target in sorted(_config(ctx).targets.items()):
        if "port" in target:
            ports.setdefault(target["port"], f"target {name}")
    return [
        CompletionItem(str(port), help=why)
        for port, why in sorted(ports.items())
        if str(port).startswith(incomplete)
    ]


def complete_target(
    ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """TARGET: the names of the config file's ``[targets.NAME]`` tables, then ``ssh://HOST``
    for each ``Host`` of ``~/.ssh/config`` (its patterns left out)."""
    named = [
        CompletionItem(name, help=_where(target))
        for name, target in sorted(_config(ctx).targets.items())
        if name.startswith(incomplete)
    ]
    hosts = [f"ssh://{host}" for host in _ssh_hosts(ctx)]
    return named + [
        CompletionItem(url, help="ssh host") for url in hosts if url.startswith(incomplete)
    ]


def _ssh_hosts(ctx: click.Context) -> list[str]:
    env = ctx.find_object(Environment)
    home = (env.environ if env is not None else os.environ).get("HOME", "")
    try:
        with open(os.path.join(home, ".ssh", "config"), encoding="utf-8", errors="replace") as file:
            lines = file.read(1024 * 1024).splitlines()
    except OSError:
        return []
    hosts: set[str] = set()
    for line in lines:
        words = line.split()
        if len(words) > 1 and words[0].lower() == "host":
            hosts.update(word for word in words[1:] if not set(word) & set("*?!"))
    return sorted(hosts)


def _where(target: Mapping[str, Any]) -> str:
    if "via" in target:
        return f"via {target['via']}"
    if "group" in target:
        return "group: " + ", ".join(target["group"])
    host = target.get("host", "")
    port = target.get("port", "")
    return host_port(str(host), port) if host and port else str(host or port or "target")
