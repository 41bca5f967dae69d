"""Tests of toolkit.ingest.read_table_file: small tables a user keeps beside a study."""

from __future__ import annotations

import pytest

from toolkit.errors import InputError
from toolkit.ingest import read_table_file
from toolkit.mapping import read_programme_ids


def test_reads_text_cells_with_stripped_headers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("\ufeff old , new\nq1,\n", encoding="utf-8")
    table = read_table_file(path, "crosswalk file", columns=("old", "new"))
    assert table is not None
    assert list(table.columns) == ["old", "new"]
    assert table.to_dict("records") == [{"old": "q1", "new": ""}]


@pytest.mark.parametrize("make", ["absent", "folder"])
def test_a_file_that_is_not_there_names_the_path(tmp_path, make):
    path = tmp_path / "ids.csv"
    if make == "folder":
        path.mkdir()
    with pytest.raises(InputError, match="the programme-id override file does not exist") as err:
        read_programme_ids(path)
    assert str(path) in str(err.value)


def test_header_must_hold_the_columns_and_only_those(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("ns_iso3,name,previous\nKEN,A,B\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_programme_ids(path)
    text = str(err.value)
    assert "the columns must be ns_iso3, name, same_as (and optionally note)" in text
    assert "missing ['same_as'], unknown ['previous']" in text and "row 1" in text


def test_empty_file_is_an_empty_table_only_where_allowed(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert read_programme_ids(path) == {}
    assert read_table_file(path, "x file", empty_ok=True) is None
    with pytest.raises(InputError, match="the route table file cannot be read"):
        read_table_file(path, "route table file")


def test_not_utf8_says_which_columns(tmp_path):
    path = tmp_path / "cw.csv"
    path.write_bytes("old,new\nq\xe9,x\n".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-8 CSV with the columns old, new"):
        read_table_file(path, "crosswalk file", columns=("old", "new"), optional=("note",))
