"""The logs after loading real data and reading it back through the API hold operational
facts only: no row data (crime ids, locations, LSOA codes of the rows), no query values,
no e-mail addresses, no tokens. Greps the log file itself."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from tests.web.conftest import ADMIN, PASSWORD
from vrhub.logs import configure
from vrhub.settings import Settings
from vrhub.web.app import create_app


def test_logs_hold_no_row_data_query_values_or_identities(run, home: Path,  # type: ignore[no-untyped-def]
                                                          shared_data: Path) -> None:
    env = {"VRHUB_LOG_FILE": "logs/vrhub.log", "VRHUB_LOG_FORMAT": "json",
           "VRHUB_LOG_LEVEL": "DEBUG"}
    code, _, err = run("load", "police", shared_data / "police-uk" / "city-of-london", env=env)
    assert code == 0, err

    settings = Settings.load(env, home=home, environment="test")
    configure(settings)
    try:
        app = create_app(settings)
        email = "analyst.person@example.org"
        app.state.access.identity.create_user(ADMIN, email, role="pan_london_analyst",
                                              organisation="VRU", password=PASSWORD)
        token, _ = app.state.access.tokens.create(ADMIN, email, "logs")
        client = TestClient(app)
        auth = {"Authorization": f"Bearer {token}"}
        page = client.get("/api/v1/records/police", headers=auth,
                          params={"limit": 200, "category": "Violence and sexual offences",
                                  "from": "2023-01", "to": "2023-06"})
        assert page.status_code == 200, page.text
        rows = page.json()["records"]
        assert len(rows) == 200
        one = client.get(f"/api/v1/records/police/{rows[0]['record_id']}", headers=auth)
        assert one.status_code == 200
        client.get("/api/v1/counts", headers=auth,
                   params={"source": "police", "level": "borough", "area": "E09000001"})
        client.get("/api/v1/records/police", params={"borough": "E09000033"})  # refused
    finally:
        configure(Settings.load({}, home=home, environment="test"))

    text = (home / "logs" / "vrhub.log").read_text()
    entries = [json.loads(line) for line in text.splitlines()]
    # the log is not empty: the load and every request are there, by route template
    loads = [e for e in entries if e["logger"] == "vrhub.load"]
    assert loads and loads[0]["source"] == "police" and loads[0]["rows_loaded"] > 0
    routes = [e["route"] for e in entries if e["logger"] == "vrhub.access"]
    assert routes.count("/api/v1/records/{dataset}") == 2
    assert "/api/v1/records/{dataset}/{record_id}" in routes

    forbidden = {email, token, token[4:12], "Violence and sexual offences", "2023-06",
                 "E09000033", rows[0]["record_id"]}
    for row in rows:
        for key in ("crime_id", "location", "lsoa21_code"):
            value = row.get(key)
            if value:
                forbidden.add(str(value))
    assert len(forbidden) > 50
    leaked = sorted(v for v in forbidden if v in text)
    assert leaked == []
