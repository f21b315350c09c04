"""Reading the outcomes rows ahead when a web worker starts: the measure and survey rows
are read from the app database once, a dashboard asked while they are being read waits
for that read instead of starting its own, and its figures are those of the rows (SQLite
and real PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers_outcomes import ADMIN, VRU, lead, programme
from tests.spec.test_outcomes_istatements import DOCUMENT, row
from tests.spec.test_outcomes_istatements import HEAD as SURVEY_HEAD
from tests.spec.test_outcomes_measures import HEAD, line
from vrhub.access.services import AccessServices
from vrhub.outcomes import istatements, measures, survey_responses, warm_up
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.dashboard import Dashboard, dashboard
from vrhub.outcomes.programmes import save_programmes
from vrhub.storage.outcomes import measures as measure_store
from vrhub.storage.outcomes import surveys as survey_store


@pytest.fixture
def outcomes(services: AccessServices) -> Outcomes:
    out = Outcomes(services.sessions, services.policy)
    save_programmes(out, ADMIN, [programme(survey_code="VAN-1")])
    istatements.load(out, VRU, DOCUMENT)
    pre = HEAD + "".join(line(f"P-{i:03d}", "pre", "2024-05-01") for i in range(6))
    post = HEAD + "".join(line(f"P-{i:03d}", "post", "2024-11-01", ons=(8, 7, 6, 3))
                          for i in range(4))
    measures.submit(out, lead(), "LCPF-CAM-01", "2024-25-Q1", pre.encode(), "q1.csv")
    measures.submit(out, lead(), "LCPF-CAM-01", "2024-25-Q3", post.encode(), "q3.csv")
    answers = SURVEY_HEAD + "".join(row(f"R-{i}", "2024-05-02", 4 if i < 3 else 2, 5)
                                    for i in range(5))
    survey_responses.submit(out, lead(), "LCPF-CAM-01", "2024-25-Q1", answers.encode(),
                            "s.csv")
    return out


class CountedReads:
    """Counts the calls of a storage read; the first waits for :attr:`release`."""

    def __init__(self, read: Callable[..., Any]) -> None:
        self.read = read
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        self.started.set()
        assert self.release.wait(30), "the test never let the read finish"
        return self.read(*args, **kwargs)


def test_a_dashboard_asked_during_the_read_ahead_waits_for_it(
        outcomes: Outcomes, monkeypatch: pytest.MonkeyPatch) -> None:
    measure_reads = CountedReads(measure_store.current_measures)
    survey_reads = CountedReads(survey_store.current_responses)
    monkeypatch.setattr(measure_store, "current_measures", measure_reads)
    monkeypatch.setattr(survey_store, "current_responses", survey_reads)
    ahead = warm_up.start(outcomes)
    assert ahead.name == warm_up.THREAD_NAME and ahead.daemon
    assert survey_reads.started.wait(30)  # the read ahead is reading, and held there
    got: list[Dashboard] = []
    asked = threading.Thread(target=lambda: got.append(dashboard(outcomes, VRU)))
    asked.start()
    asked.join(0.5)
    assert asked.is_alive()  # the request waits: it has not read the rows itself
    assert (survey_reads.calls, measure_reads.calls) == (1, 0)
    survey_reads.release.set()
    measure_reads.release.set()
    ahead.join(30)
    asked.join(30)
    assert not ahead.is_alive() and not asked.is_alive()
    assert (survey_reads.calls, measure_reads.calls) == (1, 1)  # read once each
    board = got[0].to_dict()
    assert board["prepost"]["participants"]["paired"] == 4
    assert board["prepost"]["participants"]["with_pre"] == 6
    kpi = {k["code"]: k for k in board["kpis"]["kpis"]}["IST-001"]
    assert (kpi["latest"]["count"], kpi["latest"]["total"]) == (3, 5)
    # later requests read nothing from the participant-level tables
    dashboard(outcomes, VRU, programme="LCPF-CAM-01")
    assert (survey_reads.calls, measure_reads.calls) == (1, 1)


def test_the_read_ahead_counts_what_it_read_and_a_new_upload_is_read_again(
        outcomes: Outcomes, monkeypatch: pytest.MonkeyPatch) -> None:
    done = warm_up.warm(outcomes)
    assert (done.measure_rows, done.survey_rows) == (10, 5)
    reads = CountedReads(measure_store.current_measures)
    reads.release.set()
    monkeypatch.setattr(measure_store, "current_measures", reads)
    assert dashboard(outcomes, VRU).prepost.participants["paired"] == 4
    assert reads.calls == 0
    more = HEAD + line("P-004", "post", "2025-01-15") + line("P-005", "post", "2025-01-15")
    measures.submit(outcomes, lead(), "LCPF-CAM-01", "2024-25-Q4", more.encode(), "q4.csv")
    assert dashboard(outcomes, VRU).prepost.participants["paired"] == 6
    assert reads.calls == 1


def test_a_failed_read_ahead_is_logged_and_left_to_the_first_request(
        outcomes: Outcomes, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(survey_store, "current_responses", broken)
    warm_up.start(outcomes).join(30)
    assert "outcomes rows not read ahead: RuntimeError" in caplog.text
    monkeypatch.undo()
    assert dashboard(outcomes, VRU).kpis.respondents == 5
