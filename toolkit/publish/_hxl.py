"""Tables for the humanitarian data ecosystem: HXL-tagged CSV and zone workbooks.

The Humanitarian Exchange Language (HXL, https://hxlstandard.org) adds one row of
hashtags under the header so that tools such as the Humanitarian Data Exchange (HDX)
and HXL Proxy understand the columns.  :func:`hxl_tags` proposes tags for the
toolkit's column names; :func:`write_hxl_csv` writes a table with its tag row.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

__all__ = ["HXL_TAGS", "hxl_tags", "read_hxl_csv", "write_hxl_csv"]

#: Tags of the toolkit's usual column names (HXL 1.1 core hashtags and attributes).
HXL_TAGS: dict[str, str] = {
    "iso3": "#country+code",
    "ns_iso3": "#country+code",
    "provider": "#country+code+provider",
    "recipient": "#country+code+recipient",
    "country": "#country+name",
    "society_name": "#org+name",
    "provider_zone": "#region+name+provider",
    "recipient_zone": "#region+name+recipient",
    "zone": "#region+name",
    "subregion": "#region+name+sub",
    "route_id": "#meta+route+code",
    "route_name": "#meta+route+name",
    "stage_role": "#meta+stage",
    "stage": "#meta+stage",
    "dimension": "#meta+dimension",
    "code": "#meta+code",
    "activity": "#activity+code",
    "label": "#activity+name",
    "sector": "#sector",
    "status": "#status",
    "estimate": "#indicator+share+pct",
    "se": "#indicator+share+se",
    "ci_low": "#indicator+share+ci_low",
    "ci_high": "#indicator+share+ci_high",
    "unadjusted": "#indicator+share+unadjusted",
    "bound_low": "#indicator+share+bound_low",
    "bound_high": "#indicator+share+bound_high",
    "n": "#meta+count+respondents",
    "n_yes": "#meta+count+running",
    "n_frame": "#meta+count+societies",
    "people_reached": "#reached+total",
    "score": "#indicator+score",
    "suppressed": "#meta+suppressed",
    "display": "#indicator+share+text",
}


def hxl_tags(columns: list[str], extra: Mapping[str, str] | None = None) -> list[str]:
    """HXL hashtags for a list of column names.

    Known names get their tag from :data:`HXL_TAGS` (or ``extra``); other columns get
    ``#indicator+<name>`` (or ``#meta+<name>`` for text), lower-cased with
    non-alphanumerics as underscores, so every column is tagged.
    """
    table = {**HXL_TAGS, **dict(extra or {})}
    out = []
    for col in columns:
        if col in table:
            out.append(table[col])
            continue
        attr = re.sub(r"[^a-z0-9_]+", "_", str(col).lower()).strip("_") or "value"
        out.append(f"#indicator+{attr}")
    return out


def write_hxl_csv(
    table: pd.DataFrame,
    path: str | Path,
    *,
    index: bool = False,
    extra_tags: Mapping[str, str] | None = None,
) -> Path:
    """Write a CSV with an HXL hashtag row under the header (atomically).

    Parameters
    ----------
    table : pandas.DataFrame
    path : str or Path
    index : bool, default False
        Write the index as columns.
    extra_tags : mapping, optional
        Tags for columns not in :data:`HXL_TAGS`.

    Returns
    -------
    Path
    """
    df = table.reset_index() if index else table
    tags = hxl_tags([str(c) for c in df.columns], extra_tags)
    out = pd.concat(
        [pd.DataFrame([tags], columns=df.columns), df.astype(object)], ignore_index=True
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    out.to_csv(tmp, index=False, lineterminator="\n")
    os.replace(tmp, path)
    return path


def read_hxl_csv(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """Read a CSV written by :func:`write_hxl_csv`: the table and its tags."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    tags = raw.iloc[0].tolist()
    return raw.iloc[1:].reset_index(drop=True), tags
