"""`fangyi report daily --pdf FILE`: the day's report, printable, in Chinese (issue 18).

Every section and figure carries its Chinese label (the parts' words `report.section.*`,
`report.fig.<section>.<figure>`); a key without one is refused rather than printed raw. The font
is Noto Sans CJK from Debian's fonts-noto-cjk, found by fontconfig (README: the system packages).
WeasyPrint is imported here only, when a PDF is asked for: the command line starts without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from fangyi.command.report import NOT_FIGURES
from fangyi.parts import installed

TEMPLATES = Path(__file__).parent / "templates"


def _label(key: str, name: str) -> str | None:
    """The Chinese label of a report key; a figure named by the data (an institution's name, in
    Chinese) is its own label; a raw key has none."""
    pair = installed().words.get(key)
    if pair is not None and pair[0] and not pair[0].isascii():
        return pair[0]
    return None if name.isascii() else name


def _sections(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(key, values) for key, values in report.items()
            if key not in NOT_FIGURES and isinstance(values, dict)]


def missing_labels(report: dict[str, Any]) -> list[str]:
    """The report's keys that have no Chinese label: none, or a person would read a raw key."""
    keys = [(f"report.section.{section}", section) for section, _ in _sections(report)]
    keys += [(f"report.fig.{section}.{name}", name) for section, values in _sections(report) for name in values]
    return [key for key, name in keys if _label(key, name) is None]


def labelled(report: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each section's Chinese name and its figures as (Chinese label, value as printed)."""
    return [(_label(f"report.section.{section}", section) or section,
             [(_label(f"report.fig.{section}.{name}", name) or name, _printed(value))
              for name, value in values.items()])
            for section, values in _sections(report)]


def _printed(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value * 100:.1f}%"  # the report's fractions are shares (as the report page shows them)
    return str(value)


def html(report: dict[str, Any], county: str) -> str:
    if missing := missing_labels(report):
        raise ValueError(f"report keys without a Chinese label: {', '.join(missing)}")
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("report_pdf.html").render(report=report, county=county, sections=labelled(report))


def write_pdf(report: dict[str, Any], path: Path, county: str) -> None:
    from weasyprint import HTML

    HTML(string=html(report, county)).write_pdf(path)
