"""The helper's own safe way out (host/relay.py), and the frames of its channel (host/frames.py).

The relay is pure: it is fed the debugger's bytes, the client's and the time, and says what to
send. These tables hold what it does when the channel to the client drops at each kind of
prompt; the sessions through a real ``ssh`` are in test_remote.py.
"""

from __future__ import annotations

import pytest

from rpdb_client.host.frames import CONTROL, FrameReader, decode, frame, message
from rpdb_client.host.relay import CONTINUES, DRAIN, Relay

PROMPT = b"\n(Pdb) "


def at_prompt(*outputs: bytes) -> Relay:
    relay = Relay()
    for output in outputs:
        assert relay.from_debugger(output, 0.0) == b""
    return relay


def test_it_only_watches_until_the_channel_drops() -> None:
    relay = at_prompt(b"> app.py(3)view()\n-> x = 1" + PROMPT)
    assert relay.prompt == "debugger"
    relay.from_client(b"p x\n")
    assert relay.prompt is None and relay.last_line == "p x"
    assert relay.from_debugger(b"1" + PROMPT, 0.0) == b""
    assert relay.close_at is None


def test_a_drop_at_a_prompt_clears_the_breakpoints_seen_then_continues() -> None:
    relay = at_prompt(b"Breakpoint 1 at /srv/app.py:12" + PROMPT)
    relay.from_client(b"b 20\n")
    relay.from_debugger(b"Breakpoint 2 at /srv/app.py:20" + PROMPT, 0.0)
    assert relay.abandon(5.0) == b"cl 1 2\n"
    assert (
        relay.from_debugger(b"Deleted breakpoint 1\nDeleted breakpoint 2" + PROMPT, 5.1) == b"c\n"
    )
    assert relay.close_at == pytest.approx(5.1 + DRAIN)


def test_a_breakpoint_deleted_by_the_user_is_not_cleared_again() -> None:
    relay = at_prompt(b"Breakpoint 1 at /srv/app.py:12" + PROMPT)
    relay.from_client(b"cl 1\n")
    relay.from_debugger(b"Deleted breakpoint 1 at /srv/app.py:12" + PROMPT, 0.0)
    assert relay.abandon(1.0) == b"c\n"


@pytest.mark.parametrize(
    ("output", "answer"),
    [
        (b"\n(com) ", b"end\n"),
        (b"\nClear all breaks? ", b"n\n"),
        (b"\n(Pdb++) ", b"c\n"),
        (b"\nipdb> ", b"c\n"),
        (b"\n\x1b[1m(Pdb)\x1b[0m ", b"c\n"),
    ],
    ids=["commands", "question", "pdb++", "ipdb", "coloured"],
)
def test_each_kind_of_prompt_gets_its_way_out(output: bytes, answer: bytes) -> None:
    assert at_prompt(output).abandon(0.0) == answer


def test_inside_interact_there_is_no_safe_way_out_so_it_closes() -> None:
    relay = at_prompt(b"*interactive*\n>>> ")
    assert relay.abandon(2.0) == b""
    assert relay.close_at == 2.0


def test_a_drop_while_the_program_runs_after_c_closes_after_the_drain() -> None:
    relay = at_prompt(PROMPT)
    relay.from_client(b"c\n")
    assert relay.abandon(3.0) == b""
    assert relay.close_at == pytest.approx(3.0 + DRAIN)


def test_a_drop_while_a_command_runs_waits_for_its_prompt() -> None:
    relay = at_prompt(PROMPT)
    relay.from_client(b"!import time; time.sleep(30)\n")
    assert relay.abandon(3.0) == b""
    assert relay.close_at is None  # closing now would be a quit at the next prompt
    assert relay.from_debugger(PROMPT, 33.0) == b"c\n"


def test_a_pdb_that_keeps_prompting_is_closed_after_a_few_c() -> None:
    relay = at_prompt(PROMPT)
    answers = [relay.abandon(0.0)] + [relay.from_debugger(PROMPT, 0.1) for _ in range(CONTINUES)]
    assert answers == [b"c\n"] * CONTINUES + [b""]
    assert relay.close_at == 0.1


def test_a_custom_prompt_is_a_prompt() -> None:
    relay = Relay([r"\[my-debugger\] "])
    relay.from_debugger(b"\n[my-debugger] ", 0.0)
    assert relay.abandon(0.0) == b"c\n"


def test_a_connection_closed_unheard_is_known_as_such() -> None:
    relay = at_prompt(PROMPT)
    assert not relay.heard_client
    relay.from_client(b"p 1\n")
    assert relay.heard_client


def test_frames_survive_any_split() -> None:
    data = message({"op": "list", "id": 1}) + frame(3, b"(Pdb) ") + frame(3)
    for cut in range(len(data) + 1):
        reader = FrameReader()
        frames = reader.feed(data[:cut]) + reader.feed(data[cut:])
        assert frames[0][0] == CONTROL and decode(frames[0][1]) == {"op": "list", "id": 1}
        assert frames[1:] == [(3, b"(Pdb) "), (3, b"")]


def test_a_control_message_is_an_object() -> None:
    with pytest.raises(ValueError):
        decode(b"[1, 2]")


def test_a_breakpoint_message_cut_between_two_reads_is_seen() -> None:
    relay = at_prompt(b"Breakpo", b"int 4 at /srv/app.py:9" + PROMPT)
    relay.from_client(b"p 1\n")
    relay.from_debugger(b"1\nDeleted bre", 0.0)
    relay.from_debugger(b"akpoint 4" + PROMPT, 0.0)
    assert relay.breakpoints == set()
    relay.from_client(b"b 12\n")
    relay.from_debugger(b"Breakpoint 5 at /srv/app.py:12" + PROMPT, 0.0)
    assert relay.breakpoints == {5}


def test_what_it_keeps_of_the_output_is_bounded() -> None:
    relay = at_prompt(*[b"x" * 1000] * 100)
    assert len(relay._tail) <= 4096
