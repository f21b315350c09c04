"""Helpers of the police.uk reader, checked against plain Python and the unscreened
computations on generated input."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given
from hypothesis import strategies as st

from vrhub.geography.bng import to_bng
from vrhub.ingest.grid_points import GridPoints
from vrhub.ingest.police_csv import parse_coordinates
from vrhub.ingest.repeats import repeat_flags
from vrhub.ingest.text_cells import (
    blank_to_null,
    blank_to_null_encoded,
    encode_text,
    encoded_formula_problems,
    first_bytes,
    formula_problems,
)
from vrhub.standards.formula_cells import is_formula

cells = st.one_of(st.none(), st.text(max_size=12),
                  st.sampled_from(["", " ", "\u00a0", "\u3000 ", "=SUM(A1)", "a" * 64]))


def chunked(chunks: list[list[str | None]]) -> pa.ChunkedArray:
    return pa.chunked_array([pa.array(c, pa.string()) for c in chunks], pa.string())


@given(st.lists(st.lists(cells, max_size=20), max_size=4), st.integers(0, 3))
def test_first_bytes_are_the_first_utf8_byte_of_each_cell(chunks, skip):
    column = chunked(chunks)
    expected = [v.encode()[0] if v else 0 for v in column.to_pylist()]
    assert first_bytes(column).tolist() == expected
    if len(column) > skip:  # a sliced chunk starts part way into its buffers
        part = column.combine_chunks().slice(skip)
        assert first_bytes(part).tolist() == expected[skip:]


#: every character Unicode counts as white space, and a few that look like it
spaces = st.text(st.sampled_from([chr(c) for c in range(0x110000) if chr(c).isspace()]
                                 + ["\u200b", "\ufeff", "x"]), min_size=1, max_size=4)


@given(st.lists(st.lists(st.one_of(cells, spaces), max_size=20), max_size=4))
def test_blank_to_null_nulls_the_same_cells_as_a_full_white_space_test(chunks):
    column = chunked(chunks)
    spaces_only = pc.fill_null(pc.utf8_is_space(column), False)
    expected = pc.if_else(spaces_only, pa.scalar(None, pa.string()), column)
    assert blank_to_null(column).to_pylist() == expected.to_pylist()


@given(st.lists(st.lists(st.one_of(cells, spaces, st.sampled_from(["@x", "+a", "-1", "x"])),
                         max_size=20), max_size=4))
def test_encoded_text_nulls_the_blanks_blank_to_null_does(chunks):
    column = chunked(chunks)
    raw = encode_text(column)
    assert raw.cast(pa.string()).to_pylist() == column.to_pylist()
    encoded = blank_to_null_encoded(raw, column)
    assert all(pa.types.is_dictionary(chunk.type) for chunk in encoded.chunks)
    assert encoded.cast(pa.string()).to_pylist() == blank_to_null(column).to_pylist()


@given(st.lists(st.lists(st.one_of(cells, spaces,
                                   st.sampled_from(["@x", "+a", "-1", "\t=1", "\t", "x"])),
                         min_size=1, max_size=20), min_size=1, max_size=4))
def test_encoded_formula_problems_are_the_plain_ones(chunks):
    column = chunked(chunks)
    rows = np.arange(3, 3 + len(column), dtype=np.int64)
    plain = formula_problems(pa.table({"c": column}), ["c"], rows)
    encoded = encoded_formula_problems("c", encode_text(column), rows)
    assert encoded == plain


@given(st.lists(st.lists(st.one_of(cells, st.sampled_from(
    ["", "\x00", "\x00=1", "=1", "-1", "-a", "x", "\t"])), max_size=20), max_size=4))
def test_formula_problems_are_the_cells_a_spreadsheet_would_run(chunks):
    """Empty and null cells are passed over without a look; a cell starting with a NUL
    byte is a formula to a spreadsheet, whatever follows."""
    column = chunked(chunks)
    rows = np.arange(7, 7 + len(column), dtype=np.int64)
    found = formula_problems(pa.table({"c": column}), ["c"], rows)
    expected = [(int(rows[i]), "'" + v) for i, v in enumerate(column.to_pylist())
                if is_formula(v)]
    assert [(p.row, p.value) for p in found] == expected


ids = st.one_of(st.none(), st.sampled_from(["", "x", "abc", "0" * 64, "0" * 63 + "1"]),
                st.text("0123456789abcdef", min_size=0, max_size=70))
#: values of one width, as police.uk Crime IDs are: the hashed screen applies
fixed_ids = st.one_of(st.none(), st.sampled_from(["0" * 64, "0" * 63 + "1", "1" + "0" * 63]),
                      st.text("0123456789abcdef", min_size=64, max_size=64))


def python_flags(values: list[str | None]) -> list[bool]:
    seen: set[str] = set()
    flags = []
    for value in values:
        flags.append(value is not None and value in seen)
        if value is not None:
            seen.add(value)
    return flags


@given(st.lists(st.lists(st.one_of(ids, fixed_ids), max_size=30), max_size=4))
def test_repeat_flags_agree_with_python(chunks):
    column = chunked(chunks)
    assert repeat_flags(column).tolist() == python_flags(column.to_pylist())


@given(st.lists(st.lists(fixed_ids, max_size=30), max_size=4), st.integers(0, 3))
def test_repeat_flags_of_fixed_width_values_agree_with_python(chunks, skip):
    column = chunked(chunks)
    assert repeat_flags(column).tolist() == python_flags(column.to_pylist())
    if len(column) > skip:  # a sliced chunk starts part way into its buffers
        part = column.combine_chunks().slice(skip)
        assert repeat_flags(part).tolist() == python_flags(part.to_pylist())


def test_repeat_flags_see_a_repeat_across_chunks():
    crime_id = "9f" * 32
    assert repeat_flags(chunked([[crime_id, None], ["e" * 64, crime_id]])).tolist() == [
        False, False, False, True]
    assert not repeat_flags(chunked([[crime_id, None], ["e" * 64]])).any()


def test_repeat_flags_survive_hash_collisions(monkeypatch):
    """Values whose hashes collide are told apart by their text."""
    from vrhub.ingest import repeats

    monkeypatch.setattr(repeats, "_MIX", np.uint64(0))  # every hash is the last word
    values = ["a" * 56 + "same0000", "b" * 56 + "same0000", "a" * 56 + "same0000"]
    assert repeat_flags(chunked([values])).tolist() == [False, False, True]


def test_grid_points_number_equal_points_equally_and_project_like_to_bng():
    rng = np.random.default_rng(3)
    lon = np.round(rng.uniform(-0.5, 0.3, 50), 6)
    lat = np.round(rng.uniform(51.3, 51.7, 50), 6)
    points = GridPoints()
    seen: dict[tuple[float, float], int] = {}
    for _ in range(4):
        pick = rng.integers(0, 50, 80)
        numbers, easting, northing = points.project(lon[pick], lat[pick])
        expected_e, expected_n = to_bng(lon[pick], lat[pick])
        assert np.array_equal(easting, expected_e) and np.array_equal(northing, expected_n)
        for key, number in zip(zip(lon[pick], lat[pick], strict=True), numbers, strict=True):
            assert seen.setdefault(key, int(number)) == number
    assert len(points) == len(seen)


def test_parse_coordinates_remembers_points_in_the_cache_it_is_given():
    table = pa.table({"Longitude": ["-0.1", "-0.1", None, "-0.2"],
                      "Latitude": ["51.5", "51.5", None, "51.4"]})
    points = GridPoints()
    rows = np.arange(1, 5)
    first = parse_coordinates(table, rows, points=points)
    assert len(points) == 2
    again = parse_coordinates(table, rows, points=points)
    assert len(points) == 2
    assert first.point.tolist() == again.point.tolist() == [0, 0, -1, 1]
