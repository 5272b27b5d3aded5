"""The sans-IO protocol: prompts by kind, decoding, line endings, and split-independence.

The property tests replay transcripts recorded from the real servers (tests/transcripts, made by
record.py there) split at arbitrary byte boundaries: the events must be the same as when the
bytes arrive whole, once adjacent ``Output`` events are joined.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rpdb_client.wire.foreign import identify_foreign_peer
from rpdb_client.wire.parser import (
    Eof,
    Event,
    Output,
    Parser,
    Prompt,
    PromptKind,
)

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.json"))


def joined(events: list[Event]) -> list[Event]:
    """Join adjacent Output events: how text was split into them carries no meaning."""
    result: list[Event] = []
    for event in events:
        if isinstance(event, Output) and result and isinstance(result[-1], Output):
            result[-1] = Output(result[-1].text + event.text)
        else:
            result.append(event)
    return result


def parse(*chunks: bytes, parser: Parser | None = None) -> list[Event]:
    parser = parser or Parser()
    events: list[Event] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    return joined(events + parser.end())


def load(path: Path) -> list[tuple[str, bytes]]:
    return [(s["sent"], base64.b64decode(s["received"])) for s in json.loads(path.read_text())]


def replay(segments: list[tuple[str, bytes]], cuts: list[list[int]]) -> list[Event]:
    """Feed each segment split at ``cuts``, telling the parser what the session would."""
    parser = Parser()
    events: list[Event] = []
    for (sent, data), segment_cuts in zip(segments, cuts):
        if sent.split() == ["cl"]:
            parser.expect_question = True
        bounds = [0, *sorted({c % (len(data) + 1) for c in segment_cuts}), len(data)]
        for start, end in zip(bounds, bounds[1:]):
            events += parser.feed(data[start:end])
    return joined(events + parser.end())


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
def test_transcript_gives_one_prompt_per_line_sent(path: Path) -> None:
    segments = load(path)
    events = replay(segments, [[] for _ in segments])
    prompts = [e for e in events if isinstance(e, Prompt)]
    # Every segment but the last (after the final `c`) ends with exactly one prompt.
    assert len(prompts) == len(segments) - 1
    kinds = {p.kind for p in prompts}
    assert {PromptKind.PDB, PromptKind.COMMANDS} <= kinds
    assert any(p.text == "((Pdb)) " and p.depth == 2 for p in prompts)
    text = "".join(e.text for e in events if isinstance(e, Output))
    assert "\r" not in text
    assert "'été été été '" in text
    assert isinstance(events[-1], Eof)


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
def test_transcript_byte_by_byte(path: Path) -> None:
    segments = load(path)
    whole = replay(segments, [[] for _ in segments])
    each_byte = replay(segments, [list(range(len(data) + 1)) for _, data in segments])
    assert each_byte == whole


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_transcripts_split_anywhere(data: st.DataObject) -> None:
    for path in TRANSCRIPTS:
        segments = load(path)
        cuts = [
            data.draw(st.lists(st.integers(0, len(chunk)), max_size=8), label=f"{path.stem}")
            for _, chunk in segments
        ]
        assert replay(segments, cuts) == replay(segments, [[] for _ in segments])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=10))
def test_any_bytes_split_anywhere(blob: bytes, cuts: list[int]) -> None:
    bounds = [0, *sorted({c % (len(blob) + 1) for c in cuts}), len(blob)]
    chunks = [blob[a:b] for a, b in zip(bounds, bounds[1:])]
    assert parse(*chunks) == parse(blob)


def test_prompt_followed_by_text_in_the_same_read() -> None:
    events = parse(b"> /srv/app.py(3)f()\n-> x\n(Pdb) tick 3\ntick 4\n")
    assert events == [
        Output("> /srv/app.py(3)f()\n-> x\n"),
        Prompt("(Pdb) ", PromptKind.PDB),
        Output("tick 3\ntick 4\n"),
        Eof(),
    ]


@pytest.mark.parametrize(
    ("raw", "kind", "shown", "depth"),
    [
        (b"(Pdb) ", PromptKind.PDB, "(Pdb) ", 1),
        (b"(((Pdb))) ", PromptKind.PDB, "(((Pdb))) ", 3),
        (b"(Pdb++) ", PromptKind.PDBPP, "(Pdb++) ", 1),
        (b"ipdb> ", PromptKind.IPDB, "ipdb> ", 1),
        (b"\x01\x1b[0;32m\x02ipdb> \x01\x1b[0m\x02", PromptKind.IPDB, "ipdb> ", 1),
        (b"(com) ", PromptKind.COMMANDS, "(com) ", 1),
        (b"...   ", PromptKind.PDB_MORE, "...   ", 1),  # 3.13: a statement goes on
        (b"((Pdb++)) ", PromptKind.PDBPP, "((Pdb++)) ", 2),
        (b"(com++) ", PromptKind.COMMANDS, "(com++) ", 1),
        (b"(ipdb>) ", PromptKind.IPDB, "(ipdb>) ", 2),  # IPython nests "(%s) " % prompt
        (b"(((ipdb>))) ", PromptKind.IPDB, "(((ipdb>))) ", 4),
    ],
)
def test_prompt_kinds(raw: bytes, kind: PromptKind, shown: str, depth: int) -> None:
    assert parse(b"text\n" + raw) == [Output("text\n"), Prompt(shown, kind, depth), Eof()]


def test_313_continuation_is_three_dots_and_three_spaces() -> None:
    """pdb 3.13 prompts ``...   `` (Pdb.default); ``... `` and ``...`` are output there."""
    assert parse(b"(Pdb) ", b"...   ") == [
        Prompt("(Pdb) ", PromptKind.PDB),
        Prompt("...   ", PromptKind.PDB_MORE),
        Eof(),
    ]
    assert parse(b"(Pdb) ", b"... x\n...\n") == [
        Prompt("(Pdb) ", PromptKind.PDB),
        Output("... x\n...\n"),
        Eof(),
    ]


def test_ipythons_unnumbered_prompt_inside_interact_even_when_split() -> None:
    parser = Parser()
    parser.expect_interact = True
    assert parse(b"x\nIn", b" : ", parser=parser) == [
        Output("x\n"),
        Prompt("In : ", PromptKind.IPYTHON),
        Eof(),
    ]


def test_colour_after_a_prompt_is_dropped_even_when_split() -> None:
    assert parse(b"ipdb> \x1b[", b"0m") == [Prompt("ipdb> ", PromptKind.IPDB), Eof()]


def test_interact_prompts_only_when_expected() -> None:
    assert parse(b">>> ") == [Output(">>> "), Eof()]
    parser = Parser()
    parser.expect_interact = True
    events = parse(b"*interactive*\n>>> ", parser=parser)
    assert events == [Output("*interactive*\n"), Prompt(">>> ", PromptKind.PYTHON), Eof()]
    assert parser.expect_interact  # still inside interact
    assert parser.feed(b"... ") == [Prompt("... ", PromptKind.PYTHON_MORE)]
    assert parser.feed(b"In [3]: ") == [Prompt("In [3]: ", PromptKind.IPYTHON)]
    assert parser.feed(b"(Pdb) ") == [Prompt("(Pdb) ", PromptKind.PDB)]
    assert not parser.expect_interact  # back at pdb's prompt


def test_question_only_when_expected() -> None:
    assert parse(b"Clear all breaks? ") == [Output("Clear all breaks? "), Eof()]
    parser = Parser()
    parser.expect_question = True
    assert parser.feed(b"Clear all ") == []
    assert parser.feed(b"breaks? ") == [Prompt("Clear all breaks? ", PromptKind.QUESTION)]


def test_custom_prompt_regex() -> None:
    parser = Parser([r"myapp> "])
    assert parse(b"hello\nmyapp> ", parser=parser) == [
        Output("hello\n"),
        Prompt("myapp> ", PromptKind.CUSTOM),
        Eof(),
    ]


def test_partial_line_that_cannot_be_a_prompt_is_shown_at_once() -> None:
    parser = Parser()
    assert parser.feed(b"name: ") == [Output("name: ")]
    assert parser.feed(b"(Pdb) ") == [Output("(Pdb) ")]  # not at a line start
    assert parser.feed(b"\n(Pd") == [Output("\n")]  # at a line start, might be a prompt
    assert parser.has_held_text
    assert parser.feed(b"b) ") == [Prompt("(Pdb) ", PromptKind.PDB)]


def test_held_text_is_released_by_flush_partial_only_if_no_builtin_prompt_fits() -> None:
    parser = Parser([r"app\$ "])
    assert parser.feed(b"appl") == []
    assert parser.flush_partial() == [Output("appl")]
    parser = Parser([r"app\$ "])
    assert parser.feed(b"(Pd") == []
    assert parser.flush_partial() == []


def test_crlf_becomes_lf_and_marks_remote_pdb() -> None:
    parser = Parser()
    assert parse(b"a\r", b"\nb\r\n(Pdb) ", parser=parser) == [
        Output("a\nb\n"),
        Prompt("(Pdb) ", PromptKind.PDB),
        Eof(),
    ]
    assert parser.saw_crlf


def test_lone_carriage_return_is_kept_for_the_renderer() -> None:
    assert parse(b"50%\r100%\n") == [Output("50%\r100%\n"), Eof()]


def test_invalid_and_split_utf8() -> None:
    assert parse(b"caf\xc3", b"\xa9 \xff\n") == [Output("café \ufffd\n"), Eof()]
    assert parse(b"cut \xc3") == [Output("cut \ufffd"), Eof()]


def test_foreign_peers() -> None:
    assert identify_foreign_peer(b"\xff\xfb\x03") == "pudb"
    assert identify_foreign_peer(b"\xff") == "pudb"
    assert identify_foreign_peer(b"\xff\xfd\x18") == "a telnet server"
    assert identify_foreign_peer(b"> /srv/app.py(1)") is None


_PIECES = [
    "7\n",
    "x",
    "\n",
    "(Pdb) ",
    "((Pdb)) ",
    "(Pdb++) ",
    "ipdb> ",
    "(com) ",
    ">>> ",
    "... ",
    "In [1]: ",
    "\x1b[0m",
    "\x01\x1b[0;32m\x02ipdb> \x01\x1b[0m\x02",
    "\r\n",
    "\r",
    "é",
    "Clear all breaks? ",
    "(Pdb",
    ") ",
]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(_PIECES), min_size=1, max_size=4),
            st.sampled_from([0, 0, 0, 1, 2]),  # mostly at pdb's prompt, where the fast path is
        ),
        max_size=15,
    )
)
@example([(["(Pdb) "], 0), (["7\n", "(Pdb) "], 0), (["\x1b[0m", "x\n", "(Pdb) "], 0)])
@example([(["(Pdb) "], 0), (["(Pdb) ", "7\n", "(Pdb) "], 0)])
def test_the_fast_path_for_a_reply_gives_what_the_full_scan_gives(
    reads: list[tuple[list[str], int]],
) -> None:
    """Every read, exactly (not joined), with the session's expectations changing between reads."""
    fast, full = Parser(), Parser()
    full._reply_to_last_prompt = lambda text: None  # type: ignore[method-assign]
    for pieces, expect in reads:
        for parser in (fast, full):
            parser.expect_interact = expect == 1
            parser.expect_question = expect == 2
        data = "".join(pieces).encode()
        assert fast.feed(data) == full.feed(data)
        assert (fast.expect_interact, fast.expect_question, fast.has_held_text) == (
            full.expect_interact,
            full.expect_question,
            full.has_held_text,
        )
    assert fast.end() == full.end()


def test_the_fast_path_is_taken_for_a_plain_reply_and_still_sees_a_prompt_inside() -> None:
    parser = Parser()
    parser.feed(b"> /srv/app.py(3)f()\n-> x\n(Pdb) ")
    assert parser._reply_to_last_prompt("7\n(Pdb) ") == [
        Output("7\n"),
        Prompt("(Pdb) ", PromptKind.PDB),
    ]
    assert parser._reply_to_last_prompt("7\n(Pdb) 8\n(Pdb) ") is None  # two prompts: full scan
    assert parser._reply_to_last_prompt("7(Pdb) ") is None  # not at a line start: output
    assert parser.feed(b"x") == [Output("x")]
    assert parser._reply_to_last_prompt("(Pdb) ") is None  # the same, cut after the "x"
