"""Study configuration: ``study.yaml`` and its validation.

A study folder holds ``study.yaml``, which names the study, its input files (relative
to the folder), the zones analysed, and the weighting, disclosure and privacy
settings.  :func:`load_study` validates all of it before anything runs and raises a
:class:`~toolkit.errors.StudyConfigError` naming the key and the fix.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from toolkit.errors import InputError, StudyConfigError
from toolkit.frame import ZONES, load_frame
from toolkit.ingest import KEY_ENV
from toolkit.instrument import Instrument, bundled_instrument_path, read_xlsform

__all__ = ["STUDY_SCHEMA", "Study", "load_study"]

_WEIGHTING_METHODS = ("class", "propensity", "rake", "none")

# key -> (type(s), required, default, help)
STUDY_SCHEMA: dict[str, Any] = {
    "study": {
        "name": (str, True, None, "the study's name, e.g. 'Migration mapping 2026'"),
        "year": (int, True, None, "the reference year, e.g. 2026"),
        "synthetic": (bool, False, False, "true for generated demo data"),
        "description": (str, False, "", "one line on the study"),
    },
    "paths": {
        "frame": (
            (str, type(None)),
            False,
            None,
            "membership table (CSV/XLSX); empty for the bundled frame",
        ),
        "instrument": (
            (str, type(None)),
            False,
            None,
            "XLSForm the data were collected with; empty for the bundled one",
        ),
        "exports": (list, True, None, "list of export files (CSV/XLSX) from Kobo/ODK"),
        "society_names": (
            (str, type(None)),
            False,
            None,
            "CSV of the study's own ways of writing Society names (iso3, kind, language, "
            "variant, source), added to the bundled crosswalk",
        ),
        "interviews": (
            dict,
            False,
            None,
            "codebook, segments (list) and answers files of the interviews",
        ),
        "processed": (str, False, None, "folder of the analytical database"),
        "reports": (str, False, "reports", "folder for run outputs"),
    },
    "unit": (str, False, "ns_iso3", "question identifying the unit (e.g. branch_code)"),
    "society": (str, False, "ns_iso3", "question holding the Society's ISO3 code"),
    "zones": (list, False, list(ZONES), f"zones analysed, among {', '.join(ZONES)}"),
    "weighting": {
        "method": (str, False, "class", f"one of {', '.join(_WEIGHTING_METHODS)}"),
        "classes": (list, False, ["zone"], "frame covariates forming weighting classes"),
        "trim_upper": ((int, float, type(None)), False, None, "cap on adjusted weights"),
    },
    "disclosure": {
        "min_cell": (int, False, 3, "minimum responding Societies behind a published share"),
    },
    "publication": {
        "audience": (str, False, "public", "who the reports are for: public or internal"),
        "items": (
            (dict, type(None)),
            False,
            None,
            "per-item sensitivity overrides, e.g. {activity__advocacy: public}",
        ),
    },
    "privacy": {
        "key_env": (str, False, KEY_ENV, "environment variable holding the pseudonym key"),
    },
    "report": {
        "languages": (
            list,
            False,
            ["en"],
            "languages of the policy briefs and the index page, among en, fr, es, ar "
            "(the first is the index page's)",
        ),
    },
    "rounds": (list, False, [], "earlier mapping rounds (see toolkit.run._rounds)"),
}
_INTERVIEW_KEYS = {"codebook": str, "segments": list, "answers": str, "documents": str}


@dataclass(frozen=True)
class Study:
    """A validated study configuration.

    Attributes
    ----------
    path : Path
        The ``study.yaml`` file.
    root : Path
        Its folder; relative paths in the file are resolved against it.
    config : dict
        The configuration with defaults filled in and paths made absolute.
    """

    path: Path
    root: Path
    config: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        """The study's name."""
        return str(self.config["study"]["name"])

    @property
    def slug(self) -> str:
        """A file-system friendly short name."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "study"

    @property
    def zones(self) -> list[str]:
        """Zones analysed."""
        return list(self.config["zones"])

    @property
    def exports(self) -> list[Path]:
        """Absolute paths of the export files."""
        return [Path(p) for p in self.config["paths"]["exports"]]

    @property
    def processed(self) -> Path:
        """Folder of the analytical database."""
        return Path(self.config["paths"]["processed"])

    @property
    def reports(self) -> Path:
        """Folder for run outputs."""
        return Path(self.config["paths"]["reports"])

    def input_files(self) -> list[Path]:
        """Every input file of the study (for checksums in manifests)."""
        files = [self.path, *self.exports]
        paths = self.config["paths"]
        for key in ("frame", "instrument", "society_names"):
            if paths.get(key):
                files.append(Path(paths[key]))
        inter = paths.get("interviews") or {}
        for value in inter.values():
            files.extend(Path(v) for v in (value if isinstance(value, list) else [value]))
        files.extend(Path(f) for r in self.config.get("rounds") or [] for f in r["files"])
        return files

    def frame(self) -> pd.DataFrame:
        """The study's membership frame (validated)."""
        return load_frame(self.config["paths"].get("frame"))

    def instrument(self) -> Instrument:
        """The study's instrument (parsed once per file version)."""
        p = self.config["paths"].get("instrument")
        path = Path(p) if p else bundled_instrument_path()
        stat = path.stat()
        return _cached_instrument(str(path.resolve()), stat.st_mtime_ns, stat.st_size)

    @property
    def audience(self) -> str:
        """Who the reports are for by default: ``publication.audience``."""
        return str(self.config["publication"]["audience"])

    def publication(self, audience: str | None = None, record_dir: str | Path | None = None) -> Any:
        """The study's publication policy (:class:`toolkit.publish.Publication`) for
        ``audience`` (default :attr:`audience`)."""
        from toolkit.publish import Publication

        return Publication.build(
            self.instrument(),
            min_cell=int(self.config["disclosure"]["min_cell"]),
            audience=audience or self.audience,
            items=self.config["publication"]["items"] or {},
            zones=self.zones,
            record_dir=record_dir,
        )

    @property
    def languages(self) -> list[str]:
        """Languages of the run's briefs and index page: ``report.languages``."""
        return list(self.config["report"]["languages"])

    @property
    def weighting_method(self) -> str:
        """Non-response adjustment used for estimates: ``weighting.method``, where
        ``"none"`` still weights within zones (the frame is a census, so unweighted
        returns would not describe the zone)."""
        method = str(self.config["weighting"]["method"])
        return "class" if method == "none" else method

    def pseudonym_key(self) -> str | None:
        """The pseudonymisation key from the environment variable the study names."""
        return os.environ.get(self.config["privacy"]["key_env"]) or None


