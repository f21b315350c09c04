"""The ED submission flow on the web: template, check, a held replacement confirmed with
before and after, a receipt with nothing accepted, set-aside rows, one bad date, and what
is due from each site."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_from
from tests.web.html import error_links, error_page, parse, summary_list, table, text
from tests.web.pages_workspace import ED_SITE
from tests.web.test_pages_analysis import query
from tests.web.test_pages_ed import HTML, client_for
from vrhub.standards.months import Month

MONTH = "2025-10"


def rows(dates: list[str]) -> list[list[str]]:
    return [[d, "10:00", d, "09:00", "fist", "", "street", f"place {i}"]
            for i, d in enumerate(dates, start=1)]


GOOD = [f"{d:02d}/10/2025" for d in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12)]


def filled_template(client: TestClient, records: list[list[str]]) -> bytes:
    """The site's template for October 2025, downloaded and filled in."""
    response = client.get(f"/upload/template.csv?site={ED_SITE}&month={MONTH}")
    assert response.status_code == 200, response.text
    lines = list(csv.reader(io.StringIO(response.text)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(lines)
    writer.writerows([[*r, ""] for r in records])  # the template has an age band column too
    return out.getvalue().encode()


def post(client: TestClient, data: bytes, action: str, name: str = "oct.csv"):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/upload", headers=HTML).text)
    return client.post("/upload", data={"csrf_token": token, "site": ED_SITE, "action": action},
                       files={"file": (name, data, "text/csv")}, headers=HTML,
                       follow_redirects=False)


def confirm(client: TestClient, page: str, decision: str):  # type: ignore[no-untyped-def]
    form = parse(page).find("form", attrs={"action": "/upload/confirm"})
    assert form is not None, "no confirmation form"
    token = form.find("input", attrs={"name": "token"})["value"]  # type: ignore[index,union-attr]
    return client.post("/upload/confirm", data={"csrf_token": csrf_from(page), "token": token,
                                                 "decision": decision},
                       headers=HTML, follow_redirects=False)


def test_the_template_names_the_site_and_month(demo_app: FastAPI) -> None:
    client = client_for(demo_app, "ed@example.org")
    response = client.get(f"/upload/template.csv?site={ED_SITE}&month={MONTH}")
    assert f'filename="{ED_SITE}_{MONTH}.csv"' in response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(response.text)))
    assert lines[:3] == [["Site code of treatment", ED_SITE],
                         ["Reporting period start date", "01/10/2025"],
                         ["Reporting period end date", "31/10/2025"]]
    assert "Assault Date" in lines[-1] and "Assault Location Type" in lines[-1]
    refused = client.get(f"/upload/template.csv?site=ZZ902&month={MONTH}")
    assert refused.status_code == 400
    assert "not one of your ED sites" in error_page(parse(refused.text))[1]
    form = parse(client.get("/upload", headers=HTML).text)
    months = [text(o) for o in form.select("#template-month option")]
    assert months[1] == Month.last_complete().label  # written "October 2025", not 2025-10


