"""Shared fixtures: the bundled frame and instrument, and the committed demo study."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")
os.environ.setdefault("NSMAP_PSEUDONYM_KEY", "test-key-not-secret")
if "NSMAP_CACHE_DIR" not in os.environ:  # parsed forms kept for this session only
    _CACHE = tempfile.mkdtemp(prefix="nsmap-test-cache-")
    os.environ["NSMAP_CACHE_DIR"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, True)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw" / "demo"


@pytest.fixture(scope="session")
def frame() -> pd.DataFrame:
    from toolkit.frame import load_frame

    return load_frame()


@pytest.fixture(scope="session")
def instrument():
    from toolkit.instrument import load_instrument

    return load_instrument()


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def demo_csv() -> Path:
    return next((DEMO / "exports").glob("*.csv"))


@pytest.fixture(scope="session")
def demo_xlsx() -> Path:
    return next((DEMO / "exports").glob("*.xlsx"))
