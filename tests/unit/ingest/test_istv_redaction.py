"""The identifier guard over a whole submission: header, notes, ignored column names and
every text cell; full postcodes removed from free text only when the place is a home;
dates and times left as written; over-long cells cut before they are scanned."""

from __future__ import annotations

from vrhub.ingest.istv.readers import RawRecord, RawSubmission
from vrhub.ingest.istv.redaction import SCAN_LIMIT, redact_submission
from vrhub.standards.codelists import default


def submission(*records: dict[str, object], **header: object) -> RawSubmission:
    return RawSubmission("csv", header=dict(header), records=[
        RawRecord(i, f"line {i + 1}", dict(values)) for i, values in enumerate(records, 1)])


def test_identifiers_are_removed_everywhere_and_counted_by_kind() -> None:
    raw = submission(
        {"location_type": "street", "location_description": "Outside 12 Mare St, call "
         "07700 900123", "arrival_date": "05-01-2024", "arrival_time": "23:43",
         "assault_method": "knife"},
        {"location_type": "street", "location_description": "Bus stop, Mare St",
         "assault_method": "blunt object"},
        site_code="RJ122", contact="lead@kings.example.org")
    raw.notes.append("sent by jo.bloggs@kings.example.org")
    found = redact_submission(raw, default())
    assert found["phone"] == 1 and found["email"] == 2
    first, second = (r.values for r in raw.records)
    assert "07700 900123" not in str(first["location_description"])
    assert first["_redacted"] is True and "_redacted" not in second
    assert (first["arrival_date"], first["arrival_time"]) == ("05-01-2024", "23:43")
    assert "lead@kings.example.org" not in str(raw.header["contact"])
    assert "jo.bloggs" not in raw.notes[0]
    assert second["location_description"] == "Bus stop, Mare St"


def test_a_full_postcode_identifies_a_home_but_not_a_street() -> None:
    raw = submission({"location_type": "home", "location_description": "Flat near E8 1HE"},
                     {"location_type": "street", "location_description": "Outside E8 1HE"})
    found = redact_submission(raw, default())
    home, street = (r.values["location_description"] for r in raw.records)
    assert "E8 1HE" not in str(home)
    assert street == "Outside E8 1HE"
    assert found.get("postcode") == 1


def test_a_date_column_holding_more_than_a_date_is_redacted_like_text() -> None:
    raw = submission({"location_type": "street", "arrival_date": "ring 07700 900123"})
    assert redact_submission(raw, default()) == {"phone": 1}
    assert "07700" not in str(raw.records[0].values["arrival_date"])


def test_cells_are_cut_to_the_scan_limit_before_they_are_scanned() -> None:
    raw = submission({"location_type": "street",
                      "location_description": "x" * (SCAN_LIMIT * 50)})
    redact_submission(raw, default())
    assert len(str(raw.records[0].values["location_description"])) <= SCAN_LIMIT
