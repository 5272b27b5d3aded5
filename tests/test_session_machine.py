"""The session machine, driven by tables of events and the actions they must produce.

No socket, no event loop, no sleep: each row is a script of (event, expected actions) steps fed
to a fresh :class:`SessionMachine` by :mod:`session_script`, which also says how actions are
written short. The rows cover one line per prompt, how each session ends, the safe way out,
side queries and the timers.
"""

from __future__ import annotations

import pytest
from session_script import (
    Script,
    abandon,
    broke,
    close_running,
    detach,
    eof,
    finish,
    fired,
    got,
    peer_gone,
    play,
    query,
    start,
    typed,
)

from rpdb_client.engine.python_prompts import VERSION_AT_CONSOLE
from rpdb_client.engine.session_actions import MAY_FOLLOW, State, Timer
from rpdb_client.engine.session_machine import SessionMachine

ENDINGS: dict[str, Script] = {
    "c then EOF: continued": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("c"), ["state running", "send c", "echo (Pdb) c"],
        eof, ["close", "state ended", "end continued"],
    ),
    "cont, an alias, then EOF: continued": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("cont"), ["state running", "send cont", "echo (Pdb) cont"],
        eof, ["close", "state ended", "end continued"],
    ),
    "q then EOF: quit": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("q"), ["state busy", "send q", "echo (Pdb) q"],
        eof, ["close", "state ended", "end quit"],
    ),
    "exit then EOF: quit": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("exit"), ["state busy", "send exit", "echo (Pdb) exit"],
        eof, ["close", "state ended", "end quit"],
    ),
    "EOF typed, which pdb reads as quit, then EOF: quit": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("EOF"), ["state busy", "send EOF", "echo (Pdb) EOF"],
        eof, ["close", "state ended", "end quit"],
    ),
    "q at the >>> of interact is Python, not a quit": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("interact"), ["state busy", "send interact", "echo (Pdb) interact"],
        got(b">>> "), ["state at prompt", "ask >>>"],
        typed("q"), ["state busy", "send q", "echo >>> q"],
        eof, ["close", "state ended",
              "end lost: the debugger closed the connection while a command ran"],
    ),
    "EOF at a prompt with nothing sent: lost": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        eof, ["close", "state ended", "end lost: the debugger closed the connection at a prompt"],
    ),
    "EOF before a byte: lost": (
        eof, ["close", "state ended",
              "end lost: the debugger closed the connection before saying anything"],
    ),
    "EOF while p runs: lost": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("p x"), ["state busy", "send p x", "echo (Pdb) p x"],
        eof, ["close", "state ended",
              "end lost: the debugger closed the connection while a command ran"],
    ),
    "n resumes too, but EOF after it is a loss": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("n"), ["state busy", "send n", "echo (Pdb) n"],
        eof, ["close", "state ended",
              "end lost: the debugger closed the connection while a command ran"],
    ),
    "c inside a command list is recorded, not run": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("commands 1"), ["state busy", "send commands 1", "echo (Pdb) commands 1"],
        got(b"(com) "), ["state at prompt", "ask (com)"],
        typed("c"), ["state busy", "send c", "echo (com) c"],
        eof, ["close", "state ended",
              "end lost: the debugger closed the connection while a command ran"],
    ),
    "remote-pdb keeps the connection after c: running, until closed": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("c"), ["state running", "send c", "echo (Pdb) c"],
        close_running, ["close", "state ended", "end continued"],
    ),
    "remote-pdb: a breakpoint hit later prompts on the same connection": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("c"), ["state running", "send c", "echo (Pdb) c"],
        got(b"> /srv/app.py(9)f()\r\n(Pdb) "),
        ["show '> /srv/app.py(9)f()\\n'", "state at prompt", "ask (Pdb)"],
    ),
    "the connection breaks: lost, with how": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        broke, ["close", "state ended",
                "end lost: the connection was reset by the debugger's side"],
    ),
    "a pudb server is not a pdb, and nothing is sent to it": (
        start(), ["start first byte 5s"],
        got(b"\xff\xfb\x03"), ["cancel first byte", "close", "state ended",
                               "end not a pdb: this is a pudb server"],
    ),
    "events after the end do nothing": (
        eof, ["close", "state ended",
              "end lost: the debugger closed the connection before saying anything"],
        got(b"(Pdb) "), [],
        typed("p 1"), [],
        detach, [],
        eof, [],
    ),
}  # fmt: skip

