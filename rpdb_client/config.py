"""The client's settings: packaged defaults < config file < environment < command line.

Owns :class:`Settings`, the frozen record every other module reads its options from, and the
config file: where it lives, what keys it accepts (:data:`KEYS`), how a broken file is reported
(file, line and key; exit status 2), and how the layers are merged (:func:`build_settings`).
A config file may come from someone else (``--config`` given a path): only a regular file of at
most :data:`MAX_CONFIG_SIZE` is read (``/dev/zero`` or a FIFO is refused, never read or waited
on), every way parsing can fail (deep nesting, memory) is a usage error naming the file, and
unknown keys are warned about once in all, with a count.
The command line and the environment are read by click in ``rpdb_client.cli.command``; this module
only receives their values. Standard library only (tomllib, or tomli before Python 3.11).
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from rpdb_client.config_keys import COLOR_CHOICES, KEYS
from rpdb_client.errors import UsageError

__all__ = ["COLOR_CHOICES", "KEYS", "ConfigFile", "Settings", "build_settings", "load_config"]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4444
CONFIG_FILE_NAME = "config.toml"
DEFAULT_CONFIG_RESOURCE = "default_config.toml"
MAX_CONFIG_SIZE = 1024 * 1024
"""A config file is a few lines: a bigger one is refused before it is parsed."""
UNKNOWN_KEYS_SHOWN = 5


@dataclass(frozen=True)
class Settings:
    """Everything a run of the client is configured by."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    wait: bool = False
    count: Optional[int] = None
    commands: tuple[str, ...] = ()
    """Sent at the first prompt of every session: the config's ``on_connect``, then ``-c``."""
    connect_timeout: float = 5.0
    prompt_regex: tuple[str, ...] = ()
    # The REPL (stdin and stdout are terminals).
    vi: bool = False
    history: bool = True
    history_file: Optional[str] = None
    """None: ``$XDG_STATE_HOME/rpdb-connect/history`` (``~/.local/state/...``)."""
    color: str = "auto"
    style: str = "monokai"
    confirm_quit: bool = True
    bell: bool = True
    toolbar: bool = True
    pager: bool = True
    raw: bool = False
    """Pass the debugger's output to the terminal untouched (no escape-sequence filtering)."""
    # Finding debuggers and knowing who is behind them.
    list_debuggers: bool = False
    json: bool = False
    pick: bool = False
    any_port: bool = False
    pids: tuple[int, ...] = ()
    """``--pid``: with ``--any``, only debuggers of these processes (empty: of any process)."""
    timeout_hint: Optional[float] = None
    trust_owner: bool = False
    ascii: bool = False
    log_file: Optional[str] = None
    remote_completion: bool = True
    """Ask the debugger for the names in the frame when completing (a side query)."""
    # Where the debugged workers run, when not on this machine (docs/protocol.md section 8).
    places: tuple[str, ...] = ()
    """Each an ``ssh://[user@]host[:port]`` or a ``via`` command; empty: this machine."""
    via: Optional[str] = None
    """The ``via`` command of the run (``--via``, or a named target's), before ``places``."""
    ssh_command: Optional[str] = None
    """The ``ssh`` to run, with options (``ssh -F FILE``); None: ``ssh``."""
    remote_python: str = "python3"
    """The Python the helper runs on the far side (3.7 or newer)."""


