"""Colouring the debugger's output: what is highlighted, what passes, what is held, and bounds."""

from __future__ import annotations

import io
import pprint
import re
import subprocess
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pygments.formatters import Terminal256Formatter
from pygments.token import (
    Comment,
    Generic,
    Keyword,
    Name,
    Number,
    Punctuation,
    String,
    Text,
    _TokenType,
)

from rpdb_client.errors import UsageError
from rpdb_client.output import highlight as render
from rpdb_client.output.highlight import (
    DEFAULT_STYLE,
    HOLD_MAX,
    LEX_BUDGET,
    REPLY_LIMIT,
    Renderer,
    available_styles,
    color_enabled,
    terminal_style,
)
from rpdb_client.output.sanitize import make_safe

_SGR = re.compile(r"\x1b\[[0-9;:]*m")

LOCATION = "> /srv/app.py(12)index()"
TRANSCRIPT = """\
--Return--
> /srv/app.py(12)index()->None
-> return response
  10  \tdef index():
  11 B\t    x = compute()
  12  ->\t    return response
  13  \t
*** NameError: name 'y' is not defined
Breakpoint 1 at /srv/app.py:12
Traceback (most recent call last):
  File "/srv/app.py", line 12, in index
    return 1 / 0
           ~~^~~
ZeroDivisionError: division by zero
a line the program printed
"""


def code(ttype: _TokenType) -> str:
    """The SGR that opens a token of *ttype* in the default 256-colour rendering."""
    out = io.StringIO()
    Terminal256Formatter(style=terminal_style(DEFAULT_STYLE)).format([(ttype, "\x00")], out)
    return out.getvalue().partition("\x00")[0]


def rendered(text: str, hint: str | None = None, **options: object) -> str:
    renderer = Renderer(**options)  # type: ignore[arg-type]
    renderer.set_hint(hint)
    return renderer.feed(text) + renderer.flush()


def strip_colour(text: str) -> str:
    return _SGR.sub("", text)


def test_the_colours_the_tests_rely_on_are_distinct() -> None:
    kinds = [String, Number, Name.Function, Generic.Error, Generic.Prompt, Comment]
    codes = [code(kind) for kind in kinds]
    assert all(codes)
    assert len(set(codes)) == len(codes)


def test_location_line_colours_path_number_and_function_apart() -> None:
    out = rendered(LOCATION + "\n")
    assert code(Generic.Prompt) + "> " in out
    assert code(String) + "/srv/app.py" in out
    assert code(Number) + "12" in out
    assert code(Name.Function) + "index" in out
    assert strip_colour(out) == LOCATION + "\n"


def test_where_entries_and_markers_are_classified() -> None:
    renderer = Renderer()
    assert renderer.tokens("  /usr/lib/python3.11/bdb.py(580)run()") == [
        (Text, "  "),
        (String, "/usr/lib/python3.11/bdb.py"),
        (Punctuation, "("),
        (Number, "580"),
        (Punctuation, ")"),
        (Name.Function, "run"),
        (Punctuation, "()"),
    ]
    assert renderer.tokens("--Return--") == [(Generic.Subheading, "--Return--")]
    assert renderer.tokens("--Call--") == [(Generic.Subheading, "--Call--")]
    assert renderer.tokens("--not a marker") is None


def test_current_line_marker_and_its_code() -> None:
    out = rendered("-> return response\n")
    assert out.startswith(code(Generic.Prompt) + "->")
    assert code(Keyword) + "return" in out


@pytest.mark.parametrize(
    ("line", "number", "mark", "mark_type"),
    [
        ("  12  ->\t    return response", "  12 ", "->", Generic.Prompt),
        ("  11 B\t    x = compute()", "  11 ", "B", Generic.Error),
        ("1234B>>\traise", "1234", ">>", Generic.Error),
    ],
)
def test_listing_markers(line: str, number: str, mark: str, mark_type: _TokenType) -> None:
    out = rendered(line + "\n")
    assert out.startswith(code(Comment) + number)
    assert code(mark_type) + mark in out
    assert strip_colour(out) == line + "\n"


def test_plain_listing_line_has_no_marker_colour() -> None:
    tokens = Renderer().tokens("  14  \tpass")
    assert tokens is not None
    assert tokens[:3] == [(Comment, "  14 "), (Text, " "), (Text, "\t")]


