"""``--ascii`` inside every kind of string literal: the escaped line means the same string.

The unit tests evaluate the line before and after; the last one sends raw and formatted
literals to a real rpdb started with ``LANG=C`` (it decodes ASCII) and reads the program's
record.
"""

from __future__ import annotations

import warnings
from typing import Callable

import pytest
from debuggee import Debuggee, run_client

from rpdb_client.wire.asciify import to_ascii
from rpdb_client.wire.connection import UnsendableLine

Start = Callable[..., Debuggee]

SPELT = [
    r"R'\d café'",
    r"rf'{x}\w é'",
    r"'été'",
    r"f'{x} é {{é}}'",
    r"r'\é'",
    r"'\é'",  # no escape: a backslash and é, before and after
    r"r'''a é\\é'''",
    r'FR"{x!r:>5} é"',
    r"'a' 'ß\\'",
    r"r'\\\é'",
    r"U'😀'",
    r"(rb'x', r'é')",
]


@pytest.mark.parametrize("literal", SPELT)
def test_every_kind_of_literal_keeps_its_string(literal: str) -> None:
    spelt = to_ascii(literal)
    assert spelt.isascii()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # '\é' is an invalid escape, kept as it is
        assert eval(spelt, {"x": 7}) == eval(literal, {"x": 7})


@pytest.mark.parametrize("line", ["café = 1", "p x  # é", "b'é'", "f'{\"é\"}'"])
def test_non_ascii_outside_what_can_be_spelt_is_refused(line: str) -> None:
    with pytest.raises(UnsendableLine):
        to_ascii(line)


def test_raw_and_formatted_literals_reach_an_ascii_server(debuggee: Start) -> None:
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    program = debuggee("rpdb", "simple", env=env)
    script = "word = R'\\d café' + rf'{x}\\w é'\nc\n"
    result = run_client("--port", str(program.port), "--ascii", stdin=script)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert record["error"] is None and record["reached_end"], record
    assert record["values"]["word"] == "\\d café1\\w é"
    assert "not sent" not in result.stderr
