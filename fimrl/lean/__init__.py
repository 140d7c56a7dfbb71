"""Lean 4 source text: scanning, declarations, tactic trees, FIM span selection.

This package never runs Lean; it is pure Python over source text.  Importing it is
cheap (no submodule is imported here).  The public API, by module:

``fimrl.lean.source``
    ``load_source(path, *, max_bytes=8 MiB) -> str`` - read a ``.lean`` file or raise
    ``SkipFile(reason)`` (too large, NUL bytes, invalid UTF-8, unreadable).

``fimrl.lean.fim``
    ``build_tasks(text, source, *, seed=0, mix=None, max_per_decl=4, fractions=None)
    -> BuildResult`` - cut FIM tasks from one file's text (raises ``SkipFile`` on
    lexically broken text).  ``build_file(path, *, source=None, ...)`` = load + build.
    ``BuildResult(tasks, counts, declarations, skipped)``;
    ``FimTask(source, decl_name, decl_kind, header, prefix, middle, suffix, span_kind,
    split, content_hash, line, col)``.  ``prefix + middle + suffix`` is the
    declaration text; ``header + prefix + middle + suffix`` elaborates it (Lean closes
    open namespaces at end of input).

``fimrl.lean.spans``
    ``SPAN_KINDS``, ``DEFAULT_MIX`` and ``check_middle(text, start, end)``;
    ``candidate_spans``/``select_spans`` (and their tuple-pool forms
    ``candidate_pools``/``select_from_pools``, which ``build_tasks`` uses).

``fimrl.lean.splits``
    ``assign_split(key, fractions)``, ``split_key(name, statement)``, ``dedup(tasks)``.

``fimrl.lean.lexer``
    ``tokenize(text) -> list[Token]``, ``Token(kind, text, start, end)``,
    ``LeanSyntaxError(message, offset)``, ``KEYWORDS``, ``TRIVIA``.

``fimrl.lean.declarations`` / ``fimrl.lean.tactics``
    ``parse_file(text) -> ParsedFile`` (commands, declarations, ``header_for``) and
    ``TacticParser`` (tactic trees) for callers that need the structure itself;
    ``fimrl.lean.headers.ScopeTree`` is how ``header_for`` avoids replaying every
    earlier command for each declaration.

``fimrl.lean.synth``
    ``generate_file(seed, n_decls)`` - random Lean-shaped text for tests/benchmarks.
"""
