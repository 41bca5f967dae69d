"""What a report notebook needs to start: the study, its analytical database filtered
to one zone, and where to write figures and tables.

A notebook's first code cell after the parameters is::

    report = reporting.open_report(study, zone, output_dir)

and everything else is computed through the toolkit from ``report``.  Opened in
JupyterLab with the defaults, the report reads the demo study; run by ``nsmap run``
it gets absolute paths and an ``output_dir`` for figures and tables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import matplotlib.figure
import pandas as pd

from toolkit.errors import ParameterError, StoreError
from toolkit.frame import ZONES
from toolkit.instrument import Instrument
from toolkit.store import Store, read_store
from toolkit.study import Study, load_study, process_study

__all__ = ["Report", "open_report", "zone_label"]

_TABLE_KEYS = ("societies", "responses", "activities", "dispositions", "validation_issues",
               "quarantine")


def zone_label(zone: str) -> str:
    """Human-readable zone name (``asia_pacific`` -> ``Asia Pacific``; ``all`` -> ``All zones``)."""
    if zone == "all":
        return "All zones"
    return {"mena": "Middle East and North Africa", "asia_pacific": "Asia Pacific"}.get(
        zone, zone.replace("_", " ").title())


@dataclass
class Report:
    """A study opened for one zone (or ``"all"``).

    Attributes
    ----------
    study : Study
    zone : str
    store : Store
        The whole analytical database (all zones).
    tables : dict of str to DataFrame
        Each table of the database restricted to the zone's Societies.
    output_dir : Path or None
        Where :meth:`save_figure` and :meth:`save_table` write (nothing is written
        when None).
    """

    study: Study
    zone: str
    store: Store
    tables: dict[str, pd.DataFrame]
    output_dir: Path | None = None
    saved: list[Path] = field(default_factory=list)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def zones(self) -> list[str]:
        """Zones covered by this report."""
        return list(self.study.zones) if self.zone == "all" else [self.zone]

    @property
    def label(self) -> str:
        """Zone label for titles."""
        return zone_label(self.zone)

    @property
    def synthetic(self) -> bool:
        """Whether the study's data are synthetic."""
        return bool(self.study.config["study"].get("synthetic"))

    @cached_property
    def instrument(self) -> Instrument:
        """The study's instrument (read once)."""
        return self.study.instrument()

    def facts(self) -> dict[str, object]:
        """Numbers every caption needs: ``n`` (responding Societies), ``population``
        (Societies in the frame), ``response_rate`` and ``source``."""
        soc = self.tables["societies"]
        n = int(soc["responded"].astype(bool).sum())
        population = len(soc)
        source = f"{self.study.name}, {self.label}"
        if self.synthetic:
            source += " (SYNTHETIC DATA)"
        return {"n": n, "population": population,
                "response_rate": n / population if population else float("nan"),
                "source": source}

    def save_figure(self, fig: matplotlib.figure.Figure, name: str, *, alt_text: str
                    ) -> list[Path]:
        """Write a figure as SVG and 300-dpi PNG under ``output_dir/figures``."""
        if self.output_dir is None:
            return []
        from toolkit.figures import save

        paths = [Path(p) for p in save(fig, name, directory=self.output_dir / "figures",
                                       alt_text=alt_text)]
        self.saved.extend(paths)
        return paths

    def save_table(self, table: pd.DataFrame, name: str, *, index: bool = True,
                   hxl: bool = True) -> Path | None:
        """Write a table as CSV under ``output_dir/tables`` (atomically).

        With ``hxl`` (the default) the second row holds HXL hashtags, ready for the
        Humanitarian Data Exchange (see :mod:`toolkit.tables`).
        """
        if self.output_dir is None:
            return None
        from toolkit.tables import write_hxl_csv

        folder = self.output_dir / "tables"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.csv"
        if hxl:
            write_hxl_csv(table, path, index=index)
        else:
            tmp = folder / f".{name}.csv.tmp"
            table.to_csv(tmp, index=index, lineterminator="\n")
            os.replace(tmp, path)
        self.saved.append(path)
        return path


def _zone_filter(tables: dict[str, pd.DataFrame], zone: str) -> dict[str, pd.DataFrame]:
    if zone == "all":
        return dict(tables)
    soc = tables["societies"]
    codes = set(soc.loc[soc["zone"].astype(str) == zone, "iso3"].astype(str))
    out = {}
    for name, df in tables.items():
        if name == "societies":
            out[name] = df[df["zone"].astype(str) == zone].reset_index(drop=True)
        elif "ns_iso3" in df:
            keep = df["ns_iso3"].astype("string").isin(codes).fillna(False)
            if name in ("validation_issues",):
                keep |= df["ns_iso3"].isna()  # file-level issues concern every zone
            out[name] = df[keep.astype(bool)].reset_index(drop=True)
        elif "iso3" in df:
            out[name] = df[df["iso3"].astype(str).isin(codes)].reset_index(drop=True)
        else:
            out[name] = df
    return out


def open_report(study: str | Path, zone: str = "all", output_dir: str | Path | None = None
                ) -> Report:
    """Open a study's analytical database for one zone.

    If the database has not been written yet (a notebook opened directly in
    JupyterLab), the exports are ingested first.

    Parameters
    ----------
    study : str or Path
        ``study.yaml``; relative paths are taken from the current directory (in
        JupyterLab: the notebook's folder).
    zone : str, default "all"
        ``"all"`` or one of the study's zones.
    output_dir : str or Path, optional
        Folder for figures and tables; ``None`` or ``""`` writes nothing.

    Returns
    -------
    Report

    Raises
    ------
    ParameterError
        If ``zone`` is not a zone of the study.
    """
    st = load_study(study)
    if zone != "all" and zone not in st.zones:
        raise ParameterError(f"zone {zone!r} is not a zone of this study.", column="zone",
                             value=zone, hint=f"use 'all' or one of {', '.join(st.zones)}"
                                              f" (toolkit zones: {', '.join(ZONES)}).")
    try:
        store = read_store(st.processed)
    except StoreError:
        process_study(st)
        store = read_store(st.processed)
    tables = {k: store.tables[k] for k in _TABLE_KEYS if k in store.tables}
    out = Path(output_dir).resolve() if output_dir else None
    return Report(st, zone, store, _zone_filter(tables, zone), out)