def test_a_bad_month_after_a_good_one_asks_before_replacing(demo_app: FastAPI) -> None:
    client = client_for(demo_app, "ed@example.org")
    good = post(client, filled_template(client, rows(GOOD)), "submit", "oct-good.csv")
    assert good.status_code == 303
    bad_data = filled_template(client, rows([d.replace("/2025", "/25x") for d in GOOD]))

    # Check only: what would happen, nothing stored.
    check = post(client, bad_data, "check", "oct-bad.csv")
    assert check.status_code == 200
    page = parse(check.text)
    assert "No records would be accepted" in text(page)
    facts = summary_list(page)
    assert facts["Would be accepted"] == "0" and facts["Would be set aside"] == "11"
    assert facts["October 2025 now"].startswith("11 records (oct-good.csv)")
    every = table(page, "Row, column, value found and problem")
    assert sorted({int(r[0]) for r in every}) == list(range(1, 12))

    # Submitting it is held: the confirmation shows before and after; nothing is stored.
    held = post(client, bad_data, "submit", "oct-bad.csv")
    assert held.status_code == 409
    before_after = table(parse(held.text), "October 2025")
    assert [(r[0], r[-1]) for r in before_after] == [("Now", "11"), ("After", "0")]
    listed = table(parse(client.get("/upload", headers=HTML).text), "Latest 20 submissions")
    assert listed[0][0] == "oct-good.csv"  # the good month is still current

    # Confirmed: it replaces the month, and the receipt reads as a failure.
    done = confirm(client, held.text, "replace")
    assert done.status_code == 303
    receipt = client.get(done.headers["location"], headers=HTML)
    page = parse(receipt.text)
    assert "Submission received" not in text(page)
    summary = page.select_one(".govuk-error-summary")
    assert summary is not None and "Nothing was accepted" in text(summary)
    link = page.find("a", href=re.compile(r"/set-aside\.csv$"))
    assert link is not None
    download = client.get(link["href"])  # type: ignore[index]
    set_aside = list(csv.DictReader(io.StringIO(download.text)))
    assert sorted({int(r["row"]) for r in set_aside}) == list(range(1, 12))
    assert {r["column"] for r in set_aside} == {"Arrival Date", "Assault Date"}
    assert all(r["how_to_fix"] and r["problem"] for r in set_aside)
    # A confirmation is used once.
    again = confirm(client, held.text, "replace")
    assert again.status_code == 400
    assert error_links(parse(again.text))["#file"].startswith("Your file is no longer held")


def test_one_month_first_date_sets_aside_only_its_row(demo_app: FastAPI) -> None:
    client = client_for(demo_app, "ed@example.org")
    dates = list(GOOD)
    dates[4] = "10/13/2025"
    response = post(client, filled_template(client, rows(dates)), "submit")
    assert response.status_code == 303
    page = parse(client.get(response.headers["location"], headers=HTML).text)
    facts = summary_list(page)
    assert (facts["Accepted"], facts["Set aside (need fixing)"].split()[0]) == ("10", "1")
    assert "Submission received" in text(page)
    examples = table(page, "Examples")
    assert examples[0][:3] == ["5", "Arrival Date", "10/13/2025"]
    assert "month-first" in examples[0][3]


def test_what_is_due_from_each_site(demo_app: FastAPI) -> None:
    import pandas as pd

    from vrhub.quality.istv_calendar import calendar

    received = pd.DataFrame({
        "site_code": [ED_SITE] * 3,
        "month": ["2025-06", "2025-07", "2025-08"],
        "received_at": [pd.Timestamp("2025-07-10"), pd.Timestamp("2025-09-15"),
                        pd.Timestamp("2025-09-30")],
        "rows_accepted": [0, 80, 95]})
    today = dt.date(2025, 10, 20)
    [site] = calendar(received, {ED_SITE: "Test hospital"}, today=today)
    status = {m.month.iso: m.status for m in site.months}
    assert list(status) == [str(Month(2024, 10) + i) for i in range(12)]
    assert status["2025-09"] == "due"  # September's file is due by 30 October
    assert status["2025-08"] == "received"  # by 30 September
    assert status["2025-07"] == "late"  # due by 30 August, received 15 September
    assert status["2025-06"] == "unusable"  # received, but nothing could be used
    assert {status[str(Month(2024, 10) + i)] for i in range(8)} == {"missing"}
    assert site.label == f"Test hospital ({ED_SITE})"
    page = parse(client_for(demo_app, "ed@example.org").get("/upload", headers=HTML).text)
    caption = next(c for c in page.find_all("caption") if ED_SITE in text(c))
    assert re.search(r"\d+ missing, \d+ due, \d+ late", text(caption))


