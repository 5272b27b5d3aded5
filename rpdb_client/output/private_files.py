"""The files the client writes for the user alone: the REPL's history and the ``:log`` transcript.

Owns how such a file is opened, and when it is refused. Both hold what was typed and printed
(passwords, tokens, request data), and both may sit where another user can plant things (a shared
``XDG_STATE_HOME``, a ``--log`` path in ``/tmp``). The rules, after OpenSSH's StrictModes:

* the last component is opened with ``O_NOFOLLOW`` (a planted symlink is refused, never followed)
  and ``O_NONBLOCK`` (a planted FIFO cannot hang the client); a new file is created 0600;
* the file must be a regular file owned by the user, with no other hard link, and not writable by
  group or others (someone else could have written into it);
* no directory on its way may be writable by another user, unless it has the sticky bit (as
  ``/tmp``): its owner must be the user or root, and it must not be group or world writable;
  a symlink on the way must belong to the user or root;
* a file that is merely readable by others (0644) is tightened to 0600, and the caller says so.

A refusal is a :class:`RefusedFile`, an ``OSError`` whose ``strerror`` says why: the callers
already turn an ``OSError`` into one message and go on without the file. Standard library only.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from typing import Optional

__all__ = ["FILE_MODE", "PrivateFile", "RefusedFile", "open_private"]

FILE_MODE = 0o600
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH
_OTHERS_ANY = stat.S_IRWXG | stat.S_IRWXO


class RefusedFile(OSError):
    """A file or directory another user could control: not used."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(errno.EPERM, why, path)


@dataclass(frozen=True)
class PrivateFile:
    """An open file descriptor, and the mode it had when it was wider than 0600 (then fixed)."""

    fd: int
    tightened_from: Optional[int]


def open_private(path: str, *, write: bool) -> PrivateFile:
    """Open ``path`` for appending (created 0600) or reading, under the module's rules.

    Raises :class:`RefusedFile` (or another ``OSError``, ``FileNotFoundError`` when reading a
    missing file) without having read or written a byte.
    """
    path = os.path.abspath(path)
    _check_directories(os.path.dirname(path))
    flags = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    flags |= (os.O_WRONLY | os.O_APPEND | os.O_CREAT) if write else os.O_RDONLY
    try:
        fd = os.open(path, flags, FILE_MODE)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise RefusedFile(path, "it is a symbolic link (not followed)") from None
        if error.errno == errno.ENXIO:
            raise RefusedFile(path, "it is not a regular file") from None
        raise
    try:
        return PrivateFile(fd, _check_file(path, fd))
    except BaseException:
        os.close(fd)
        raise


def _check_file(path: str, fd: int) -> Optional[int]:
    info = os.fstat(fd)
    mode = stat.S_IMODE(info.st_mode)
    if not stat.S_ISREG(info.st_mode):
        raise RefusedFile(path, "it is not a regular file")
    if info.st_uid != os.geteuid():
        raise RefusedFile(path, f"it belongs to another user (uid {info.st_uid})")
    if info.st_nlink > 1:
        raise RefusedFile(path, "it has other hard links")
    if mode & _OTHERS_WRITE:
        raise RefusedFile(path, f"other users may write to it (mode {mode:04o})")
    if mode & _OTHERS_ANY:
        os.fchmod(fd, FILE_MODE)
        return mode
    return None


def _check_directories(directory: str) -> None:
    """Every directory from ``directory`` up to ``/``, as written and as resolved."""
    me = os.geteuid()
    seen: set[str] = set()
    for start in (directory, os.path.realpath(directory)):
        current = start
        while current not in seen:
            seen.add(current)
            _check_directory(current, me)
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent


def _check_directory(directory: str, me: int) -> None:
    try:
        link = os.lstat(directory)
    except FileNotFoundError:
        return  # not there yet: the caller creates it (0700) or the open fails
    if stat.S_ISLNK(link.st_mode) and link.st_uid not in (me, 0):
        raise RefusedFile(directory, f"{directory} is another user's symlink (uid {link.st_uid})")
    info = os.stat(directory)
    if info.st_uid not in (me, 0):
        raise RefusedFile(directory, f"{directory} belongs to another user (uid {info.st_uid})")
    if info.st_mode & _OTHERS_WRITE and not info.st_mode & stat.S_ISVTX:
        # Without the sticky bit (as /tmp has) another user may rename or replace our file.
        mode = stat.S_IMODE(info.st_mode)
        raise RefusedFile(directory, f"other users may write to {directory} (mode {mode:04o})")
