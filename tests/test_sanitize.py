"""Terminal safety: hostile sequences are shown, never executed; colour passes; chunking is moot."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rpdb_client.output.sanitize import MAX_SEQUENCE, Sanitizer, make_safe

_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def assert_terminal_safe(text: str) -> None:
    """Nothing but colour may reach the terminal: no control character outside an SGR."""
    leftover = _CONTROL.search(_SGR.sub("", text))
    assert leftover is None, f"control {leftover.group()!r} survives in {text!r}"


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        pytest.param("\x1b]0;pwned\x07", "^[]0;pwned^G", id="window-title-bel"),
        pytest.param("\x1b]2;pwned\x1b\\", "^[]2;pwned^[\\", id="window-title-st"),
        pytest.param("\x1b]52;c;cm0gLXJmIH4=\x07", "^[]52;c;cm0gLXJmIH4=^G", id="osc52-clipboard"),
        pytest.param(
            "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
            "^[]8;;https://evil.example^[\\click^[]8;;^[\\",
            id="osc8-hyperlink",
        ),
        pytest.param("\x1b[2J", "^[[2J", id="clear-screen"),
        pytest.param("\x1b[H", "^[[H", id="cursor-home"),
        pytest.param("\x1b[3A\x1b[10;5H\x1b[K", "^[[3A^[[10;5H^[[K", id="cursor-movement"),
        pytest.param("\x1b[?25l", "^[[?25l", id="hide-cursor"),
        pytest.param("\x1b[>4;2m", "^[[>4;2m", id="modify-other-keys-looks-like-sgr"),
        pytest.param("\x1bP$qm\x1b\\", "^[P$qm^[\\", id="dcs"),
        pytest.param("\x1b_payload\x1b\\", "^[_payload^[\\", id="apc"),
        pytest.param("\x1b^privacy\x1b\\", "^[^privacy^[\\", id="pm"),
        pytest.param("\x1bXstart\x1b\\", "^[Xstart^[\\", id="sos"),
        pytest.param("\x9b2J", "^[[2J", id="c1-csi"),
        pytest.param("\x9d0;pwned\x9c", "^[]0;pwned^[\\", id="c1-osc-st"),
        pytest.param("\x85\x90", "^[E^[P", id="c1-nel-dcs"),
        pytest.param("ding\x07", "ding^G", id="bel"),
        pytest.param("secret\x08\x08\x08\x08\x08\x08public", "secret^H^H^H^H^H^Hpublic", id="bs"),
        pytest.param("password: hunter2\rpassword: *******", None, id="lone-cr"),
        pytest.param("\x1bc", "^[c", id="full-reset"),
        pytest.param("\x1b7\x1b8", "^[7^[8", id="save-restore-cursor"),
        pytest.param("tail\x1b", "tail^[", id="lone-esc"),
        pytest.param("\x00\x7f\x1f", "^@^?^_", id="nul-del-unit-separator"),
        pytest.param("caf\xe9 \x1b[2J \u20ac", "caf\xe9 ^[[2J \u20ac", id="non-ascii-around"),
    ],
)
def test_hostile_sequences_are_shown_not_executed(hostile: str, shown: str | None) -> None:
    out = make_safe(hostile)
    assert_terminal_safe(out)
    if shown is None:
        assert out == hostile.replace("\r", "^M")
    else:
        assert out == shown


@pytest.mark.parametrize(
    "colour",
    ["\x1b[31m", "\x1b[0m", "\x1b[m", "\x1b[1;38;5;208m", "\x1b[38;2;255;0;0m", "\x1b[4:3m"],
)
def test_colour_passes(colour: str) -> None:
    text = f"a {colour}coloured\x1b[0m word\n"
    assert make_safe(text) == text


def test_newline_tab_and_printable_text_pass_unchanged() -> None:
    text = "x\ty = 1\n  caf\xe9 \u00a0\u200b \U0001f600 \u4e2d\u6587\n"
    assert make_safe(text) == text


def test_clean_text_is_returned_as_is() -> None:
    text = "nothing to see here\n" * 100
    assert make_safe(text) is text


def test_colour_longer_than_the_bound_is_data() -> None:
    long_sgr = "\x1b[" + "1" * MAX_SEQUENCE + "m"
    assert make_safe(long_sgr).startswith("^[[")
    at_bound = "\x1b[" + "1" * (MAX_SEQUENCE - 3) + "m"
    assert make_safe(at_bound) == at_bound


@pytest.mark.parametrize("kind", ["ascii", "latin-1", "emoji"])
def test_twenty_megabytes_of_ordinary_text_is_fast(kind: str) -> None:
    word = {"ascii": "hello", "latin-1": "h\xe9llo", "emoji": "h\U0001f600llo"}[kind]
    text = f"{word} world, ordinary output: x = 12\tdone\n" * (20_000_000 // 40)
    start = time.perf_counter()
    out = make_safe(text)
    elapsed = time.perf_counter() - start
    assert out is text
    # Measured 10 ms (ASCII) and 40 ms (other) on the development machine; slack for CI.
    assert elapsed < 0.25


def test_sanitizer_holds_a_split_colour_until_it_completes() -> None:
    sanitizer = Sanitizer()
    assert sanitizer.feed("red: \x1b[3") == "red: "
    assert sanitizer.feed("1mtext") == "\x1b[31mtext"


def test_sanitizer_shows_a_split_non_colour_once_known() -> None:
    sanitizer = Sanitizer()
    assert sanitizer.feed("x\x1b[") == "x"
    assert sanitizer.feed("2J") == "^[[2J"


def test_sanitizer_flush_shows_what_it_held() -> None:
    sanitizer = Sanitizer()
    assert sanitizer.feed("end\x1b[1;3") == "end"
    assert sanitizer.flush() == "^[[1;3"
    assert sanitizer.flush() == ""


def test_sanitizer_holds_at_most_max_sequence() -> None:
    sanitizer = Sanitizer()
    assert sanitizer.feed("\x1b[" + "1" * (MAX_SEQUENCE - 3)) == ""
    # One more parameter and it can no longer be a colour: everything comes out, as data.
    out = sanitizer.feed("1")
    assert out == "^[[" + "1" * (MAX_SEQUENCE - 2)
    assert sanitizer.flush() == ""


def test_raw_passes_everything() -> None:
    sanitizer = Sanitizer(raw=True)
    hostile = "\x1b]0;title\x07\x1b[2J\r\x9b"
    assert sanitizer.feed(hostile) + sanitizer.feed("\x1b[3") + sanitizer.flush() == (
        hostile + "\x1b[3"
    )


# Text built from the pieces of escape sequences, so that hypothesis often writes real ones.
_PIECES = st.sampled_from(
    [
        *("\x1b", "[", "]", "P", "\\", "\x07", "\x9b", "\x9d", "\r", "\n", "\t", "\x08", "\x7f"),
        *("0", "1", "3", "8", ";", ":", "m", "J", "H", "?", "a", " ", "\xe9", "\u20ac"),
    ]
)
_TEXT = st.lists(_PIECES, max_size=60).map("".join)


@given(text=_TEXT, cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=6))
def test_any_split_gives_the_same_result(text: str, cuts: list[int]) -> None:
    bounds = sorted({min(cut, len(text)) for cut in cuts})
    chunks = [text[a:b] for a, b in zip([0, *bounds], [*bounds, len(text)])]
    sanitizer = Sanitizer()
    streamed = "".join(sanitizer.feed(chunk) for chunk in chunks) + sanitizer.flush()
    assert streamed == make_safe(text)


@given(text=st.text() | _TEXT)
def test_output_is_always_terminal_safe(text: str) -> None:
    assert_terminal_safe(make_safe(text))


@pytest.mark.parametrize("cut", range(MAX_SEQUENCE - 3, MAX_SEQUENCE + 3))
def test_split_at_the_bound_gives_the_same_result(cut: int) -> None:
    for params in (MAX_SEQUENCE - 3, MAX_SEQUENCE - 2):
        text = "\x1b[" + "1" * params + "m after"
        sanitizer = Sanitizer()
        streamed = sanitizer.feed(text[:cut]) + sanitizer.feed(text[cut:]) + sanitizer.flush()
        assert streamed == make_safe(text)
