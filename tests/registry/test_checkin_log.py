"""The check-in log: a stay once, the first check-out holds, retention drops whole days."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from fangyi.registry.log import store

TZ = ZoneInfo("Asia/Shanghai")
MIDNIGHT = 1648310400  # 2022-03-27 00:00 in Shanghai


def _write(log, rows):
    con = store.connect()
    store.create_stage(con)
    store.stage_rows(con, rows)
    return store.append(con, log, TZ)


def _stays(log):
    con = store.connect()
    return sorted(con.execute(store.read_sql(log)).fetchall())


def test_a_stay_is_written_once_and_its_first_check_out_holds(tmp_path):
    log = tmp_path / "log"
    assert _stays(log) == []  # no log yet: no stays
    first = _write(log, [(1, 5, MIDNIGHT + 3600, None, 2), (2, 5, MIDNIGHT - 60, MIDNIGHT + 60, 3),
                         (1, 5, MIDNIGHT + 3600, None, 4)])
    assert (first.loaded, first.unchanged, first.conflicts) == (2, 1, [])
    # Local days: one minute before midnight in Shanghai is the day before.
    assert store.days(log) == [date(2022, 3, 26), date(2022, 3, 27)]
    # The stay without a check-out is given one; the same again is unchanged; another is refused.
    second = _write(log, [(1, 5, MIDNIGHT + 3600, MIDNIGHT + 7200, 2), (1, 5, MIDNIGHT + 3600, MIDNIGHT + 7200, 3),
                          (1, 5, MIDNIGHT + 3600, MIDNIGHT + 9000, 4), (2, 5, MIDNIGHT - 60, MIDNIGHT + 60, 5)])
    assert (second.loaded, second.unchanged) == (1, 2)
    assert [line for line, _ in second.conflicts] == [4]
    assert _stays(log) == [(1, 5, MIDNIGHT + 3600, MIDNIGHT + 7200), (2, 5, MIDNIGHT - 60, MIDNIGHT + 60)]


def test_prune_drops_whole_days_past_the_retention(tmp_path):
    log = tmp_path / "log"
    _write(log, [(1, v, MIDNIGHT + d * 86400, None, d + 2) for d, v in ((0, 1), (1, 2), (2, 3), (2, 20))])
    assert store.prune(log, date(2022, 3, 30), store.retention_days(1, 1)) == [date(2022, 3, 27)]
    assert [row[1] for row in _stays(log)] == [2, 3, 20]
    assert store.prune(log, date(2022, 3, 30), 2) == []
