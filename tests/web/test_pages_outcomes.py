"""The outcomes dashboard and the public outcomes page, parsed: KPI against target with its
status, the trend table beside its chart, pre/post and attrition, downloads that hold the
page's figures, and a public page with no small or unrounded count."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.helpers_outcomes import ADMIN, VRU, lead, programme
from tests.spec.test_outcomes_istatements import DOCUMENT
from tests.spec.test_outcomes_measures import HEAD, line
from tests.web.conftest import PASSWORD, sign_in
from tests.web.html import parse, table, text
from vrhub.outcomes import istatements, measures, survey_responses
from vrhub.outcomes.programmes import save_programmes
from vrhub.web.outcomes_deps import outcomes_of

SURVEY = "respondent_id,collected_on,borough,age_band,sex,ethnicity,ist-001,ist-002\n"


def fill(app: FastAPI) -> None:
    service = outcomes_of(app.state)
    save_programmes(service, ADMIN, [programme(survey_code="VAN-1"),
                                     programme("LCPF-CAM-02", name="Small",
                                               priority_areas=["FAM"])])
    istatements.load(service, VRU, DOCUMENT)
    # 23 answer IST-001 in Q1, 17 of them agreeing; IST-002 answered by 5 (a small count)
    rows = "".join(f"R-{i:02d},2024-05-01,E09000007,14-17,female,black,"
                   f"{4 if i < 17 else 2},{5 if i < 5 else ''}\n" for i in range(23))
    survey_responses.submit(service, lead(), "LCPF-CAM-01", "2024-25-Q1",
                            (SURVEY + rows).encode(), "q1.csv")
    pre = HEAD + "".join(line(f"P-{i:02d}", "pre", "2024-05-01", ons=(4, 5, 5, 6))
                         for i in range(12))
    post = HEAD + "".join(line(f"P-{i:02d}", "post", "2024-11-01", ons=(6, 5, 5, 4))
                          for i in range(10))
    measures.submit(service, lead(), "LCPF-CAM-01", "2024-25-Q1", pre.encode(), "q1.csv")
    measures.submit(service, lead(), "LCPF-CAM-01", "2024-25-Q3", post.encode(), "q3.csv")
    app.state.access.identity.create_user(ADMIN, "vru@example.org",
                                          role="pan_london_analyst", organisation="T",
                                          password=PASSWORD)


def test_the_dashboard_shows_kpis_against_target_and_pre_post(app: FastAPI) -> None:
    fill(app)
    client = TestClient(app)
    sign_in(client, "vru@example.org")
    page = parse(client.get("/outcomes", params={"programme": "LCPF-CAM-01"}).text)
    kpis = {r[0].split(":")[0]: r for r in table(page, "KPIs against target")}
    # 17 of 23 agree: 73.9%, Wilson 53.5 to 87.5 (statsmodels' proportion_confint),
    # target 50: met; IST-002 5 of 5 against 90: met
    assert kpis["IST-001"][2:] == ["73.9", "53.5 to 87.5", "23", "50", "met"]
    assert kpis["IST-002"][-1] == "met"
    trend = table(page, "IST-001 by period")
    assert trend == [["Q1 2024/25", "17", "23", "73.9", "53.5 to 87.5"]]
    chart = page.find("img", src=re.compile(r"^/charts/outcomes/kpi\.svg\?code=IST-001"))
    assert chart is not None and "table below" in chart["alt"]
    change = {r[0]: r for r in table(page, "Change per item")}
    life = change["Overall, how satisfied are you with your life nowadays?"]
    assert life[1:5] == ["10", "4.00", "6.00", "2.00"]
    assert "(lower is better)" in " ".join(change)
    summary = text(page.find("h2", string="Wellbeing: pre/post change").find_next("p"))
    assert summary.startswith("10 young people with a pre and a post measure; 2 with a pre "
                              "but no post yet (attrition 16.7%)")
    svg = client.get(chart["src"])
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    download = client.get("/outcomes/figures.csv", params={"programme": "LCPF-CAM-01"})
    rows = list(csv.DictReader(io.StringIO(download.text)))
    kpi_row = next(r for r in rows if r["code"] == "IST-001")
    assert float(kpi_row["value"]) == pytest.approx(100 * 17 / 23)
    assert (kpi_row["base"], kpi_row["status"]) == ("23", "met")
    book = load_workbook(io.BytesIO(client.get("/outcomes/figures.xlsx").content))
    sheet = book["Figures"]
    assert [c.value for c in sheet[1]][:3] == ["section", "code", "figure"]
    assert sheet.max_row == len(list(csv.DictReader(io.StringIO(
        client.get("/outcomes/figures.csv").text)))) + 1


def test_the_public_page_shows_no_small_counts(app: FastAPI) -> None:
    fill(app)
    response = TestClient(app).get("/outcomes/public")
    assert response.status_code == 200
    page = parse(response.text)
    counts = [text(td) for td in page.find_all("td", attrs={"data-count": "1"})]
    assert counts
    for shown in counts:
        value = shown.replace(",", "")
        assert value == "[c]" or (int(value) == 0 or (int(value) > 7 and int(value) % 5 == 0))
    london = page.find("section")
    kpis = {r[0]: r for r in table(london, "What young people say")}
    # 17 of 23 disclosed as 15 of 25: 60.0% from the disclosed counts
    assert kpis["I feel safe on my way home"][1:4] == ["15", "25", "60.0"]
    assert kpis["I have an adult I trust to talk to"][1:5] == ["[c]", "[c]", "[c]", "[c]"]
    change = {r[0]: r for r in table(london, "Wellbeing change")}
    assert change["Overall, how satisfied are you with your life nowadays?"][1:3] == [
        "10", "2.00"]
    assert "Programmes: [c]" in text(london)  # two programmes
    assert "P-0" not in response.text and "LCPF-CAM" not in response.text


def test_kpis_by_api_chart_and_download_through_their_route_modules(app: FastAPI) -> None:
    from xml.etree import ElementTree

    from tests.web.route_paths import path_of
    from vrhub.web.routes import api_outcomes_measures, charts_outcomes, pages_outcomes

    fill(app)
    json_errors = {"accept": "application/json"}
    kpis_url = path_of(api_outcomes_measures, api_outcomes_measures.kpis)
    refused = TestClient(app).get(kpis_url)
    assert refused.status_code == 403
    assert "the public role may not read outcomes" in refused.json()["error"]["message"]
    client = TestClient(app)
    sign_in(client, "vru@example.org")
    body = client.get(kpis_url, params={"programme": "LCPF-CAM-01"}).json()
    assert body["respondents"] == 23
    ist1 = next(k for k in body["kpis"] if k["code"] == "IST-001")
    # 17 of the 23 who answered agree
    assert (ist1["latest"]["count"], ist1["latest"]["total"]) == (17, 23)
    assert ist1["latest"]["pct"] == pytest.approx(100 * 17 / 23)
    chart = path_of(charts_outcomes, charts_outcomes.kpi_chart)
    svg = client.get(chart, params={"code": "ist-001", "programme": "LCPF-CAM-01"})
    assert svg.status_code == 200 and svg.headers["cache-control"] == "private, no-store"
    assert ElementTree.fromstring(svg.content).tag.endswith("svg")
    unknown = client.get(chart, params={"code": "IST-999"}, headers=json_errors)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "there is no KPI 'IST-999' here"
    csv_file = client.get(path_of(pages_outcomes, pages_outcomes.outcomes_download, fmt="csv"),
                          params={"programme": "LCPF-CAM-01"})
    assert csv_file.headers["content-disposition"] == (
        'attachment; filename="outcomes-lcpf-cam-01.csv"')
    pdf = client.get(path_of(pages_outcomes, pages_outcomes.outcomes_download, fmt="pdf"),
                     headers=json_errors)
    assert pdf.status_code == 404
    assert pdf.json()["error"]["message"] == "there is no 'pdf' download"


def test_public_figures_asked_at_once_are_computed_once(app: FastAPI,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A new worker's first visitors wait on one computation of the public figures rather
    than each computing them (vrhub.outcomes.public_figures via Outcomes.remember)."""
    import threading
    import time

    from vrhub.access.principal import PUBLIC
    from vrhub.outcomes import prepost, public_figures

    fill(app)
    service = outcomes_of(app.state)
    computed: list[int] = []
    real = prepost.compute

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        computed.append(1)
        time.sleep(0.05)  # every other visitor asks meanwhile
        return real(*args, **kwargs)

    monkeypatch.setattr(prepost, "compute", counted)
    start = threading.Barrier(6)
    answers: list[public_figures.PublicFigures] = []

    def visit() -> None:
        start.wait()
        answers.append(public_figures.public_figures(service, PUBLIC))

    visitors = [threading.Thread(target=visit) for _ in range(6)]
    for v in visitors:
        v.start()
    for v in visitors:
        v.join()
    views = 1 + len(service.framework().priority_areas)  # London and each priority area
    assert len(computed) == views
    assert len(answers) == 6 and all(a is answers[0] for a in answers)
