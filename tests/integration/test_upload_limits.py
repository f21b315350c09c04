"""Bounded uploads: compression bombs, workbooks that claim (or hide) a vast range, and
over-long rows and cells are refused while they are read, with a message naming the limit
and the setting that raises it; the web upload, the API upload and `vrhub istv submit`
share the one bounded reader, and none of them grows by more than 300 MB above idle."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.upload_bombs import HEADINGS, ROW, newline_gzip, workbook
from vrhub.ingest.bounded import BoundedReader, LimitExceeded, UploadLimits
from vrhub.ingest.istv.readers import read_bytes, read_submission

REPO = Path(__file__).resolve().parents[2]
BOUND_KB = 300 * 1024  # the stated bound: 300 MB above idle
HEADER = "Site code of treatment,RAL01\nReporting period start date,01/01/2024\n" \
    "Reporting period end date,31/01/2024\n"


def csv_bytes(rows: int = 2, *, cell: str = "o/s Tesco Mare St", extra: str = "") -> bytes:
    lines = [HEADER.rstrip("\n"), ",".join(HEADINGS)]
    row = ",".join([*ROW[:7], cell]) + extra
    lines += [row] * rows
    return ("\n".join(lines) + "\n").encode()


def refusal(data: bytes, name: str, limits: UploadLimits | None = None, *,
            match: str) -> LimitExceeded:
    with pytest.raises(LimitExceeded, match=match) as caught:
        read_bytes(data, name, limits)
    return caught.value


# -- each limit, in process --------------------------------------------------------------------

def test_a_gzip_bomb_stops_at_the_decompressed_limit(tmp_path: Path) -> None:
    record = ",".join(ROW).encode() + b","
    unit = record + b"x" * (511 - len(record)) + b"\n"  # 512-byte records
    bomb = newline_gzip(tmp_path / "bomb.csv.gz", 1024, exact_crc=False,
                        prefix=csv_bytes(3), unit=unit)  # headings, then 1 GiB of records
    assert bomb.stat().st_size < 4 * 2**20  # under 4 MB sent for 1 GiB inflated
    limits = UploadLimits(data_bytes=2 * 2**20)
    with gzip.open(bomb) as inner:
        reader = BoundedReader(inner, limits, "bomb.csv.gz")
        with pytest.raises(LimitExceeded, match="the file holds more than 2 MB once "
                           "decompressed or unpacked") as caught:
            read_submission(reader, "bomb.csv")
    assert reader.bytes_read == limits.data_bytes  # stopped there, not at 1 GiB
    # hashed as it was read: the digest is of exactly the bytes read
    first = csv_bytes(3)
    body = unit * (limits.data_bytes // len(unit) + 1)
    assert reader.hexdigest() == hashlib.sha256(
        (first + body)[:limits.data_bytes]).hexdigest()
    exc = caught.value
    assert exc.rule == "file:limit_data_bytes"
    assert "the file holds more than 2 MB once decompressed or unpacked" in exc.message
    assert "VRHUB_UPLOAD_MAX_DATA_BYTES (now 2097152)" in str(exc.hint)


def test_a_newline_bomb_is_refused_at_the_row_limit(tmp_path: Path) -> None:
    bomb = newline_gzip(tmp_path / "bomb.csv.gz", 1024, exact_crc=False, prefix=csv_bytes(3))
    with gzip.open(bomb) as inner:
        reader = BoundedReader(inner, UploadLimits(), "bomb.csv.gz")
        with pytest.raises(LimitExceeded,
                           match=r"the file has more than 50,000 rows \(line 50001\)") as caught:
            read_submission(reader, "bomb.csv")
    assert reader.bytes_read < 2**20
    assert caught.value.rule == "file:limit_rows"
    assert "the file has more than 50,000 rows (line 50001)" in caught.value.message
    assert "VRHUB_UPLOAD_MAX_ROWS (now 50000)" in str(caught.value.hint)


def test_rows_past_the_limit_are_refused_at_the_first_one_over() -> None:
    exc = refusal(csv_bytes(30), "jan.csv", UploadLimits(rows=20),
                  match=r"the file has more than 20 rows \(line 21\)")
    assert exc.rule == "file:limit_rows" and exc.where.row == 21
    assert "the file has more than 20 rows (line 21)" in exc.message
    assert "VRHUB_UPLOAD_MAX_ROWS (now 20)" in str(exc.hint)
    assert len(read_bytes(csv_bytes(15), "jan.csv", UploadLimits(rows=20)).records) == 15


def test_a_row_with_too_many_fields_and_an_over_long_cell() -> None:
    wide = refusal(csv_bytes(1, extra="," * 300), "jan.csv",
                   match="a row has more than 256 columns")
    assert wide.rule == "file:limit_columns" and "a row has more than 256 columns" in \
        wide.message and "line 5 has 308" in wide.message
    assert "VRHUB_UPLOAD_MAX_COLUMNS" in str(wide.hint)
    long = refusal(csv_bytes(1, cell="x" * 40_000), "jan.csv",
                   match=r"a cell holds more than 32,767 characters \(line 5\)")
    assert long.rule == "file:limit_cell_chars"
    assert "a cell holds more than 32,767 characters (line 5)" in long.message
    assert "shorten that cell" in str(long.hint)
    assert "VRHUB_UPLOAD_MAX_CELL_CHARS (now 32767)" in str(long.hint)


@pytest.mark.parametrize("claim", ["A1:XFD20000", "A1:XFD1048576", "A1:H1048576"])
def test_a_workbook_claiming_a_vast_range_is_refused_before_its_cells(
        tmp_path: Path, claim: str) -> None:
    data = workbook(tmp_path / "claim.xlsx", dimension=claim).read_bytes()
    assert len(data) < 6000
    exc = refusal(data, "claim.xlsx", match=f"sheet 'Sheet' declares the range {claim}")
    limit = "columns" if "XFD" in claim else "rows"
    assert exc.rule == f"file:limit_{limit}"
    assert f"sheet 'Sheet' declares the range {claim}" in exc.message
    assert f"VRHUB_UPLOAD_MAX_{limit.upper()}" in str(exc.hint)


def test_a_workbook_whose_dimension_lies_is_still_bounded(tmp_path: Path) -> None:
    # declares A1:H5 but its last row holds 5,000 cells, or one cell in column 300
    crowded = workbook(tmp_path / "crowded.xlsx", far_cells=5000).read_bytes()
    exc = refusal(crowded, "crowded.xlsx",
                  match="sheet 'Sheet' row 5 has cells past column 256")
    assert exc.rule == "file:limit_columns"
    assert "sheet 'Sheet' row 5 has cells past column 256" in exc.message
    far = workbook(tmp_path / "far.xlsx", far_cells=1, far_column="KN").read_bytes()
    assert refusal(far, "far.xlsx", match="has cells past column 256").rule == \
        "file:limit_columns"
    # rows past the limit although the dimension says five
    tall = workbook(tmp_path / "tall.xlsx", rows=40, dimension="A1:H5").read_bytes()
    exc = refusal(tall, "tall.xlsx", UploadLimits(rows=30), match="has row 31")
    assert exc.rule == "file:limit_rows" and "has row 31" in exc.message
    # within the limits the lying dimension does not cut the records short
    assert len(read_bytes(tall, "tall.xlsx").records) == 40


def test_a_workbook_that_unpacks_past_the_limit(tmp_path: Path) -> None:
    data = workbook(tmp_path / "w.xlsx", rows=200).read_bytes()
    exc = refusal(data, "w.xlsx", UploadLimits(data_bytes=20_000), match="its parts unpack to")
    assert exc.rule == "file:limit_data_bytes" and "its parts unpack to" in exc.message


def test_xml_records_elements_and_text_are_bounded() -> None:
    def xml(records: int, children: int = 1, text: str = "fist") -> bytes:
        record = ("<Assault><ArrivalDate>05/01/2024</ArrivalDate>"
                  + f"<AssaultMethod>{text}</AssaultMethod>" * children + "</Assault>")
        return (f"<ISTVSubmission><Header><SiteCode>RAL01</SiteCode></Header><Assaults>"
                f"{record * records}</Assaults></ISTVSubmission>").encode()

    assert len(read_bytes(xml(20), "a.xml", UploadLimits(rows=20)).records) == 20
    assert refusal(xml(21), "a.xml", UploadLimits(rows=20),
                   match="more than 20 rows").rule == "file:limit_rows"
    assert refusal(xml(1, children=300), "a.xml",
                   match="more than 256").rule == "file:limit_columns"
    assert refusal(xml(1, text="x" * 40_000), "a.xml",
                   match="more than 32,767 characters").rule == "file:limit_cell_chars"


def test_a_file_larger_than_the_upload_limit_is_refused_unread(tmp_path: Path) -> None:
    from vrhub.ingest.istv.upload import receive_upload

    with pytest.raises(LimitExceeded,
                       match="the file is larger than the upload limit of 4,096 bytes") as caught:
        receive_upload(None, "jan.csv", io.BytesIO(csv_bytes(400)),  # type: ignore[arg-type]
                       site="RAL01", limits=UploadLimits(file_bytes=4096))
    assert caught.value.rule == "file:limit_file_bytes"
    assert "the file is larger than the upload limit of 4,096 bytes" in caught.value.message
    assert "VRHUB_UPLOAD_MAX_FILE_BYTES" in str(caught.value.hint)


# -- the three channels, each in a process of its own, with its peak memory --------------------

def probe(mode: str, tmp_path: Path, shared_data: Path, *files: Path) -> list[dict[str, Any]]:
    work = tmp_path / f"probe-{mode}"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, str(REPO / "tests" / "upload_probe.py"), mode, str(shared_data),
         str(work), *map(str, files)],
        capture_output=True, text=True, cwd=REPO, timeout=900)
    results = [json.loads(line) for line in done.stdout.splitlines()
               if line.startswith('{"file"')]
    assert len(results) == len(files), done.stderr[-3000:]
    return results


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "1mb": newline_gzip(folder / "bomb-1mb.csv.gz", 1024),
        "2mb": newline_gzip(folder / "bomb-2mb.csv.gz", 2048, exact_crc=False),
        "5mb": newline_gzip(folder / "bomb-5mb.csv.gz", 5 * 1024, exact_crc=False),
        "xfd20000": workbook(folder / "claims-xfd20000.xlsx", dimension="A1:XFD20000"),
        "xfd1048576": workbook(folder / "claims-xfd1048576.xlsx",
                               dimension="A1:XFD1048576"),
    }


def test_the_api_refuses_each_bomb_within_the_memory_bound(
        tmp_path: Path, shared_data: Path, bombs: dict[str, Path]) -> None:
    files = [bombs[k] for k in ("1mb", "2mb", "xfd20000", "xfd1048576")]
    results = probe("api", tmp_path, shared_data, *files)
    for result in results:
        assert result["status"] == 422, result
        body = json.loads(result["message"])
        (receipt,) = body["receipts"]
        assert receipt["status"] == "rejected"
        error = receipt["errors"][0]
        assert error["rule"].startswith("file:limit_") and "VRHUB_UPLOAD_MAX_" in error["hint"]
        assert result["peak_kb"] - result["idle_kb"] < BOUND_KB, result
    assert [r["errors"][0]["rule"] for r in (json.loads(x["message"])["receipts"][0]
                                             for x in results)] == [
        "file:limit_data_bytes", "file:limit_data_bytes", "file:limit_columns",
        "file:limit_columns"]


def test_the_web_upload_refuses_a_bomb_within_the_memory_bound(
        tmp_path: Path, shared_data: Path, bombs: dict[str, Path]) -> None:
    [result] = probe("web", tmp_path, shared_data, bombs["2mb"])
    assert result["status"] == 400
    assert "once decompressed or unpacked" in result["message"]
    assert "VRHUB_UPLOAD_MAX_DATA_BYTES" in result["message"]
    assert result["peak_kb"] - result["idle_kb"] < BOUND_KB, result


def test_istv_submit_refuses_a_5_mb_gzip_within_the_memory_bound(
        tmp_path: Path, shared_data: Path, bombs: dict[str, Path]) -> None:
    assert bombs["5mb"].stat().st_size < 5.5 * 2**20
    [result] = probe("cli", tmp_path, shared_data, bombs["5mb"])
    assert result["status"] == 4
    assert "the file holds more than 16 MB once decompressed or unpacked" in result["message"]
    assert "VRHUB_UPLOAD_MAX_DATA_BYTES (now 16777216)" in result["message"]
    assert result["peak_kb"] - result["idle_kb"] < BOUND_KB, result