def test_listed_code_that_looks_like_a_location_is_a_listing() -> None:
    tokens = Renderer().tokens("  14  \tx = f(3)g()")
    assert tokens is not None and tokens[0] == (Comment, "  14 ")


def test_error_lines_are_in_the_error_colour() -> None:
    line = "*** NameError: name 'y' is not defined"
    assert rendered(line + "\n") == code(Generic.Error) + line + "\x1b[39m\n"


def test_breakpoint_message() -> None:
    out = rendered("Breakpoint 1 at /srv/app.py:12\n")
    assert code(Number) + "1" in out
    assert code(String) + "/srv/app.py" in out
    assert code(Number) + "12" in out


def test_traceback_from_header_to_exception_line() -> None:
    renderer = Renderer()
    lines = TRANSCRIPT.splitlines()[9:]
    header, frame, source, carets, exception, after = (renderer.tokens(line) for line in lines)
    assert header == [(Generic.Traceback, "Traceback (most recent call last):")]
    assert frame is not None and (Number, "12") in frame
    assert source is not None and (Keyword, "return") in source
    assert carets == [(Punctuation.Marker, "           ~~^~~")]
    assert exception is not None and exception[0] == (Generic.Error, "ZeroDivisionError")
    assert after is None  # the exception line ended the traceback


def test_reply_to_p_is_python() -> None:
    reply = "{'name': 'x', 'n': 3, 'ok': None}\n"
    out = rendered(reply, hint="p data")
    assert code(String.Single) + "'" in out
    assert code(Number.Integer) + "3" in out
    assert code(Keyword.Constant) + "None" in out
    assert rendered(reply, hint="pp data") == out
    assert strip_colour(rendered(reply)) == reply  # without the hint: not Python
    assert rendered(reply) != out


@pytest.mark.parametrize("hint", ["p(data)", "a", "args", "rv", "retval", "  pp data"])
def test_replies_the_vocabulary_calls_python_are_coloured(hint: str) -> None:
    reply = "{'a': [1, 2.5, None], 'b': 'text'}\n"
    assert rendered(reply, hint=hint) == rendered(reply, hint="p data")


@pytest.mark.parametrize("hint", ["whatis data", "display data", "pdata", "!p data"])
def test_other_replies_are_not_read_as_python(hint: str) -> None:
    reply = "{'a': [1, 2.5, None], 'b': 'text'}\n"
    assert strip_colour(rendered(reply, hint=hint)) == rendered(reply, hint=hint)


def test_hint_ends_with_the_reply() -> None:
    renderer = Renderer()
    renderer.set_hint("pp x")
    assert renderer.feed("[1]\n") != "[1]\n"
    renderer.flush()
    assert renderer.feed("[1]\n") == "[1]\n"


def test_plain_text_keeps_the_terminal_colour() -> None:
    # monokai colours plain text near-white: unreadable on a light terminal, so dropped.
    assert rendered("some_name\n", hint="p some_name") == "some_name\n"
    assert rendered("a line the program printed\n") == "a line the program printed\n"


def test_every_kind_gets_its_own_colour() -> None:
    out = rendered(TRANSCRIPT).splitlines()
    opening = [set(_SGR.findall(line)) - {"\x1b[39m", "\x1b[39;00m", "\x1b[00m"} for line in out]
    location, current, error, breakpoint = opening[1], opening[2], opening[7], opening[8]
    traceback, listing, printed = opening[9], opening[4], opening[-1]
    assert printed == set()
    assert location and current and error and breakpoint and traceback and listing
    assert error != location and error != listing and traceback != error


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("\x1b[1;32m> \x1b[0m/srv/app.py(\x1b[36m12\x1b[0m)index()\n", None),
        ("*** \x1b[31mNameError\x1b[0m: name 'y' is not defined\n", None),
        ("  12  ->\tx = \x1b[36m1\x1b[0m\n", None),
        ("{'a': \x1b[36m1\x1b[0m}\n", "p d"),
    ],
)
def test_already_coloured_output_is_passed_through(line: str, hint: str | None) -> None:
    assert rendered(line, hint=hint) == line


def test_already_coloured_output_is_still_sanitized() -> None:
    hostile = "\x1b[31mred\x1b]0;pwned\x07\x1b[2J\n"
    assert rendered(hostile) == "\x1b[31mred^[]0;pwned^G^[[2J\n"


