"""The terminal front end: the prompt_toolkit REPL over the engine.

Owns the interactive application (``repl``), what it shows (``screen``, ``toolbar``, ``style``),
how it reacts to the session (``front_end``), keys (``key_bindings``), input highlighting
(``lexer``), completion (``completer``) and history (``history``). The only package that imports
prompt_toolkit.

May import: every layer below it (engine, output, vocabulary, wire, host through the engine,
config, errors).
"""
