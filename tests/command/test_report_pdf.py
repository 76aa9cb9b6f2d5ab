"""The daily report printed (issue 18, item 3): every key has a Chinese label, none reaches a
person raw, and `fangyi report daily --pdf` writes a PDF in a CJK font."""

from __future__ import annotations

import re
import zlib
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.cli.main import app
from fangyi.command.pdf import html, labelled, missing_labels
from fangyi.command.report import daily
from fangyi.db.session import session_scope
from fangyi.parts import installed
from fangyi.protocols.reader import available, load
from fangyi.workforce.kinds import QUALIFICATIONS
from fangyi.workforce.rules import rules
from tests.command.test_daily_report import _fill

DAY = date(2022, 4, 1)


def _fonts(pdf: bytes) -> set[str]:
    """The fonts a PDF embeds (their names without the subset's prefix), from its streams too."""
    text = pdf
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            text += zlib.decompress(stream.group(1))
        except zlib.error:
            continue
    return {name.decode().split("+")[-1] for name in re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", text)}


def test_every_key_of_the_report_has_a_chinese_label(db) -> None:
    _fill(db)
    report = daily(db, SYSTEM, DAY)
    assert set(report) - {"date"} == {key for key, _ in installed().figures}
    assert sum(len(values) for key, values in report.items() if key != "date") > 30
    assert missing_labels(report) == []
    for section, figures in labelled(report):
        assert not section.isascii() and all(not label.isascii() for label, _ in figures)


def test_the_figures_named_by_the_data_have_labels_too() -> None:
    # The workforce's figures by qualification and by each shift of the editions, which an empty
    # day leaves out; an institution's name (data, in Chinese) is its own label.
    shifts = {spec.code for edition in available() for spec in rules(load(edition)).shifts}
    figures = {**{f"posted_{q}": 1 for q in QUALIFICATIONS}, **{f"covered_{s}": 1 for s in shifts},
               **{f"needed_{s}": 1 for s in shifts}, "石滩乡卫生院": 3}
    report = {"date": "2022-04-01", "workforce": figures}
    assert missing_labels(report) == []
    assert ("石滩乡卫生院", "3") in labelled(report)[0][1]


def test_a_key_without_a_label_is_refused_not_printed() -> None:
    report = {"date": "2022-04-01", "cases": {"new": 1, "invented_figure": 2}}
    assert missing_labels(report) == ["report.fig.cases.invented_figure"]
    with pytest.raises(ValueError, match="invented_figure"):
        html(report, "衡东县")


def test_the_printed_page_says_everything_in_chinese(db) -> None:
    _fill(db)
    page = html(daily(db, SYSTEM, DAY), "衡东县")
    assert "衡东县疫情防控日报" in page and "日期：2022-04-01" in page and "未关账" in page
    assert "今日新增病例" in page and "Noto Sans CJK SC" in page
    body = page.split("<body>")[1]
    for values in daily(db, SYSTEM, DAY).values():
        if isinstance(values, dict):
            # No raw key in a cell: a figure named by the data (a village, an institution) is its own label.
            assert all(f">{name}<" not in body for name in values if name.isascii())


def test_the_command_writes_a_pdf_with_the_cjk_font(committed_db, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    with session_scope() as session:
        _fill(session)
    out = tmp_path / "daily.pdf"
    result = CliRunner().invoke(app, ["report", "daily", "--date", "2022-04-01", "--pdf", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert "Noto-Sans-CJK-SC" in _fonts(data)  # the CJK font is embedded
    result = CliRunner().invoke(app, ["report", "daily", "--json", "--pdf", str(out)])
    assert result.exit_code == 2
