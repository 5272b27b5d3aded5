"""Record what real servers send, for the protocol tests: ``python tests/transcripts/record.py``.

Drives the ``simple`` scenario of programs/target.py on each server with a raw socket, one line
per prompt, and stores the received bytes per sent line as JSON (base64), so the protocol tests
can replay exactly what rpdb, remote-pdb, celery.contrib.rdb and plain pdb sent.
"""

from __future__ import annotations

import base64
import json
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from debuggee import TARGET, Debuggee, line_of

PROMPT_ENDINGS = (b"(Pdb) ", b"((Pdb)) ", b"(com) ", b"breaks? ")


def lines_for(kind: str) -> list[str]:
    lines = ["p x", "p word", "l", "bt", "debug helper(2)", "s", "p n", "c"]
    lines += [f"b {line_of('loop body')}", "commands 1", "p 'hit'", "end"]
    if kind != "remote_pdb":  # remote-pdb asks "Clear all breaks?" on the server's console
        lines += ["cl", "y"]
    lines += ["p '\u00e9t\u00e9 ' * 3", "c"]
    return lines


def record(kind: str, tmp: Path) -> list[dict[str, str]]:
    program = Debuggee(kind, "simple", tmp)
    try:
        program.wait_listening()
        sock = socket.create_connection(("127.0.0.1", program.port), timeout=10)
        segments = []
        sent = ""
        for line in [*lines_for(kind), None]:
            received = b""
            deadline = time.monotonic() + 10
            while not received.rstrip(b"\r\n").endswith(PROMPT_ENDINGS) or received.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk or time.monotonic() > deadline:
                    break
                received += chunk
            # The checkout's location is this machine's business, not the transcript's.
            received = received.replace(str(TARGET.parent).encode(), b"/srv/app")
            segments.append({"sent": sent, "received": base64.b64encode(received).decode()})
            if line is None:
                break
            sock.sendall(line.encode() + b"\n")
            sent = line
        sock.close()
        return segments
    finally:
        program.stop()


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("rpdb", "remote_pdb", "celery", "pdb"):
            out = Path(__file__).parent / f"{kind}.json"
            out.write_text(json.dumps(record(kind, Path(tmp)), indent=1) + "\n")
            print("recorded", out.name)


if __name__ == "__main__":
    main()