def test_hostile_text_inside_a_pdb_line_is_sanitized() -> None:
    out = rendered("*** NameError: name '\x1b]52;c;eA==\x07' is not defined\n")
    assert "\x07" not in out and "\x1b]" not in out
    assert "^[]52;c;eA==^G" in out


def test_raw_passes_hostile_sequences() -> None:
    assert rendered("\x1b]0;t\x07\n", raw=True) == "\x1b]0;t\x07\n"


def test_partial_line_is_held_until_newline() -> None:
    renderer = Renderer()
    assert renderer.feed("> /srv/app.py(1") == ""
    out = renderer.feed("2)index()\nnext")
    assert out == rendered(LOCATION + "\n")
    assert renderer.flush() == "next"


def test_partial_line_is_classified_at_flush() -> None:
    renderer = Renderer()
    assert renderer.feed("*** oops") == ""
    assert renderer.flush() == code(Generic.Error) + "*** oops\x1b[39m"


def test_a_very_long_partial_line_is_shown_at_once_plain() -> None:
    renderer = Renderer()
    assert renderer.feed("*** " + "x" * HOLD_MAX) == "*** " + "x" * HOLD_MAX
    assert renderer.feed("rest\n*** next\n") == "rest\n" + rendered("*** next\n")


@pytest.mark.parametrize("color_depth", ["DEPTH_8_BIT", "DEPTH_1_BIT"])
def test_disabled_gives_the_sanitized_input(color_depth: str) -> None:
    text = TRANSCRIPT + "\x1b]0;t\x07 \x1b[31mred\x1b[0m\r\n(Pdb) "
    enabled = color_depth != "DEPTH_1_BIT"
    assert rendered(text, enabled=not enabled, color_depth=color_depth) == make_safe(text)
    renderer = Renderer(enabled=False)
    assert renderer.feed("no hold") == "no hold"  # nothing to classify: nothing to wait for


@given(cuts=st.lists(st.integers(min_value=0, max_value=len(TRANSCRIPT)), max_size=8))
def test_any_chunking_renders_the_same(cuts: list[int]) -> None:
    text = TRANSCRIPT + "\x1b[31mred\x1b[0m \x1b]0;t\x07\n(Pdb) "
    bounds = sorted(set(cuts))
    renderer = Renderer()
    streamed = "".join(renderer.feed(text[a:b]) for a, b in zip([0, *bounds], [*bounds, len(text)]))
    assert streamed + renderer.flush() == rendered(text)


# Text made of the characters pdb's lines are told apart by, and of escape sequences.
_PDBISH = st.text(alphabet=st.sampled_from(list(">-*( )B:\t\n1234abc\x1b[m]\x07'\"./_")))


@given(text=_PDBISH, cuts=st.lists(st.integers(min_value=0, max_value=100), max_size=6))
def test_any_chunking_of_any_text_renders_the_same(text: str, cuts: list[int]) -> None:
    bounds = sorted({min(cut, len(text)) for cut in cuts})
    renderer = Renderer()
    chunks = [text[a:b] for a, b in zip([0, *bounds], [*bounds, len(text)])]
    assert "".join(map(renderer.feed, chunks)) + renderer.flush() == rendered(text)


@given(text=_PDBISH)
def test_colour_never_changes_the_text(text: str) -> None:
    assert strip_colour(rendered(text)) == strip_colour(make_safe(text))


