"""Participants' measures: upload with a receipt (bad input quarantined with row, column,
value and how to fix it), pre/post change checked against scipy, attrition reported, the
SWEMWBS conversion table, and every participant-level read audited (SQLite and real
PostgreSQL)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from openpyxl import Workbook
from scipy import stats

from tests.helpers_outcomes import ADMIN, VRU, lead, programme
from vrhub.access import audit
from vrhub.access.services import AccessServices
from vrhub.errors import InputError, PermissionDenied, UserError
from vrhub.outcomes import measures, prepost, swemwbs
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.programmes import save_programmes

HEAD = ("participant_id,timepoint,collected_on,age_band,sex,ethnicity,"
        "ons4_life_satisfaction,ons4_worthwhile,ons4_happiness,ons4_anxiety,"
        + ",".join(f"swemwbs_{i}" for i in range(1, 8)) + ",scale_confidence,comment\n")


@pytest.fixture
def outcomes(services: AccessServices) -> Outcomes:
    out = Outcomes(services.sessions, services.policy)
    save_programmes(out, ADMIN, [programme(), programme("LCPF-CAM-02", name="Other")])
    return out


def events(services: AccessServices, action: str) -> list[audit.AuditEvent]:
    with services.sessions() as session:
        return audit.query(session, action=action, limit=1000)


def line(pid: str, tp: str, day: str, ons: tuple[int | str, ...] = (6, 7, 6, 4),
         swem: tuple[int, ...] = (3, 3, 3, 3, 3, 3, 3), scale: int | str = 5,
         comment: str = "") -> str:
    return ",".join([pid, tp, day, "14-17", "female", "black", *map(str, ons),
                     *map(str, swem), str(scale), comment]) + "\n"


def test_a_file_with_bad_rows_keeps_the_good_ones_and_says_why(
        outcomes: Outcomes, services: AccessServices) -> None:
    data = (HEAD
            + line("P-001", "pre", "2024-04-10")
            + line("P-002", "pre", "2024-04-11", ons=(11, 7, 6, 4))          # ONS4 of 11
            + line("P-003", "pre", "2024-04-12")
            + line("P-003", "pre", "2024-04-20")                             # twice
            + line("P-004", "pre", "2024-04-12", comment="call 07700 900123")  # phone
            + line("9434765919", "pre", "2024-04-12")                        # NHS number
            + line("JaneDoe", "pre", "2024-04-12")                           # a name
            + line("P-005", "pre", "2024-08-01")                             # outside Q1
            + line("P-006", "pre", "2024-04-12", scale="=SUM(A1:A3)")        # formula
            ).encode()
    receipt = measures.submit(outcomes, lead(), "LCPF-CAM-01", "2024-25-Q1", data, "q1.csv")
    assert (receipt["rows_read"], receipt["rows_accepted"], receipt["rows_quarantined"]) == (
        9, 2, 7)
    assert receipt["status"] == "partial" and receipt["upload_id"] is not None
    by_row = {e["row"]: e for e in receipt["errors"]}
    assert by_row[3]["column"] == "ons4_life_satisfaction" and by_row[3]["value"] == "11"
    assert "outside the item's range 0 to 10" in by_row[3]["problem"]
    assert "already in row 4" in by_row[5]["problem"] and by_row[5]["value"] == "P-003"
    assert by_row[6]["column"] == "comment" and "[phone]" in by_row[6]["value"]
    assert "07700" not in str(receipt)
    assert "looks like a nhs number" in by_row[7]["problem"] and "9434765919" not in str(
        receipt)
    assert "how a name looks" in by_row[8]["problem"] and "JaneDoe" not in str(receipt)
    assert by_row[9]["column"] == "collected_on" and "outside the period 2024-25-Q1" in \
        by_row[9]["problem"]
    assert by_row[10]["column"] == "scale_confidence" and "formula" in by_row[10]["problem"]
    assert "SUM" not in str(receipt)
    assert receipt["redactions"] == {"phone": 1}
    assert [q["row"] for q in receipt["quarantined"]] == [3, 5, 6, 7, 8, 9, 10]
    # the same pre in a later period is refused too
    again = measures.submit(outcomes, lead(), "LCPF-CAM-01", "2024-25-Q2",
                            (HEAD + line("P-001", "pre", "2024-07-10")).encode(), "q2.csv")
    assert again["status"] == "rejected"
    assert "already, in period 2024-25-Q1" in again["errors"][0]["problem"]
    uploads = [e for e in events(services, "submit_return") if e.outcome == "success"]
    assert len(uploads) == 2 and "2 stored, 7 quarantined" in uploads[-1].detail


def test_a_renamed_column_refuses_the_file_naming_it(outcomes: Outcomes) -> None:
    data = HEAD.replace("timepoint", "time_point") + line("P-001", "pre", "2024-04-10")
    with pytest.raises(InputError, match=r"row 1, column 'timepoint'.*no column 'timepoint'"):
        measures.submit(outcomes, lead(), "LCPF-CAM-01", "2024-25-Q1", data.encode(), "x.csv")
    with pytest.raises(UserError, match="period 2026-27-Q1 is outside LCPF-CAM-01's life"):
        measures.submit(outcomes, lead(), "LCPF-CAM-01", "2026-27-Q1",
                        (HEAD + line("P-1", "pre", "2026-04-10")).encode(), "x.csv")


def test_an_xlsx_formula_cell_is_quarantined(outcomes: Outcomes) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Measures"
    sheet.append(HEAD.strip().split(","))
    sheet.append(line("P-001", "pre", "2024-04-10").strip().split(","))
    sheet.append(line("P-002", "pre", "2024-04-10").strip().split(","))
    sheet["G3"] = "=5+1"
    buffer = io.BytesIO()
    book.save(buffer)
    receipt = measures.submit(outcomes, lead(), "LCPF-CAM-01", "2024-25-Q1",
                              buffer.getvalue(), "q1.xlsx")
    assert (receipt["rows_accepted"], receipt["rows_quarantined"]) == (1, 1)
    assert receipt["errors"][0]["row"] == 3
    assert receipt["errors"][0]["column"] == "ons4_life_satisfaction"


def test_prepost_matches_scipy_and_reports_attrition(outcomes: Outcomes,
                                                     services: AccessServices) -> None:
    rng = np.random.default_rng(4)
    pre_life = rng.integers(2, 8, 12)
    post_life = np.clip(pre_life + rng.integers(-1, 4, 12), 0, 10)
    pre_anx = rng.integers(3, 9, 12)
    post_anx = np.clip(pre_anx - rng.integers(-1, 3, 12), 0, 10)
    swem_pre = rng.integers(1, 4, (12, 7))
    swem_post = np.clip(swem_pre + rng.integers(0, 2, (12, 7)), 1, 5)
    q1 = HEAD + "".join(line(f"P-{i:03d}", "pre", "2024-05-01",
                             ons=(pre_life[i], 5, 5, pre_anx[i]),
                             swem=tuple(swem_pre[i])) for i in range(15) if i < 12) + \
        "".join(line(f"P-{i:03d}", "pre", "2024-05-01") for i in range(12, 15))
    q3 = HEAD + "".join(line(f"P-{i:03d}", "post", "2024-11-01",
                             ons=(post_life[i], 5, 5, post_anx[i]),
                             swem=tuple(swem_post[i])) for i in range(12)) + \
        line("P-900", "post", "2024-11-01")  # a post without a pre
    measures.submit(outcomes, lead(), "LCPF-CAM-01", "2024-25-Q1", q1.encode(), "q1.csv")
    measures.submit(outcomes, lead(), "LCPF-CAM-01", "2024-25-Q3", q3.encode(), "q3.csv")
    result = prepost.prepost(outcomes, VRU, programme="LCPF-CAM-01").to_dict()
    assert result["participants"] == {"with_pre": 15, "with_post": 13, "paired": 12,
                                      "pre_without_post": 3, "post_without_pre": 1,
                                      "attrition_pct": 20.0}
    items = {i["item"]: i for i in result["items"]}
    life = items["ons4_life_satisfaction"]
    test = stats.ttest_rel(post_life, pre_life)
    ci = test.confidence_interval(0.95)
    diff = post_life - pre_life
    assert life["pairs"] == 12
    assert life["mean_change"] == pytest.approx(diff.sum() / 12)
    assert (life["ci_low"], life["ci_high"]) == pytest.approx((ci.low, ci.high))
    half = stats.t.ppf(0.975, 11) * np.std(diff, ddof=1) / np.sqrt(12)
    assert life["ci_high"] - life["ci_low"] == pytest.approx(2 * half)
    assert life["effect_size_dz"] == pytest.approx(test.statistic / np.sqrt(12))
    assert life["pct_improved"] == pytest.approx(100 * (diff > 0).sum() / 12)
    anxiety = items["ons4_anxiety"]  # lower is better: a fall is an improvement
    assert anxiety["higher_is_better"] is False
    assert anxiety["improved"] == int((post_anx < pre_anx).sum())
    raw = items["swemwbs_raw_total"]
    assert raw["mean_change"] == pytest.approx((swem_post.sum() - swem_pre.sum()) / 12)
    assert "swemwbs_metric" not in items and "raw totals" in result["notes"][0]
    assert "scale_confidence" in items and "d_z" in result["effect_size"]
    assert all("ons4" not in i or i.count("ons4") == 1 for i in items)  # never summed
    # a licensed table: metric scores as well, and the table's version is named
    table = "raw,metric\n" + "".join(f"{r},{r * 0.8 + 2:.2f}\n" for r in range(7, 36))
    swemwbs.load_table(outcomes, ADMIN, table.encode(), "t.csv", "licensed-2024")
    again = prepost.prepost(outcomes, VRU, programme="LCPF-CAM-01").to_dict()
    metric = {i["item"]: i for i in again["items"]}["swemwbs_metric"]
    assert metric["mean_change"] == pytest.approx(raw["mean_change"] * 0.8, abs=0.01)
    assert again["swemwbs_conversion_table"] == "licensed-2024"


def test_participant_reads_are_audited_and_scoped(outcomes: Outcomes,
                                                  services: AccessServices) -> None:
    measures.submit(outcomes, lead(), "LCPF-CAM-01", "2024-25-Q1",
                    (HEAD + line("P-001", "pre", "2024-04-10")).encode(), "q1.csv")
    rows = measures.participant(outcomes, lead(), "LCPF-CAM-01", "P-001")
    assert rows[0]["scores"]["ons4_life_satisfaction"] == 6
    reads = events(services, "read_participants")
    assert [e.outcome for e in reads] == ["allowed"]
    with pytest.raises(PermissionDenied, match="not your programme: LCPF-CAM-02"):
        measures.participant(outcomes, lead(), "LCPF-CAM-02", "P-001")
    with pytest.raises(PermissionDenied, match="administrator role may not read participants"):
        measures.participant(outcomes, ADMIN, "LCPF-CAM-01", "P-001")
    assert [e.outcome for e in events(services, "read_participants")] == [
        "denied", "denied", "allowed"]
    with pytest.raises(InputError, match="row 30, column 'metric'"):
        swemwbs.load_table(outcomes, ADMIN, ("raw,metric\n" + "".join(
            f"{r},x\n" if r == 35 else f"{r},{r}\n" for r in range(7, 36))).encode(),
            "t.csv", "v1")