def test_the_calendar_counts_from_the_datas_own_latest_month() -> None:
    import pandas as pd

    from vrhub.quality.istv_calendar import calendar, reporting_clock

    today = dt.date(2026, 12, 6)
    # live: the newest data is a month or two old, so the calendar is read today
    live = reporting_clock("2026-10", today)
    assert live.as_of == today and live.statement is None
    assert reporting_clock(None, today).as_of == today
    # stale (a demonstration workspace): read as at the day after October 2025 ends
    clock = reporting_clock("2025-09", today)
    assert clock.as_of == dt.date(2025, 11, 1)
    assert clock.statement is not None
    assert "September 2025, 14 months before" in clock.statement
    assert "October 2025 is the month due" in clock.statement
    received = pd.DataFrame({
        "site_code": [ED_SITE] * 4, "month": ["2025-06", "2025-07", "2025-08", "2025-09"],
        "received_at": [pd.Timestamp("2025-07-20"), pd.Timestamp("2025-09-15"),
                        pd.Timestamp("2026-12-05"), pd.Timestamp("2026-12-05")],
        "rows_accepted": [90, 80, 95, 100]})
    [site] = calendar(received, {ED_SITE: None}, today=today, clock=clock)
    status = {m.month.iso: m.status for m in site.months}
    assert list(status) == [str(Month(2024, 11) + i) for i in range(12)]
    assert status["2025-10"] == "due"  # due by 30 November 2025
    assert status["2025-09"] == status["2025-08"] == "received"  # loaded after the clock
    assert status["2025-07"] == "late"  # due by 30 August, received 15 September 2025
    assert status["2025-06"] == "received"
    assert {status[str(Month(2024, 11) + i)] for i in range(7)} == {"missing"}


def test_the_demo_calendar_shows_received_and_due(demo_app: FastAPI) -> None:
    from vrhub.quality.istv_calendar import reporting_clock

    latest = query(demo_app, "SELECT max(strftime(period_start, '%Y-%m')) FROM "
                   "istv_submission WHERE status = 'current'").iloc[0, 0]
    before = dt.date.today()
    page = parse(client_for(demo_app, "ed@example.org").get("/upload", headers=HTML).text)
    # the page's day: the test's day before or after the request (a run at midnight)
    clocks = [reporting_clock(str(latest), day) for day in (before, dt.date.today())]
    caption = next(c for c in page.find_all("caption") if ED_SITE in text(c))
    shown = {r[0]: r[1] for r in table(page, text(caption))}
    clock = clocks[0]
    if clock.on_data:
        stated = text(page.select_one("#calendar-clock"))
        clock = next((c for c in clocks if c.statement == stated), clocks[0])
        assert stated == clock.statement
    due = Month.last_complete(clock.as_of)
    assert shown[due.label] == "Due"
    assert shown[Month.parse(str(latest)).label] == "Received"
    assert "Received" in set(shown.values())


def test_the_template_and_receipts_refuse_by_role_month_and_unknown_id(
        demo_app: FastAPI) -> None:
    from tests.web.route_paths import path_of
    from vrhub.web.routes import pages_upload

    url = path_of(pages_upload, pages_upload.template)
    lead = client_for(demo_app, "ed@example.org")
    written_loosely = lead.get(url, params={"site": f" {ED_SITE.lower()} ", "month": MONTH})
    assert written_loosely.status_code == 200
    assert next(csv.reader(io.StringIO(written_loosely.text))) == [
        "Site code of treatment", ED_SITE]
    bad_month = lead.get(url, params={"site": ED_SITE, "month": "2025-13"}, headers=HTML)
    assert bad_month.status_code == 400
    assert error_page(parse(bad_month.text))[1].startswith("'2025-13' is not a month")
    missing = lead.get(path_of(pages_upload, pages_upload.receipt_page,
                               submission_id="istv-nope"), headers=HTML)
    assert missing.status_code == 404
    assert error_page(parse(missing.text))[1].startswith("There is no receipt 'istv-nope'")
    analyst = client_for(demo_app, "borough@example.org")
    refused = analyst.get(url, params={"site": ED_SITE, "month": MONTH}, headers=HTML)
    assert refused.status_code == 403
    assert error_page(parse(refused.text))[1].startswith(
        "The borough analyst role may not upload ED submissions")
