"""host/input_encoding.py predicts what real interpreters decode, read from their /proc entries.

Each case starts a real process (this Python, or uWSGI's embedded interpreter) with an
environment, lets it print ``locale.getpreferredencoding(False)`` (what ``socket.makefile("rw")``
decodes with, so what rpdb, remote-pdb and celery's rdb decode with) and the encoding of
``sys.stdin`` (``interact``'s console), then compares with the prediction read from the running
process. The processes are bounded in time and killed by their PID.
"""

from __future__ import annotations

import codecs
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from rpdb_client.host.input_encoding import (
    InputEncoding,
    input_encoding_of,
    locale_codeset,
    predict_input_encoding,
)

REPORT = (
    "import locale, sys\n"
    "print('ENC', locale.getpreferredencoding(False), sys.stdin.encoding, flush=True)\n"
    "sys.stdin.buffer.read()\n"
)
BASE = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def _report_and_predict(
    command: list[str], env: dict[str, str]
) -> tuple[list[str], Optional[InputEncoding]]:
    process = subprocess.Popen(
        command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert process.stdout is not None
        line = b""
        for line in iter(process.stdout.readline, b""):  # uWSGI prints its banner first
            if line.startswith(b"ENC "):
                break
        assert line.startswith(b"ENC "), f"no report from {command}"
        prediction = input_encoding_of(process.pid)
    finally:
        process.kill()
        process.wait(timeout=10)
    return [codecs.lookup(name.decode()).name for name in line.split()[1:]], prediction


PYTHON_CASES = [
    ({"LANG": "C.UTF-8"}, "utf-8"),
    ({"LANG": "C"}, "utf-8"),  # PEP 538/540: python itself never stays in the C locale
    ({}, "utf-8"),
    ({"LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}, "ascii"),
    ({"LC_ALL": "C", "PYTHONUTF8": "0"}, "ascii"),
    ({"LC_ALL": "POSIX", "PYTHONUTF8": "1"}, "utf-8"),
    ({"LANG": "xx_NOWHERE.ISO-8859-1"}, "utf-8"),  # not on this host: C, then coerced
]


@pytest.mark.parametrize(("env", "expected"), PYTHON_CASES, ids=lambda value: str(value))
def test_python_executable(env: dict[str, str], expected: str) -> None:
    seen, prediction = _report_and_predict(
        [sys.executable, "-c", REPORT], {**BASE, "PYTHONIOENCODING": "", **env}
    )
    assert seen[0] == expected
    assert prediction is not None
    assert prediction.pdb == seen[0]
    assert prediction.console == seen[1]


def test_pythonioencoding_changes_only_the_console() -> None:
    seen, prediction = _report_and_predict(
        [sys.executable, "-c", REPORT], {**BASE, "LANG": "C.UTF-8", "PYTHONIOENCODING": "latin-1"}
    )
    assert seen == ["utf-8", "iso8859-1"]
    assert prediction is not None
    assert (prediction.pdb, prediction.console) == tuple(seen)


def _uwsgi() -> Optional[str]:
    found = shutil.which("uwsgi", path=str(Path(sys.executable).parent))
    return found or shutil.which("uwsgi")


@pytest.mark.parametrize(("lang", "expected"), [("C", "ascii"), ("C.UTF-8", "utf-8")])
def test_uwsgi_embedded_interpreter_keeps_the_c_locale(
    tmp_path: Path, lang: str, expected: str
) -> None:
    uwsgi = _uwsgi()
    if uwsgi is None:
        if os.environ.get("CI"):
            pytest.fail("uwsgi is a test dependency and must be installed")
        pytest.skip("uwsgi is not installed")
    script = tmp_path / "report.py"
    script.write_text(REPORT)
    seen, prediction = _report_and_predict(
        [uwsgi, "--pyrun", str(script)], {**BASE, "LANG": lang, "LC_ALL": ""}
    )
    assert seen[0] == expected
    assert prediction is not None
    assert prediction.pdb == expected
    assert prediction.ascii_only is (expected == "ascii")
    if expected == "ascii":
        assert "embedded interpreter (uwsgi)" in prediction.why


def test_another_users_process_is_unknown_not_an_error() -> None:
    assert input_encoding_of(1 << 30) is None  # no such process: nothing to read


def test_the_codeset_of_a_locale_this_host_lacks_is_unknown() -> None:
    assert locale_codeset("xx_NOWHERE.UTF-8") is None
    assert locale_codeset("C.UTF-8") == "utf-8"
    assert locale_codeset("POSIX") == "ascii"


def test_the_reason_names_the_setting() -> None:
    prediction = predict_input_encoding({"LC_CTYPE": "C", "LANG": "C.UTF-8"}, "uwsgi")
    assert prediction.ascii_only
    assert prediction.why == "LC_CTYPE=C in an embedded interpreter (uwsgi)"
