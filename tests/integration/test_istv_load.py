"""Receiving ISTV submissions end to end, including every kind of bad input: each gets a
clear message, the valid rows are kept, and no identifier survives anywhere."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, ClassVar

import openpyxl
import pandas as pd
import pytest

from tests import warehouse_sql
from vrhub.storage.warehouse import Warehouse
from vrhub.workspace import Workspace

HEADINGS = ["Arrival Date", "Arrival Time", "Assault Date", "Assault Time", "Assault Method",
            "Assault Method Other Description", "Assault Location Type",
            "Assault Location Description"]
GOOD = [
    ["05/01/2024", "23:40", "05/01/2024", "23:05", "Body part", "", "Street or public place",
     "o/s Tesco Mare St"],
    ["06/01/2024", "02:10", "06/01/2024", "01:30", "knife", "", "licensed premises",
     "club on Kingsland High St"],
    ["12/01/2024", "14:00", "12/01/2024", "", "Other", "dog bite", "Home", "home"],
]


def load_ed_sites(home: Path, shared_data: Path) -> None:
    """ED sites via the `ed-sites` source when it exists, else a table made here."""
    path = shared_data / "nhs" / "site_xy.csv.gz"
    with Warehouse(Workspace(home).ensure().warehouse_path) as warehouse:
        from vrhub.ingest.sources import all_sources

        source = all_sources().get("ed-sites")
        if source is not None:
            from vrhub.ingest.inputs import discover
            from vrhub.progress import SILENT

            source.load(warehouse, discover([path]), SILENT)
            return
        frame = pd.read_csv(path).rename(columns={"site": "site_name"})
        warehouse_sql.create_table(warehouse, "ed_site", frame)


@pytest.fixture
def sites(home: Path, shared_data: Path) -> Path:
    load_ed_sites(home, shared_data)
    return home


def csv_text(rows: list[list[Any]], *, site: str | None = "RJ122",
             start: str | None = "01/01/2024", end: str | None = "31/01/2024",
             headings: list[str] = HEADINGS) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    if site:
        writer.writerow(["Site code of treatment", site])
    if start:
        writer.writerow(["Reporting period start date", start])
    if end:
        writer.writerow(["Reporting period end date", end])
    writer.writerow(headings)
    writer.writerows(rows)
    return out.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def query(home: Path, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    return warehouse_sql.query(Workspace(home).warehouse_path, sql, params)


def receipts(run: Any) -> list[dict[str, Any]]:
    code, out, err = run("istv", "receipts", "--json")
    assert code == 0, err
    result = []
    for r in json.loads(out)["receipts"]:
        code, out, err = run("istv", "receipt", r["submission_id"], "--json")
        assert code == 0, err
        result.append(json.loads(out))
    return result


def errors_by_rule(receipt: dict[str, Any]) -> dict[str, list[int]]:
    return {e["rule"]: e["rows"] for e in receipt["errors"]}


# -- the happy path ----------------------------------------------------------------------------

def test_valid_csv_loads_with_a_receipt(sites: Path, run: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "jan.csv", csv_text(GOOD))
    code, out, err = run("load", "istv", path)
    assert code == 0, err
    [receipt] = receipts(run)
    assert receipt["status"] == "current"
    assert (receipt["site_code"], receipt["period_start"], receipt["period_end"]) == (
        "RJ122", "2024-01-01", "2024-01-31")
    assert (receipt["rows_read"], receipt["rows_accepted"], receipt["rows_quarantined"]) == (
        3, 3, 0)
    assert receipt["codelist_version"] == "vrhub-istv-default-1"
    assert receipt["flags"]["assault_time_missing"]["rows"] == [3]
    assert 0 < receipt["quality_score"] <= 100
    stored = query(sites, "SELECT * FROM istv_assault_current ORDER BY source_row")
    assert stored["assault_method"].tolist() == ["body_part", "knife_sharp", "other"]
    assert stored["location_type"].tolist() == ["street_public", "licensed_premises", "home"]
    assert stored["arrival_at"].iloc[0] == pd.Timestamp("2024-01-05 23:40")
    assert not stored["assault_time_known"].iloc[2]
    assert set(stored["geocode_unresolved_reason"].dropna()) <= {"geocoder not available"} or \
        stored["geocode_method"].notna().any()
    # the same bytes again change nothing
    code, out, err = run("load", "istv", path, "--json")
    assert code == 0
    assert json.loads(out)["files"][0]["status"] == "unchanged"
    assert len(receipts(run)) == 1


def test_no_ed_sites_loaded_is_refused_with_a_hint(run: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "jan.csv", csv_text(GOOD))
    code, _out, err = run("load", "istv", path)
    assert code == 2
    assert "no ED sites are loaded" in err and "vrhub load ed-sites" in err


def test_header_from_options_and_file_name(sites: Path, run: Any, tmp_path: Path) -> None:
    bare = csv_text(GOOD, site=None, start=None, end=None)
    named = write(tmp_path, "istv_RJ122_2024-01.csv", bare)
    code, _, err = run("load", "istv", named)
    assert code == 0, err
    other = write(tmp_path, "export.csv", bare)
    code, out, err = run("istv", "submit", other, "--site", "rj121", "--period", "2024-01",
                         "--json")
    assert code == 0, err
    receipt = json.loads(out)["receipts"][0]
    assert receipt["site_code"] == "RJ121"
    assert receipt["header_source"] == "site=options; period=options"
    via_load = write(tmp_path, "export3.csv", csv_text(GOOD[1:], site=None, start=None,
                                                       end=None))
    code, out, err = run("load", "istv", via_load, "--site", "RJ231", "--period", "2024-01")
    assert code == 0, err
    assert "RJ231" in {r["site_code"] for r in receipts(run)}
    code, out, err = run("load", "ed-sites", via_load, "--site", "RJ231")
    assert code == 2 and "--site does not apply to source ed-sites" in err
    unnamed = write(tmp_path, "export2.csv", csv_text(GOOD[:2], site=None))
    code, out, err = run("istv", "submit", unnamed)
    assert code == 4
    assert "no site code of treatment" in err and "--site" in err


def test_conflicting_header_values_are_an_error(sites: Path, run: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "jan.csv", csv_text(GOOD))
    code, _out, err = run("istv", "submit", path, "--site", "RJ121")
    assert code == 4
    assert "conflicting site codes" in err and "RJ121" in err and "RJ122" in err
    code, _out, err = run("istv", "submit", path, "--period", "2024-02")
    assert code == 4
    assert "conflicting reporting periods" in err
    assert query(sites, "SELECT count(*) AS n FROM istv_assault")["n"][0] == 0


# -- bad input, one test each -------------------------------------------------------------------

def test_a_file_for_the_wrong_period_is_refused(sites: Path, run: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "feb.csv", csv_text(GOOD, start="01/02/2024", end="29/02/2024"))
    good = write(tmp_path, "good.csv", csv_text(GOOD, site="RJ121"))
    code, _out, err = run("load", "istv", path, good)
    assert code == 4
    assert "3 of 3 records fall outside the reporting period 2024-02-01..2024-02-29" in err
    assert "another period" in err
    statuses = {r["file"]: r["status"] for r in receipts(run)}
    assert statuses == {"feb.csv": "rejected", "good.csv": "current"}
    # the valid file in the same load is kept
    assert query(sites, "SELECT count(*) AS n FROM istv_assault_current")["n"][0] == 3


def test_a_few_records_outside_the_period(sites: Path, run: Any, tmp_path: Path) -> None:
    rows = [*GOOD, ["03/02/2024", "01:00", "03/02/2024", "00:30", "knife", "", "street", "x"],
            ["20/03/2024", "01:00", "20/03/2024", "00:30", "knife", "", "street", "y"]]
    code, _, err = run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))
    assert code == 0, err
    [receipt] = receipts(run)
    assert errors_by_rule(receipt) == {"outside_period": [5]}
    assert receipt["flags"]["near_period"]["rows"] == [4]
    assert receipt["rows_accepted"] == 4


def test_an_unknown_site_code_is_refused(sites: Path, run: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "jan.csv", csv_text(GOOD, site="RJ12X"))
    code, _out, err = run("load", "istv", path)
    assert code == 4
    assert "site code 'RJ12X' is not a known ED site" in err
    assert "RJ122" in err  # a close match is suggested
    [receipt] = receipts(run)
    assert receipt["status"] == "rejected"
    assert receipt["errors"][0]["rule"] == "file:unknown_site"
    assert query(sites, "SELECT count(*) AS n FROM istv_assault")["n"][0] == 0


def test_dates_in_three_formats(sites: Path, run: Any, tmp_path: Path) -> None:
    rows = [
        ["2024-01-05", "23:40", "2024-01-05", "23:05", "fist", "", "street", "a"],
        ["05/01/2024", "23:41", "05/01/2024", "23:06", "fist", "", "street", "b"],
        ["5 Jan 2024", "23:42", "5-Jan-2024", "23:07", "fist", "", "street", "c"],
        ["05-01-2024 23:43", "", "05.01.2024", "23:08", "fist", "", "street", "d"],
    ]
    code, _, err = run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))
    assert code == 0, err
    stored = query(sites, "SELECT arrival_at, assault_at FROM istv_assault ORDER BY source_row")
    assert stored["arrival_at"].tolist() == [pd.Timestamp(f"2024-01-05 23:{m}")
                                             for m in (40, 41, 42, 43)]
    assert stored["assault_at"].dt.minute.tolist() == [5, 6, 7, 8]


def test_month_first_dates_are_refused_not_guessed(sites: Path, run: Any,
                                                   tmp_path: Path) -> None:
    rows = [
        ["01/13/2024", "10:00", "01/13/2024", "09:00", "fist", "", "street", "a"],
        ["01/05/2024", "10:00", "01/05/2024", "09:00", "fist", "", "street", "b"],
        ["01/01/2024", "10:00", "01/01/2024", "09:00", "fist", "", "street", "c"],
    ]
    code, _, err = run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))
    assert code == 0, err
    [receipt] = receipts(run)
    assert errors_by_rule(receipt) == {"arrival_at:format": [1, 2], "assault_at:format": [1, 2]}
    messages = " ".join(x["reason"] for e in receipt["errors"] for x in e["examples"])
    assert "month-first" in messages and "ambiguous" in messages
    assert receipt["rows_accepted"] == 1


def test_times_written_24_00(sites: Path, run: Any, tmp_path: Path) -> None:
    rows = [["31/01/2024", "24:00", "31/01/2024", "23:30", "fist", "", "street", "a"],
            ["10/01/2024", "24:30", "10/01/2024", "23:30", "fist", "", "street", "b"]]
    code, _, err = run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))
    assert code == 0, err
    [receipt] = receipts(run)
    assert receipt["flags"]["time_24_00"]["rows"] == [1]
    assert errors_by_rule(receipt) == {"arrival_at:format": [2]}
    assert "24:30" in receipt["errors"][0]["message"]
    stored = query(sites, "SELECT arrival_at, flags FROM istv_assault")
    assert stored["arrival_at"].tolist() == [pd.Timestamp("2024-02-01 00:00")]
    assert "time_24_00" in stored["flags"][0]


def test_blank_mandatory_fields(sites: Path, run: Any, tmp_path: Path) -> None:
    rows = [*GOOD,
            ["07/01/2024", "01:00", "", "", "fist", "", "street", "no assault date"],
            ["07/01/2024", "01:00", "07/01/2024", "00:30", "", "", "street", "no method"],
            ["07/01/2024", "01:00", "07/01/2024", "00:30", "fist", "", " ", "no place"],
            ["", "", "07/01/2024", "00:30", "fist", "", "street", ""]]
    code, _, err = run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))
    assert code == 0, err
    [receipt] = receipts(run)
    assert errors_by_rule(receipt) == {"assault_at:required": [4],
                                       "assault_method:required": [5],
                                       "location_type:required": [6]}
    assert receipt["rows_accepted"] == 4  # three good rows and the one missing only R items
    assert receipt["flags"]["arrival_missing"]["rows"] == [7]
    assert receipt["flags"]["location_description_missing"]["rows"] == [7]
    quarantined = query(sites, "SELECT row_number, rule, reason FROM quarantine ORDER BY 1")
    assert quarantined["row_number"].tolist() == [4, 5, 6]
    assert "line 8" in quarantined["reason"][0]  # the physical line of record 4


def test_unknown_codes(sites: Path, run: Any, tmp_path: Path) -> None:
    rows = [*GOOD, ["07/01/2024", "01:00", "07/01/2024", "00:30", "spoon", "", "street", "a"],
            ["07/01/2024", "01:00", "07/01/2024", "00:30", "fist", "", "moon", "b"]]
    code, _, err = run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))
    assert code == 0, err
    [receipt] = receipts(run)
    errors = {e["rule"]: e for e in receipt["errors"]}
    assert errors["assault_method:code_list"]["rows"] == [4]
    assert errors["location_type:code_list"]["rows"] == [5]
    message = errors["assault_method:code_list"]["message"]
    assert "'spoon' is not in code list assault_method (version vrhub-istv-default-1)" in message
    assert "knife_sharp" in message
    assert receipt["rows_accepted"] == 3


def test_nhs_number_inside_a_description(sites: Path, run: Any, tmp_path: Path) -> None:
    rows = [*GOOD, ["07/01/2024", "01:00", "07/01/2024", "00:30", "fist", "", "street",
                    "o/s Tesco, pt NHS 943 476 5919"]]
    code, _, err = run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))
    assert code == 0, err
    [receipt] = receipts(run)
    assert receipt["redactions"] == {"nhs_number": 1}
    assert receipt["flags"]["redacted"]["rows"] == [4]
    stored = query(sites, "SELECT location_description FROM istv_assault WHERE source_row = 4")
    assert stored["location_description"][0] == "o/s Tesco, pt NHS [NHS number]"


def test_a_long_description_is_kept_to_255_characters(sites: Path, run: Any,
                                                      tmp_path: Path) -> None:
    long = "outside the chicken shop " + "x" * 30_000
    rows = [*GOOD, ["07/01/2024", "01:00", "07/01/2024", "00:30", "fist", "", "street", long]]
    code, _, err = run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))
    assert code == 0, err
    [receipt] = receipts(run)
    assert receipt["rows_accepted"] == 4
    assert receipt["flags"]["truncated"]["rows"] == [4]
    stored = query(sites, "SELECT location_description FROM istv_assault WHERE source_row = 4")
    text = stored["location_description"][0]
    assert len(text) <= 255 and text.startswith("outside the chicken shop xxx")


def test_a_5_mb_description_refuses_the_file_at_the_cell_limit(sites: Path, run: Any,
                                                               tmp_path: Path) -> None:
    huge = "outside the chicken shop " + "x" * (5 * 1024 * 1024)
    rows = [*GOOD, ["07/01/2024", "01:00", "07/01/2024", "00:30", "fist", "", "street", huge]]
    code, _, err = run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))
    assert code == 4
    assert "file jan.csv: a cell holds more than 32,767 characters (line 8)" in err
    assert "shorten that cell, or ask an administrator to raise VRHUB_UPLOAD_MAX_CELL_CHARS" \
        in err
    [receipt] = receipts(run)
    assert receipt["status"] == "rejected" and receipt["rows_accepted"] == 0
    assert receipt["errors"][0]["rule"] == "file:limit_cell_chars"
    assert not query(sites, "SELECT count(*) AS n FROM istv_assault")["n"][0]


def test_a_workbook_with_several_sheets(sites: Path, run: Any, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Read me"
    notes.append(["This workbook holds the January ISTV return."])
    header = book.create_sheet("Header")
    header.append(["Site code of treatment", "RJ122"])
    header.append(["Reporting period start date", "2024-01-01"])
    header.append(["Reporting period end date", "2024-01-31"])
    for title, rows in (("Week 1-2", GOOD[:2]), ("Week 3-4", GOOD[2:])):
        sheet = book.create_sheet(title)
        sheet.append(HEADINGS)
        for row in rows:
            sheet.append(row)
    # a real date cell and an Excel time fraction, as Excel stores them
    sheet.append([pd.Timestamp("2024-01-20").to_pydatetime(), 0.5, 45310, "23:00", "Bottle",
                  "", "Pub", "the Red Lion"])
    lookups = book.create_sheet("Lookups")
    lookups.append(["code", "label"])
    lookups.append(["body_part", "Body part"])
    path = tmp_path / "RJ122 January.xlsx"
    book.save(path)
    code, _, err = run("load", "istv", path)
    assert code == 0, err
    [receipt] = receipts(run)
    assert receipt["file_format"] == "xlsx"
    assert receipt["rows_read"] == 4 and receipt["rows_accepted"] == 4
    notes_text = " ".join(receipt["notes"])
    assert "'Header' read as the submission header" in notes_text
    assert "'Read me' ignored" in notes_text and "'Lookups' ignored" in notes_text
    stored = query(sites, "SELECT arrival_at, assault_at FROM istv_assault WHERE source_row = 4")
    assert stored["arrival_at"][0] == pd.Timestamp("2024-01-20 12:00")
    assert stored["assault_at"][0] == pd.Timestamp("2024-01-19 23:00")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<ISTVSubmission><Header><SiteCodeOfTreatment>RJ122</SiteCodeOfTreatment></Header>
<Assaults><Assault><AssaultLocationDescription>&lol3;</AssaultLocationDescription></Assault>
</Assaults></ISTVSubmission>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ISTVSubmission><Assaults><Assault><AssaultLocationDescription>&xxe;</AssaultLocationDescription>
</Assault></Assaults></ISTVSubmission>
"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY],
                         ids=["entity-expansion", "external-entity"])
def test_xml_attacks_are_refused(sites: Path, run: Any, tmp_path: Path, payload: str) -> None:
    from vrhub.synthetic.istv import write_month

    good = write_month(tmp_path / "good", "RJ121", "2024-01", seed=3, n=12, fmt="xml")
    attack = write(tmp_path, "attack.xml", payload)
    code, _out, err = run("load", "istv", attack, good)
    assert code == 4
    assert "declares a DTD or entities" in err and "without a <!DOCTYPE>" in err
    assert "root:" not in err  # nothing of /etc/passwd
    rejected = [r for r in receipts(run) if r["status"] == "rejected"]
    assert [r["errors"][0]["rule"] for r in rejected] == ["file:unsafe_xml"]
    # the well-formed XML in the same load was received
    assert query(sites, "SELECT count(*) AS n FROM istv_assault_current")["n"][0] == 12


def test_a_csv_cell_holding_a_formula(sites: Path, run: Any, tmp_path: Path) -> None:
    rows = [*GOOD,
            ["07/01/2024", "01:00", "07/01/2024", "00:30", "Other",
             "@SUM(1+1)*cmd|' /C calc'!A0", "street", '=HYPERLINK("http://x.example","click")']]
    code, _, err = run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))
    assert code == 0, err
    stored = query(sites, "SELECT * FROM istv_assault WHERE source_row = 4")
    assert stored["location_description"][0] == "'=HYPERLINK(\"http://x.example\",\"click\")"
    assert stored["method_other_description"][0].startswith("'@SUM")
    assert "formula_neutralised" in stored["flags"][0]


# -- history, overlaps, code lists, extracts ----------------------------------------------------

def test_a_resubmitted_period_replaces_the_earlier_one(sites: Path, run: Any,
                                                       tmp_path: Path) -> None:
    first = write(tmp_path, "jan-v1.csv", csv_text(GOOD[:2]))
    second = write(tmp_path, "jan-v2.csv", csv_text(GOOD))
    assert run("load", "istv", first)[0] == 0
    assert run("load", "istv", second)[0] == 0
    by_file = {r["file"]: r for r in receipts(run)}
    assert by_file["jan-v1.csv"]["status"] == "superseded"
    assert by_file["jan-v1.csv"]["superseded_by"] == by_file["jan-v2.csv"]["submission_id"]
    assert by_file["jan-v2.csv"]["supersedes"] == [by_file["jan-v1.csv"]["submission_id"]]
    assert query(sites, "SELECT count(*) AS n FROM istv_assault")["n"][0] == 5  # history kept
    assert query(sites, "SELECT count(*) AS n FROM istv_assault_current")["n"][0] == 3


def test_overlapping_submissions_are_reported(sites: Path, run: Any, tmp_path: Path) -> None:
    month = write(tmp_path, "jan.csv", csv_text(GOOD))
    fortnight = write(tmp_path, "half.csv", csv_text(
        [*GOOD[:2], ["08/01/2024", "03:00", "08/01/2024", "02:00", "bat", "", "park", "new"]],
        start="01/01/2024", end="14/01/2024"))
    assert run("load", "istv", month)[0] == 0
    assert run("load", "istv", fortnight)[0] == 0
    receipt = next(r for r in receipts(run) if r["file"] == "half.csv")
    [overlap] = receipt["overlaps"]
    assert overlap["records_in_common"] == 2
    assert errors_by_rule(receipt) == {"already_submitted": [1, 2]}
    assert receipt["rows_accepted"] == 1
    assert query(sites, "SELECT count(*) AS n FROM istv_assault_current")["n"][0] == 4


def test_exact_duplicates_within_a_file(sites: Path, run: Any, tmp_path: Path) -> None:
    code, _, err = run("load", "istv", write(tmp_path, "jan.csv", csv_text([*GOOD, GOOD[0]])))
    assert code == 0, err
    [receipt] = receipts(run)
    assert errors_by_rule(receipt) == {"duplicate": [4]}
    assert "identical to record 1" in receipt["errors"][0]["message"]


def test_future_dates_and_assault_after_arrival(sites: Path, run: Any, tmp_path: Path) -> None:
    import datetime as dt

    from vrhub.ingest.inputs import discover
    from vrhub.ingest.istv.submission import load_files

    rows = [*GOOD,
            ["20/01/2024", "10:00", "20/01/2024", "11:00", "fist", "", "street", "after"],
            ["25/01/2024", "10:00", "10/01/2024", "11:00", "fist", "", "street", "late"]]
    path = write(tmp_path, "jan.csv", csv_text(rows))
    with Warehouse(Workspace(sites).warehouse_path) as warehouse:
        outcome = load_files(warehouse, discover([path]), now=dt.datetime(2024, 1, 22, 12))
    receipt = outcome.receipts[0]
    assert errors_by_rule(receipt) == {"assault_after_arrival": [4], "future_date": [5]}
    assert "after the arrival" in receipt["errors"][0]["message"] or \
        "after the arrival" in receipt["errors"][1]["message"]


def test_late_arrival_is_flagged(sites: Path, run: Any, tmp_path: Path) -> None:
    rows = [["25/01/2024", "10:00", "10/01/2024", "11:00", "fist", "", "street", "late"]]
    assert run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))[0] == 0
    [receipt] = receipts(run)
    assert receipt["flags"]["late_arrival"]["rows"] == [1]


def test_code_list_versions(sites: Path, run: Any, tmp_path: Path) -> None:
    official = {
        "version": "isb1594-2025-1", "title": "Official list", "source": "test",
        "lists": {
            "assault_method": [{"code": "01", "label": "Body part"},
                               {"code": "02", "label": "Knife", "synonyms": ["blade"]},
                               {"code": "99", "label": "Other"}],
            "location_type": [{"code": "A", "label": "Home"}, {"code": "B", "label": "Street"},
                              {"code": "Z", "label": "Other"}],
        },
    }
    path = write(tmp_path, "official.json", json.dumps(official))
    code, out, err = run("istv", "codelist", "load", path)
    assert code == 0, err
    assert run("istv", "codelist", "load", path)[0] == 8  # a version is loaded once
    code, out, err = run("istv", "codelist", "list", "--json")
    assert json.loads(out)["active"]["version"] == "isb1594-2025-1"
    rows = [["05/01/2024", "23:40", "05/01/2024", "23:05", "blade", "", "Street", "a"],
            ["05/01/2024", "23:40", "05/01/2024", "23:05", "bottle", "", "Street", "b"]]
    assert run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))[0] == 0
    [receipt] = receipts(run)
    assert receipt["codelist_version"] == "isb1594-2025-1"
    assert errors_by_rule(receipt) == {"assault_method:code_list": [2]}
    stored = query(sites, "SELECT assault_method, location_type FROM istv_assault")
    assert stored.values.tolist() == [["02", "B"]]
    bad = write(tmp_path, "bad.json", json.dumps({"version": "x", "lists": {}}))
    code, _, err = run("istv", "codelist", "load", bad)
    assert code == 4 and "missing list(s): assault_method, location_type" in err


def test_ecds_style_extract(sites: Path, run: Any, tmp_path: Path) -> None:
    headings = ["ORGANISATION SITE IDENTIFIER (OF TREATMENT)", "NHS NUMBER",
                "EMERGENCY CARE ARRIVAL DATE", "EMERGENCY CARE ARRIVAL TIME", "INJURY DATE",
                "INJURY TIME", "INJURY MECHANISM", "PLACE OF INJURY",
                "EMERGENCY CARE ASSAULT LOCATION DESCRIPTION", "AGE AT CDS ACTIVITY DATE",
                "PERSON BIRTH DATE"]
    rows = [["RJ122", "9434765919", "2024-01-05", "23:40", "2024-01-05", "23:05", "stab",
             "street or highway", "Rye Lane", "17", "2006-05-01"],
            ["RJ121", "4010232137", "2024-01-06", "02:10", "2024-01-06", "01:30", "fist",
             "home", "home", "34", "1989-02-03"]]
    path = write(tmp_path, "ecds_extract_2024-01.csv",
                 csv_text(rows, site=None, start=None, end=None, headings=headings))
    code, _out, err = run("load", "istv", path)
    assert code == 0, err
    got = {r["site_code"]: r for r in receipts(run)}
    assert set(got) == {"RJ121", "RJ122"}  # one submission per site
    assert got["RJ122"]["file_format"] == "ecds"
    assert got["RJ122"]["dropped_identifier_columns"] == ["NHS NUMBER", "PERSON BIRTH DATE"]
    stored = query(sites, "SELECT site_code, age_band, assault_method FROM istv_assault "
                   "ORDER BY site_code")
    assert stored.values.tolist() == [["RJ121", "25-34", "body_part"],
                                      ["RJ122", "16-17", "knife_sharp"]]


# -- no identifier survives anywhere ------------------------------------------------------------

PLANTED = {
    "nhs": "943 476 5919",
    "nhs_compact": "4010232137",
    "phone": "07700 900461",
    "email": "kez.planted@example.org",
    "dob": "17/03/2006",
    "name": "Quillfeather",
    "postcode": "N16 7QZ",
}


def _all_text_values(home: Path) -> str:
    """Every VARCHAR value of every table in the warehouse, as one string."""
    chunks = []
    path = Workspace(home).warehouse_path
    columns = warehouse_sql.query(path, "SELECT table_name, column_name FROM "
                                  "information_schema.columns WHERE data_type = 'VARCHAR'")
    for table, column in columns.itertuples(index=False):
        values = warehouse_sql.query(path, f'SELECT "{column}" FROM "{table}"')[column]
        chunks.extend(str(v) for v in values if v is not None)
    return "\n".join(chunks)


def test_no_planted_identifier_survives_anywhere(sites: Path, run: Any, tmp_path: Path) -> None:
    p = PLANTED
    rows = [
        *GOOD,
        ["07/01/2024", "01:00", "07/01/2024", "00:30", "fist", "",
         "home", f"lives at 4 Fake Rd {p['postcode']}, NHS {p['nhs']}"],
        ["07/01/2024", "02:00", "07/01/2024", "00:30", "Other",
         f"Mr {p['name']} rang {p['phone']}", "street", f"email {p['email']} DOB {p['dob']}"],
        # identifiers typed into coded and date columns: refused, and still redacted
        [f"DOB {p['dob']}", "01:00", "07/01/2024", "00:30", f"nhs {p['nhs_compact']}", "",
         "street", "x"],
        ["07/01/2024", "01:00", "07/01/2024", "00:30", "fist", "",
         f"ring {p['phone']}", f"Mrs {p['name']}"],
    ]
    path = write(tmp_path, "jan.csv", csv_text(rows))
    code, out, err = run("load", "istv", path, "--json")
    assert code == 0, err
    outputs = [out, err]
    for args in (("istv", "receipts", "--json"), ("quality", "--source", "istv", "--json"),
                 ("quality", "--source", "istv")):
        code, out, err = run(*args)
        assert code == 0, err
        outputs += [out, err]
    [receipt] = receipts(run)
    outputs.append(json.dumps(receipt))
    assert receipt["redactions"]["nhs_number"] == 2
    assert receipt["redactions"]["phone"] == 2
    assert receipt["redactions"]["name"] == 2
    assert set(receipt["redactions"]) == {"nhs_number", "phone", "email", "date_of_birth",
                                          "name", "postcode", "house_number"}
    assert receipt["rows_quarantined"] == 2  # the rows with identifiers in coded columns

    variants = set(PLANTED.values()) | {v.replace(" ", "") for v in PLANTED.values()}
    digits = {"9434765919", "4010232137", "07700900461"}
    database_text = _all_text_values(sites)
    for value in variants:
        assert value not in database_text, value
        assert value.lower() not in database_text.lower(), value
    for text in outputs:
        for value in variants:
            assert value not in text, value
    # every byte of every file in the workspace: DuckDB file and WAL, logs, outputs
    files = [f for f in sites.rglob("*") if f.is_file()]
    assert any(f.name == "warehouse.duckdb" for f in files)
    for f in files:
        blob = f.read_bytes()
        for value in variants | digits:
            assert value.encode() not in blob, (f, value)
            assert value.encode("utf-16-le") not in blob, (f, value)


# -- geocoding through the geocoder's contract ---------------------------------------------------

class FakeGeocoder:
    """Stands in for vrhub.places.geocoder.Geocoder: same constructor and columns."""

    calls: ClassVar[list[list[str]]] = []

    @classmethod
    def build(cls, warehouse: Any, progress: Any = None) -> FakeGeocoder:
        return cls()

    def geocode(self, descriptions: list[str], site_codes: Any = None,
                location_types: Any = None) -> pd.DataFrame:
        FakeGeocoder.calls.append(list(descriptions))
        rows = []
        for text, ltype in zip(descriptions, location_types, strict=True):
            if ltype == "home":
                rows.append({"easting": None, "northing": None, "lsoa21_code": None,
                             "ward_code": None, "borough_code": None,
                             "match_method": "unresolved", "confidence": 0.0,
                             "unresolved_reason": "home address (not geocoded)"})
            else:
                rows.append({"easting": 533000.0, "northing": 184000.0,
                             "lsoa21_code": "E01001700", "ward_code": "E05009370",
                             "borough_code": "E09000012", "match_method": "street",
                             "confidence": 0.91 if "Mare" in text else 0.42,
                             "unresolved_reason": None})
        return pd.DataFrame(rows)


def test_records_are_geocoded_after_redaction(sites: Path, run: Any, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import vrhub.ingest.istv.geocoding as geocoding

    monkeypatch.setattr(geocoding, "geocoder_class", lambda: None)
    rows = [*GOOD, ["07/01/2024", "01:00", "07/01/2024", "00:30", "fist", "", "street",
                    "Mare St, ring 07700 900461"]]
    assert run("load", "istv", write(tmp_path, "jan.csv", csv_text(rows)))[0] == 0
    stored = query(sites, "SELECT geocode_unresolved_reason AS r FROM istv_assault")
    assert set(stored["r"]) == {"geocoder not available"}
    code, out, err = run("quality", "--source", "istv", "--json")
    month = json.loads(out)["sources"]["istv"]["site_months"][0]
    assert month["geocoded_pct"]["not_attempted"] == 100.0

    FakeGeocoder.calls = []
    monkeypatch.setattr(geocoding, "geocoder_class", lambda: FakeGeocoder)
    code, out, err = run("istv", "geocode", "--json")
    assert code == 0, err
    assert json.loads(out) == {"records": 4, "geocoded": 3, "note": None}
    # the geocoder only ever saw redacted text
    assert "07700 900461" not in json.dumps(FakeGeocoder.calls)
    assert "Mare St, ring [phone]" in FakeGeocoder.calls[0]
    stored = query(sites, "SELECT * FROM istv_assault_current ORDER BY source_row")
    assert stored["geocode_confidence"].tolist()[:2] == [0.91, 0.42]
    assert stored["geocode_unresolved_reason"][2] == "home address (not geocoded)"
    assert stored["borough_code"][3] == "E09000012" and stored["easting"][3] == 533000.0
    code, out, err = run("quality", "--source", "istv", "--json")
    month = json.loads(out)["sources"]["istv"]["site_months"][0]
    assert month["geocoded_pct"] == {"high": 50.0, "medium": 0.0, "low": 25.0,
                                     "unresolved": 25.0, "not_attempted": 0.0}
    # a new submission is geocoded on arrival
    second = write(tmp_path, "feb.csv", csv_text(GOOD[:1], start="01/02/2024",
                                                 end="29/02/2024").replace("/01/2024",
                                                                          "/02/2024"))
    assert run("load", "istv", second)[0] == 0
    receipt = next(r for r in receipts(run) if r["file"] == "feb.csv")
    assert receipt["geocoding"] == {"geocoded": 1, "note": None}


def test_an_upload_is_received_in_memory(sites: Path, tmp_path: Path) -> None:
    import gzip

    from vrhub.ingest.istv.memory import receive_bytes

    rows = [*GOOD, ["07/01/2024", "01:00", "07/01/2024", "00:30", "fist", "", "street",
                    "pt NHS 943 476 5919"]]
    data = csv_text(rows, site=None).encode()
    with Warehouse(Workspace(sites).warehouse_path) as warehouse:
        [receipt] = receive_bytes(warehouse, "../../RJ122 jan.csv", gzip.compress(data),
                                  site="RJ122")
        [refused] = receive_bytes(warehouse, "jan.csv", data, site="NOPE1")
    assert receipt["status"] == "current" and receipt["rows_accepted"] == 4
    assert receipt["file"] == "RJ122 jan.csv"  # no path from the client is used
    assert receipt["redactions"] == {"nhs_number": 1}
    assert refused["status"] == "rejected" and refused["errors"][0]["rule"] == "file:unknown_site"
    for f in sites.rglob("*"):
        if f.is_file():
            blob = f.read_bytes()
            assert b"943 476 5919" not in blob and b"9434765919" not in blob


def test_two_refusals_of_the_same_file_in_one_second_get_their_own_receipts() -> None:
    import datetime as dt

    from vrhub.ingest.istv.receipt import submission_id

    now = dt.datetime(2024, 3, 1, 12, 0, 0)
    assert submission_id("ab" * 32, "", "", now) != submission_id("ab" * 32, "", "", now)


# -- protecting a good month ---------------------------------------------------------------

OCTOBER = [[f"{d:02d}/10/2025", "10:00", f"{d:02d}/10/2025", "09:00", "fist", "", "street",
            f"row {d}"] for d in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12)]


def october(rows: list[list[Any]]) -> str:
    return csv_text(rows, start="01/10/2025", end="31/10/2025")


def test_one_month_first_date_sets_aside_only_its_row(sites: Path, run: Any,
                                                      tmp_path: Path) -> None:
    rows = [list(r) for r in OCTOBER]
    rows[4][0] = rows[4][2] = "10/13/2025"  # file row 5: month-first
    code, _, err = run("load", "istv", write(tmp_path, "oct.csv", october(rows)))
    assert code == 0, err
    [receipt] = receipts(run)
    assert (receipt["rows_read"], receipt["rows_accepted"]) == (11, 10)
    assert errors_by_rule(receipt) == {"arrival_at:format": [5], "assault_at:format": [5]}
    example = receipt["errors"][0]["examples"][0]
    assert (example["row"], example["value"]) == (5, "10/13/2025")
    assert example["column"] in ("Arrival Date", "Assault Date")  # as the file heads it
    assert "month-first" in example["reason"]
    # The other rows were read day-first: 1 to 12 October, none in another month.
    stored = query(sites, "SELECT arrival_at FROM istv_assault ORDER BY source_row")
    assert [t.strftime("%Y-%m-%d") for t in stored["arrival_at"]] == [
        f"2025-10-{d:02d}" for d in (1, 2, 3, 5, 7, 8, 9, 10, 11, 12)]


def test_a_bad_month_after_a_good_one_is_held(sites: Path, run: Any, tmp_path: Path) -> None:
    good = write(tmp_path, "oct-v1.csv", october(OCTOBER))
    bad_rows = [[r[0].replace("/10/2025", "/10/25x"), *r[1:]] for r in OCTOBER]
    bad = write(tmp_path, "oct-v2.csv", october(bad_rows))
    assert run("istv", "submit", good)[0] == 0
    # A dry run says what would happen and stores nothing.
    code, out, err = run("istv", "submit", bad, "--dry-run", "--json")
    assert code == 0, err
    [dry] = json.loads(out)["receipts"]
    assert (dry["status"], dry["rows_accepted"], dry["rows_quarantined"]) == ("dry_run", 0, 11)
    assert dry["replaces"]["before"] == 11 and dry["replaces"]["after"] == 0
    assert dry["replaces"]["needs_confirmation"] is True
    assert [x["row"] for x in dry["set_aside"]] == list(range(1, 12))
    # Without --replace the file is held: nothing stored, the good month stays current.
    code, out, err = run("istv", "submit", bad)
    assert code == 8
    assert "nothing was stored" in err and "11 records accepted now" in err
    assert "0 after" in err and "--replace" in err
    [only] = receipts(run)
    assert only["file"] == "oct-v1.csv" and only["status"] == "current"
    assert query(sites, "SELECT count(*) AS n FROM istv_assault_current")["n"][0] == 11
    # Confirmed, it replaces the month, and the receipt says nothing was accepted.
    code, out, err = run("istv", "submit", bad, "--replace", "--json")
    assert code == 0, err
    [receipt] = json.loads(out)["receipts"]
    assert receipt["rows_accepted"] == 0 and receipt["replaces"]["before"] == 11
    assert query(sites, "SELECT count(*) AS n FROM istv_assault_current")["n"][0] == 0


def test_a_smaller_correction_is_not_held(sites: Path, run: Any, tmp_path: Path) -> None:
    assert run("istv", "submit", write(tmp_path, "a.csv", october(OCTOBER)))[0] == 0
    code, _, err = run("istv", "submit", write(tmp_path, "b.csv", october(OCTOBER[:6])))
    assert code == 0, err  # 6 of 11 kept: at least half, a correction
    assert query(sites, "SELECT count(*) AS n FROM istv_assault_current")["n"][0] == 6