LINES: dict[str, Script] = {
    "one line per prompt: queued lines wait for the next prompt": (
        typed("p 1"), [],
        typed("p 2"), [],
        got(b"(Pdb) "), ["state busy", "send p 1", "echo (Pdb) p 1"],
        got(b"1\n(Pdb) "), ["send p 2", "show '1\\n'", "echo (Pdb) p 2"],
        got(b"2\n(Pdb) "), ["show '2\\n'", "state at prompt", "ask (Pdb)"],
    ),
    "a queued answer leaves before the reply it answers is shown": (
        typed("p i"), [],
        got(b"> /srv/app.py(3)f()\n-> x\n(Pdb) "),
        ["state busy", "send p i", "show '> /srv/app.py(3)f()\\n-> x\\n'", "echo (Pdb) p i"],
    ),
    "a read with two prompts is answered one prompt at a time": (
        typed("p 1"), [],
        typed("p 2"), [],
        typed("p 3"), [],
        got(b"(Pdb) "), ["state busy", "send p 1", "echo (Pdb) p 1"],
        got(b"1\n(Pdb) 2\n(Pdb) "),
        ["show '1\\n'", "send p 2", "echo (Pdb) p 2", "show '2\\n'", "send p 3", "echo (Pdb) p 3"],
    ),
    "a line typed at the prompt goes at once": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("p 1"), ["state busy", "send p 1", "echo (Pdb) p 1"],
        typed("p 2"), [],
        got(b"1\n(Pdb) "), ["send p 2", "show '1\\n'", "echo (Pdb) p 2"],
    ),
    "interact makes >>> a prompt": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("interact"), ["state busy", "send interact", "echo (Pdb) interact"],
        got(b">>> "), ["state at prompt", "ask >>>"],
    ),
    ">>> is output until interact is sent": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("p 1"), ["state busy", "send p 1", "echo (Pdb) p 1"],
        got(b">>> \n(Pdb) "), ["show '>>> \\n'", "state at prompt", "ask (Pdb)"],
    ),
    "a bare clear makes its question a prompt": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("cl"), ["state busy", "send cl", "echo (Pdb) cl"],
        got(b"Clear all breaks? "), ["state at prompt", "ask Clear all breaks?"],
    ),
    "clear with an argument asks nothing": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("clear 1"), ["state busy", "send clear 1", "echo (Pdb) clear 1"],
        got(b"Clear all breaks? "), ["show 'Clear all breaks? '"],
    ),
    "an ASCII server is pointed out once": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("p 'x'"), ["state busy", "send p 'x'", "echo (Pdb) p 'x'"],
        got(b"*** UnicodeEncodeError: 'ascii' codec can't encode\n(Pdb) "),
        ["notice the debugger's side encodes and decodes ASCII (a server started with LANG=C?)",
         "show \"*** UnicodeEncodeError: 'ascii' codec can't encode\\n\"",
         "state at prompt", "ask (Pdb)"],
    ),
    "a block whose first line pdb failed: its queued body is not sent": (
        typed("if False:"), [],
        typed("    x = 5"), [],
        typed("else:"), [],
        typed("p 1"), [],
        got(b"(Pdb) "), ["state busy", "send if False:", "echo (Pdb) if False:"],
        got(b"*** SyntaxError: incomplete input\n(Pdb) "),
        ["send p 1", "show '*** SyntaxError: incomplete input\\n'", "echo (Pdb) p 1",
         "notice 2 line(s) of that block not sent"],
        got(b"1\n(Pdb) "), ["show '1\\n'", "state at prompt", "ask (Pdb)"],
    ),
    "a body line typed after its block failed is not sent; the next statement is": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("for i in x:"), ["state busy", "send for i in x:", "echo (Pdb) for i in x:"],
        got(b"*** IndentationError: expected an indented block\n(Pdb) "),
        ["show '*** IndentationError: expected an indented block\\n'", "state at prompt",
         "ask (Pdb)"],
        typed("    f(i)"), ["notice 1 line(s) of that block not sent"],
        typed("p 2"), ["state busy", "send p 2", "echo (Pdb) p 2"],
        typed("    p 3"), [],
    ),
    "indented lines after a line that did not fail are sent": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("p 1"), ["state busy", "send p 1", "echo (Pdb) p 1"],
        typed("    p 2"), [],
        got(b"1\n(Pdb) "), ["send     p 2", "show '1\\n'", "echo (Pdb)     p 2"],
    ),
}  # fmt: skip

