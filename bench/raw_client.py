"""The baseline: the smallest correct client, run as its own process like rpdb-connect.

``python raw_client.py PORT [--no-quickack] [--loop N]``: reads commands from stdin and sends
one per prompt (the rule of docs/protocol.md section 3), writing what it receives to stdout; with
``--loop N`` it serves N ``set_trace()`` calls in a row, answering each with ``c``. No parsing
beyond "ends with the prompt", no safety: the speed a client cannot beat.
"""

from __future__ import annotations

import socket
import sys
import time

PROMPT = b"(Pdb) "
QUICKACK = getattr(socket, "TCP_QUICKACK", None)


def connect(port: int) -> socket.socket:
    deadline = time.monotonic() + 20
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port))
        except (ConnectionRefusedError, ConnectionResetError):
            if time.monotonic() > deadline:
                raise


def read_until_prompt(sock: socket.socket, quickack: bool, out: object) -> bool:
    """Read up to the next prompt; False at EOF."""
    tail = b""
    while True:
        chunk = sock.recv(262144)
        if not chunk:
            return False
        if quickack and QUICKACK is not None:
            sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
        sys.stdout.buffer.write(chunk)
        tail = (tail + chunk)[-len(PROMPT) :]
        if tail == PROMPT:
            return True


def main() -> None:
    port = int(sys.argv[1])
    quickack = "--no-quickack" not in sys.argv
    loops = int(sys.argv[sys.argv.index("--loop") + 1]) if "--loop" in sys.argv else 0
    # --first LINE: at each stop of a loop, send LINE and read its reply before the `c`
    # (the tracepoint recipe: a command per stop, then let the program go on).
    first = (
        sys.argv[sys.argv.index("--first") + 1].encode() + b"\n" if "--first" in sys.argv else b""
    )
    if loops:
        served = 0
        while served < loops:
            sock = connect(port)
            try:
                if not read_until_prompt(sock, quickack, sys.stdout):
                    continue  # a listener being closed accepted and reset us: not yet
            except ConnectionResetError:
                continue
            if first:
                sock.sendall(first)
                read_until_prompt(sock, quickack, sys.stdout)
            sock.sendall(b"c\n")
            sock.close()
            served += 1
        return
    sock = connect(port)
    read_until_prompt(sock, quickack, sys.stdout)
    for line in sys.stdin.buffer:
        sock.sendall(line)
        sys.stdout.buffer.flush()
        if not read_until_prompt(sock, quickack, sys.stdout):
            break
    sock.close()


if __name__ == "__main__":
    main()
