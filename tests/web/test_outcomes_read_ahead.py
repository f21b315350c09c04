"""``vrhub serve`` reads the outcomes rows ahead as a web worker starts (unless
``VRHUB_OUTCOMES_WARM_UP`` is off); an app made by ``create_app`` alone, as the tests make
them, reads nothing ahead."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers_outcomes import ADMIN, lead, programme
from tests.spec.test_outcomes_measures import HEAD, line
from tests.web.test_api_records import token_for
from vrhub.cli.serve import read_ahead
from vrhub.outcomes import measures, warm_up
from vrhub.outcomes.programmes import save_programmes
from vrhub.settings import Settings
from vrhub.storage.outcomes import measures as measure_store
from vrhub.web.app import create_app
from vrhub.web.outcomes_deps import outcomes_of


def reading_ahead() -> bool:
    return any(t.name == warm_up.THREAD_NAME for t in threading.enumerate())


def test_serve_reads_the_rows_once_before_the_first_request(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(Settings.load({}, home=tmp_path / "home", environment="test"))
    assert not reading_ahead() and not outcomes_of(app.state).figure_cache
    service = outcomes_of(app.state)
    save_programmes(service, ADMIN, [programme()])
    data = HEAD + line("P-001", "pre", "2024-05-01") + line("P-002", "pre", "2024-05-01")
    measures.submit(service, lead(), "LCPF-CAM-01", "2024-25-Q1", data.encode(), "q1.csv")
    app.state.access.identity.create_user(ADMIN, "vru@example.org", role="pan_london_analyst",
                                          organisation="T", password="a long passphrase 1")
    calls: list[Any] = []
    read = measure_store.current_measures

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return read(*args, **kwargs)

    monkeypatch.setattr(measure_store, "current_measures", counted)
    started = read_ahead(app)
    assert started is not None
    started.join(30)
    assert len(calls) == 1
    client = TestClient(app)
    answer = client.get("/api/v1/outcomes/dashboard", headers=token_for(app, "vru@example.org"))
    assert answer.status_code == 200
    assert answer.json()["prepost"]["participants"]["with_pre"] == 2
    assert len(calls) == 1  # the request read no rows: they were read ahead


def test_turned_off_nothing_is_read_ahead(tmp_path: Path) -> None:
    settings = Settings.load({"VRHUB_OUTCOMES_WARM_UP": "false"}, home=tmp_path / "home",
                             environment="test")
    assert settings.outcomes_warm_up is False
    app = create_app(settings)
    assert read_ahead(app) is None
    assert not reading_ahead() and not outcomes_of(app.state).figure_cache