LEAVING: dict[str, Script] = {
    "detach at a prompt: clear the breakpoints seen, then c, drain, close": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("b 9"), ["state busy", "send b 9", "echo (Pdb) b 9"],
        got(b"Breakpoint 1 at /srv/app.py:9\n(Pdb) "),
        ["show 'Breakpoint 1 at /srv/app.py:9\\n'", "state at prompt", "ask (Pdb)"],
        detach, ["probe", "state detaching", "send cl 1", "echo (Pdb) cl 1"],
        got(b"Deleted breakpoint 1 at /srv/app.py:9\n(Pdb) "),
        ["show 'Deleted breakpoint 1 at /srv/app.py:9\\n'",
         "probe", "start drain 1s", "send c", "echo (Pdb) c"],
        eof, ["cancel drain", "close", "state ended", "end detached"],
    ),
    "detach: remote-pdb sends no EOF after c, the drain timer closes": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        detach, ["probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c"],
        fired(Timer.DRAIN), ["close", "state ended", "end detached"],
    ),
    "detach while busy waits for the prompt": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("p slow()"), ["state busy", "send p slow()", "echo (Pdb) p slow()"],
        typed("p 2"), [],
        detach, [],
        got(b"1\n(Pdb) "),
        ["show '1\\n'", "probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c"],
        eof, ["cancel drain", "close", "state ended", "end detached"],
    ),
    "detach after the user's c: close (nothing can be sent until a prompt)": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("c"), ["state running", "send c", "echo (Pdb) c"],
        detach, ["close", "state ended", "end continued"],
    ),
    "detach in a command list ends it first": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("commands"), ["state busy", "send commands", "echo (Pdb) commands"],
        got(b"(com) "), ["state at prompt", "ask (com)"],
        detach, ["probe", "state detaching", "send end", "echo (com) end"],
        got(b"(Pdb) "), ["probe", "start drain 1s", "send c", "echo (Pdb) c"],
    ),
    "detach at a question declines it first": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("cl"), ["state busy", "send cl", "echo (Pdb) cl"],
        got(b"Clear all breaks? "), ["state at prompt", "ask Clear all breaks?"],
        detach, ["probe", "state detaching", "send n", "echo Clear all breaks? n"],
        got(b"(Pdb) "), ["probe", "start drain 1s", "send c", "echo (Pdb) c"],
    ),
    "detach inside interact before 3.13: asks the version, then can only close": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("interact"), ["state busy", "send interact", "echo (Pdb) interact"],
        got(b">>> "), ["state at prompt", "ask >>>"],
        detach, ["probe", "state detaching", f"send {VERSION_AT_CONSOLE}",
                 f"echo >>> {VERSION_AT_CONSOLE}"],
        got(b"(3, 12)\n>>> "), ["show '(3, 12)\\n'", "probe", "close", "state ended",
                                "end detached: left from inside interact"],
    ),
    "detach inside interact on 3.13: exit() goes back to pdb, then the usual way out": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("interact"), ["state busy", "send interact", "echo (Pdb) interact"],
        got(b">>> "), ["state at prompt", "ask >>>"],
        detach, ["probe", "state detaching", f"send {VERSION_AT_CONSOLE}",
                 f"echo >>> {VERSION_AT_CONSOLE}"],
        got(b"(3, 13)\n>>> "), ["show '(3, 13)\\n'", "probe", "send exit()", "echo >>> exit()"],
        got(b"(Pdb) "), ["probe", "start drain 1s", "send c", "echo (Pdb) c"],
    ),
    "3.13's continuation prompt takes the statement's next line": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("x = (1 +"), ["state busy", "send x = (1 +", "echo (Pdb) x = (1 +"],
        got(b"...   "), ["state at prompt", "ask ..."],
        typed("2)"), ["state busy", "send 2)", "echo ...   2)"],
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
    ),
    "detach at 3.13's continuation: an empty line ends the statement, once": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("if x:"), ["state busy", "send if x:", "echo (Pdb) if x:"],
        got(b"...   "), ["state at prompt", "ask ..."],
        detach, ["probe", "state detaching", "send ", "echo ...   "],
        got(b"...   "), ["probe", "close", "state ended",
                         "end detached: left inside an unfinished Python statement"],
    ),
    "abandon while busy: closed without waiting": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("p slow()"), ["state busy", "send p slow()", "echo (Pdb) p slow()"],
        abandon, ["close", "state ended",
                  "end detached: closed without waiting for the next prompt"],
    ),
    "finish at the end of input: the queue first, then the detach": (
        typed("p 1"), [],
        finish, [],
        got(b"(Pdb) "), ["state busy", "send p 1", "echo (Pdb) p 1"],
        got(b"1\n(Pdb) "),
        ["show '1\\n'", "probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c"],
        eof, ["cancel drain", "close", "state ended", "end detached"],
    ),
    "finish at an idle prompt leaves at once": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        finish, ["probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c"],
    ),
    "finish after c without breakpoints: the program runs, close": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("c"), ["state running", "send c", "echo (Pdb) c"],
        finish, ["close", "state ended", "end continued"],
    ),
    "finish after c with breakpoints: wait for the stop, to clear them": (
        got(b"Breakpoint 2 at /srv/app.py:9\n(Pdb) "),
        ["show 'Breakpoint 2 at /srv/app.py:9\\n'", "state at prompt", "ask (Pdb)"],
        typed("c"), ["state running", "send c", "echo (Pdb) c"],
        finish, [],
        got(b"(Pdb) "), ["probe", "state detaching", "send cl 2", "echo (Pdb) cl 2"],
    ),
    "a program already gone is reported lost, not detached": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        peer_gone, [],
        finish, ["probe"],
        eof, ["close", "state ended", "end lost: the debugger closed the connection at a prompt"],
    ),
}  # fmt: skip

