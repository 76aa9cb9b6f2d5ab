"""The rule book as data: editions, a county edition's overrides, and the setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fangyi.cli.main import app
from fangyi.protocols.reader import ProtocolError, current, load


def test_cn8_numbers_match_the_rule_book():
    cn8 = load("cn-8")
    assert cn8.contacts.lookback_days == 2
    assert cn8.quarantine["close_contact"].days == 14
    assert cn8.quarantine["close_contact"].test_days == (1, 4, 7, 14)
    assert cn8.quarantine["close_contact"].monitoring_days == 7
    assert cn8.quarantine["secondary_contact"].setting == "centralized"
    assert cn8.health_checks.fever_celsius == 37.3
    assert cn8.screening.pool_sizes == (1, 5, 10, 20)
    assert cn8.contacts.stay_minutes("restaurant") == 90
    assert cn8.regime == "zones"


def test_cn9_extends_cn8_and_overrides_what_changed():
    cn9 = load("cn-9")
    assert cn9.lineage == ("cn-8",)
    assert cn9.contacts.lookback_days == 4
    assert cn9.quarantine["close_contact"].test_days == (1, 2, 3, 5, 7)
    assert cn9.quarantine["secondary_contact"].setting == "home"
    # What cn-9 does not restate is inherited.
    assert cn9.contacts.default_stay_minutes == load("cn-8").contacts.default_stay_minutes
    assert cn9.quarantine["secondary_contact"].release_needs_close_contact_negatives == 2
    assert cn9.regime == "risk_areas"


def test_county_edition_in_a_folder_overrides_some_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "hengdong-test.toml").write_text(
        'edition = "hengdong-test"\nextends = "cn-8"\ntitle = "衡东县"\ntitle_en = "Hengdong"\n'
        'published = "2022-04-02"\n[screening]\nresult_overdue_hours = 6\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("FANGYI_PROTOCOL", "hengdong-test")
    monkeypatch.setenv("FANGYI_PROTOCOL_DIR", str(tmp_path))
    protocol = current()
    assert protocol.screening.result_overdue_hours == 6
    assert protocol.contacts.lookback_days == 2


def test_shipped_hengyang_edition_shortens_the_result_limit():
    assert load("hengyang-2022").screening.result_overdue_hours == 12


def test_unknown_edition_names_the_known_ones():
    with pytest.raises(ProtocolError, match="cn-8"):
        load("cn-99")


def test_a_typo_in_an_edition_is_refused(tmp_path: Path):
    path = tmp_path / "typo.toml"
    path.write_text('edition = "typo"\nextends = "cn-8"\ntitle = "t"\ntitle_en = "t"\npublished = "x"\n'
                    "[contacts]\nlookbak_days = 3\n", encoding="utf-8")
    with pytest.raises(ProtocolError, match="lookbak_days"):
        load(str(path))


def test_protocol_show_prints_the_edition_in_force(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    result = CliRunner().invoke(app, ["protocol", "show", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["edition"] == "cn-9" and shown["contacts"]["lookback_days"] == 4
    table = CliRunner().invoke(app, ["protocol", "show"])
    assert "第九版" in table.output and "contacts.lookback_days" in table.output
