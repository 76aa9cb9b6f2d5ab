"""The commander's dashboard page: the landing of the command, in words, refreshing itself."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fangyi.access import Role
from fangyi.parts import installed
from fangyi.timeutil import day_bounds, now, today
from tests.command.test_dashboard import _nothing_kept, _positive  # noqa: F401 (an autouse fixture)

Login = Callable[[str], TestClient]



def test_the_commander_lands_on_the_dashboard(login: Login, db: Session) -> None:
    assert installed().landing[Role.commander] == "/command"
    assert installed().landing[Role.command_office] == "/command"
    client = login("commander")
    # Yesterday one case, today two (whatever the hour the test runs), and one 3 h ago for the clocks.
    start, _ = day_bounds(today())
    since = (now() - start).total_seconds() / 3600
    _positive(db, 1, since + 2)
    _positive(db, 2, since / 2)
    _positive(db, 4, since / 3)
    late = _positive(db, 3, 3)
    new_today = 2 + (late.confirmed_at >= start)
    page = client.get("/command").text
    assert "指挥看板" in page and 'http-equiv="refresh" content="60"' in page
    assert "/vendor/plotly-" in page and 'id="epi-chart"' in page
    # Labels in words, never the raw keys: 今日新增病例 for `new`, today against yesterday.
    row = page.split('data-figure="cases.new"')[1].split("</tr>")[0]
    assert "今日新增病例" in row
    yesterday = 1 + (late.confirmed_at < start)
    assert f'<td class="num">{new_today}</td>' in row and f'<td class="num muted">{yesterday}</td>' in row
    assert f"▲{new_today - yesterday}" in row or new_today == yesterday
    # The clocks: the case confirmed 3 h ago is past its transfer to hospital.
    assert "处置时限" in page and "C-3" in page and "已超时" in page and "系统未记录" in page
    assert "超时事项（" in page and "转运入院：已超时" in page
    # The 14-day bed forecast (a commander places people) and the tubes past their limit.
    assert 'id="beds-chart"' in page and "待安置人数" in page and 'id="overdue-tubes">0<' in page
    for key in ("beds_free", "in_quarantine", "tubes_pending"):
        assert f">{key}<" not in page


def test_other_roles_are_refused_the_dashboard(login: Login) -> None:
    response = login("tracer").get("/command")
    assert response.status_code == 403




def test_the_curve_offers_the_onset_dates_where_cases_have_them(login: Login, db: Session) -> None:
    client = login("commander")
    case = _positive(db, 1, 1)
    case.onset_date = today() - timedelta(days=3)
    db.flush()
    page = client.get("/command").text
    figure = json.loads(page.split('id="epi-figure">')[1].split("</script>")[0].replace("<\\/", "</"))
    traces = {trace["name"]: trace for trace in figure["data"]}
    onset = traces["本土（按发病日）"]
    assert onset["visible"] == "legendonly"
    assert onset["y"][onset["x"].index((today() - timedelta(days=3)).isoformat())] == 1
    assert "输入（按发病日）" not in traces  # no imported case has an onset


def test_the_dashboard_says_everything_in_chinese_and_in_english_on_request(login: Login, db: Session) -> None:
    client = login("command_office")
    _positive(db, 1, 30, derived_after=1)
    page = client.get("/command").text
    main = page.split('<main id="main">', 1)[1].split("</main>", 1)[0]
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", main, flags=re.S))
    assert [word for word in re.findall(r"[A-Za-z]{3,}", text)] == []
    client.get("/lang/en")
    english = client.get("/command").text
    assert "Command dashboard" in english and "Today against yesterday" in english and "Not recorded" in english


def test_the_dashboard_shows_growth_and_the_share_under_control(login: Login, db: Session) -> None:
    client = login("commander")
    found = _positive(db, 1, 1)
    found.found_by = "under_control"
    _positive(db, 2, 2)
    db.flush()
    page = client.get("/command").text
    growth = page.split('id="growth"')[1].split("</dl>")[0]
    assert "近7天本土病例" in growth and "本周2例，前一周0例" in growth
    assert "两周中有一周无本土病例" in growth  # no rate from a week without cases
    assert "发现时已在管控中" in growth and 'id="under-control">50%<' in growth and "（1/2）" in growth
    client.get("/lang/en")
    english = client.get("/command").text
    assert "Already under control when found" in english and "2 this week, 0 the week before" in english


def test_the_chart_draws_rt_by_infection_dashed_ending_before_today(login: Login, db: Session) -> None:
    client = login("commander")
    for n in range(60):  # three weeks of cases, 2 to 5 a day, for estimates on both bases
        case = _positive(db, 100 + n, 24 * (21 - n // 3) - 1)
        case.onset_date = (case.confirmed_at - timedelta(days=2)).date()
    db.flush()
    page = client.get("/command").text
    figure = json.loads(page.split('id="epi-figure">')[1].split("</script>")[0].replace("<\\/", "</"))
    traces = {trace["name"]: trace for trace in figure["data"]}
    line = traces["Rt（按推算感染日期）"]
    assert line["line"]["dash"] == "dash" and line["yaxis"] == "y2" and line["y"]
    assert max(line["x"]) < max(traces["Rt"]["x"]) <= today().isoformat()
    assert "虚线为按推算感染日期估计的Rt" in page


def test_the_commander_sees_the_chains_and_clusters(login: Login, db: Session) -> None:
    from tests.command.test_dashboard import _linked

    client = login("commander")
    first = _linked(db, 1, 50, household="H-1")
    _linked(db, 2, 30, first, household="H-1")
    _linked(db, 3, 5)
    page = client.get("/command").text
    chains = page.split('id="chains"')[1].split("</section>")[0]
    assert "传播链与聚集性疫情" in chains and 'id="chains-chart"' in chains
    row = chains.split('data-cluster="L-1"')[1].split("</tr>")[0]
    assert ">2<" in row and "家庭 1" in row
    assert "另有散发病例 1 例" in chains
    figure = json.loads(chains.split('id="chains-figure">')[1].split("</script>")[0].replace("<\\/", "</"))
    assert {t["name"] for t in figure["data"]} == {"感染来源", "本土病例", "输入病例"}
    # Today's tubes in words beside the overdue ones.
    assert "今日采样管数 0，已出结果 0，待检测 0；今日出结果 0 管" in page
