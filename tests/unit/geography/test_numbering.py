"""Numbering keys in order of first sight, across the settled and recent indexes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vrhub.geography.numbering import GrowingColumns, Numbering


@given(st.lists(st.lists(st.integers(0, 300), max_size=80), max_size=12),
       st.integers(1, 20))
@settings(max_examples=60, deadline=None)
def test_numbers_match_a_dict_of_first_sight(blocks, merge_at):
    numbering = Numbering(np.int64)
    numbering.MERGE_AT = merge_at  # merge often, to cross the settled/recent boundary
    reference: dict[int, int] = {}
    for block in blocks:
        keys = np.array(block, dtype=np.int64)
        unseen_before = [k for k in dict.fromkeys(block) if k not in reference]
        numbers, new, first = numbering.number(keys)
        for key in block:
            reference.setdefault(key, len(reference))
        assert numbers.tolist() == [reference[k] for k in block]
        assert new.tolist() == unseen_before
        assert [block[i] for i in first] == unseen_before
        assert all(block.index(k) == i for k, i in zip(unseen_before, first, strict=True))
        assert len(numbering) == len(reference)
    probe = np.arange(-5, 305, dtype=np.int64)
    assert numbering.find(probe).tolist() == [reference.get(int(k), -1) for k in probe]


def test_complex_points_are_numbered_by_value():
    numbering = Numbering(np.complex128)
    points = np.array([1 + 2j, 3 + 4j, 1 + 2j])
    numbers, new, first = numbering.number(points)
    assert numbers.tolist() == [0, 1, 0] and new.tolist() == [1 + 2j, 3 + 4j]
    assert first.tolist() == [0, 1]
    again, new_again, _ = numbering.number(np.array([3 + 4j, 5 + 0j]))
    assert again.tolist() == [1, 2] and new_again.tolist() == [5 + 0j]


@given(st.lists(st.integers(0, 3000), max_size=12))
@settings(max_examples=40, deadline=None)
def test_growing_columns_hold_every_block_in_order(sizes):
    columns = GrowingColumns({"n": np.int32, "x": np.float64})
    held: list[int] = []
    earlier = columns["n"]
    for size in sizes:
        block = np.arange(len(held), len(held) + size)
        columns.append({"n": block.astype(np.int32), "x": block * 0.5})
        held.extend(block.tolist())
        assert len(columns) == len(held)
        assert columns["n"].tolist() == held and columns["n"].dtype == np.int32
        assert columns["x"].tolist() == [v * 0.5 for v in held]
        # what was handed out before is unchanged by later blocks
        assert earlier.tolist() == held[:len(earlier)]
        earlier = columns["n"]