QUERIES: dict[str, Script] = {
    "a side query at an idle pdb prompt: its reply is kept, not shown": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        query("p 1"), ["send p 1"],
        got(b"1\n(Pdb) "), ["reply '1\\n'"],
    ),
    "a side query at pdb++'s and IPython's prompts, which read pdb's commands": (
        got(b"(Pdb++) "), ["state at prompt", "ask (Pdb++)"],
        query("p 1"), ["send p 1"],
        got(b"1\nipdb> "), ["reply '1\\n'"],
        query("p 2"), ["send p 2"],
    ),
    "one query at a time; a line typed meanwhile waits for its prompt": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        query("p 1"), ["send p 1"],
        query("p 2"), ["notice refused"],
        typed("x = 1"), [],
        got(b"1\n(Pdb) "), ["reply '1\\n'", "state busy", "send x = 1", "echo (Pdb) x = 1"],
    ),
    "no query while busy": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("p 1"), ["state busy", "send p 1", "echo (Pdb) p 1"],
        query("p 2"), ["notice refused"],
    ),
    "no query in a command list, where it would be recorded": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("commands"), ["state busy", "send commands", "echo (Pdb) commands"],
        got(b"(com) "), ["state at prompt", "ask (com)"],
        query("p 1"), ["notice refused"],
    ),
    "no query inside interact, where it would run as Python": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        typed("interact"), ["state busy", "send interact", "echo (Pdb) interact"],
        got(b">>> "), ["state at prompt", "ask >>>"],
        query("p 1"), ["notice refused"],
    ),
    "a detach asked during a query waits for its prompt": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        query("p 1"), ["send p 1"],
        detach, [],
        got(b"1\n(Pdb) "),
        ["reply '1\\n'", "probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c"],
    ),
}  # fmt: skip

