"""Public outputs: ``vrhub publish`` builds them under disclosure control, the scanner
checks every file, a planted violation refuses the whole publication, and
``/api/v1/public`` serves only the published files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.warehouse_sql import query
from tests.web.test_access_matrix import seed_warehouse
from vrhub.analytics import disclosure as sdc
from vrhub.errors import DisclosureError
from vrhub.reports import publish as pub
from vrhub.settings import Settings
from vrhub.storage.warehouse import Warehouse
from vrhub.web.app import create_app


def all_counts(folder: Path) -> list[float]:
    """Every declared count value in every CSV and JSON output under ``folder``."""
    values: list[float] = []
    for path in folder.glob("*.json"):
        if path.name == pub.MANIFEST or path.name.endswith(".csv.json"):
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        counts = document["vrhub"]["disclosure"]["counts"]
        for row in document["rows"]:
            values += [row[c] for c in counts if row[c] is not None]
    for path in folder.glob("*.csv"):
        meta = json.loads(Path(f"{path}.json").read_text(encoding="utf-8"))
        frame = pd.read_csv(path)
        for column in meta["disclosure"]["counts"]:
            values += frame[column].dropna().tolist()
    return values


def frame_of(counts: list[int], months: int = 1) -> pd.DataFrame:
    return pd.DataFrame({
        "area_code": [f"E050000{i % 90 + 10:02d}" for i in range(len(counts))],
        "area_name": ["Ward"] * len(counts), "category": ["Burglary"] * len(counts),
        "month": ["2024-01"] * len(counts), "count": counts})


def builder(frame: pd.DataFrame, name: str = "synthetic-ward-month") -> pub.Builder:
    def build(_wh: Warehouse) -> pub.Built:
        return pub.Built(name, "Synthetic", "Synthetic counts.", frame, {"level": "ward"}, [])
    return build


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    path = tmp_path / "warehouse.duckdb"
    seed_warehouse(path)
    wh = Warehouse(path)
    yield wh  # type: ignore[misc]
    wh.close()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(counts=st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=40))
def test_every_published_count_is_zero_or_a_multiple_of_five(
    tmp_path_factory: pytest.TempPathFactory, counts: list[int]
) -> None:
    public = tmp_path_factory.mktemp("pub") / "public"
    with Warehouse(public.parent / "w.duckdb") as wh:
        report = pub.publish(wh, public, outputs=(("synthetic", builder(frame_of(counts))),))
    assert report.outputs and not report.skipped
    values = all_counts(public)
    assert len(values) == 2 * sum(1 for c in counts if c == 0 or c > 7)
    for value in values:
        assert value == 0 or (value % 5 == 0 and value > 7), value
    assert sdc.scan_public_tree(public).ok


def test_publish_the_real_outputs(warehouse: Warehouse, tmp_path: Path) -> None:
    public = tmp_path / "public"
    report = pub.publish(warehouse, public)
    assert set(report.outputs) >= {"police-ward-month", "police-borough-month",
                                   "ed-assaults-borough-month", "ed-police-borough-quarter"}
    assert "mps-ward-month" in report.skipped  # no MPS data in this warehouse
    manifest = json.loads((public / pub.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["rule"] == "counts 1-7 suppressed, others rounded to the nearest 5"
    entry = manifest["outputs"]["police-borough-month"]
    assert entry["parameters"]["level"] == "borough"
    assert entry["disclosure"]["counts"] == ["count"]
    values = all_counts(public)
    assert values and all(v == 0 or (v % 5 == 0 and v > 7) for v in values)
    # police borough-months hold 4 to 10 crimes per type: the small ones are suppressed
    police = pd.read_csv(public / "police-borough-month.csv")
    exact = query(warehouse, "SELECT borough_code AS area_code, crime_type AS category, month, "
                             "count(*) AS n FROM police_street GROUP BY ALL")
    merged = police.merge(exact, on=["area_code", "category", "month"])
    assert len(merged) == len(exact)
    assert (merged["count"].isna() == (merged["n"] <= 7)).all()
    shown = merged.dropna(subset=["count"])
    assert not shown.empty
    assert ((shown["count"] - shown["n"]).abs() <= 2.5).all()
    quarter = pd.read_csv(public / "ed-police-borough-quarter.csv")
    assert set(quarter["quarter"]) == {f"2024-Q{q}" for q in range(1, 5)}
    assert ((quarter["ed_count"].isna()) <= quarter["ed_per_police"].isna()).all()
    for path in public.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "easting" not in text and "assault_at" not in text and "21:00" not in text
    assert sdc.scan_public_tree(public).ok


@pytest.mark.parametrize("planted", ["small", "unrounded", "lsoa", "point", "time"])
def test_planted_violations_are_caught_and_nothing_is_published(
    tmp_path: Path, planted: str
) -> None:
    public = tmp_path / "public"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        pub.publish(wh, public, outputs=(("ok", builder(frame_of([10, 20]))),))
    before = sorted(p.name for p in public.iterdir())
    good = frame_of([10, 20])

    def sneaky(_wh: Warehouse) -> pub.Built:
        return pub.Built("sneaky", "x", "x", good, {}, [])

    original = pub.controlled

    def leak(built: pub.Built) -> pd.DataFrame:
        out = original(built)
        if built.name != "sneaky":
            return out
        out = out.copy()
        if planted == "small":
            out.loc[0, "count"] = 3
        elif planted == "unrounded":
            out.loc[0, "count"] = 12
        elif planted == "lsoa":
            out.loc[0, "area_code"] = "E01000907"
        elif planted == "point":
            out["easting"] = 528000.0
        elif planted == "time":
            out.loc[0, "month"] = "2024-01-03 21:15"
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pub, "controlled", leak)
        with Warehouse(tmp_path / "w.duckdb") as wh, pytest.raises(
                DisclosureError, match="nothing was published") as info:
            pub.publish(wh, public, outputs=(("ok", builder(good, "ok-ward-month")),
                                             ("sneaky", sneaky)))
    assert "nothing was published" in info.value.message
    assert sorted(p.name for p in public.iterdir()) == before
    assert not list(tmp_path.glob(".public-*"))


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_scanner_reads_each_format(tmp_path: Path, suffix: str) -> None:
    frame = frame_of([3, 10])
    path = tmp_path / f"bad{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        path.write_text(json.dumps({"rows": frame.to_dict("records")}), encoding="utf-8")
    rules = {v.rule for v in sdc.scan_public_output(path)}
    assert "small_count" in rules


def test_public_api_serves_only_published_files(warehouse: Warehouse, tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings_ = Settings.load({}, home=home, environment="test")
    app = create_app(settings_)
    client = TestClient(app)
    missing = client.get("/api/v1/public")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    pub.publish(warehouse, app.state.workspace.public)
    listing = client.get("/api/v1/public")
    assert listing.status_code == 200
    assert listing.headers["cache-control"] == "public, max-age=3600"
    assert "police-ward-month" in listing.json()["outputs"]
    one = client.get("/api/v1/public/police-ward-month.csv")
    assert one.status_code == 200 and one.text.startswith("area_code")
    assert one.headers["cache-control"] == "public, max-age=3600"
    again = client.get("/api/v1/public/police-ward-month.csv",
                       headers={"if-none-match": one.headers["etag"]})
    assert again.status_code == 304
    for name in ("police-ward-month.csv.json", "manifest.json", "..%2Fwarehouse.duckdb",
                 "nope.csv"):
        assert client.get(f"/api/v1/public/{name}").status_code == 404, name
    # the same bytes, compressed for clients that accept gzip; each form has its own ETag
    # and either satisfies If-None-Match
    on_disk = (app.state.workspace.public / "police-ward-month.csv").read_bytes()
    plain = client.get("/api/v1/public/police-ward-month.csv",
                       headers={"accept-encoding": "identity"})
    assert plain.content == on_disk and "content-encoding" not in plain.headers
    packed = client.get("/api/v1/public/police-ward-month.csv",
                        headers={"accept-encoding": "gzip, deflate"})
    assert packed.headers["content-encoding"] == "gzip" and packed.content == on_disk
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.headers["etag"] != plain.headers["etag"]
    assert client.get("/api/v1/public/police-ward-month.csv", headers={
        "accept-encoding": "gzip", "if-none-match": plain.headers["etag"]}).status_code == 304
    # publishing again replaces the file: the next request serves the new version
    (app.state.workspace.public / "police-ward-month.csv").write_bytes(on_disk + b"\n")
    assert client.get("/api/v1/public/police-ward-month.csv").content == on_disk + b"\n"


def test_a_boundary_layer_is_one_geojson_file_and_points_are_refused(tmp_path: Path) -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 51], [0.1, 51], [0.1, 51.1], [0, 51]]]}
    codes = pd.DataFrame({"area_code": ["E05000026", "E05000027"]})

    def layer(geometry: list[dict[str, object]]) -> pub.Builder:
        def build(_wh: Warehouse) -> pub.Built:
            return pub.Built("boundaries-ward", "Wards", "Ward boundaries.", codes,
                             {"level": "ward"}, [], geometry=pd.Series(geometry))
        return build

    public = tmp_path / "public"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = pub.publish(wh, public, outputs=(("b", layer([square, square])),))
        assert report.outputs["boundaries-ward"]["files"] == {"json": "boundaries-ward.json"}
        document = json.loads((public / "boundaries-ward.json").read_text(encoding="utf-8"))
        assert document["type"] == "FeatureCollection"
        assert [f["properties"]["area_code"] for f in document["features"]] == \
            ["E05000026", "E05000027"]
        point = {"type": "Point", "coordinates": [0.05, 51.05]}
        with pytest.raises(DisclosureError, match="point geometries") as info:
            pub.publish(wh, public, outputs=(("b", layer([square, point])),))
    assert "point geometries" in info.value.message
    assert json.loads((public / "boundaries-ward.json").read_text(encoding="utf-8")) == document


def test_counts_in_notes_are_disclosed_and_the_scan_reads_every_text_field(
        tmp_path: Path) -> None:
    public = tmp_path / "public"

    def noted(_wh: Warehouse) -> pub.Built:
        return pub.Built("noted-ward-month", "Noted", "Synthetic counts.", frame_of([10, 20]),
                         {"level": "ward"}, [], notes=[
                             "1,369 istv_assault row(s) with no borough are not in area "
                             "results", "3 istv_assault row(s) with no ward"])

    with Warehouse(tmp_path / "w.duckdb") as wh:
        pub.publish(wh, public, outputs=(("noted", noted),))
    for metadata in (json.loads((public / "noted-ward-month.json").read_text("utf-8"))["vrhub"],
                     json.loads((public / "noted-ward-month.csv.json").read_text("utf-8"))):
        assert metadata["notes"] == [
            "about 1,370 istv_assault row(s) with no borough are not in area results",
            "fewer than eight istv_assault row(s) with no ward"]
    assert sdc.scan_public_tree(public).ok
    # the same output written without the note control: every text field is read
    document = json.loads((public / "noted-ward-month.json").read_text("utf-8"))
    document["vrhub"]["notes"] = ["1,369 istv_assault row(s) with no borough"]
    (public / "noted-ward-month.json").write_text(json.dumps(document), "utf-8")
    sidecar = json.loads((public / "noted-ward-month.csv.json").read_text("utf-8"))
    sidecar["description"] = "Counts; 6 offences were left out"
    (public / "noted-ward-month.csv.json").write_text(json.dumps(sidecar), "utf-8")
    found = sdc.scan_public_tree(public).violations
    assert sorted((v.rule, v.source, v.column, v.value) for v in found) == [
        ("count_in_text", "noted-ward-month.csv", "noted-ward-month.csv.json.description",
         "6 offences"),
        ("count_in_text", "noted-ward-month.json", "vrhub.notes[0]",
         "1,369 istv_assault row(s)")]


def test_a_table_written_in_chunks_is_the_json_of_the_whole_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pub, "JSON_CHUNK_ROWS", 7)
    counts = [0, 10, 3, 25, 40, 5, 15, 100, 0, 8, 12, 1000, 55, 2, 30, 45, 60]
    public = tmp_path / "public"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        pub.publish(wh, public, outputs=(("synthetic", builder(frame_of(counts))),))
    text = (public / "synthetic-ward-month.json").read_text(encoding="utf-8")
    document = json.loads(text)
    # the whole document encoded at once by the standard library: the same bytes
    assert text == json.dumps(document)
    shown = [row["count"] for row in document["rows"]]
    assert shown == [0, 10, None, 25, 40, None, 15, 100, 0, 10, 10, 1000, 55, None, 30,
                     45, 60]
    assert [row["area_code"] for row in document["rows"]] == [
        f"E050000{i % 90 + 10:02d}" for i in range(len(counts))]


def test_a_ward_month_table_is_published_for_its_latest_window(warehouse: Warehouse,
                                                                tmp_path: Path) -> None:
    """The ward x month tables carry the latest WARD_MONTH_WINDOW months (the MPS one
    would otherwise be four million rows); the window and the first month of the whole
    history are stated in the parameters and description, and the whole history is there
    for signed-in users."""
    assert pub.WARD_MONTH_WINDOW == 36
    # the real outputs: the seeded police data spans 24 months, all inside the window
    public = tmp_path / "public"
    pub.publish(warehouse, public)
    entry = json.loads((public / pub.MANIFEST).read_text("utf-8"))["outputs"][
        "police-ward-month"]
    assert entry["parameters"] == {"source": "police", "level": "ward", "period": "month",
                                   "window_months": 36, "months": ["2023-01", "2024-12"],
                                   "history_from": "2023-01"}
    assert set(pd.read_csv(public / "police-ward-month.csv")["month"]) == {
        f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)}
    # a 12-month window over the same data: 2024 only, every count under the rule
    windowed = tmp_path / "windowed"
    build = pub._monthly("police-ward-month", "Street crime by ward and month",
                         "police.uk street-level crimes per ward.", "police", "ward", 12)
    pub.publish(warehouse, windowed, outputs=(("police-ward-month", build),))
    entry = json.loads((windowed / pub.MANIFEST).read_text("utf-8"))["outputs"][
        "police-ward-month"]
    assert entry["parameters"]["months"] == ["2024-01", "2024-12"]
    assert entry["parameters"]["history_from"] == "2023-01"
    assert ("Published for the latest 12 months (January 2024 to December 2024); the whole "
            "history, from January 2023, is available to signed-in users") in entry[
        "description"]
    table = pd.read_csv(windowed / "police-ward-month.csv")
    rows = json.loads((windowed / "police-ward-month.json").read_text("utf-8"))["rows"]
    months = {f"2024-{m:02d}" for m in range(1, 13)}
    assert set(table["month"]) == {r["month"] for r in rows} == months
    exact = query(warehouse, "SELECT ward_code AS area_code, crime_type AS category, month, "
                             "count(*) AS n FROM police_street WHERE month >= '2024-01' "
                             "GROUP BY ALL")
    merged = table.merge(exact, on=["area_code", "category", "month"], how="outer")
    assert len(merged) == len(exact) == len(table)
    assert (merged["count"].isna() == (merged["n"] <= 7)).all()
    shown = merged.dropna(subset=["count"])
    assert not shown.empty and ((shown["count"] - shown["n"]).abs() <= 2.5).all()
    assert sdc.scan_public_tree(windowed).ok
    # the whole history stays with signed-in users
    from tests.web.test_access_matrix import build_world

    world = build_world(Settings.load({}, home=tmp_path / "home", environment="test"))
    try:
        body = world.client.get("/api/v1/counts?source=police&level=ward&from=2023-01"
                                "&to=2024-12&limit=10",
                                headers=world.headers["pan"]).json()
        everything = query(warehouse, "SELECT ward_code, crime_type, month FROM police_street "
                                      "GROUP BY ALL")
        assert body["total"] == len(everything) > len(exact)
        assert body["rows"][0]["month"] == "2023-01"
    finally:
        world.app.state.access.close()
