"""A debugged program for the tests: stops in a real remote debugger and records what happened.

Run as ``python target.py KIND PORT RECORD SCENARIO``. KIND picks the server (rpdb, remote_pdb,
celery, pdb = a plain pdb.Pdb on a socket, pdb_latin1 = the same speaking latin-1, pdb_prompt = the
same with the prompt $TARGET_PROMPT). The record
(JSON) says whether the program reached its end, the exception that stopped it if any, and the
values the scenario saw, so the tests can assert on what the *debugged program* experienced.
"""

from __future__ import annotations

import json
import os
import pdb
import socket
import sys
import threading
import time
from typing import Any

KIND, PORT, RECORD_PATH, SCENARIO = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
record: dict[str, Any] = {"reached_end": False, "error": None, "values": {}, "pid": os.getpid()}


def plain_pdb(frame: Any, encoding: str, prompt: str = "(Pdb) ") -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", PORT))
    server.listen(1)
    connection, _ = server.accept()
    server.close()
    handle = connection.makefile("rw", encoding=encoding)
    debugger = prompted(pdb.Pdb(stdin=handle, stdout=handle))
    if prompt != "(Pdb) ":
        debugger.prompt = prompt
    debugger.set_trace(frame)


def stop() -> None:
    """Stop the caller in the debugger of KIND."""
    frame = sys._getframe(1)
    if KIND == "rpdb":
        import rpdb

        rpdb.set_trace(port=PORT, frame=frame)
    elif KIND == "remote_pdb":
        from remote_pdb import RemotePdb

        RemotePdb("127.0.0.1", PORT).set_trace(frame)
    elif KIND == "celery":
        from celery.contrib import rdb

        rdb.set_trace(frame)
    elif KIND == "pdb":
        plain_pdb(frame, "utf-8")
    elif KIND == "pdb_latin1":
        plain_pdb(frame, "latin-1")
    elif KIND == "pdb_prompt":
        plain_pdb(frame, "utf-8", os.environ.get("TARGET_PROMPT", "(Pdb) "))
    else:
        raise SystemExit(f"unknown kind {KIND}")


def helper(n: int) -> int:
    doubled = n * 2
    return doubled


def simple() -> None:
    x = 1
    word = "caf\u00e9"
    stop()  # marker: simple stop
    y = helper(x)
    record["values"].update(x=x, y=y, word=word)


def loop3() -> None:
    seen = []
    for i in range(3):
        value = i
        stop()
        seen.append(value)
    record["values"]["seen"] = seen


def counter() -> None:
    count = 0
    stop()
    record["values"]["count"] = count


def breakpoint_later() -> None:
    x = 1
    stop()
    x = 2
    x = 3  # marker: after x = 2
    record["values"]["x"] = x


def loop3_remote_env() -> None:
    """remote-pdb's own set_trace(), port from REMOTE_PDB_PORT, called three times."""
    from remote_pdb import set_trace

    seen = []
    for i in range(3):
        value = i
        set_trace()
        seen.append(value)
    record["values"]["seen"] = seen


def steps() -> None:
    total = 0
    stop()
    for i in range(3):
        total += i  # marker: loop body
    record["values"]["total"] = total


def big() -> None:
    blob = "x" * 1_000_000
    stop()
    record["values"]["size"] = len(blob)


def printing_thread() -> None:
    done = threading.Event()

    def ticker() -> None:
        n = 0
        while not done.is_set() and n < 200:
            print(f"tick {n}", flush=True)
            n += 1
            time.sleep(0.05)

    thread = threading.Thread(target=ticker, daemon=True)
    thread.start()
    stop()
    done.set()
    record["values"]["ticked"] = True


def remote_env_once() -> None:
    """remote-pdb's own set_trace(): the port comes from REMOTE_PDB_PORT (0: a random one)."""
    from remote_pdb import set_trace

    x = 1
    set_trace()
    record["values"]["x"] = x


def hostile() -> None:
    """Request data an attacker controls: a title, a clipboard write, a screen clear, colour."""
    payload = "\x1b]0;OWNED\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[H\x1b[31mRED\x1b[0m\r\n"
    stop()
    record["values"]["payload"] = payload


def harakiri_after(seconds: float) -> None:
    """Stand in for uWSGI's harakiri: SIGKILL this process ``seconds`` from now."""
    import signal

    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGKILL))
    timer.daemon = True
    timer.start()


