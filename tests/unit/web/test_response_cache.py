"""New questions under load: computed once per key, a few at a time, in the order asked,
and queued without holding the threads the rest of the app needs."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import json
import math
import threading
import time
from typing import Any

import anyio.to_thread
import pytest
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from tests.async_support import run_alone
from vrhub.errors import UserError
from vrhub.settings import Settings
from vrhub.web.response_cache import Cached, Flights, ResponseCache


def _answer(key: str) -> Cached:
    return Cached.of(f'"{key}"', {"key": key}, "application/json")


class _Answer(BaseModel):
    area_name: str
    month: dt.date
    rate: float
    small: float
    count: int
    lower: float | None
    rows: list[dict[str, object]]


def test_a_response_model_is_kept_as_the_json_of_its_values() -> None:
    answer = _Answer(area_name="Hammersmith & Fulham \u2014 St Thomas\u2019 ward",
                     month=dt.date(2024, 10, 1), rate=0.1, small=1e-7,
                     count=12_345_678_901, lower=None,
                     rows=[{"crime_type": "Violence and sexual offences", "row": i,
                            "easting": 530123.5 + i / 3, "flag": True, "note": None}
                           for i in range(20)])  # over 1 kB: kept compressed too
    kept = Cached.of('"k"', answer, "application/json")
    # exactly the model's JSON values (every float read back to the same number), compact
    # and in UTF-8 as the standard library's encoder gave them (exponents may be written
    # 1e-7 rather than 1e-07)
    assert json.loads(kept.body) == answer.model_dump(mode="json")
    assert len(kept.body) <= len(json.dumps(answer.model_dump(mode="json"),
                                            ensure_ascii=False, separators=(",", ":")).encode())
    assert "St Thomas\u2019 ward".encode() in kept.body and b"\\u" not in kept.body
    assert kept.compressed is not None and gzip.decompress(kept.compressed) == kept.body
    # a figure that is not a number is sent as null, never as NaN (not JSON)
    unknown = Cached.of('"k"', answer.model_copy(update={"rate": math.nan}),
                        "application/json")
    assert b"NaN" not in unknown.body and json.loads(unknown.body)["rate"] is None


def test_new_questions_are_computed_a_few_at_a_time_in_the_order_asked() -> None:
    flights, cache = Flights(width=2), ResponseCache()
    lock = threading.Lock()
    running: list[str] = []
    started: list[str] = []
    most = 0

    def maker(key: str) -> Any:
        def make() -> Cached:
            nonlocal most
            with lock:
                running.append(key)
                started.append(key)
                most = max(most, len(running))
            time.sleep(0.2)
            with lock:
                running.remove(key)
            return _answer(key)
        return make

    async def ask_all() -> list[Cached]:
        tasks = []
        for k in range(7):
            tasks.append(asyncio.create_task(flights.build(f"q{k}", cache, maker(f"q{k}"))))
            await asyncio.sleep(0)  # each asked after the one before
        return list(await asyncio.gather(*tasks))

    answers = run_alone(ask_all())
    assert [a.etag for a in answers] == [f'"q{k}"' for k in range(7)]
    assert most == 2
    # two turns at a time, taken in the order asked (within a pair the two threads start
    # in either order)
    assert [sorted(started[i:i + 2]) for i in range(0, 7, 2)] == [
        ["q0", "q1"], ["q2", "q3"], ["q4", "q5"], ["q6"]]
    assert all(cache.get(f"q{k}") is not None for k in range(7))  # and kept


def test_a_question_asked_again_while_it_is_computed_is_computed_once() -> None:
    flights, cache = Flights(width=2), ResponseCache()
    made: list[str] = []

    def make() -> Cached:
        made.append("same")
        time.sleep(0.05)
        return _answer("same")

    async def ask() -> list[Cached]:
        return list(await asyncio.gather(*(flights.build("same", cache, make)
                                           for _ in range(5))))

    answers = run_alone(ask())
    assert made == ["same"]
    assert {a.body for a in answers} == {b'{"key":"same"}'}


def test_questions_waiting_their_turn_hold_none_of_the_threads() -> None:
    """One thread for the rest of the app and one computation at a time: while one is
    computed and three more wait, an access check still gets the thread at once."""
    flights, cache = Flights(width=1), ResponseCache()
    release = threading.Event()

    def slow(key: str) -> Any:
        def make() -> Cached:
            release.wait(10)
            return _answer(key)
        return make

    async def scenario() -> tuple[int, float]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1
        tasks = [asyncio.create_task(flights.build(f"q{k}", cache, slow(f"q{k}")))
                 for k in range(4)]
        await asyncio.sleep(0.05)
        t0 = time.perf_counter()
        checked = await asyncio.wait_for(run_in_threadpool(lambda: 42), timeout=5)
        waited = time.perf_counter() - t0
        release.set()
        await asyncio.gather(*tasks)
        return checked, waited

    checked, waited = run_alone(scenario())
    assert checked == 42 and waited < 1.0


def test_a_failed_computation_fails_those_waiting_for_it_and_is_tried_again() -> None:
    flights, cache = Flights(width=2), ResponseCache()
    calls: list[int] = []

    def make() -> Cached:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.05)
            raise UserError("no police data for that area", hint="load police.uk files")
        return _answer("k")

    async def ask() -> tuple[list[Any], Cached]:
        first = await asyncio.gather(*(flights.build("k", cache, make) for _ in range(3)),
                                     return_exceptions=True)
        return first, await flights.build("k", cache, make)

    first, again = run_alone(ask())
    assert [type(e) for e in first] == [UserError] * 3
    assert all("no police data for that area" in str(e) for e in first)
    assert len(calls) == 2 and again.etag == '"k"'


@pytest.mark.parametrize(("cpus", "given", "expected"),
                         [(1, None, 4), (2, None, 6), (8, None, 24), (2, 40, 40)])
def test_the_web_thread_pool_is_three_a_processor_unless_set(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch, cpus: int, given: int | None,
        expected: int) -> None:
    from vrhub.web.app import create_app

    monkeypatch.setattr("os.cpu_count", lambda: cpus)
    extra = {} if given is None else {"web_threads": given}
    app = create_app(Settings.load({}, home=tmp_path / "home", environment="test", **extra))

    async def serving() -> float:
        async with app.router.lifespan_context(app):
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert run_alone(serving()) == expected
    app.state.access.close()


def test_the_web_thread_pool_is_set_from_the_environment(tmp_path: Any) -> None:
    settings = Settings.load({"VRHUB_WEB_THREADS": "12"}, home=tmp_path / "home",
                             environment="test")
    assert settings.resolved_web_threads == 12


@pytest.mark.parametrize(("cpus", "given", "expected"),
                         [(1, None, 4), (2, None, 6), (8, None, 24), (2, 2, 2)])
def test_new_answers_are_computed_three_a_processor_at_a_time_unless_set(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch, cpus: int, given: int | None,
        expected: int) -> None:
    from starlette.requests import Request

    from vrhub.web.app import create_app

    monkeypatch.setattr("os.cpu_count", lambda: cpus)
    extra = {} if given is None else {"answer_threads": given}
    app = create_app(Settings.load({}, home=tmp_path / "home", environment="test", **extra))
    request = Request({"type": "http", "app": app, "path": "/", "query_string": b"",
                       "headers": []})
    running: list[int] = []
    most = 0
    gate = threading.Event()

    def make(key: str) -> Any:
        def built() -> Cached:
            nonlocal most
            running.append(1)
            most = max(most, len(running))
            gate.wait(5)
            running.pop()
            return _answer(key)
        return built

    async def ask_many() -> None:
        from vrhub.web.response_cache import _entry, cache_of

        async def ask(key: str) -> Cached:
            return await _entry(request, key, make(key), cache_of(request))

        tasks = [asyncio.ensure_future(ask(f"q{i}")) for i in range(expected + 3)]
        while len(running) < expected:  # the first ones take their turns
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # a turn more would have been taken by now
        gate.set()
        answers = await asyncio.gather(*tasks)
        assert [a.etag for a in answers] == [f'"q{i}"' for i in range(expected + 3)]

    run_alone(ask_many())
    # as many new answers computed side by side as the setting allows, and no more
    assert most == expected
    app.state.access.close()


def test_how_many_new_answers_are_computed_at_a_time_is_set_from_the_environment(
        tmp_path: Any) -> None:
    settings = Settings.load({"VRHUB_ANSWER_THREADS": "3"}, home=tmp_path / "home",
                             environment="test")
    assert settings.resolved_answer_threads == 3


def test_a_question_whose_asker_went_away_before_its_turn_is_asked_again_by_the_next() -> None:
    flights, cache = Flights(width=1), ResponseCache()
    release = threading.Event()
    made: list[str] = []

    def make(key: str) -> Any:
        def built() -> Cached:
            made.append(key)
            if key == "busy":
                release.wait(10)
            return _answer(key)
        return built

    async def scenario() -> tuple[bool, Cached]:
        busy = asyncio.create_task(flights.build("busy", cache, make("busy")))
        await asyncio.sleep(0.05)
        first = asyncio.create_task(flights.build("k", cache, make("k")))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(flights.build("k", cache, make("k")))
        await asyncio.sleep(0.01)
        first.cancel()  # went away while waiting its turn
        await asyncio.sleep(0.01)
        release.set()
        answer = await second
        await busy
        return first.cancelled(), answer

    cancelled, answer = run_alone(scenario())
    assert cancelled and answer.etag == '"k"'
    assert made == ["busy", "k"]
