"""``vrhub istv receipts`` (vrhub.cli.istv, vrhub.cli.istv_submissions): the submissions
the warehouse holds, for every site or one."""

from __future__ import annotations

import json
from pathlib import Path

from tests.web.test_access_matrix import HACKNEY_SITE, SUBMISSIONS, seed_warehouse
from vrhub.cli import istv, istv_submissions


def test_receipts_list_every_sites_submissions_or_one_sites(run, home: Path) -> None:  # type: ignore[no-untyped-def]
    seed_warehouse(home / "warehouse.duckdb")
    assert istv_submissions.receipts.name in istv.command.commands
    code, out, err = run(istv.command.name, istv_submissions.receipts.name, "--json")
    assert code == 0, err
    listed = json.loads(out)["receipts"]
    assert {(r["submission_id"], r["site_code"]) for r in listed} == {
        (submission, site) for site, submission in SUBMISSIONS.items()}
    assert all(r["rows_read"] == r["rows_accepted"] == 24 for r in listed)
    code, out, err = run(istv.command.name, istv_submissions.receipts.name, "--site",
                         HACKNEY_SITE.lower(), "--json")
    assert code == 0, err
    assert [r["submission_id"] for r in json.loads(out)["receipts"]] == [
        SUBMISSIONS[HACKNEY_SITE]]