class SlowProperty:
    """A property that takes 5 s: completing its attributes must give up, not hang."""

    @property
    def slow(self) -> str:
        record["values"]["slow_calls"] = record["values"].get("slow_calls", 0) + 1
        time.sleep(5)
        return "late"


class RaisingGetattr:
    """Every missing attribute raises, and each attempt is counted."""

    def __getattr__(self, name: str) -> Any:
        record["values"]["getattr_calls"] = record["values"].get("getattr_calls", 0) + 1
        raise RuntimeError(f"no attribute {name} here")


def completion_names() -> None:
    """Objects to complete names and attributes on, including a slow and a raising one."""
    import types

    request = types.SimpleNamespace(path="/orders", headers={"Accept": "*/*"}, method="GET")
    request.args = {"name": "ada", "next": "/", 'say "hi"': 1, 3: "not a str"}
    data = {"nested": {"inner": 1}}
    lazy = SlowProperty()
    broken = RaisingGetattr()
    counter = 0
    stop()
    record["values"].update(
        counter=counter, path=request.path, lazy=type(lazy).__name__, broken=type(broken).__name__
    )
    record["values"]["nested"] = data["nested"]


def huge() -> None:
    """A 20 MiB text for the debugger to print (``!print(text)``): the speed test's reply."""
    text = "".join(f"line {i:7d} " + "x" * 66 + "\n" for i in range(262_144))
    stop()
    record["values"]["size"] = len(text)


def collect() -> None:
    """Lines sent through the debugger append to ``got``; the record keeps their order."""
    got: list[int] = []
    stop()
    record["values"]["got"] = got


def two_stops() -> None:
    """Two stops; between them, waits (20 s at most) for the file named by $TARGET_GO."""
    stop()
    go = os.environ.get("TARGET_GO", "")
    deadline = time.monotonic() + 20
    while go and not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.01)
    stop()
    record["values"]["stops"] = 2


def linger() -> None:
    """Runs on for 2 s after its stop: a client must not wait for the program's end."""
    x = 1
    stop()
    time.sleep(2)
    record["values"]["x"] = x


def prompted(debugger: pdb.Pdb) -> pdb.Pdb:
    """The prompt of a pdb replacement ("(Pdb++) ", "ipdb> ") from $TARGET_PROMPT: it reads the
    same commands (defined down here: the tests know the line numbers of the scenarios)."""
    debugger.prompt = os.environ.get("TARGET_PROMPT", debugger.prompt)
    return debugger


def look_alikes() -> None:
    """A thread prints pdb's prompt at the start of lines while the program is stopped.

    $TARGET_LOOK_ALIKE: ``lines`` prints ``(Pdb) `` lines, ``partial`` prints ``(Pdb) `` with
    no newline (``print(..., end="", flush=True)``), ``none`` prints nothing. Lines sent
    append to ``got``; ``data`` holds prompt look-alikes for a command to print.
    """
    style = os.environ.get("TARGET_LOOK_ALIKE", "lines")
    data = "first\n(Pdb) \n(Pdb) more\n((Pdb)) \nlast\n(Pdb) "
    got: list[int] = []
    done = threading.Event()

    def printer() -> None:
        deadline = time.monotonic() + 20
        while style != "none" and not done.is_set() and time.monotonic() < deadline:
            if style == "partial":
                print("(Pdb) ", end="", flush=True)
            else:
                print("(Pdb) ", flush=True)
            time.sleep(0.002)

    thread = threading.Thread(target=printer, daemon=True)
    thread.start()
    stop()
    done.set()
    thread.join(5)
    record["values"].update(got=got, data=len(data))


def timed_stops() -> None:
    """Ten stops in a loop; the record keeps how long each stop held the program."""
    held = []
    i = 0  # what the tracepoint prints (`p i`)
    while i < 10:
        began = time.monotonic()
        stop()
        held.append(time.monotonic() - began)
        i += 1
    record["values"]["held"] = held


def main() -> None:
    if "--harakiri" in sys.argv:
        harakiri_after(float(sys.argv[sys.argv.index("--harakiri") + 1]))
    try:
        globals()[SCENARIO]()
        record["reached_end"] = True
    except BaseException as error:  # the record must say what killed the program
        record["error"] = f"{type(error).__name__}: {error}"
    finally:
        with open(RECORD_PATH, "w") as file:
            json.dump(record, file)


main()
