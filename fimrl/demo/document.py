"""A report written once and rendered twice: Markdown (to read in a terminal or a repo) and a
self-contained HTML page (to open in a browser), so the two never disagree."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Document"]


@dataclass
class _Block:
    kind: str
    text: str = ""
    level: int = 0
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    right: list[bool] = field(default_factory=list)


class Document:
    """Headings, paragraphs, tables and images, in order."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.blocks: list[_Block] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(_Block("h", text, level))

    def para(self, text: str) -> None:
        self.blocks.append(_Block("p", text))

    def table(
        self, headers: list[str], rows: list[list[str]], right: list[bool] | None = None
    ) -> None:
        """``right[i]``: column i is numeric (right-aligned)."""
        self.blocks.append(
            _Block("t", headers=headers, rows=rows, right=right or [False] * len(headers))
        )

    def image(self, path: Path, alt: str) -> None:
        self.blocks.append(_Block("img", path.name, headers=[alt]))

    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for b in self.blocks:
            if b.kind == "h":
                out += ["#" * b.level + " " + b.text, ""]
            elif b.kind == "p":
                out += [b.text, ""]
            elif b.kind == "t":
                out.append("| " + " | ".join(b.headers) + " |")
                out.append("|" + "|".join(" ---: " if r else " --- " for r in b.right) + "|")
                out += ["| " + " | ".join(row) + " |" for row in b.rows]
                out.append("")
            else:
                out += [f"![{b.headers[0]}]({b.text})", ""]
        return "\n".join(out)

    def html(self) -> str:
        e = html.escape
        body = [f"<h1>{e(self.title)}</h1>"]
        for b in self.blocks:
            if b.kind == "h":
                body.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
            elif b.kind == "p":
                body.append(f"<p>{_inline(b.text)}</p>")
            elif b.kind == "t":
                head = "".join(f"<th>{e(h)}</th>" for h in b.headers)
                rows = "".join(
                    "<tr>"
                    + "".join(
                        f'<td class="{"num" if r else ""}">{_inline(c)}</td>'
                        for c, r in zip(row, b.right, strict=False)
                    )
                    + "</tr>"
                    for row in b.rows
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            else:
                body.append(f'<figure><img src="{e(b.text)}" alt="{e(b.headers[0])}"></figure>')
        style = (
            "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
            "padding:.25em .6em}td.num{text-align:right;font-variant-numeric:tabular-nums}"
            "img{max-width:100%}code{background:#f4f4f4;padding:0 .2em}"
        )
        return (
            f'<!doctype html><html><head><meta charset="utf-8"><title>{e(self.title)}</title>'
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
        )


def _inline(text: str) -> str:
    """Escape, then the two bits of Markdown the report uses: **bold** and `code`."""
    out, bold, code = [], False, False
    i = 0
    escaped = html.escape(text)
    while i < len(escaped):
        if escaped.startswith("**", i) and not code:
            out.append("</b>" if bold else "<b>")
            bold = not bold
            i += 2
        elif escaped[i] == "`":
            out.append("</code>" if code else "<code>")
            code = not code
            i += 1
        else:
            out.append(escaped[i])
            i += 1
    return "".join(out)
