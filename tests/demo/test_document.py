"""The report document: one source, Markdown and HTML that say the same thing."""

from __future__ import annotations

from pathlib import Path

from fimrl.demo.document import Document


def test_markdown_and_html_carry_the_same_content(tmp_path: Path) -> None:
    doc = Document("run `demo-1`")
    doc.heading("Held-out")
    doc.para("**Rewards:** Lean <4.35.0> & `prelude`")
    doc.table(["policy", "pass@1"], [["base", "0.000"], ["final (v2)", "0.050"]], [False, True])
    doc.image(tmp_path / "held_out.png", "held-out pass@k")
    md = doc.markdown()
    assert md.startswith("# run `demo-1`\n")
    assert "| policy | pass@1 |\n| --- | ---: |\n| base | 0.000 |" in md
    assert "![held-out pass@k](held_out.png)" in md
    html = doc.html()
    assert "<b>Rewards:</b> Lean &lt;4.35.0&gt; &amp; <code>prelude</code>" in html
    assert '<td class="num">0.050</td>' in html and '<img src="held_out.png"' in html
    assert html.count("<tr>") == 3  # header + two rows
