"""Tests of toolkit.run: zone filtering, facts, outputs."""

from __future__ import annotations

import shutil

import matplotlib.pyplot as plt
import pytest
import yaml

from toolkit import run
from toolkit.errors import ParameterError


@pytest.fixture(scope="module")
def study(tmp_path_factory, demo_dir):
    folder = tmp_path_factory.mktemp("rep") / "study"
    shutil.copytree(demo_dir, folder, ignore=shutil.ignore_patterns("truth"))
    cfg = yaml.safe_load((folder / "study.yaml").read_text(encoding="utf-8"))
    cfg["paths"]["processed"] = "processed"
    (folder / "study.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return folder / "study.yaml"


def test_zone_tables_hold_only_the_zone(study):
    rep = run.open_report(study, "mena")  # ingests on first use
    zones = set(rep["societies"]["zone"].astype(str))
    assert zones == {"mena"}
    codes = set(rep["societies"]["iso3"])
    assert set(rep["responses"]["ns_iso3"]) <= codes
    assert set(rep["estimates"]["zone"]) == {"mena"}
    assert len(rep.frame) == 193 and rep.facts()["population"] == 17
    facts = rep.facts("all")
    assert facts["n"] == int(rep.frame["responded"].sum())
    assert "SYNTHETIC" in facts["source"]


def test_unknown_zone(study):
    with pytest.raises(ParameterError, match="'narnia' is not a zone"):
        run.open_report(study, "narnia")


def test_outputs_only_with_an_output_dir(study, tmp_path):
    rep = run.open_report(study, "europe")
    fig, ax = plt.subplots()
    assert rep.show_figure(fig, "x", alt_text="x") is fig
    assert rep.save_table(rep["responses"].head(2), "t") is None
    plt.close(fig)
    rep = run.open_report(study, "europe", tmp_path)
    from toolkit import figures

    ax = figures.response_bars(
        rep["societies"]
        .assign(one=1)
        .groupby("zone", observed=True)
        .agg(responded=("responded", "sum"), total=("one", "sum"))
        .reset_index(),
        source="test",
    )
    image = rep.show_figure(ax.figure, "bars", alt_text="Bars.")
    assert image.filename.endswith("bars.png")
    assert (tmp_path / "figures" / "bars.svg").exists()
    path = rep.save_table(rep["responses"][["ns_iso3"]].head(2), "t", index=False)
    assert path.read_text(encoding="utf-8").splitlines()[1] == "#country+code"


def test_designs(study):
    rep = run.open_report(study, "all")
    assert rep.society_design is rep.design
    assert rep.design_columns() == {
        "weights": "nr_weight",
        "strata": "nr_class",
        "fpc": "nr_class_size",
    }
    assert len(rep.design.data) == int(rep.frame["responded"].sum())


def test_publication_of_a_report(study, tmp_path):
    from toolkit.errors import InputError
    from toolkit.publish import INTERNAL_MARK

    rep = run.open_report(study, "mena", tmp_path)
    assert rep.audience == "public" and rep.publication.min_cell == 3
    assert "act__detention" not in rep.profiles().columns
    assert "act__detention" in rep.raw_profiles().columns
    shares = rep.estimates()
    assert {"suppressed", "suppression", "suppression_reason", "display"} <= set(shares.columns)
    assert set(shares["zone"]) == {"africa", "americas", "asia_pacific", "europe", "mena", "all"}
    with pytest.raises(InputError, match="per Society in the public tier"):
        rep.save_table(rep.raw_profiles()[["iso3", "act__detention"]], "leak", index=False)
    assert not (tmp_path / "tables" / "leak.csv").exists()
    assert rep.save_table(None, "nothing") is None
    rep.save_table(shares, "03_shares", index=False)
    assert (tmp_path / ".disclosure" / "table-03_shares.json").exists()
    internal = run.open_report(study, "mena", audience="internal")
    assert internal.facts()["source"].endswith(INTERNAL_MARK)
    assert "act__detention" in internal.profiles().columns
    assert not internal.estimates()["suppressed"].any()
    with pytest.raises(InputError, match="unknown audience"):
        run.open_report(study, "mena", audience="press")


def test_raw_estimates_are_read_from_the_database_only_when_they_still_hold(study, monkeypatch):
    """The shares computed at ingestion are used as they are (the same table as
    computing them in the kernel), and computed again when the weighting settings
    or the level differ from those recorded with them."""
    import pandas as pd

    from toolkit.run import _report

    rep = run.open_report(study, "europe")
    assert rep.store.manifest["shares_settings"] == _report.shares_settings(rep.study)
    stored = rep.raw_estimates()
    pd.testing.assert_frame_equal(stored, _report.study_shares(rep.study, rep.scope))
    pd.testing.assert_frame_equal(stored, rep.store["shares"])

    computed: list[float] = []
    real = _report.study_shares

    def counting(st, tables, *, level=0.95):  # type: ignore[no-untyped-def]
        computed.append(level)
        return real(st, tables, level=level)

    monkeypatch.setattr(_report, "study_shares", counting)
    rep = run.open_report(study, "europe")
    rep.raw_estimates()
    assert computed == []  # read, not computed
    rep.raw_estimates(0.9)
    assert computed == [0.9]  # another level: computed
    rep = run.open_report(study, "europe")
    monkeypatch.setitem(rep.study.config["weighting"], "classes", ["income_group"])
    shares = rep.raw_estimates()
    assert computed == [0.9, 0.95]
    assert not shares.equals(stored)
