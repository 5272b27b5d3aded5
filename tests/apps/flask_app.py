"""The scene the tool exists for: a Flask view that builds a response and stops in rpdb.

Served by uWSGI and by gunicorn in the end-to-end tests. The debugger's port comes from
``RPDB_TEST_PORT``; ``/plain`` answers without stopping.
"""

from __future__ import annotations

import os

import rpdb
from flask import Flask, Response, make_response, request

app = Flask(__name__)


@app.route("/")
def index() -> Response:
    response = make_response(f"hello from {os.getpid()}\n")
    response.headers["Content-Type"] = "text/html"
    greeting = request.args.get("name", "world")
    rpdb.set_trace(port=int(os.environ["RPDB_TEST_PORT"]))
    response.headers["X-Greeting"] = greeting
    return response


@app.route("/plain")
def plain() -> Response:
    return make_response("plain\n")