TIMERS: dict[str, Script] = {
    "the first byte cancels the first-byte timer": (
        start(), ["start first byte 5s"],
        got(b"(Pdb) "), ["cancel first byte", "state at prompt", "ask (Pdb)"],
    ),
    "the first-byte timer counts from the connection": (
        start(silent_for=2.0), ["start first byte 3s"],
    ),
    "a silent peer is not a pdb": (
        start(), ["start first byte 5s"],
        fired(Timer.FIRST_BYTE), ["close", "state ended", "end not a pdb: connected"],
    ),
    "a partial line that may grow into a prompt is held, then completed": (
        got(b"1\n(Pd"), ["show '1\\n'", "start quiet 0.3s"],
        got(b"b) "), ["state at prompt", "ask (Pdb)", "cancel quiet"],
    ),
    "the end cancels every timer": (
        start(), ["start first byte 5s"],
        abandon, ["cancel first byte", "close", "state ended",
                  "end detached: closed without waiting for the next prompt"],
    ),
}  # fmt: skip

TABLES = {**ENDINGS, **LINES, **LEAVING, **QUERIES, **TIMERS}


@pytest.mark.parametrize("script", TABLES.values(), ids=TABLES.keys())
def test_session_machine(script: Script) -> None:
    harness = play(script)
    states = [State.STARTING, *harness.states]
    for before, after in zip(states, states[1:]):
        assert after in MAY_FOLLOW[before], f"{before} -> {after}"


def test_the_quiet_timer_shows_a_partial_line_no_prompt_grows_from() -> None:
    # With --prompt-regex any partial line may be a custom prompt: held, then shown when quiet.
    play(
        (
            got(b"name: "), ["start quiet 0.3s"],
            fired(Timer.QUIET), ["show 'name: '"],
        ),
        SessionMachine(extra_prompts=(r"debug> ",)),
    )  # fmt: skip


def test_with_ascii_on_the_advice_is_not_given() -> None:
    play(
        (
            got(b"*** 'ascii' codec can't decode\n(Pdb) "),
            ["show \"*** 'ascii' codec can't decode\\n\"", "state at prompt", "ask (Pdb)"],
        ),
        SessionMachine(ascii_only=True),
    )  # fmt: skip


def test_a_stop_begins_at_its_first_prompt_and_ends_with_continue() -> None:
    harness = play((got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"]))
    machine = harness.machine
    assert machine.stopped_at == harness.now
    harness.now = 200.0
    harness.run(machine.typed("p 1"))
    harness.run(machine.received(b"1\n(Pdb) ", harness.now))
    assert machine.stopped_at == 100.0  # the same stop
    harness.run(machine.typed("c"))
    assert machine.stopped_at is None
    harness.run(machine.received(b"(Pdb) ", harness.now))
    assert machine.stopped_at == 200.0


def test_every_line_sent_but_a_query_makes_what_was_learnt_stale() -> None:
    harness = play((got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"]))
    machine = harness.machine
    harness.run(machine.query("p 1"))
    harness.run(machine.received(b"1\n(Pdb) ", harness.now))
    assert machine.stop_number == 0
    harness.run(machine.typed("n"))
    assert machine.stop_number == 1


def test_lines_left_in_the_queue_are_taken_back() -> None:
    machine = SessionMachine()
    machine.typed("p 1")
    machine.typed("p 2")
    machine.abandon()
    assert machine.take_unsent() == ["p 1", "p 2"]
    assert machine.take_unsent() == []
