"""The page data cache under ``cache/web`` (:func:`vrhub.web.pages_support.cached_json`):
requests that compute the same answer at the same moment each get it, and one file is
left, holding it whole."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from vrhub.web import pages_support


def _request(home: Path) -> Any:
    return SimpleNamespace(state=SimpleNamespace(data_version="v1"),
                           app=SimpleNamespace(state=SimpleNamespace(
                               workspace=SimpleNamespace(home=home))))


def test_requests_computing_the_same_answer_at_once_all_get_it(tmp_path: Path) -> None:
    threads = 12
    together = threading.Barrier(threads, timeout=10)
    answer = {"cells": [{"gi": 2.5, "cell": i} for i in range(2000)]}
    found: list[Any] = []
    failed: list[BaseException] = []

    def compute() -> dict[str, Any]:
        together.wait()  # every request has missed the cache and computes now
        return answer

    def ask() -> None:
        try:
            found.append(pages_support.cached_json(_request(tmp_path), "hotspots",
                                                   {"borough": "E09000007"}, compute))
        except BaseException as error:  # reported below, not lost in the thread
            failed.append(error)

    workers = [threading.Thread(target=ask) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failed == []
    assert found == [answer] * threads
    written = sorted((tmp_path / "cache" / "web").iterdir())
    assert [p.suffix for p in written] == [".json"]  # no temporary file left behind
    assert json.loads(written[0].read_text(encoding="utf-8")) == answer
    # the next request reads the file (computing again would wait for others, and fail)
    assert pages_support.cached_json(_request(tmp_path), "hotspots",
                                     {"borough": "E09000007"}, compute) == answer
