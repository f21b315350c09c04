"""Borough figures beside similar boroughs and London: groups by deprivation and size
(against scipy's distances), rates against plain SQL sums, shown on the borough page and
in the board summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
from fastapi import FastAPI
from fastapi.testclient import TestClient
from scipy.spatial.distance import cdist
from scipy.stats import zscore

from tests.warehouse_sql import query
from tests.web.html import parse, table
from tests.web.pages_workspace import BOROUGH
from tests.web.test_board_summary import latest_month, month_minus
from tests.web.test_map_place import client_for, warehouse
from vrhub.reports.comparison import similar_groups

HTML = {"accept": "text/html"}


def test_similar_groups_are_the_nearest_by_deprivation_and_size() -> None:
    rng = np.random.default_rng(3)
    traits = pd.DataFrame({"code": [f"E0900{i:04d}" for i in range(33)],
                           "name": [f"B{i}" for i in range(33)],
                           "population": rng.integers(150_000, 400_000, 33).astype(float),
                           "imd_rank": rng.uniform(3_000, 25_000, 33)})
    got = similar_groups(traits, size=5)
    z = np.column_stack([zscore(traits["imd_rank"]), zscore(np.log(traits["population"]))])
    d = cdist(z, z)
    for i, code in enumerate(traits["code"]):
        order = [traits["code"][j] for j in np.argsort(d[i], kind="stable") if j != i][:5]
        assert got[code] == order


def _violence_rates(demo_app: FastAPI) -> tuple[pd.Series, pd.Series, dict[str, str]]:
    """Violence with injury per borough over the latest 12 months, residents per borough
    and borough names, straight from the warehouse."""
    end = latest_month(demo_app)
    start = month_minus(end, 11)
    with warehouse(demo_app) as wh:
        counts = query(
            wh, "SELECT area_code, sum(count) AS n FROM mps_crime_count WHERE level = 'borough' "
                "AND minor_category = 'VIOLENCE WITH INJURY' AND month BETWEEN ? AND ? "
                "GROUP BY 1", [start, end]).set_index("area_code")["n"]
        people = query(
            wh, "SELECT l.borough_code, sum(p.count) AS n FROM population p JOIN "
                "(SELECT DISTINCT lsoa21_code, borough_code FROM area_lookup) l "
                "ON l.lsoa21_code = p.lsoa_code WHERE p.lsoa_vintage = '2021' AND "
                "p.age_band = 'all' AND p.sex = 'persons' AND p.year = (SELECT max(year) FROM "
                "population WHERE lsoa_vintage = '2021') GROUP BY 1").set_index(
                "borough_code")["n"]
        names = dict(query(wh, "SELECT code, name FROM area_boundary WHERE level = 'borough'")
                     .itertuples(index=False))
    return counts, people, names


def test_borough_page_sets_its_rates_beside_similar_boroughs_and_london(
        demo_app: FastAPI) -> None:
    counts, people, names = _violence_rates(demo_app)
    page = parse(client_for(demo_app).get(f"/boroughs/{BOROUGH}", headers=HTML).text)
    rows = {r[0]: r[1:] for r in table(page, "Compared with similar boroughs and London")}
    mine, similar, london, rank = rows["Violence with injury"]
    others = [c for c in counts.index if c != BOROUGH]  # six demo boroughs: all the others
    assert float(mine) == round(counts[BOROUGH] / people[BOROUGH] * 1000, 2)
    assert float(london) == round(counts.sum() / people[counts.index].sum() * 1000, 2)
    assert float(similar) == round(counts[others].sum() / people[others].sum() * 1000, 2)
    rates = (counts / people[counts.index]).sort_values(ascending=False)
    assert rank == f"{list(rates.index).index(BOROUGH) + 1} of {len(rates)}"
    listed = page.find(string=lambda s: s is not None and "Similar boroughs, by" in s)
    assert listed is not None
    assert sorted(listed.split(": ", 1)[1].rstrip(".").split(", ")) == sorted(
        names[c] for c in others)
    summary = parse(client_for(demo_app).get(f"/boroughs/{BOROUGH}/profile",
                                             headers=HTML).text)
    assert table(summary, "Compared with similar boroughs and London") == table(
        page, "Compared with similar boroughs and London")


def test_every_headline_figure_stands_beside_similar_boroughs_and_london(
        demo_app: FastAPI) -> None:
    counts, people, _names = _violence_rates(demo_app)
    others = [c for c in counts.index if c != BOROUGH]
    page = parse(client_for(demo_app).get(f"/boroughs/{BOROUGH}", headers=HTML).text)
    headlines = page.select(".vrhub-headline")
    beside = [h.select_one(".vrhub-headline__beside") for h in headlines]
    assert headlines and all(b is not None for b in beside)  # every headline, not some
    violence = next(b for b in beside if b is not None and
                    str(b["data-category"]).lower() == "violence with injury")
    shown = {str(dd["data-rate"]): dd.get_text(strip=True) for dd in violence.select("dd")}
    assert float(shown["borough"]) == round(counts[BOROUGH] / people[BOROUGH] * 1000, 2)
    assert float(shown["similar"]) == round(counts[others].sum() / people[others].sum()
                                            * 1000, 2)
    assert float(shown["london"]) == round(counts.sum() / people[counts.index].sum() * 1000,
                                           2)
    rates = (counts / people[counts.index]).sort_values(ascending=False)
    assert shown["rank"] == f"{list(rates.index).index(BOROUGH) + 1} of {len(rates)}"
    # London's own overview has no borough to compare
    overview = parse(client_for(demo_app).get("/", headers=HTML).text)
    assert overview.select(".vrhub-headline") and not overview.select(
        ".vrhub-headline__beside")


def test_ward_map_toggles_between_rates_and_counts(demo_app: FastAPI) -> None:
    darkest = "#7f0000"  # the choropleth's top quintile

    client = client_for(demo_app)
    base = f"/maps/areas.geojson?level=ward&borough={BOROUGH}&category=ROBBERY"
    for measure in ("rate", "count"):
        features = client.get(f"{base}&measure={measure}").json()["features"]
        values = {}
        for f in features:
            label = f["properties"]["label"]
            count = int(label.split(": ")[1].split(" ")[0].replace(",", ""))
            rate = float(label.split("(")[1].split(" ")[0]) if "(" in label else None
            values[f["properties"]["code"]] = (rate if measure == "rate" else count,
                                               f["properties"]["fill"])
        top = max(values.values(), key=lambda v: v[0])
        low = min(values.values(), key=lambda v: v[0])
        assert top[1] == darkest and low[1] != darkest
    page = parse(client.get(f"/boroughs/{BOROUGH}?category=ROBBERY&measure=count",
                            headers=HTML).text)
    checked = page.select_one('input[name="measure"][checked]')
    assert checked is not None and checked["value"] == "count"
    ward_map = page.select_one("#map-wards")
    assert ward_map is not None and "measure=count" in ward_map["data-geojson"]
    legend_title = page.find("h3", string="Offences")
    assert legend_title is not None
    assert client.get(f"{base}&measure=percent").status_code == 400


def test_an_icb_sees_its_own_system_against_london(demo_app: FastAPI) -> None:
    client = client_for(demo_app)
    listing = parse(client.get("/boroughs", headers=HTML).text)
    link = listing.find("a", href="/icbs/QZZ")
    assert link is not None and "Synthetic London" in link.get_text()
    page = parse(client.get("/icbs/QZZ", headers=HTML).text)
    members = ["E09990001", "E09990003", "E09990005"]  # the boroughs of its ED sites
    end = latest_month(demo_app)
    with warehouse(demo_app) as wh:
        counts = query(
            wh, "SELECT area_code, sum(count) AS n FROM mps_crime_count WHERE level = 'borough' "
                "AND major_category = 'ROBBERY' AND month BETWEEN ? AND ? GROUP BY 1",
            [month_minus(end, 11), end]).set_index("area_code")["n"]
        people = query(
            wh, "SELECT l.borough_code, sum(p.count) AS n FROM population p JOIN "
                "(SELECT DISTINCT lsoa21_code, borough_code FROM area_lookup) l "
                "ON l.lsoa21_code = p.lsoa_code WHERE p.lsoa_vintage = '2021' AND "
                "p.age_band = 'all' AND p.sex = 'persons' AND p.year = (SELECT max(year) FROM "
                "population WHERE lsoa_vintage = '2021') GROUP BY 1").set_index(
                "borough_code")["n"]
    rows = {r[0]: r[1:] for r in table(page, "Synthetic London against London")}
    count, system, london = rows["Robbery"]
    assert int(count.replace(",", "")) == counts[members].sum()
    assert float(system) == round(counts[members].sum() / people[members].sum() * 1000, 2)
    assert float(london) == round(counts.sum() / people[counts.index].sum() * 1000, 2)
    listed = [r[0] for r in table(page, "Boroughs in the system")]
    assert listed == sorted(["Alderbury", "Cedarfield", "Elmstead Vale"])
    text = page.get_text(" ")
    assert "Alderbury General Hospital ED (ZZ901), in Alderbury" in " ".join(text.split())
    assert client.get("/icbs/QXX", headers=HTML).status_code == 404


def test_borough_map_drills_down_to_its_lsoas(demo_app: FastAPI) -> None:
    client = client_for(demo_app)
    page = parse(client.get(f"/boroughs/{BOROUGH}?areas=lsoa&measure=count", headers=HTML).text)
    ward_map = page.select_one("#map-wards")
    assert ward_map is not None
    url = str(ward_map["data-geojson"])
    assert "level=lsoa" in url and "measure=count" in url
    features = client.get(url.replace("&amp;", "&")).json()["features"]
    with warehouse(demo_app) as wh:
        lsoas = set(query(wh, "SELECT DISTINCT lsoa21_code FROM area_lookup WHERE "
                              "borough_code = ?", [BOROUGH])["lsoa21_code"])
    assert {f["properties"]["code"] for f in features} == lsoas
    assert client.get(f"/boroughs/{BOROUGH}?areas=streets", headers=HTML).status_code == 400


def test_violence_robbery_and_weapons_views_are_one_click_away(demo_app: FastAPI) -> None:
    client = client_for(demo_app)
    page = parse(client.get(f"/boroughs/{BOROUGH}?category=ROBBERY", headers=HTML).text)
    nav = page.find("nav", attrs={"aria-label": "Views of Alderbury"})
    assert nav is not None
    links = {a.get_text(): a["href"] for a in nav.find_all("a")}
    assert links == {
        "Violence with injury": f"/boroughs/{BOROUGH}?category=VIOLENCE%20WITH%20INJURY",
        "Weapons (possession of weapons: the recorded-crime category nearest to knife "
        "crime)": f"/boroughs/{BOROUGH}?category=POSSESSION%20OF%20WEAPONS"}
    assert nav.find("strong").get_text() == "Robbery"  # the view shown
    for href in links.values():
        shown = parse(client.get(href, headers=HTML).text)
        chosen = shown.select_one("#category option[selected]")
        assert chosen is not None and chosen["value"] == href.split("=")[1].replace("%20", " ")


def test_borough_ward_and_lsoa_tables_drill_down_with_rates_and_counts(
        demo_app: FastAPI) -> None:
    """The borough page's ward table links each ward to a page of its LSOAs; counts and
    rates there are the MPS LSOA figures of the latest 12 months, checked with SQL."""
    client = client_for(demo_app)
    end = latest_month(demo_app)
    start = month_minus(end, 11)
    page = parse(client.get(f"/boroughs/{BOROUGH}?category=VIOLENCE+WITH+INJURY",
                            headers=HTML).text)
    links = {a.get_text(strip=True): str(a["href"])
             for a in page.select("#area-table tbody a")}
    with warehouse(demo_app) as wh:
        wards = dict(query(wh, "SELECT DISTINCT ward_code, ward_name FROM area_lookup "
                               "WHERE borough_code = ?", [BOROUGH]).itertuples(index=False))
        ward = sorted(wards)[0]
        lsoas = query(
            wh, "SELECT l.lsoa21_code, coalesce(sum(c.count), 0) AS n FROM (SELECT DISTINCT "
                "lsoa21_code FROM area_lookup WHERE ward_code = ?) l LEFT JOIN mps_crime_count c "
                "ON c.area_code = l.lsoa21_code AND c.level = 'lsoa' AND c.minor_category = "
                "'VIOLENCE WITH INJURY' AND c.month BETWEEN ? AND ? GROUP BY 1", [ward, start, end]
        ).set_index("lsoa21_code")["n"]
        people = query(
            wh, "SELECT lsoa_code, sum(count) AS n FROM population WHERE lsoa_vintage = '2021' "
                "AND age_band = 'all' AND sex = 'persons' AND year = (SELECT max(year) FROM "
                "population WHERE lsoa_vintage = '2021') GROUP BY 1").set_index("lsoa_code")["n"]
    assert set(links) == set(wards.values())
    href = links[wards[ward]]
    assert href.startswith(f"/boroughs/{BOROUGH}/wards/{ward}?")
    for measure in ("rate", "count"):
        ward_page = parse(client.get(href.replace("measure=rate", "").replace(
            "measure=count", "") + f"&measure={measure}", headers=HTML).text)
        rows = table(ward_page, "by LSOA in")
        codes = [r[1] for r in rows]
        assert set(codes) == set(lsoas.index)
        for r in rows:
            assert int(r[2].replace(",", "")) == int(lsoas[r[1]])
            assert float(r[4]) == round(lsoas[r[1]] / people[r[1]] * 1000, 2)
        key = (lambda r: float(r[4])) if measure == "rate" else (
            lambda r: int(r[2].replace(",", "")))
        assert [key(r) for r in rows] == sorted((key(r) for r in rows), reverse=True)
    assert client.get(f"/boroughs/{BOROUGH}/wards/E05999999", headers=HTML).status_code == 404
    assert TestClient(demo_app).get(href, headers=HTML, follow_redirects=False).status_code in (
        302, 303, 401)


def test_the_ward_page_is_its_own_route_module() -> None:
    from vrhub.web.routes import pages_wards

    own = {(r.path, tuple(sorted(r.methods))) for r in pages_wards.router.routes}
    assert own == {("/boroughs/{code}/wards/{ward}", ("GET",))}
