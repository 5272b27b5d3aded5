"""The keys of the config file and the check of each value (docs: default_config.toml).

Owns :data:`KEYS`: every key a config file (top level or a ``[targets.NAME]``) may set, with
the check that turns its TOML value into the value used, or raises ``ValueError`` saying what
was expected; :mod:`rpdb_client.config` names the file, line and key around it. Standard
library only.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any, Callable

COLOR_CHOICES = ("auto", "always", "never")


Check = Callable[[Any], Any]
"""Returns the value to use, or raises ValueError with what was expected."""


def _is_number(value: Any) -> bool:
    # TOML booleans are ints to Python: `port = true` must not pass as 1.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected a non-empty string")
    return value


def _path(value: Any) -> str:
    # The shell expands ~ on the command line; a config file has no shell in between.
    return os.path.expanduser(_text(value))


def _port(value: Any) -> int:
    if not _is_number(value) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError("expected an integer from 1 to 65535")
    return value


def _seconds(minimum: float) -> Check:
    def check(value: Any) -> float:
        # inf and nan compare as no limit at all: the toolbar's countdown cannot show them.
        if not _is_number(value) or not math.isfinite(value) or value < minimum:
            raise ValueError(f"expected a finite number of seconds, at least {minimum:g}")
        return float(value)

    return check


def _color(value: Any) -> str:
    if value not in COLOR_CHOICES:
        raise ValueError("expected one of " + ", ".join(f'"{c}"' for c in COLOR_CHOICES))
    return str(value)


def _lines(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("expected a list of strings")
    for item in value:
        # Each is sent as one pdb line: a line break inside would be two commands.
        if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", item):
            raise ValueError(f"{item!r} holds a line break or control character")
    return tuple(value)


def _regexes(value: Any) -> tuple[str, ...]:
    found = _lines(value)
    for item in found:
        try:
            re.compile(item)
        except re.error as error:
            raise ValueError(f"{item!r} is not a regular expression: {error}") from None
    return found


def _places(value: Any) -> tuple[str, ...]:
    found = _lines(value)
    if not found:
        raise ValueError("expected a list of target names or ssh:// URLs")
    return found


KEYS: dict[str, Check] = {
    "host": _text,
    "port": _port,
    "wait": _boolean,
    "connect_timeout": _seconds(0.1),
    "prompt_regex": _regexes,
    "on_connect": _lines,
    "vi": _boolean,
    "history": _boolean,
    "history_file": _path,
    "color": _color,
    "style": _text,
    "confirm_quit": _boolean,
    "bell": _boolean,
    "toolbar": _boolean,
    "pager": _boolean,
    "raw": _boolean,
    "remote_completion": _boolean,
    "ascii": _boolean,
    "trust_owner": _boolean,
    "timeout_hint": _seconds(0.001),
    "log_file": _path,
    "via": _text,
    "ssh_command": _text,
    "remote_python": _text,
    "group": _places,
}
"""The keys of the config file (top level and each ``[targets.NAME]``), with their checks.

All but ``on_connect`` and ``group`` (a target made of other targets, for ``--list`` and
``--wait --any`` over a fleet) are :class:`Settings` fields of the same name. The environment
(``RPDB_CONNECT_*``) sets the same options, except the two lists.
"""