@lru_cache(maxsize=8)
def _cached_instrument(path: str, mtime_ns: int, size: int) -> Instrument:
    """Parse an XLSForm once per (path, modification time, size)."""
    del mtime_ns, size  # part of the cache key only
    return read_xlsform(path)


def _type_name(t: Any) -> str:
    types = t if isinstance(t, tuple) else (t,)
    names = {
        str: "text",
        int: "a whole number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a mapping",
        type(None): "empty",
    }
    return " or ".join(names.get(x, x.__name__) for x in types)


def _check(
    section: dict[str, Any], schema: dict[str, Any], prefix: str, path: Path
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in section:
        if key not in schema:
            close = difflib.get_close_matches(str(key), list(schema), n=1)
            tip = (
                f"did you mean '{prefix}{close[0]}'?"
                if close
                else f"allowed keys here: {', '.join(prefix + k for k in schema)}."
            )
            raise StudyConfigError(
                f"unknown key '{prefix}{key}'.",
                file=path,
                column=f"{prefix}{key}",
                hint=f"remove it or fix it: {tip}",
            )
    for key, spec in schema.items():
        full = f"{prefix}{key}"
        if isinstance(spec, dict):
            value = section.get(key, {}) or {}
            if not isinstance(value, dict):
                raise StudyConfigError(
                    f"'{full}' must be a mapping of keys.",
                    file=path,
                    column=full,
                    value=value,
                    hint=f"write it as '{key}:' followed by indented keys.",
                )
            out[key] = _check(value, spec, full + ".", path)
            continue
        types, required, default, help_ = spec
        if key not in section or (section[key] is None and not _allows_none(types)):
            if required:
                raise StudyConfigError(
                    f"required key '{full}' is missing.",
                    file=path,
                    column=full,
                    hint=f"add '{full}': {help_}.",
                )
            out[key] = default
            continue
        value = section[key]
        ok_types = types if isinstance(types, tuple) else (types,)
        if isinstance(value, bool) and bool not in ok_types:
            ok = False
        else:
            ok = isinstance(value, ok_types) or (float in ok_types and isinstance(value, int))
        if not ok:
            raise StudyConfigError(
                f"'{full}' must be {_type_name(types)}, not {type(value).__name__}.",
                file=path,
                column=full,
                value=value,
                hint=f"'{full}' is {help_}.",
            )
        out[key] = value
    return out


def _check_publication(config: dict[str, Any], path: Path) -> None:
    """Check ``publication.audience`` and the items of ``publication.items``."""
    from toolkit.publish import AUDIENCES, item_sensitivity

    pub = config["publication"]
    if pub["audience"] not in AUDIENCES:
        raise StudyConfigError(
            f"unknown audience {pub['audience']!r}.",
            file=path,
            column="publication.audience",
            value=pub["audience"],
            hint=f"use one of {', '.join(AUDIENCES)} (internal reports are not for publication).",
        )
    items = pub["items"] or {}
    if not items:
        return
    instrument = config["paths"]["instrument"]
    form = Path(instrument) if instrument else bundled_instrument_path()
    stat = form.stat()
    try:
        item_sensitivity(
            _cached_instrument(str(form.resolve()), stat.st_mtime_ns, stat.st_size), items
        )
    except InputError as exc:
        raise StudyConfigError(
            exc.problem, file=path, column=exc.column, value=exc.value, hint=exc.hint
        ) from exc


def _check_languages(config: dict[str, Any], path: Path) -> None:
    """Check ``report.languages``: codes with a catalogue (``fr-FR`` is read as ``fr``)."""
    from toolkit.publish import check_languages

    try:
        config["report"]["languages"] = list(
            check_languages(config["report"]["languages"], key="report.languages")
        )
    except InputError as exc:
        raise StudyConfigError(
            exc.problem, file=path, column="report.languages", value=exc.value, hint=exc.hint
        ) from exc


def _allows_none(types: Any) -> bool:
    return type(None) in (types if isinstance(types, tuple) else (types,))


def load_study(path: str | Path) -> Study:
    """Read and validate ``study.yaml``.

    Parameters
    ----------
    path : str or Path
        The ``study.yaml`` file, or the study folder holding it.

    Returns
    -------
    Study

    Raises
    ------
    StudyConfigError
        For unreadable YAML, unknown keys, missing required keys, wrong types,
        unknown zones, unknown weighting methods or missing input files.  The message
        names the key and says what to do.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "study.yaml"
    if not path.exists():
        raise StudyConfigError(
            "the study configuration does not exist.",
            file=path,
            hint="give the path of study.yaml, or create a study with 'nsmap init <folder>'.",
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise StudyConfigError(
            f"the file is not valid YAML ({exc}).",
            file=path,
            row=mark.line + 1 if mark else None,
            hint="check indentation and colons near that line.",
        ) from exc
    if not isinstance(raw, dict):
        raise StudyConfigError(
            "the file must hold a mapping of keys (study:, paths:, ...).",
            file=path,
            hint="see 'nsmap init' for a template.",
        )
    config = _check(raw, STUDY_SCHEMA, "", path)
    root = path.parent.resolve()
    zones = config["zones"]
    for i, z in enumerate(zones):
        if z not in ZONES:
            close = difflib.get_close_matches(str(z), ZONES, n=1)
            raise StudyConfigError(
                f"unknown zone {z!r} in 'zones' (item {i + 1}).",
                file=path,
                column="zones",
                value=z,
                hint=f"use {', '.join(ZONES)}"
                + (f"; did you mean '{close[0]}'?" if close else "."),
            )
    method = config["weighting"]["method"]
    if method not in _WEIGHTING_METHODS:
        raise StudyConfigError(
            f"unknown weighting method {method!r}.",
            file=path,
            column="weighting.method",
            value=method,
            hint=f"use one of {', '.join(_WEIGHTING_METHODS)}.",
        )
    if config["disclosure"]["min_cell"] < 1:
        raise StudyConfigError(
            "'disclosure.min_cell' must be at least 1.",
            file=path,
            column="disclosure.min_cell",
            value=config["disclosure"]["min_cell"],
            hint="use 3 (the default) or more.",
        )
    paths = config["paths"]

    def resolve(value: str, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise StudyConfigError(
                f"'{key}' must be a file path.",
                file=path,
                column=key,
                value=value,
                hint="write the path relative to study.yaml.",
            )
        p = (root / value).resolve()
        if not p.exists():
            raise StudyConfigError(
                f"the file named by '{key}' does not exist ({p}).",
                file=path,
                column=key,
                value=value,
                hint="fix the path (relative to study.yaml) or add the file.",
            )
        return str(p)

    if not paths["exports"]:
        raise StudyConfigError(
            "'paths.exports' is empty.",
            file=path,
            column="paths.exports",
            hint="list at least one export file.",
        )
    paths["exports"] = [
        resolve(v, f"paths.exports[{i + 1}]") for i, v in enumerate(paths["exports"])
    ]
    for key in ("frame", "instrument", "society_names"):
        if paths[key]:
            paths[key] = resolve(paths[key], f"paths.{key}")
    inter = paths.get("interviews") or {}
    for key, value in inter.items():
        if key not in _INTERVIEW_KEYS:
            raise StudyConfigError(
                f"unknown key 'paths.interviews.{key}'.",
                file=path,
                column=f"paths.interviews.{key}",
                hint=f"allowed: {', '.join(_INTERVIEW_KEYS)}.",
            )
        if _INTERVIEW_KEYS[key] is list:
            if not isinstance(value, list):
                raise StudyConfigError(
                    f"'paths.interviews.{key}' must be a list of files.",
                    file=path,
                    column=f"paths.interviews.{key}",
                    value=value,
                    hint="write one '- file' per line.",
                )
            inter[key] = [
                resolve(v, f"paths.interviews.{key}[{i + 1}]") for i, v in enumerate(value)
            ]
        elif value is not None:
            inter[key] = resolve(value, f"paths.interviews.{key}")
    paths["interviews"] = inter
    _check_publication(config, path)
    _check_languages(config, path)
    from toolkit.run._rounds import check_rounds

    year = int(config["study"]["year"])
    config["rounds"] = check_rounds(config["rounds"], root=root, path=path, year=year)
    slug = re.sub(r"[^a-z0-9]+", "-", str(config["study"]["name"]).lower()).strip("-")
    paths["processed"] = str((root / (paths["processed"] or f"processed/{slug}")).resolve())
    paths["reports"] = str((root / paths["reports"]).resolve())
    return Study(path.resolve(), root, config)
