"""The program ``rpdb-connect --demo`` debugs: a little request handler stopped in pdb.

Standard library only, so the demo needs nothing else installed. It listens on a free loopback
port, prints ``port N`` on stdout for the client, stops in a plain ``pdb.Pdb`` whose stdin and
stdout are the accepted socket (what rpdb does), and prints its result when it is let go.
"""

from __future__ import annotations

import pdb
import socket
import sys
from typing import Any


def stop_here(frame: Any) -> None:
    """Stop ``frame`` in pdb over the first connection to a free loopback port."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        print(f"port {server.getsockname()[1]}", flush=True)
        server.settimeout(60)  # nobody came: give up rather than wait forever
        connection, _ = server.accept()
    # Not closed here: set_trace() only arms the debugger, which stops at the caller's next
    # line and reads this socket from then on; it closes when the program exits.
    handle = connection.makefile("rw", encoding="utf-8")
    pdb.Pdb(stdin=handle, stdout=handle).set_trace(frame)


def handle(request: dict[str, Any]) -> dict[str, Any]:
    """Price an order, as a web view would."""
    total = sum(item["price"] * item["qty"] for item in request["items"])
    discount = 0.1 if request["user"]["vip"] else 0.0
    stop_here(sys._getframe())
    return {"user": request["user"]["name"], "total": round(total * (1 - discount), 2)}


def main() -> None:
    request = {
        "path": "/checkout",
        "user": {"name": "ada", "vip": True},
        "items": [
            {"name": "tea", "price": 4.5, "qty": 2},
            {"name": "cake", "price": 3.0, "qty": 1},
        ],
    }
    response = handle(request)
    print(f"the demo program finished normally and answered {response}", flush=True)


if __name__ == "__main__":
    main()
