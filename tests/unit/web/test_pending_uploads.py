"""Uploads held between a check and its confirmation: for their sender only, for fifteen
minutes, at most 32 at a time with the oldest let go first, and once."""

from __future__ import annotations

from vrhub.web.pending_uploads import KEEP_SECONDS, MAX_HELD, PendingUploads


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_upload_is_held_for_its_sender_only_and_used_once() -> None:
    store = PendingUploads(clock=Clock())
    token = store.hold("ed@example.org", "RJ122", "oct.csv", b"rows")
    held = store.get(token, "ed@example.org")
    assert held is not None and (held.site, held.file_name, held.data) == (
        "RJ122", "oct.csv", b"rows")
    assert store.get(token, "ed2@example.org") is None
    assert store.get("made-up-token", "ed@example.org") is None
    store.drop(token)
    assert store.get(token, "ed@example.org") is None
    assert "rows" not in repr(held)  # the bytes never show in logs


def test_an_upload_is_let_go_after_fifteen_minutes() -> None:
    clock = Clock()
    store = PendingUploads(clock=clock)
    token = store.hold("ed@example.org", "RJ122", "oct.csv", b"rows")
    clock.now += KEEP_SECONDS
    assert store.get(token, "ed@example.org") is not None  # exactly 15 minutes: still held
    clock.now += 1
    assert store.get(token, "ed@example.org") is None
    assert KEEP_SECONDS == 15 * 60


def test_the_oldest_goes_first_when_the_store_is_full() -> None:
    clock = Clock()
    store = PendingUploads(clock=clock)
    tokens = []
    for n in range(MAX_HELD + 2):
        clock.now += 1
        tokens.append(store.hold("ed@example.org", "RJ122", f"{n}.csv", b"x"))
    assert len(set(tokens)) == len(tokens)  # every hold has its own token
    assert [store.get(t, "ed@example.org") is None for t in tokens[:3]] == [True, True, False]
    assert all(store.get(t, "ed@example.org") is not None for t in tokens[2:])
