"""ED assaults beside police violence per ward: every row can be sent as JSON, even for a
ward the lookup has no name for (found on the real City of London data: ED rows placed in
ward E05009303, no police row, so no name from either side, and the borough page failed)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from vrhub.access.ed_figures import Detail, EDView
from vrhub.reports import ed_figures
from vrhub.storage.series import MonthlyCounts

MONTHS = ["2025-01", "2025-02"]


def _counts(source: str, rows: list[tuple[str, str | None, str, int]]) -> MonthlyCounts:
    data = pd.DataFrame(rows, columns=["area_code", "area_name", "month", "count"])
    data.insert(2, "category", "all")
    return MonthlyCounts(source, "ward", data, MONTHS, [])


@pytest.mark.parametrize("detail", [Detail.EXACT, Detail.DISCLOSED])
def test_a_ward_without_a_name_is_named_by_its_code(monkeypatch: pytest.MonkeyPatch,
                                                    detail: Detail) -> None:
    ed = _counts("istv", [("E05009303", None, "2025-01", 9), ("E05009303", None, "2025-02", 11),
                          ("E05009304", "Bishopsgate", "2025-01", 12)])
    police = _counts("mps", [("E05009304", "Bishopsgate", "2025-01", 30),
                             ("E05009304", "Bishopsgate", "2025-02", 0)])
    monkeypatch.setattr(ed_figures, "has_ed_data", lambda _wh: True)
    monkeypatch.setattr(ed_figures, "monthly_counts",
                        lambda _wh, *, source, **_kw: ed if source == "istv" else police)
    view = EDView(detail, "test", everything=True, london_wide=True)
    rows = ed_figures.ed_vs_police(None, view, "E09000001", (None, None))  # type: ignore[arg-type]
    by_code = {r["area_code"]: r for r in rows}
    assert by_code["E05009303"]["area_name"] == "E05009303"
    assert by_code["E05009303"]["police"] == 0 and by_code["E05009303"]["ratio"] is None
    assert by_code["E05009304"]["area_name"] == "Bishopsgate"
    expected = {Detail.EXACT: (20, 12), Detail.DISCLOSED: (20, 10)}[detail]
    assert (by_code["E05009303"]["ed"], by_code["E05009304"]["ed"]) == expected
    json.dumps(rows, allow_nan=False)  # what the page's cache does with them
