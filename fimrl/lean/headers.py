"""Context headers: which earlier commands of a file a declaration is checked with.

Why a module of its own: the header of a declaration is "imports, then every scope
and context command before it, plus the earlier declarations it uses, with closed
scopes that would hold nothing but context pruned".  Replaying that rule over all
earlier commands for every declaration costs O(commands) per declaration, so
O(commands²) per file, which is what dominates on long real files.  Here the file
is arranged once into its tree of ``namespace``/``section``/``mutual`` scopes, and
each scope keeps the text of what it contributes unconditionally (context commands,
commands that are always kept, closed sub-scopes holding such commands, pre-joined).
A header is then a few list slices along the chain of scopes that are open at the
declaration, plus one insertion per needed earlier declaration (and the otherwise
pruned scopes around it), joined once.

The result is identical to the replay (see ``ParsedFile.header_for`` for the rule);
the per-command classification comes from :mod:`fimrl.lean.declarations`:

``open_scope``  ``namespace``/``section``/``mutual``
``end``         closes the innermost open scope (or is kept as is when none is open)
``context``     ``open``/``variable``/``universe``/``set_option``/...: always kept,
                but does not keep a closed scope alive on its own
``always``      instances, notation, attributed declarations, ...: always kept
``optional``    a plain theorem/def: kept when the declaration depends on it
``drop``        ``#eval``-style commands and examples: never kept
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

__all__ = ["SEPARATOR", "ScopeTree"]

#: What separates two commands in a header.
SEPARATOR: Final[str] = "\n\n"
_ROOT: Final[int] = -1


@dataclass(slots=True)
class _Scope:
    """One scope: ``open``/``end`` are command indices (``end`` is ``None`` if unclosed).

    ``base_idx``/``base_text`` list, in file order, what the scope contributes
    whatever the declaration needs: kept commands and closed sub-scopes that hold an
    ``always`` command (as their whole pre-joined text, keyed by their ``open``).
    """

    open: int
    parent: int
    end: int | None = None
    keeps: bool = False  # holds an ``always`` command, directly or in a sub-scope
    text: str = ""  # the whole closed scope, pre-joined (only when ``keeps``)
    base_idx: list[int] = field(default_factory=list)
    base_text: list[str] = field(default_factory=list)


class ScopeTree:
    """The commands of one file arranged by scope, for :meth:`header`.

    ``kinds[c]`` classifies command ``c`` (see the module docstring) and
    ``pieces[c]`` is its source text.  Building is one pass over the commands.
    """

    def __init__(self, kinds: list[str], pieces: list[str]) -> None:
        self._pieces = pieces
        self._scopes: dict[int, _Scope] = {_ROOT: _Scope(_ROOT, _ROOT)}
        self._scope_of: list[int] = []  # innermost scope open at each command
        stack = [self._scopes[_ROOT]]
        for c, kind in enumerate(kinds):
            top = stack[-1]
            self._scope_of.append(top.open)
            if kind == "open_scope":
                scope = _Scope(c, top.open)
                self._scopes[c] = scope
                stack.append(scope)
            elif kind == "end" and len(stack) > 1:
                stack.pop()
                top.end = c
                if top.keeps:
                    top.text = SEPARATOR.join([pieces[top.open], *top.base_text, pieces[c]])
                    parent = stack[-1]
                    parent.keeps = True
                    parent.base_idx.append(top.open)
                    parent.base_text.append(top.text)
            elif kind in ("end", "context", "always"):
                top.base_idx.append(c)
                top.base_text.append(pieces[c])
                if kind == "always":
                    top.keeps = True

    def header(self, target: int, needed: Iterable[int]) -> list[str]:
        """Texts of the commands kept before command ``target``, in file order.

        ``needed`` are the ``optional`` commands ``target`` depends on (each before
        ``target``).
        """
        scopes, scope_of = self._scopes, self._scope_of
        # Scopes open at ``target``, outermost first.
        chain = [scope_of[target]]
        while chain[-1] != _ROOT:
            chain.append(scopes[chain[-1]].parent)
        chain.reverse()
        open_here = set(chain)
        # Needed commands and the closed scopes around them that must be rendered
        # item by item (they are pruned, or their pre-joined text lacks the command).
        extra: dict[int, list[int]] = {}
        dirty: set[int] = set()
        for c in needed:
            s = scope_of[c]
            extra.setdefault(s, []).append(c)
            while s not in open_here and s not in dirty:
                dirty.add(s)
                parent = scopes[s].parent
                extra.setdefault(parent, []).append(s)
                s = parent
        # Closed scopes are rendered innermost first (a scope opens after the scopes
        # around it), so a scope's extras are ready when it is rendered; no recursion.
        rendered: dict[int, str] = {}
        for s in sorted(dirty, reverse=True):
            scope = scopes[s]
            end = scope.end if scope.end is not None else target  # always closed
            items = self._items(scope, end, extra, rendered)
            rendered[s] = SEPARATOR.join([self._pieces[s], *items, self._pieces[end]])
        out: list[str] = []
        for depth, s in enumerate(chain):
            if s != _ROOT:
                out.append(self._pieces[s])
            limit = chain[depth + 1] if depth + 1 < len(chain) else target
            out.extend(self._items(scopes[s], limit, extra, rendered))
        return out

    def _items(
        self, scope: _Scope, limit: int, extra: dict[int, list[int]], rendered: dict[int, str]
    ) -> list[str]:
        """``scope``'s kept items before command ``limit``, with its extras inserted.

        An extra is a needed command or a closed sub-scope from ``rendered``; a
        sub-scope that was kept anyway replaces its pre-joined text.
        """
        m = bisect_left(scope.base_idx, limit)
        items = scope.base_text[:m]
        for c in sorted(extra.get(scope.open, ()), reverse=True):
            if c >= limit:
                continue
            pos = bisect_left(scope.base_idx, c, 0, m)
            sub = rendered.get(c)
            if sub is None:
                items.insert(pos, self._pieces[c])
            elif pos < m and scope.base_idx[pos] == c:
                items[pos] = sub
            else:
                items.insert(pos, sub)
        return items
