"""Tests of toolkit.publish: HXL-tagged CSV."""

from __future__ import annotations

import pandas as pd

from toolkit.publish import HXL_TAGS, hxl_tags, read_hxl_csv, write_hxl_csv


def test_every_column_gets_a_tag():
    tags = hxl_tags(["iso3", "zone", "estimate", "My odd column!", "n"])
    assert tags[:3] == ["#country+code", "#region+name", "#indicator+share+pct"]
    assert tags[3] == "#indicator+my_odd_column"
    assert all(t.startswith("#") for t in tags)


def test_round_trip_with_tag_row(tmp_path):
    df = pd.DataFrame(
        {
            "iso3": ["KEN", "ITA"],
            "zone": ["africa", "europe"],
            "estimate": [0.5, 0.25],
            "label": ["Health care", "Protection"],
        }
    )
    path = write_hxl_csv(df, tmp_path / "t" / "shares.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "iso3,zone,estimate,label"
    assert lines[1] == ",".join(HXL_TAGS[c] for c in ["iso3", "zone", "estimate", "label"])
    table, tags = read_hxl_csv(path)
    assert table["iso3"].tolist() == ["KEN", "ITA"] and tags[0] == "#country+code"
    assert not list(path.parent.glob(".*tmp"))


def test_index_is_written_when_asked(tmp_path):
    df = pd.DataFrame({"n": [1, 2]}, index=pd.Index(["africa", "all"], name="zone"))
    table, tags = read_hxl_csv(write_hxl_csv(df, tmp_path / "x.csv", index=True))
    assert tags == ["#region+name", "#meta+count+respondents"]
    assert table["zone"].tolist() == ["africa", "all"]
