"""Reading the outcomes figures' participant-level rows when a web worker starts.

The outcomes dashboards, pre/post change and i-Statement KPIs are computed from every
counted participant measure and survey response, read from the app database once per
version of those rows and indexed by programme (:func:`vrhub.outcomes.prepost.rows_of`,
:func:`vrhub.outcomes.istatement_kpis.responses_of`). Left to the first request, that read
(some 50,000 rows for a hundred programmes) keeps the first clients of a new worker
waiting for over a second.

:func:`start` reads them in a background thread as the worker starts: the worker accepts
connections at once, and a request arriving while the rows are read waits for that same
read (:meth:`vrhub.outcomes.context.Outcomes.remember` computes a key once however many
ask) instead of starting its own. ``vrhub serve`` starts it unless
``VRHUB_OUTCOMES_WARM_UP`` is off.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.istatement_kpis import responses, responses_of
from vrhub.outcomes.prepost import rows, rows_of
from vrhub.outcomes.programmes import every_programme
from vrhub.outcomes.views import current_versions

log = logging.getLogger("vrhub.outcomes")

THREAD_NAME = "vrhub-outcomes-warm-up"


@dataclass(frozen=True)
class Warmed:
    """What :func:`warm` read: row counts and the seconds it took."""

    measure_rows: int
    survey_rows: int
    seconds: float


def warm(outcomes: Outcomes) -> Warmed:
    """Read, and keep in ``outcomes``' cache, what every outcomes figure starts from: the
    framework in force, the programmes, and the counted measure and survey rows of the
    current version indexed by programme."""
    start = time.perf_counter()
    versions = current_versions(outcomes)
    outcomes.framework()
    every_programme(outcomes, versions)
    # the indexes by programme first: a request waits on the index, which holds the read
    responses_of(outcomes, versions, ())
    rows_of(outcomes, versions, ())
    return Warmed(len(rows(outcomes, versions)), len(responses(outcomes, versions)),
                  time.perf_counter() - start)


def start(outcomes: Outcomes) -> threading.Thread:
    """:func:`warm` in a daemon thread (started, returned). A failure is logged and left
    to the first request, which reads the rows itself."""

    def run() -> None:
        try:
            done = warm(outcomes)
        except Exception as exc:  # the first request reads them instead, and says why
            log.warning("outcomes rows not read ahead: %s", type(exc).__name__)
            return
        log.info("outcomes rows read ahead: %d measures, %d survey responses in %.2f s",
                 done.measure_rows, done.survey_rows, done.seconds)

    thread = threading.Thread(target=run, name=THREAD_NAME, daemon=True)
    thread.start()
    return thread
