"""The command line: the ``rpdb-connect`` click command and what only it does.

Owns reading argv and the environment (``command``), the ``--list`` table and ``--pick``
(``listing``), shell completion of the command's own options (``shell_completion``) and the
bundled demo (``demo``, ``demo_program``). The only place that exits, or prints outside a session.

May import: everything.
"""
