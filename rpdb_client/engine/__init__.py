"""The engine: one debugging session and the run of sessions, without a user interface.

Owns the session (one line per prompt, how it ended, the safe detach), its side queries and the
names learnt from them (``frame_names``), what the output teaches (``output_watch``), who is behind
a connection (``identity``), the run (``runner``: ``--wait``, ``--count``, signals) and the
sentences the user reads about all of it (``wording``), shared by both front ends.

May import: :mod:`rpdb_client.wire`, :mod:`rpdb_client.vocabulary`, :mod:`rpdb_client.host`,
:mod:`rpdb_client.config`, :mod:`rpdb_client.errors` and the standard library; never
prompt_toolkit, click or pygments (a test starts a fresh interpreter to hold this).
"""