def test_a_big_chunk_is_shown_plain() -> None:
    big = (LOCATION + "\n") * (render.CHUNK_LIMIT // len(LOCATION) + 1)
    renderer = Renderer()
    assert renderer.feed(big) == big
    renderer.flush()
    assert renderer.feed(LOCATION + "\n") == rendered(LOCATION + "\n")  # the next reply is not


def test_a_big_reply_turns_plain_past_the_limit() -> None:
    renderer = Renderer()
    line = LOCATION + "\n"
    chunk = line * 1000
    outputs = [renderer.feed(chunk) for _ in range(REPLY_LIMIT // len(chunk) + 2)]
    assert outputs[0] != chunk
    assert outputs[-1] == chunk
    renderer.set_hint("l")
    assert renderer.feed(line) != line


def test_python_lexing_stops_at_the_budget_but_structure_stays() -> None:
    lines = [f"{n:>4}  \tvalue_{n} = compute({n})" for n in range(1, LEX_BUDGET // 20)]
    out = rendered("\n".join(lines) + "\n").splitlines()
    assert code(Name.Function) not in out[-1] and code(Number) not in out[-1]
    assert out[-1].startswith(code(Comment))  # the line number is still coloured
    assert code(Number.Integer) + "1" in out[0]


def test_long_lines_are_not_lexed() -> None:
    line = "[" + ", ".join(["1"] * render.PYTHON_LINE_MAX) + "]\n"
    assert rendered(line, hint="p x") == line


def realistic_reply(size: int) -> str:
    rows = [
        {"id": i, "name": f"user{i}", "email": f"u{i}@example.com", "score": i * 1.5}
        for i in range(2000)
    ]
    block = pprint.pformat(rows) + "\n"
    return (block * (size // len(block) + 1))[:size]


def test_twenty_megabyte_reply_is_fast() -> None:
    text = realistic_reply(20_000_000)
    renderer = Renderer()
    renderer.set_hint("pp rows")
    start = time.perf_counter()
    out = [renderer.feed(text[i : i + 65536]) for i in range(0, len(text), 65536)]
    out.append(renderer.flush())
    elapsed = time.perf_counter() - start
    # Measured 0.18 s on the development machine; lexing it all would take about a minute.
    assert elapsed < 2.0
    assert strip_colour("".join(out)) == text


@pytest.mark.parametrize(
    ("color_depth", "error_code"),
    [("DEPTH_4_BIT", "\x1b[91m"), ("DEPTH_24_BIT", "\x1b[38;2;")],
)
def test_color_depth_picks_the_formatter(color_depth: str, error_code: str) -> None:
    assert rendered("*** x\n", color_depth=color_depth).startswith(error_code)


def test_bad_style_and_depth_are_reported() -> None:
    with pytest.raises(UsageError, match="no-such-style"):
        Renderer(style="no-such-style")
    with pytest.raises(ValueError, match="color_depth"):
        Renderer(color_depth="256")


def test_available_styles() -> None:
    styles = available_styles()
    assert DEFAULT_STYLE in styles and "native" in styles
    assert styles == sorted(styles)
    assert all(Renderer(style=name) for name in styles[:5])


@pytest.mark.parametrize(
    ("mode", "tty", "env", "expected"),
    [
        ("auto", True, {}, True),
        ("auto", False, {}, False),
        ("auto", True, {"NO_COLOR": "1"}, False),
        ("auto", True, {"NO_COLOR": ""}, True),
        ("auto", True, {"TERM": "dumb"}, False),
        ("auto", True, {"TERM": "xterm-256color"}, True),
        ("always", False, {"NO_COLOR": "1", "TERM": "dumb"}, True),
        ("never", True, {}, False),
    ],
)
def test_color_enabled(mode: str, tty: bool, env: dict[str, str], expected: bool) -> None:
    assert color_enabled(mode, tty, env) is expected  # type: ignore[arg-type]


def test_render_does_not_import_prompt_toolkit() -> None:
    probe = "import sys, rpdb_client.output.highlight; print('prompt_toolkit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


# The REPL's style (rpdb_client/terminal/style.py) shares terminal_style with the renderer.


def test_make_style_has_the_documented_classes() -> None:
    from rpdb_client.terminal.style import make_style

    style = make_style(DEFAULT_STYLE, color=True)
    lost = style.get_attrs_for_style_str("class:bottom-toolbar class:toolbar.state.lost")
    running = style.get_attrs_for_style_str("class:bottom-toolbar class:toolbar.state.running")
    assert lost.bgcolor and lost.color != running.color
    pdb = style.get_attrs_for_style_str("class:prompt.pdb")
    python = style.get_attrs_for_style_str("class:prompt.python")
    assert pdb.bold and pdb.color != python.color
    assert style.get_attrs_for_style_str("class:pygments.keyword").color == "66d9ef"
    assert style.get_attrs_for_style_str("class:pygments.name").color == ""


def test_make_style_without_colour() -> None:
    from rpdb_client.terminal.style import make_style

    style = make_style(DEFAULT_STYLE, color=False)
    assert style.get_attrs_for_style_str("class:pygments.keyword").color == ""
    lost = style.get_attrs_for_style_str("class:bottom-toolbar class:toolbar.state.lost")
    assert lost.bold and not lost.color
    with pytest.raises(UsageError):
        make_style("no-such-style", color=False)
