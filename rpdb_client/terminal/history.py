"""The REPL's input history: where it lives, what is kept, and failing softly.

Owns :class:`ReplHistory`, a prompt_toolkit ``History`` that keeps what the user typed in memory
and, unless ``--no-history``, in a private file: ``$XDG_STATE_HOME/rpdb-connect/history`` by
default (``~/.local/state/rpdb-connect/history``), created with mode 0600 in a directory created
with mode 0700, because typed lines can hold secrets from the debugged program; it is opened
under the rules of :mod:`rpdb_client.output.private_files` (no symlink followed, a file or
directory another user controls refused, an existing file readable by others tightened to 0600
and said once). A line starting
with a space is never kept (the shells' ``ignorespace`` habit, for a line with a secret in it) and
neither is a repeat of the line before it.

The file uses prompt_toolkit's ``FileHistory`` format (``# timestamp`` then ``+line`` per line of
the entry), so it stays readable by hand. A file that cannot be read or written, or that is not
in that format, gives one warning through the ``warn`` callable and the REPL goes on with a
history in memory only: the user's own file is never rewritten or truncated.

Imports prompt_toolkit's ``History`` base and the client's wording only; must not use the
session, the runner or the REPL.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Callable, Optional

from prompt_toolkit.history import History

from rpdb_client.config import Settings
from rpdb_client.engine import wording
from rpdb_client.output.private_files import PrivateFile, open_private

__all__ = ["MAX_ENTRIES", "ReplHistory", "default_history_path", "make_history", "parse_history"]

MAX_ENTRIES = 10_000
"""Entries loaded from the file, newest first: an old, huge file must not slow the start."""

_DIR_MODE = 0o700
_READ_LIMIT = 64 * 1024 * 1024  # a file bigger than this is not a history the client wrote


def default_history_path(env: Mapping[str, str]) -> Path:
    """``$XDG_STATE_HOME/rpdb-connect/history``, or under ``~/.local/state`` when unset.

    The XDG spec says a relative ``XDG_STATE_HOME`` is invalid and must be ignored.
    """
    state = env.get("XDG_STATE_HOME", "")
    if not state or not os.path.isabs(state):
        home = env.get("HOME") or os.path.expanduser("~")
        state = os.path.join(home, ".local", "state")
    return Path(state) / "rpdb-connect" / "history"


def make_history(
    settings: Settings, env: Mapping[str, str], warn: Callable[[str], None]
) -> ReplHistory:
    """The history ``settings`` ask for: ``--history-file``, the default file, or memory only."""
    if not settings.history:
        return ReplHistory(None, warn)
    if settings.history_file:
        return ReplHistory(Path(os.path.expanduser(settings.history_file)), warn)
    return ReplHistory(default_history_path(env), warn)


class ReplHistory(History):
    """What the user typed, newest last; see the module docstring.

    ``path`` None keeps the history in memory only (``--no-history``). ``warn`` receives the one
    warning given when the file cannot be used; the history then goes on in memory.
    """

    def __init__(self, path: Optional[Path], warn: Callable[[str], None]) -> None:
        super().__init__()
        self.path = path
        self._warn = warn
        self._initial: list[str] = []
        if path is not None:
            self._initial = self._read(path)

    # -- what prompt_toolkit asks ------------------------------------------------------------

    def load_history_strings(self) -> Iterable[str]:
        """Newest first, as prompt_toolkit expects (read once, in the constructor)."""
        return list(reversed(self._initial))

    def append_string(self, string: str) -> None:
        """Keep ``string`` unless it starts with a space or repeats the newest entry."""
        if not string or string.startswith(" "):
            return
        newest = self.get_strings()[-1:]
        if newest == [string]:
            return
        super().append_string(string)

    def store_string(self, string: str) -> None:
        if self.path is None:
            return
        stamp = datetime.datetime.now().isoformat(sep=" ", timespec="seconds")
        entry = f"\n# {stamp}\n" + "".join(f"+{line}\n" for line in string.split("\n"))
        try:
            self._append(self.path, entry.encode("utf-8", errors="replace"))
        except OSError as error:
            self._give_up(wording.cannot_write_history(self.path, _reason(error)))

    # -- the file ----------------------------------------------------------------------------

    def _read(self, path: Path) -> list[str]:
        try:
            opened = open_private(str(path), write=False)
        except FileNotFoundError:
            return []
        except OSError as error:
            self._give_up(wording.cannot_read_history(path, _reason(error)))
            return []
        self._said_tightened(path, opened)
        try:
            with os.fdopen(opened.fd, "rb") as file:
                data = file.read(_READ_LIMIT)
        except OSError as error:
            self._give_up(wording.cannot_read_history(path, _reason(error)))
            return []
        try:
            return parse_history(data)[-MAX_ENTRIES:]
        except ValueError as error:
            self._give_up(wording.not_a_history(path, error))
            return []

    def _append(self, path: Path, data: bytes) -> None:
        if not path.parent.is_dir():
            # Only the directories made here get 0700: a directory the user chose keeps its mode.
            os.makedirs(path.parent, mode=_DIR_MODE, exist_ok=True)
        opened = open_private(str(path), write=True)
        self._said_tightened(path, opened)
        try:
            os.write(opened.fd, data)
        finally:
            os.close(opened.fd)

    def _said_tightened(self, path: Path, opened: PrivateFile) -> None:
        if opened.tightened_from is not None:
            self._warn(wording.tightened(path, opened.tightened_from))

    def _give_up(self, message: str) -> None:
        """One warning, then a history in memory only for the rest of the run."""
        self.path = None
        self._warn(message + wording.HISTORY_IN_MEMORY)


def parse_history(data: bytes) -> list[str]:
    """The entries of a ``FileHistory`` file, oldest first; ValueError if it is not one."""
    if b"\x00" in data:
        raise ValueError("it holds NUL bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 at byte {error.start}") from None
    entries: list[str] = []
    lines: list[str] = []
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith("+"):
            lines.append(line[1:])
            continue
        if line and not line.startswith("#"):
            raise ValueError(f"line {number} is neither '+text' nor '# time'")
        if lines:
            entries.append("\n".join(lines))
            lines = []
    if lines:
        entries.append("\n".join(lines))
    return entries


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__
