"""How long a web server lets a debugged worker live: uWSGI harakiri, gunicorn ``--timeout``.

Owns finding the limit that will kill a debugging session (docs/protocol.md section 6) from the
worker's and its master's command lines, environment and config files (``--ini``, gunicorn's
``-c``). Unreadable files and private ``/proc`` entries count as unset, never as errors.
Standard library only, Python 3.7 or newer, no import from the rest of the package; never
connects, never prints (see :mod:`rpdb_client.host`).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from .processes import ProcessInfo, describe_process, host_kind, read_text, readlink

if TYPE_CHECKING:  # typing.Literal is 3.8+; annotations are not evaluated at run time
    from typing import Literal

_GUNICORN_CONF_TIMEOUT = re.compile(r"^timeout\s*=\s*([0-9.]+)\s*(?:#.*)?$", re.MULTILINE)


@dataclass(frozen=True)
class WorkerTimeout:
    """A server-side limit that kills the debugged worker ``seconds`` after a request began."""

    seconds: float
    source: str
    kind: Literal["harakiri", "gunicorn-timeout", "given"]


def _options(argv: Iterable[str], names: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """(key, spelling, value) for each option of ``names`` (spelling -> key) in ``argv``, in
    order: ``--opt value``, ``--opt=value``, ``-tVALUE``. Other words come as ``("", w, w)`` so a
    caller can spot positional config files."""
    args = iter(argv)
    for arg in args:
        long_name, equals, attached = arg.partition("=")
        if arg in names:
            yield names[arg], arg, next(args, "")
        elif equals and long_name in names and long_name.startswith("--"):
            yield names[long_name], long_name, attached
        elif arg[:2] in names and len(arg) > 2 and not arg.startswith("--"):
            yield names[arg[:2]], arg[:2], arg[2:]
        elif not arg.startswith("-"):
            yield "", arg, arg


def _seconds(value: Optional[str]) -> Optional[float]:
    try:
        seconds = float((value or "").strip())
    except ValueError:  # also an ini placeholder such as %(timeout)
        return None
    return seconds if seconds >= 0 else None


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # unbalanced quotes
        return text.split()


def _environ(pid: int, name: str) -> str:
    pairs = (item.partition("=") for item in (read_text(f"/proc/{pid}/environ") or "").split("\0"))
    return next((value for key, _, value in pairs if key == name), "")


def _config_text(path: str, pids: Iterable[int]) -> Optional[str]:
    """A config file named on a command line, relative to the cwd of the first of ``pids`` whose
    cwd we may read (the worker, then its master: both started in the same directory)."""
    cwd = next((cwd for cwd in (readlink(f"/proc/{pid}/cwd") for pid in pids) if cwd), "")
    return read_text(os.path.join(cwd, path)) if cwd or os.path.isabs(path) else None


def _ini_harakiri(spec: str, pids: list[int]) -> Optional[float]:
    """``harakiri`` from the ``[uwsgi]`` section (or ``--ini file:section``); last one wins."""
    path, section = spec.rsplit(":", 1) if ":" in spec and not spec.endswith(".ini") else (spec, "")
    value, current = None, ""
    for raw in (_config_text(path, pids) or "").splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
        elif current == (section or "uwsgi") and line.partition("=")[0].strip() == "harakiri":
            value = line.partition("=")[2]
    return _seconds(value)


def _uwsgi_timeout(procs: list[ProcessInfo]) -> Optional[WorkerTimeout]:
    pids = [proc.pid for proc in procs]
    names = {"--harakiri": "harakiri", "-t": "harakiri", "--ini": "ini"}
    for proc in procs:
        found: Optional[WorkerTimeout] = None
        # uWSGI applies its options in command-line order: the last one wins.
        for key, spelling, value in _options(proc.argv[1:], names):
            seconds, source = None, f"uwsgi ini file {value}"
            if key == "harakiri":
                seconds, source = _seconds(value), f"uwsgi {spelling}"
            elif key == "ini" or (not key and value.endswith(".ini")):  # uwsgi app.ini works too
                seconds = _ini_harakiri(value, pids)
            if seconds is not None:
                found = WorkerTimeout(seconds, source, "harakiri")
        if found is not None:
            return found if found.seconds > 0 else None  # harakiri 0 means off
    seconds = _seconds(_environ(pids[-1], "UWSGI_HARAKIRI"))
    return WorkerTimeout(seconds, "uwsgi UWSGI_HARAKIRI", "harakiri") if seconds else None


def _gunicorn_timeout(procs: list[ProcessInfo]) -> Optional[WorkerTimeout]:
    pids = [proc.pid for proc in procs]
    names = {"--timeout": "timeout", "-t": "timeout", "--config": "config", "-c": "config"}
    found: Optional[WorkerTimeout] = None
    for proc in procs:
        config = "gunicorn.conf.py"  # gunicorn reads it from its cwd when no --config is given
        # gunicorn's precedence: command line over GUNICORN_CMD_ARGS over the config file.
        env = _split(_environ(proc.pid, "GUNICORN_CMD_ARGS"))
        for origin, argv in (("GUNICORN_CMD_ARGS", env), ("gunicorn", list(proc.argv[1:]))):
            for key, spelling, value in _options(argv, names):
                seconds = _seconds(value) if key == "timeout" else None
                if seconds is not None:
                    found = WorkerTimeout(seconds, f"{origin} {spelling}", "gunicorn-timeout")
                elif key == "config" and not value.startswith("python:"):
                    config = value
        match = _GUNICORN_CONF_TIMEOUT.search(_config_text(config, pids) or "")
        if found is None and match and _seconds(match.group(1)) is not None:
            found = WorkerTimeout(
                float(match.group(1)), f"gunicorn config file {config}", "gunicorn-timeout"
            )
        if found is not None:
            return found if found.seconds > 0 else None  # --timeout 0 means off
    # With setproctitle the command line is gone; the default is then only a guess.
    hidden = all("gunicorn: " in proc.argv[0] for proc in procs if proc.argv)
    source = "gunicorn default (command line hidden by its title)" if hidden else "gunicorn default"
    return WorkerTimeout(30.0, source, "gunicorn-timeout")


def find_worker_timeout(info: ProcessInfo) -> Optional[WorkerTimeout]:
    """The uWSGI harakiri or gunicorn timeout that will kill this process mid-session, if any.

    Reads the process and then its parent (the master, which has the same command line unless a
    process title replaced it). Unreadable files and private ``/proc`` entries count as unset.
    """
    kind = host_kind(info.name, info.argv)
    if kind not in ("uwsgi", "gunicorn"):
        return None
    procs = [info]
    try:
        parent = describe_process(info.parent_pid) if info.parent_pid else None
    except ProcessLookupError:
        parent = None
    if parent is not None and host_kind(parent.name, parent.argv) == kind:
        procs.append(parent)
    return _uwsgi_timeout(procs) if kind == "uwsgi" else _gunicorn_timeout(procs)
