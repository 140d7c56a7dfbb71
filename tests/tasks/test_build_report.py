"""The build report `fimrl tasks stats` reads: round trip, grouping, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from fimrl.build_report import (
    REPORT_NAME,
    BuildReport,
    file_reason_key,
    load_report,
    save_report,
)
from fimrl.errors import FimrlError


def test_round_trip_and_grouping(tmp_path: Path) -> None:
    report = BuildReport(
        files=3,
        skipped_files=[
            ("a.lean", "unterminated comment at line 3"),
            ("b.lean", "unterminated comment at line 9"),
            ("c.lean", "too large: 9 bytes > limit 5"),
        ],
        skipped_declarations={"sorry": 2},
        rejected_spans={"ends before its right-hand side": 1},
        paths_without_lean=["/x"],
    )
    assert load_report(tmp_path / "state") is None
    save_report(report, tmp_path / "state")
    assert load_report(tmp_path / "state") == report
    assert report.skipped_files_by_reason() == {"unterminated comment": 2, "too large": 1}
    assert file_reason_key("binary content: NUL character at offset 4") == "binary content"


@pytest.mark.parametrize("content", ["not json", "[]", '{"files": "x"}'])
def test_a_malformed_report_is_a_clear_error(tmp_path: Path, content: str) -> None:
    (tmp_path / REPORT_NAME).write_text(content)
    with pytest.raises(FimrlError):
        load_report(tmp_path)
