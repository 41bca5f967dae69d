"""Raking (toolkit.survey._rake) on margins held as the data arrives: the same weights.

However the answers are held -- categoricals, pandas 3's ``str`` columns as ``read_csv``
gives them (pyarrow chunks), ``object`` columns (one string object per answer, or a new
one in every row) -- the raked weights and the standard errors are the same, bit for bit.
The values against R's ``survey::rake`` are pinned in tests/test_survey_weighting.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import WeightingError
from toolkit.survey import Design, _codes

RNG = np.random.default_rng(13)
N = 40_000
# zone: short codes (read as 64-bit integers); sector: longer than 8 bytes (hashed by
# pyarrow); sex: 8 bytes and non-ASCII
LEVELS = {
    "zone": ["z1", "z2", "z3", "north", "Été"],
    "sector": ["agriculture", "trade", "manufacturing", "public sector"],
    "sex": ["female", "male", "intersé"],
}
POPULATION = {
    "zone": [3000.0, 2500, 2000, 1500, 1000],
    "sector": [4000.0, 3000, 2000, 1000],
    "sex": [5200.0, 4700, 100],
}
MARGINS = {k: dict(zip(LEVELS[k], POPULATION[k], strict=True)) for k in LEVELS}


def _answers() -> pd.DataFrame:
    # correlated answers, so that raking needs several cycles
    z = (
        RNG.normal(size=(N, 3))
        @ np.linalg.cholesky([[1, 0.5, 0.3], [0.5, 1, 0.4], [0.3, 0.4, 1]]).T
    )
    cuts = {"zone": [-1, -0.3, 0.3, 1], "sector": [-0.7, 0, 0.7], "sex": [0, 2.3]}
    return pd.DataFrame(
        {
            k: np.array(LEVELS[k], dtype=object)[np.digitize(z[:, j], cuts[k])]
            for j, k in enumerate(LEVELS)
        }
    )


def _held_as(kind: str, answers: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The answers held the way ``kind`` delivers them."""
    if kind == "categorical":
        return answers.astype("category")
    if kind == "object, a new string in every row":  # Python's csv module
        return answers.apply(lambda col: pd.Series([(s + ".")[:-1] for s in col], dtype=object))
    # 16 columns: read_csv then reads in chunks of 2**20 / 16 rows (pandas 3 str columns
    # come in several pyarrow chunks)
    wide = answers.assign(**{f"x{j}": "x" for j in range(13)})
    wide.to_csv(path, index=False)
    how = {
        "read_csv, str": {"dtype": str},
        "read_csv, object": {"dtype": object},
        "read_csv, pyarrow engine": {"engine": "pyarrow"},
    }[kind]
    return pd.read_csv(path, usecols=list(LEVELS), **how)


KINDS = [
    "read_csv, str",
    "read_csv, object",
    "read_csv, pyarrow engine",
    "object, a new string in every row",
]


@pytest.mark.parametrize("kind", KINDS)
def test_raked_weights_do_not_depend_on_how_the_answers_are_held(kind, tmp_path):
    answers = _answers()
    w, y = RNG.uniform(1, 3, N), RNG.normal(size=N)
    ref = Design(_held_as("categorical", answers, tmp_path).assign(w=w, y=y), weights="w")
    held = _held_as(kind, answers, tmp_path / "export.csv")
    if kind.startswith("read_csv, str"):
        assert held["zone"].array.__arrow_array__().num_chunks > 1
    got = Design(held.assign(w=w, y=y), weights="w")
    expected = ref.rake(MARGINS, tol=1e-12)
    raked = got.rake(MARGINS, tol=1e-12)
    np.testing.assert_array_equal(raked.weights.to_numpy(), expected.weights.to_numpy())
    pd.testing.assert_frame_equal(raked.mean("y"), expected.mean("y"))
    for k in LEVELS:  # the margins are met
        totals = raked.weights.groupby(held[k].to_numpy()).sum()
        np.testing.assert_allclose(totals[LEVELS[k]], POPULATION[k], rtol=1e-10)


@pytest.mark.parametrize("kind", ["read_csv, str", "string[pyarrow]"])
def test_long_labels_encoded_in_pieces_rake_to_the_same_weights(monkeypatch, kind, tmp_path):
    answers = _answers()
    answers.loc[answers.index[::97], "sector"] = None  # missing values
    if kind == "string[pyarrow]":
        held = answers.astype("string[pyarrow]")
    else:
        held = _held_as(kind, answers, tmp_path / "export.csv")
    complete = held.dropna()
    w = RNG.uniform(1, 3, len(complete))
    extra = {**MARGINS, "sector": {**MARGINS["sector"], "mining": 10.0}}  # not in the data
    results = []
    for cpus, piece in ((1, _codes._PIECE), (4, 1000)):  # one piece, or 40 on 4 threads
        monkeypatch.setattr(_codes, "_PIECE", piece)
        monkeypatch.setattr(_codes, "_cpus", lambda cpus=cpus: cpus)
        design = Design(complete.assign(w=w), weights="w")
        weights = design.rake(MARGINS, tol=1e-12).weights.to_numpy()
        with pytest.raises(WeightingError) as missing:
            Design(held).rake(MARGINS)
        with pytest.raises(WeightingError) as absent:
            design.rake(extra)
        results.append((weights, str(missing.value), str(absent.value)))
    (w_one, *errors_one), (w_pieces, *errors_pieces) = results
    np.testing.assert_array_equal(w_pieces, w_one)
    assert errors_pieces == errors_one
    assert "missing value" in errors_one[0] and "'mining'" in errors_one[1]
