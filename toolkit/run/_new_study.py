"""``nsmap init``: a new study folder with a ``study.yaml`` template to complete."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from toolkit.errors import StudyConfigError
from toolkit.frame import ZONES
from toolkit.run._outputs import _atomic_text

__all__ = ["init_study"]


def init_study(directory: str | Path, *, name: str | None = None, year: int | None = None) -> Path:
    """Create a new study folder.

    Writes ``study.yaml`` (to be completed with the export paths), a copy of the
    bundled instrument, a dated snapshot of the membership frame and empty
    ``data/raw`` and ``data/processed`` folders.

    Returns
    -------
    Path
        The new ``study.yaml``.

    Raises
    ------
    StudyConfigError
        If the folder already holds a ``study.yaml``.
    """
    import yaml

    from toolkit.frame import FRAME_DATE, bundled_frame_path
    from toolkit.instrument import bundled_instrument_path

    root = Path(directory)
    if (root / "study.yaml").exists():
        raise StudyConfigError(
            "a study already exists here.", file=root / "study.yaml", hint="choose an empty folder."
        )
    (root / "data" / "raw").mkdir(parents=True, exist_ok=True)
    (root / "data" / "processed").mkdir(parents=True, exist_ok=True)
    frame_name = f"membership_{FRAME_DATE}.csv"
    shutil.copyfile(bundled_frame_path(), root / frame_name)
    shutil.copyfile(bundled_instrument_path(), root / "instrument.xlsx")
    year = year or dt.date.today().year
    config = {
        "study": {"name": name or f"Migration mapping {year}", "year": year},
        "paths": {
            "frame": frame_name,
            "instrument": "instrument.xlsx",
            "exports": ["data/raw/REPLACE_WITH_YOUR_EXPORT.csv"],
            "processed": "data/processed",
            "reports": "reports",
        },
        "unit": "ns_iso3",
        "zones": list(ZONES),
        "weighting": {"method": "class", "classes": ["zone"]},
        "disclosure": {"min_cell": 3},
        "publication": {"audience": "public", "items": {}},
        "privacy": {"key_env": "NSMAP_PSEUDONYM_KEY"},
        "report": {"languages": ["en"]},
    }
    text = (
        "# Study configuration. Paths are relative to this file.\n"
        "# 1. Download your KoboToolbox/ODK export into data/raw/ (never edit it).\n"
        "# 2. List it under paths.exports below.\n"
        "# 3. Run: nsmap run study.yaml --zone <your zone>\n"
        "# publication.audience: public (publishable as is) or internal (per-Society\n"
        "# detail, marked not for publication); publication.items overrides the\n"
        "# questionnaire's disclosure column, e.g. {activity__advocacy: public}.\n"
        "# report.languages: languages of the policy briefs and the landing page\n"
        "# (en, fr, es, ar; the first is index.html's).\n"
        + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
        + "# Earlier mapping rounds, to compare with (see the README, 'Rounds'):\n"
        "# rounds:\n"
        "#   - year: 2024\n"
        "#     exports: [data/raw/2024/REPLACE_WITH_THE_2024_EXPORT.csv]\n"
        "#   - year: 2022\n"
        "#     database: ../mapping-2022/data/processed\n"
    )
    _atomic_text(root / "study.yaml", text)
    return root / "study.yaml"
