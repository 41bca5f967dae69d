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
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import matplotlib.figure
import pandas as pd

from toolkit.errors import ParameterError, StoreError
from toolkit.frame import ZONES
from toolkit.instrument import Instrument
from toolkit.publish import Publication
from toolkit.run import _trace
from toolkit.run._process import DEFAULT_LEVEL, process_study, shares_settings, study_shares
from toolkit.run._study import Study, load_study
from toolkit.store import LazyTables, Store, read_store

__all__ = ["Report", "open_report", "zone_label"]

_TABLE_KEYS = (
    "societies",
    "responses",
    "activities",
    "dispositions",
    "validation_issues",
    "quarantine",
    "profiles",
    "shares",
    "estimates",
)


def zone_label(zone: str) -> str:
    """Human-readable zone name (``asia_pacific`` -> ``Asia Pacific``; ``all`` -> ``All zones``)."""
    if zone == "all":
        return "All zones"
    return {"mena": "Middle East and North Africa", "asia_pacific": "Asia Pacific"}.get(
        zone, zone.replace("_", " ").title()
    )


@dataclass
class Report:
    """A study opened for one zone (or ``"all"``).

    Attributes
    ----------
    study : Study
    zone : str
    store : Store
        The whole analytical database, as written.
    scope : mapping of str to DataFrame
        Each table (read when first used) restricted to the Societies of the study's
        zones (a zone office's
        study of its own zone leaves the other zones out of every estimate).
    tables : mapping of str to DataFrame
        Each table restricted to this report's zone (read when first used).
    output_dir : Path or None
        Where :meth:`save_figure` and :meth:`save_table` write (nothing is written
        when None).
    audience : str
        ``"public"`` or ``"internal"`` (see :attr:`publication`).
    """

    study: Study
    zone: str
    store: Store
    scope: Mapping[str, pd.DataFrame]
    tables: Mapping[str, pd.DataFrame]
    output_dir: Path | None = None
    saved: list[Path] = field(default_factory=list)
    audience: str = "public"
    _raw: dict[float, pd.DataFrame] = field(default_factory=dict, repr=False)

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

    @property
    def frame(self) -> pd.DataFrame:
        """The membership frame of the study's zones, with response status."""
        return self.scope["societies"]

    @cached_property
    def instrument(self) -> Instrument:
        """The study's instrument (read once)."""
        return self.study.instrument()

    @property
    def min_cell(self) -> int:
        """The study's disclosure minimum (responding Societies behind a share)."""
        return int(self.study.config["disclosure"]["min_cell"])

    @cached_property
    def publication(self) -> Publication:
        """What this report may publish (:class:`toolkit.publish.Publication`): the
        tier, each item's sensitivity and the run's suppression pattern.  Every
        published table and sentence goes through it."""
        record = self.output_dir / ".disclosure" if self.output_dir is not None else None
        return self.study.publication(self.audience, record_dir=record)

    def facts(self, zone: str | None = None) -> dict[str, Any]:
        """Numbers every caption needs for this report's zone (or ``zone``): ``n``
        (responding Societies), ``population`` (Societies in the frame),
        ``response_rate`` and ``source``."""
        zone = zone or self.zone
        soc = self.frame if zone == "all" else self.frame[self.frame["zone"].astype(str) == zone]
        n = int(soc["responded"].astype(bool).sum())
        population = len(soc)
        source = f"{self.study.name}, {zone_label(zone)}"
        if self.synthetic:
            source += " (SYNTHETIC DATA)"
        source = self.publication.caption_source(source)
        return {
            "n": n,
            "population": population,
            "response_rate": n / population if population else float("nan"),
            "source": source,
        }

    # -- designs ----------------------------------------------------------------------
    @cached_property
    def design(self) -> Any:
        """The study's survey design over its responding units (Societies, or branches
        clustered in Societies), weighted for non-response as ``study.yaml`` says."""
        from toolkit.mapping import study_design

        return study_design(
            self.frame,
            self.scope["responses"],
            unit=self.study.config["unit"],
            classes=self.study.config["weighting"]["classes"],
            method=self.study.weighting_method,
        )

    @cached_property
    def society_design(self) -> Any:
        """The design over responding Societies (for response diagnostics and weights;
        the same as :attr:`design` in a Society-level study)."""
        if self.study.config["unit"] == "ns_iso3":
            return self.design
        from toolkit.mapping import study_design

        societies = self.scope["responses"].drop_duplicates("ns_iso3")[["ns_iso3"]]
        return study_design(
            self.frame,
            societies,
            classes=self.study.config["weighting"]["classes"],
            method=self.study.weighting_method,
        )

    def design_columns(self) -> dict[str, str]:
        """Columns of :attr:`design`'s data that rebuild it (see
        :func:`toolkit.mapping.design_columns`)."""
        from toolkit.mapping import design_columns

        return design_columns(self.study.config["unit"])

    # -- analyses computed once at ingestion, recomputed when parameters differ -------
    def raw_profiles(self) -> pd.DataFrame:
        """Activity profile of every Society of the study's zones, every item
        (:func:`toolkit.mapping.society_profiles`): for analysis, not for publication."""
        if "profiles" in self.scope:
            return self.scope["profiles"]
        from toolkit.mapping import society_profiles

        return society_profiles(
            self.frame,
            self.scope["responses"],
            self.scope["activities"],
            self.instrument,
            quarantine=self.scope["quarantine"],
            unit=self.study.config["unit"],
        )

    def profiles(self) -> pd.DataFrame:
        """The Society profiles this report may publish: in the public tier without
        the aggregate items (:meth:`toolkit.publish.Publication.profiles`), so that
        breadth, route coverage, cooperation pairs and maps use public items only."""
        return self.publication.profiles(self.raw_profiles())

    def stage_needs(self) -> pd.DataFrame:
        """Activities migrants need at each stage, for the activities this report shows
        per Society (:meth:`Publication.stage_needs`)."""
        return self.publication.stage_needs()

    def raw_estimates(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Weighted shares of every mapping indicator in every zone of the study and
        all zones (:func:`toolkit.mapping.activity_shares`, with the study's
        weighting), before disclosure control: for analysis, not for publication."""
        if level not in self._raw:
            stored = self.store.manifest.get("shares_settings")
            if "shares" in self.scope and stored == shares_settings(self.study, level):
                self._raw[level] = self.scope["shares"]  # computed once, at ingestion
            else:
                self._raw[level] = study_shares(self.study, self.scope, level=level)
        return self._raw[level]

    def estimates(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Published weighted shares of every zone and all zones: the run's suppression
        pattern applied to the aggregate items (:meth:`Publication.shares`)."""
        return self.publication.shares(self.raw_estimates(level))

    def completeness(self) -> pd.DataFrame:
        """Completeness by question group of this report's returns, over the questions
        this tier may show (:meth:`Publication.completeness`)."""
        return self.publication.completeness(self["responses"], self.instrument)

    def share_summary(self, shares: pd.DataFrame, dimension: str = "activity") -> str:
        """A sentence on this zone's most common published activity and what is
        withheld (:func:`toolkit.publish.share_summary`)."""
        from toolkit.publish import share_summary

        return share_summary(
            shares, self.zone, self.label, min_cell=self.min_cell, dimension=dimension
        )

    def robustness(self, shares: pd.DataFrame, threshold: float = 0.5) -> Any:
        """The finding on this zone's most common published activity, with its tipping
        point (:func:`toolkit.publish.robustness`)."""
        from toolkit.publish import robustness

        return robustness(
            self["societies"],
            self.raw_profiles() if self.zone == "all" else self._zone_profiles(),
            shares,
            self.zone,
            self.label,
            min_cell=self.min_cell,
            threshold=threshold,
        )

    def _zone_profiles(self) -> pd.DataFrame:
        raw = self.raw_profiles()
        return raw[raw["zone"].astype(str) == self.zone].reset_index(drop=True)

    def interviews(self, data: Any, coder: str | None = None) -> Any:
        """The study's interviews as this tier may publish them
        (:class:`toolkit.publish.InterviewPublication`)."""
        return self.publication.interviews(data, self.study.frame(), coder=coder)

    # -- outputs ----------------------------------------------------------------------
    def save_figure(self, fig: matplotlib.figure.Figure, name: str, *, alt_text: str) -> list[Path]:
        """Write a figure as SVG and 300-dpi PNG under ``output_dir/figures``."""
        if self.output_dir is None:
            return []
        from toolkit.figures import save

        if self.publication.internal:
            alt_text = f"{alt_text} {self.publication.mark}."
        paths = [
            Path(p)
            for p in save(
                fig, name, directory=self.output_dir / "figures", alt_text=alt_text
            ).values()
        ]
        self.saved.extend(paths)
        _trace.wrote(paths)
        return paths

    def show_figure(self, fig: matplotlib.figure.Figure, name: str, *, alt_text: str) -> Any:
        """Save a figure (when there is an ``output_dir``) and return what to display.

        With an ``output_dir`` the figure is written, closed and the 300-dpi PNG is
        returned as an image to display (so it is not drawn a second time); without,
        the figure itself is returned for the notebook to show.
        """
        if self.output_dir is None:
            return fig
        import matplotlib.pyplot as plt
        from IPython.display import Image

        paths = self.save_figure(fig, name, alt_text=alt_text)
        width = int(fig.get_figwidth() * 96)
        plt.close(fig)
        png = next(p for p in paths if p.suffix == ".png")
        return Image(filename=str(png), width=width)

    def save_table(
        self, table: pd.DataFrame | None, name: str, *, index: bool = True, hxl: bool = True
    ) -> Path | None:
        """Write a table as CSV under ``output_dir/tables`` (atomically).

        The table goes through :meth:`Publication.record` first: the public tier
        refuses a per-Society table holding an aggregate item, and what was withheld
        in it is recorded for the run's manifest.  Nothing is written (and None is
        returned) without an ``output_dir`` or for ``table=None`` (nothing that may be
        published).  With ``hxl`` (the default) the second row holds
        HXL hashtags, ready for the Humanitarian Data Exchange (see
        :mod:`toolkit.publish`).
        """
        if table is None or self.output_dir is None:
            return None
        self.publication.record(table, name)
        from toolkit.publish import write_hxl_csv

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
        _trace.wrote([path])
        return path


def _keep(name: str, df: pd.DataFrame, codes: set[str]) -> pd.DataFrame:
    """Rows of one table that belong to the Societies ``codes``."""
    if "iso3" in df and name in ("societies", "profiles", "dispositions"):
        return df[df["iso3"].astype(str).isin(codes)].reset_index(drop=True)
    if "ns_iso3" in df:
        keep = df["ns_iso3"].astype("string").isin(codes).fillna(False).astype(bool)
        if name in ("validation_issues", "quarantine"):
            keep |= df["ns_iso3"].isna().to_numpy()  # rows not tied to a Society
        return df[keep].reset_index(drop=True)
    return df


def _filtered(
    source: Mapping[str, pd.DataFrame], codes: set[str], zone: str | None = None
) -> LazyTables:
    """Lazy view of ``source`` restricted to ``codes`` (estimates: to ``zone``)."""

    def loader(name: str) -> Any:
        def load() -> pd.DataFrame:
            df = source[name]
            if name == "estimates":
                return (
                    df
                    if zone is None
                    else df[df["zone"].astype(str) == zone].reset_index(drop=True)
                )
            return _keep(name, df, codes)

        return load

    return LazyTables({name: loader(name) for name in source})


def open_report(
    study: str | Path,
    zone: str = "all",
    output_dir: str | Path | None = None,
    audience: str | None = None,
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
    audience : {"public", "internal"}, optional
        The tier of the report; ``None`` or ``""``: the study's
        ``publication.audience``.

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
        raise ParameterError(
            f"zone {zone!r} is not a zone of this study.",
            column="zone",
            value=zone,
            hint=f"use 'all' or one of {', '.join(st.zones)} (toolkit zones: {', '.join(ZONES)}).",
        )
    try:
        store = read_store(st.processed)
    except StoreError:
        process_study(st)
        store = read_store(st.processed)
    if _trace.start():  # under 'nsmap run': from here on, record the files read
        _trace.read(st.path)
        store = _trace.traced_store(store)
    tables = LazyTables(
        {k: partial(store.tables.__getitem__, k) for k in _TABLE_KEYS if k in store.tables}
    )
    soc = tables["societies"]
    in_study = set(soc.loc[soc["zone"].astype(str).isin(st.zones), "iso3"].astype(str))
    scope = _filtered(tables, in_study)
    if zone == "all":
        zone_tables = scope
    else:
        in_zone = set(soc.loc[soc["zone"].astype(str) == zone, "iso3"].astype(str))
        zone_tables = _filtered(scope, in_zone, zone)
    out = Path(output_dir).resolve() if output_dir else None
    tier = audience or st.audience
    st.publication(tier)  # checks the audience before anything runs
    return Report(st, zone, store, scope, zone_tables, out, audience=tier)
