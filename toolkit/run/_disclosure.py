"""What a run withheld: the records the notebooks leave, gathered for the manifest.

Each report's :class:`~toolkit.publish.Publication` writes, under its zone folder's
``.disclosure/``, one record per published table (cells withheld, primary and
complementary, and why) and the suppression pattern of every family of canonical
cells it decided.  :func:`collect_disclosure` gathers them after the notebooks ran,
checks that every report applied the same pattern (a cell withheld in one report
and shown in another could be rebuilt), writes the run's pattern to
``disclosure.json`` and removes the per-report folders.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from toolkit.publish import Publication

__all__ = ["collect_disclosure"]


def collect_disclosure(work: Path, zones: list[str], publication: Publication) -> dict[str, Any]:
    """Gather the disclosure records of a run and write ``disclosure.json``.

    Parameters
    ----------
    work : Path
        The run folder (its zone folders hold ``.disclosure/``).
    zones : list of str
        The zones of the run.
    publication : Publication
        The run's policy (audience, minimum, item sensitivity).

    Returns
    -------
    dict
        The manifest's ``disclosure`` section: ``audience``, ``mark``, ``min_cell``,
        ``aggregate_items``, ``overrides``, ``tables`` (one record per zone and
        table), ``withheld`` (cells, primary and secondary, over every table),
        ``pattern_cells`` (canonical cells withheld) and ``conflicts`` (cells a
        report showed and another withheld: none is expected).
    """
    tables: list[dict[str, Any]] = []
    cells: dict[tuple[str, str, str], dict[str, str]] = {}
    conflicts: list[str] = []
    for zone in zones:
        folder = work / zone / ".disclosure"
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            if path.name.startswith("table-"):
                tables.append({"zone": zone, **data})
                continue
            family = str(data["family"])
            for line, cell_zone, base, status, reason in data["cells"]:
                key = (family, str(line), str(cell_zone))
                seen = cells.get(key)
                if seen is not None and seen["status"] != status:
                    conflicts.append(
                        f"{family} {line} {cell_zone}: {seen['status']!r} / {status!r}"
                    )
                cells[key] = {"base": base, "status": status, "reason": reason}
        shutil.rmtree(folder, ignore_errors=True)
    pattern = [
        {"family": f, "line": line, "zone": z, **v}
        for (f, line, z), v in sorted(cells.items())
        if v["status"]
    ]
    sens = publication.sensitivity
    summary = {
        "audience": publication.audience,
        "mark": publication.mark,
        "min_cell": publication.min_cell,
        "aggregate_items": sens.aggregate_items,
        "overrides": dict(sens.overridden),
        "withheld": {
            "primary": sum(int(t.get("primary", 0)) for t in tables),
            "secondary": sum(int(t.get("secondary", 0)) for t in tables),
        },
        "pattern_cells": {
            "primary": sum(p["status"] == "primary" for p in pattern),
            "secondary": sum(p["status"] == "secondary" for p in pattern),
        },
        "conflicts": conflicts,
        "tables": tables,
    }
    (work / "disclosure.json").write_text(
        json.dumps({**summary, "pattern": pattern}, indent=2, default=str), encoding="utf-8"
    )
    return summary