# -- reading the file -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigFile:
    """What a config file says, checked: top-level values and named targets."""

    path: Optional[str] = None
    values: Mapping[str, Any] = field(default_factory=dict)
    targets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def default_config_path(environ: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/rpdb-connect/config.toml`` (``~/.config/...`` when unset)."""
    home = environ.get("HOME") or os.path.expanduser("~")
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    return Path(base) / "rpdb-connect" / CONFIG_FILE_NAME


def load_config(
    path: Optional[str] = None,
    *,
    environ: Mapping[str, str],
    warn: Callable[[str], None] = lambda _message: None,
) -> ConfigFile:
    """Read and check a config file; the default location may be missing, a given path not.

    ``environ`` is the run's environment (:class:`rpdb_client.environment.Environment`), which
    says where the default location is.

    Raises :class:`UsageError` naming the file, the line and the key of the first problem.
    Unknown keys are reported through ``warn`` and ignored.
    """
    file = Path(path) if path is not None else default_config_path(environ)
    try:
        text = _read_text(file)
    except FileNotFoundError:
        if path is None:
            return ConfigFile()
        raise UsageError(f"config file {file}: not found") from None
    except OSError as error:
        raise UsageError(f"config file {file}: cannot be read: {error.strerror}") from None
    try:
        data = tomllib.loads(text)
        return _check_file(str(file), text, data, warn)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(_syntax_error(str(file), text, error)) from None
    except RecursionError:
        raise UsageError(f"config file {file}: not valid TOML: nested too deeply") from None
    except MemoryError:
        raise UsageError(f"config file {file}: not valid TOML: too big to parse") from None


def _read_text(file: Path) -> str:
    """The file's text; OSError (``strerror`` saying why) if it is not a small regular file."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
    fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as opened:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        data = opened.read(MAX_CONFIG_SIZE + 1)
    if len(data) > MAX_CONFIG_SIZE:
        raise OSError(0, f"larger than {MAX_CONFIG_SIZE // 1024 // 1024} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise OSError(0, f"not UTF-8 at byte {error.start}") from None


def _syntax_error(name: str, text: str, error: Exception) -> str:
    detail = str(error)
    found = re.search(r"at line (\d+)", detail)
    if not found:
        return f"{name}: not valid TOML: {detail}"
    number = int(found.group(1))
    lines = text.splitlines()
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    key = re.match(r"\s*([\w.\"'-]+)\s*=", line)
    where = f" {key.group(1)}:" if key else ""
    return f"{name}:{number}:{where} not valid TOML: {detail}"


def _check_file(
    name: str, text: str, data: dict[str, Any], warn: Callable[[str], None]
) -> ConfigFile:
    unknown: list[tuple[tuple[str, ...], str]] = []

    def problem(table: tuple[str, ...], key: str, message: str) -> tuple[int, str]:
        line = _line_of(text, table, key)
        where = f"{name}{f':{line}' if line else ''}"
        return line or 0, f"{where}: {'.'.join((*table, key))}: {message}"

    def check_table(table: tuple[str, ...], values: dict[str, Any]) -> dict[str, Any]:
        checked: dict[str, Any] = {}
        for key, value in values.items():
            check = KEYS.get(key)
            if check is None:
                unknown.append((table, key))  # described later, only the few shown
                continue
            try:
                checked[key] = check(value)
            except ValueError as error:
                raise UsageError(problem(table, key, f"{error}, got {_show(value)}")[1]) from None
        return checked

    raw_targets = data.pop("targets", {})
    values = check_table((), data)
    targets: dict[str, dict[str, Any]] = {}
    if not isinstance(raw_targets, dict):
        raise UsageError(problem((), "targets", "expected tables: [targets.NAME]")[1])
    for target, table in raw_targets.items():
        if not isinstance(table, dict):
            raise UsageError(problem(("targets",), target, "expected a table of settings")[1])
        if target.startswith("-"):
            raise UsageError(problem(("targets",), target, "a name must not start with -")[1])
        targets[target] = check_table(("targets", target), table)
    if unknown:
        warn(_unknown_keys(name, text, unknown))
    return ConfigFile(name, values, targets)


def _unknown_keys(name: str, text: str, unknown: list[tuple[tuple[str, ...], str]]) -> str:
    """One warning for all of them: 20,000 keys must not be 20,000 lines (nor take seconds)."""
    if len(unknown) == 1:
        table, key = unknown[0]
        line = _line_of(text, table, key)
        return (
            f"{name}{f':{line}' if line else ''}: {'.'.join((*table, key))}: unknown key, ignored"
            + _did_you_mean(key)
        )
    first = sorted(
        (_line_of(text, table, key) or 0, table, key) for table, key in unknown[:UNKNOWN_KEYS_SHOWN]
    )  # in the order of the file, whichever table they are in
    shown = []
    for line, table, key in first:
        where = f"line {line}: " if line else ""
        shown.append(f"  {where}{'.'.join((*table, key))}{_did_you_mean(key)}")
    more = len(unknown) - len(shown)
    if more:
        shown.append(f"  and {more} more")
    keys = "1 unknown key" if len(unknown) == 1 else f"{len(unknown)} unknown keys"
    return f"{name}: {keys}, ignored:\n" + "\n".join(shown)


def _did_you_mean(key: str) -> str:
    close = difflib.get_close_matches(key, [*KEYS, "targets"], n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


_TABLE = re.compile(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")


def _line_of(text: str, table: tuple[str, ...], key: str) -> Optional[int]:
    """The line where ``key`` is set inside ``[table]`` (a best effort: plain TOML layouts)."""
    current: tuple[str, ...] = ()
    key_line = re.compile(r"\s*(?:\"|')?" + re.escape(key) + r"(?:\"|')?\s*=")
    header_of_key = (*table, key)
    for number, line in enumerate(text.splitlines(), 1):
        header = _TABLE.match(line)
        if header:
            current = tuple(part.strip().strip("\"'") for part in header.group(1).split("."))
            if current == header_of_key:
                return number  # the key is itself a table: [targets.NAME] or a stray [x]
            continue
        if current == table and key_line.match(line):
            return number
    return None


# -- merging the layers -----------------------------------------------------------------------


def build_settings(
    *,
    config: ConfigFile = ConfigFile(),
    environment: Mapping[str, Any] = {},
    target: Optional[str] = None,
    command_line: Mapping[str, Any] = {},
    commands: tuple[str, ...] = (),
    targets: tuple[str, ...] = (),
) -> Settings:
    """The settings of a run: defaults < config file < environment < target < command line.

    ``environment`` and ``command_line`` map :class:`Settings` field names to the values click
    read from ``RPDB_CONNECT_*`` and from the options (only those given). A target named on the
    command line is a choice made there, so its keys beat the environment; options typed next
    to it beat the target. ``commands`` are the ``-c`` ones; they follow ``on_connect``.
    """
    values: dict[str, Any] = dict(config.values)
    values.update(environment)
    words = (target,) if target is not None else targets
    places: list[str] = []
    for word in words:
        if word.startswith(SSH_SCHEME):
            places.append(word)
        elif word not in config.targets:
            raise UsageError(_unknown_target(word, config))
        elif len(words) == 1 and "group" not in config.targets[word]:
            values.update(config.targets[word])  # one named target: every key of it applies
        else:
            places += _places_of(word, config, ())
    values.update(command_line)
    values.pop("group", None)
    on_connect = tuple(values.pop("on_connect", ()))
    if places and "via" in command_line:
        raise UsageError("--via and ssh:// targets name two places: give one of them")
    if not places and values.get("via"):
        places.append(values["via"])
    return Settings(**values, commands=on_connect + commands, places=tuple(places))


SSH_SCHEME = "ssh://"
_GROUP_DEPTH = 8


def _places_of(name: str, config: ConfigFile, within: tuple[str, ...]) -> list[str]:
    """Where a named target is: its ``via``, or the places of each target of its ``group``."""
    if name.startswith(SSH_SCHEME):
        return [name]
    if name not in config.targets:
        raise UsageError(_unknown_target(name, config))
    if name in within or len(within) > _GROUP_DEPTH:
        raise UsageError(f"target {name!r} is a group that contains itself")
    table = config.targets[name]
    if "group" in table:
        return [
            place
            for member in table["group"]
            for place in _places_of(member, config, (*within, name))
        ]
    if "via" not in table:
        raise UsageError(
            f"target {name!r} names no other machine (no via), so it cannot be one of several",
            'Give it via = "ssh HOST", or name it alone.',
        )
    return [table["via"]]


def _unknown_target(target: str, config: ConfigFile) -> str:
    if config.path is None:
        return f"unknown target {target!r}: no config file (targets are [targets.NAME] tables)"
    names = ", ".join(sorted(config.targets)) or "none"
    return f"unknown target {target!r}: {config.path} defines {names}"
