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
    got_more,
    peer_gone,
    play,
    query,
    start,
    typed,
    unread,
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
    "a read with two prompts: only the last is pdb's (one line was sent)": (
        typed("p 1"), [],
        typed("p 2"), [],
        got(b"(Pdb) "), ["state busy", "send p 1", "echo (Pdb) p 1"],
        got(b"1\n(Pdb) 2\n(Pdb) "),
        ["show '1\\n'", "show '(Pdb) '", "start doubt 0.25s", "show '2\\n'", "cancel doubt",
         "send p 2", "echo (Pdb) p 2"],
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
    "detach: remote-pdb sends no EOF after c; not on this machine, the drain closes": (
        got(b"> f\r\n(Pdb) "), ["show '> f\\n'", "state at prompt", "ask (Pdb)"],
        detach, ["probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c",
                 "check taken"],
        fired(Timer.DRAIN), ["check taken", "close", "state ended", "end detached"],
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
    "finish after c with breakpoints (remote-pdb): wait for the stop, to clear them": (
        got(b"Breakpoint 2 at /srv/app.py:9\r\n(Pdb) "),
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

BREAKPOINT = b"Breakpoint 1 at /srv/app.py:9\n(Pdb) "
BREAKPOINT_SHOWN = ["show 'Breakpoint 1 at /srv/app.py:9\\n'", "state at prompt", "ask (Pdb)"]
DELETED = b"Deleted breakpoint 1 at /srv/app.py:9\n(Pdb) "
DELETED_SHOWN = "show 'Deleted breakpoint 1 at /srv/app.py:9\\n'"
CLEARING = "notice clearing breakpoint(s) 1 before c"

CONTINUING: dict[str, Script] = {  # issue 11, item 2
    "c with breakpoints on a server that closes on c: cleared first, and said": (
        got(BREAKPOINT), BREAKPOINT_SHOWN,
        typed("c"), [CLEARING, "state busy", "send cl 1", "echo (Pdb) cl 1"],
        got(DELETED), [DELETED_SHOWN, "state running", "send c", "echo (Pdb) c"],
        eof, ["close", "state ended", "end continued"],
    ),
    "a c queued behind the b that sets the breakpoint": (
        typed("b 9"), [],
        typed("c"), [],
        got(b"(Pdb) "), ["state busy", "send b 9", "echo (Pdb) b 9"],
        got(BREAKPOINT), ["show 'Breakpoint 1 at /srv/app.py:9\\n'", CLEARING, "send cl 1",
                          "echo (Pdb) cl 1"],
    ),
    "cont and continue too": (
        got(BREAKPOINT), BREAKPOINT_SHOWN,
        typed("continue"), [CLEARING, "state busy", "send cl 1", "echo (Pdb) cl 1"],
        got(DELETED), [DELETED_SHOWN, "state running", "send continue", "echo (Pdb) continue"],
    ),
    "a c inside ;; too": (
        got(BREAKPOINT), BREAKPOINT_SHOWN,
        typed("p 1;;cont"), [CLEARING, "state busy", "send cl 1", "echo (Pdb) cl 1"],
        got(DELETED), [DELETED_SHOWN, "state running", "send p 1;;cont", "echo (Pdb) p 1;;cont"],
        eof, ["close", "state ended", "end continued"],
    ),
    "a clear that fails is not asked again: the c follows": (
        got(BREAKPOINT), BREAKPOINT_SHOWN,
        typed("c"), [CLEARING, "state busy", "send cl 1", "echo (Pdb) cl 1"],
        got(b"*** Breakpoint 1 already deleted\n(Pdb) "),
        ["show '*** Breakpoint 1 already deleted\\n'", "state running", "send c", "echo (Pdb) c"],
    ),
    "without breakpoints the c goes at once": (
        got(b"Deleted breakpoint 1 at /srv/app.py:9\n(Pdb) "), [DELETED_SHOWN, "state at prompt",
                                                                  "ask (Pdb)"],
        typed("c"), ["state running", "send c", "echo (Pdb) c"],
    ),
    "remote-pdb keeps its connection: the breakpoints stay, to stop again": (
        got(b"Breakpoint 1 at /srv/app.py:9\r\n(Pdb) "), BREAKPOINT_SHOWN,
        typed("c"), ["state running", "send c", "echo (Pdb) c"],
    ),
    "a c recorded in a command list clears nothing": (
        got(BREAKPOINT), BREAKPOINT_SHOWN,
        typed("commands 1"), ["state busy", "send commands 1", "echo (Pdb) commands 1"],
        got(b"(com) "), ["state at prompt", "ask (com)"],
        typed("c"), ["state busy", "send c", "echo (com) c"],
    ),
}  # fmt: skip

LOOK_ALIKES: dict[str, Script] = {  # issue 11, item 7
    "a prompt with more bytes waiting behind it is not answered; the clean one is": (
        typed("p 1"), [],
        typed("p 2"), [],
        got(b"(Pdb) "), ["state busy", "send p 1", "echo (Pdb) p 1"],
        got_more(b"x\n(Pdb) "), ["show 'x\\n'", "show '(Pdb) '", "start doubt 0.25s"],
        got(b"\n1\n(Pdb) "), ["cancel doubt", "send p 2", "show '\\n1\\n'", "echo (Pdb) p 2"],
    ),
    "rpdb: a thread printed after a real prompt: answered once no clean prompt came": (
        typed("p 1"), [],
        got(b"(Pdb) tick 3\n"), ["show '(Pdb) '", "start doubt 0.25s", "show 'tick 3\\n'"],
        fired(Timer.DOUBT), ["state busy", "send p 1", "echo (Pdb) p 1"],
    ),
    "rpdb, nothing queued: the user is asked, and sees what followed": (
        got(b"(Pdb) tick 3\n"), ["state at prompt", "ask (Pdb)", "show 'tick 3\\n'"],
    ),
    "remote-pdb: only pdb writes there, so a prompt with text after it is output": (
        got(b"> f\r\n(Pdb) "), ["show '> f\\n'", "state at prompt", "ask (Pdb)"],
        typed("p data"), ["state busy", "send p data", "echo (Pdb) p data"],
        got(b"a\r\n(Pdb) \r\nb\r\n(Pdb) "),
        ["show 'a\\n'", "show '(Pdb) '", "show '\\nb\\n'", "state at prompt", "ask (Pdb)"],
    ),
    "remote-pdb: a look-alike at the end of a read, with more waiting, is output": (
        got(b"> f\r\n(Pdb) "), ["show '> f\\n'", "state at prompt", "ask (Pdb)"],
        typed("p data"), ["state busy", "send p data", "echo (Pdb) p data"],
        typed("p 2"), [],
        got_more(b"a\r\n(Pdb) "), ["show 'a\\n'", "show '(Pdb) '"],
        got(b"\r\n(Pdb) "), ["send p 2", "show '\\n'", "echo (Pdb) p 2"],
    ),
    "a prompt alone while a line awaits its answer, that line unread: a look-alike": (
        typed("p 1"), [],
        typed("p 2"), [],
        got(b"(Pdb) "), ["state busy", "send p 1", "echo (Pdb) p 1"],
        unread(4), [],
        got(b"(Pdb) "), ["check unread"],
        unread(0), [],
        got(b"1\n(Pdb) "), ["send p 2", "show '1\\n'", "echo (Pdb) p 2"],
    ),
    "a prompt alone, nothing of ours unread: answered": (
        typed("x = 1"), [],
        typed("p 2"), [],
        got(b"(Pdb) "), ["state busy", "send x = 1", "echo (Pdb) x = 1"],
        unread(0), [],
        got(b"(Pdb) "), ["check unread", "send p 2", "echo (Pdb) p 2"],
    ),
    "remote-pdb keeps early lines, and only pdb writes there: no check": (
        typed("x = 1"), [],
        typed("p 2"), [],
        got(b"> f\r\n(Pdb) "), ["state busy", "send x = 1", "show '> f\\n'",
                                 "echo (Pdb) x = 1"],
        got(b"(Pdb) "), ["send p 2", "echo (Pdb) p 2"],
    ),
}  # fmt: skip

DETACH_CONFIRMED: dict[str, Script] = {  # issue 11, items 7 and 14
    "remote-pdb on this machine: the detach ends once the server has read the c": (
        unread(0), [],
        got(b"> f\r\n(Pdb) "), ["show '> f\\n'", "state at prompt", "ask (Pdb)"],
        detach, ["probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c",
                 "check taken", "cancel drain", "close", "state ended", "end detached"],
    ),
    "remote-pdb: the c not read yet, asked again until it is": (
        unread(2), [],
        got(b"> f\r\n(Pdb) "), ["show '> f\\n'", "state at prompt", "ask (Pdb)"],
        detach, ["probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c",
                 "check taken", "start taken 0.0001s"],
        fired(Timer.TAKEN), ["check taken", "start taken 0.0002s"],
        unread(0), [],
        fired(Timer.TAKEN), ["check taken", "cancel drain", "close", "state ended",
                             "end detached"],
    ),
    "a prompt after the c, the c still unread: that prompt reads it, no second c": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        detach, ["probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c"],
        unread(2), [],
        got(b"1\n(Pdb) "), ["show '1\\n'", "check taken", "start taken 0.0001s"],
        eof, ["cancel drain", "cancel taken", "close", "state ended", "end detached"],
    ),
    "remote-pdb: a prompt after the c was read: lost, sent again, three times at most": (
        unread(0), [],
        got(b"> f\r\n(Pdb) "), ["show '> f\\n'", "state at prompt", "ask (Pdb)"],
        unread(2), [],
        detach, ["probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c",
                 "check taken", "start taken 0.0001s"],
        unread(0), [],
        got(b"(Pdb) "), ["check taken", "send c", "echo (Pdb) c", "check taken",
                         "cancel drain", "cancel taken", "close", "state ended", "end detached"],
    ),
    "rpdb: a prompt after the c was read waits for the end of stream, then sends it again": (
        unread(0), [],
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        detach, ["probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c"],
        got(b"(Pdb) "), ["check taken", "start taken 0.1s"],
        fired(Timer.TAKEN), ["check taken", "send c", "echo (Pdb) c"],
        got(b"(Pdb) "), ["check taken", "start taken 0.1s"],
        fired(Timer.TAKEN), ["check taken", "send c", "echo (Pdb) c"],
        got(b"(Pdb) "), ["check taken", "start taken 0.1s"],
        fired(Timer.TAKEN), ["check taken", "cancel drain", "close", "state ended",
                             "end detached: the debugger prompted again after each of 3 c"],
    ),
    "rpdb: a thread's prompt after the c was read: the end of stream comes, no second c": (
        unread(0), [],
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        detach, ["probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c"],
        got(b"(Pdb) "), ["check taken", "start taken 0.1s"],
        eof, ["cancel drain", "cancel taken", "close", "state ended", "end detached"],
    ),
    "rpdb: no end of stream after the c is not called a detach that continues": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        detach, ["probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c"],
        fired(Timer.DRAIN), ["check taken", "close", "state ended",
                             "end detached: the debugger did not end the session after the c"],
    ),
    "a pdb on a socket keeps the connection: the c read, no prompt back, is a detach": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        detach, ["probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c"],
        unread(0), [],
        fired(Timer.DRAIN), ["check taken", "close", "state ended", "end detached"],
    ),
    "the c unread while pdb is busy: the drain waits longer, then says so": (
        got(b"(Pdb) "), ["state at prompt", "ask (Pdb)"],
        detach, ["probe", "state detaching", "start drain 1s", "send c", "echo (Pdb) c"],
        unread(2), [],
        *[step for pause in ("0.0001", "0.0002", "0.0004", "0.0008") for step in (
            fired(Timer.DRAIN), ["check taken", "start drain 1s", f"start taken {pause}s"],
        )],
        fired(Timer.DRAIN), ["check taken", "cancel taken", "close", "state ended",
                             "end detached: the debugger had not read the c when the client "
                             "closed (a command still running?)"],
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

TABLES = {
    **ENDINGS,
    **LINES,
    **LEAVING,
    **CONTINUING,
    **LOOK_ALIKES,
    **DETACH_CONFIRMED,
    **QUERIES,
    **TIMERS,
}


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
