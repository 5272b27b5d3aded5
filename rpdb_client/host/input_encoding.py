"""How a debugged process will decode what the client sends it, read from ``/proc`` beforehand.

Owns the prediction behind the automatic ``--ascii`` (docs/protocol.md section 3): rpdb,
remote-pdb and celery's rdb read the socket through ``socket.makefile("rw")``, a text file in the
*locale's* encoding, decoded strictly; one byte it cannot decode kills the program. That encoding
follows from the process's environment (``/proc/PID/environ``, readable by its own user and root)
and from what runs Python:

* ``PYTHONUTF8=1`` gives UTF-8; ``PYTHONUTF8=0`` turns the automatic UTF-8 mode off.
* The locale is the first set of ``LC_ALL``, ``LC_CTYPE`` and ``LANG`` (none: ``C``); a locale that
  this host's C library does not have also leaves ``C``.
* The ``python`` executable (PEP 538 and 540, Python 3.7 on) never stays in the C locale: it
  coerces it to ``C.UTF-8`` or enters UTF-8 mode. An interpreter embedded in another program
  (uWSGI, mod_wsgi) does neither: with ``LANG=C`` it decodes ASCII.

``interact``'s ``>>>`` console reads ``sys.stdin`` instead, where ``PYTHONIOENCODING`` comes first.

Standard library only, Python 3.7 or newer, imports nothing else of the package; it reads files and
never connects. What cannot be read (another user's process) is ``None``: unknown, not an error.
"""

from __future__ import annotations

import codecs
import locale
import os
import re
import threading
from dataclasses import dataclass
from typing import Mapping, Optional

__all__ = [
    "InputEncoding",
    "input_encoding_of",
    "locale_codeset",
    "predict_input_encoding",
    "read_environ",
]

_PYTHON_EXE = re.compile(r"^(python|pypy)[0-9.]*[a-z]?$", re.IGNORECASE)
_C_LOCALES = frozenset({"C", "POSIX"})
# setlocale() changes the whole process: one caller at a time, and always restored.
_LOCALE_LOCK = threading.Lock()


@dataclass(frozen=True)
class InputEncoding:
    """What the debugged process decodes: at pdb's prompt and at ``interact``'s ``>>>``."""

    pdb: str
    """The codec's canonical name (``utf-8``, ``ascii``, ``iso8859-1``)."""
    console: str
    why: str
    """In the user's words: ``LANG=C in an embedded interpreter (uwsgi)``."""

    @property
    def ascii_only(self) -> bool:
        return self.pdb == "ascii"


def read_environ(pid: int) -> Optional[dict[str, str]]:
    """The environment ``pid`` started with, or None when it is not ours to read."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as file:
            raw = file.read()
    except OSError:
        return None
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {
        key.decode("utf-8", "replace"): value.decode("utf-8", "replace") for key, value in pairs
    }


def _executable(pid: int) -> Optional[str]:
    try:
        return os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return None


def _canonical(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding.lower()


def locale_codeset(name: str) -> Optional[str]:
    """The codeset this host's C library gives the locale ``name``; None if it lacks the locale."""
    if name in _C_LOCALES:
        return "ascii"
    with _LOCALE_LOCK:
        saved = locale.setlocale(locale.LC_CTYPE)
        try:
            locale.setlocale(locale.LC_CTYPE, name)
            return _canonical(locale.nl_langinfo(locale.CODESET))
        except (locale.Error, ValueError):
            return None
        finally:
            locale.setlocale(locale.LC_CTYPE, saved)


def _locale_name(environ: Mapping[str, str]) -> tuple[str, str]:
    for variable in ("LC_ALL", "LC_CTYPE", "LANG"):
        if environ.get(variable):
            return variable, environ[variable]
    return "", "C"


def predict_input_encoding(environ: Mapping[str, str], executable: Optional[str]) -> InputEncoding:
    """The encodings a process with this environment and executable decodes its input with."""
    variable, name = _locale_name(environ)
    setting = f"{variable}={name}" if variable else "no locale set"
    embedded = executable is not None and not _PYTHON_EXE.match(executable)
    codeset = locale_codeset(name)
    if environ.get("PYTHONUTF8") == "1":
        pdb, why = "utf-8", "PYTHONUTF8=1"
    elif codeset is None or codeset == "ascii":
        stays_c = embedded or (
            environ.get("PYTHONUTF8") == "0"
            and (environ.get("PYTHONCOERCECLOCALE") == "0" or variable == "LC_ALL")
        )
        shown = setting if codeset is not None else f"{setting} (not on this host: C)"
        if stays_c:
            where = f"an embedded interpreter ({executable})" if embedded else "python"
            pdb, why = "ascii", f"{shown} in {where}"
        else:
            pdb, why = "utf-8", f"{shown}, which python turns into UTF-8"
    else:
        pdb, why = codeset, setting
    forced = environ.get("PYTHONIOENCODING", "").split(":", 1)[0]
    console = _canonical(forced) if forced else pdb
    return InputEncoding(pdb, console, why)


def input_encoding_of(pid: int) -> Optional[InputEncoding]:
    """The prediction for a running process, or None when its environment cannot be read."""
    environ = read_environ(pid)
    if environ is None:
        return None
    return predict_input_encoding(environ, _executable(pid))
