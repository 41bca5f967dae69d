"""Audit the disclosure control of a study's reports at a given minimum cell size.

Copies the study folder to a temporary folder, sets ``disclosure.min_cell`` (and
the audience), runs every report notebook for every zone and all zones, and audits
the published tables with :func:`toolkit.publish.audit_reports` (shares, interview
codes, per-Society tables, and the programme register's CSV, workbook sheet and HTML
table)::

    python scripts/audit_disclosure.py data/raw/demo/study.yaml --min-cell 11

It prints the cells withheld (primary, complementary), the small-base cells of
aggregate content still showing a value (target 0) and the withheld cells that can be
worked out from other published tables (target 0), with the first findings.  The
study's own folders are never written to.  Exit code 0 when both targets are met.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from toolkit.publish import audit_reports
from toolkit.run import load_study, run_study


def audit(
    study: Path, min_cell: int, *, audience: str = "public", jobs: int = 2, keep: Path | None = None
) -> dict[str, object]:
    """Run and audit one configuration; returns the summary (see the module notes)."""
    src = load_study(study)
    tmp = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="nsmap-audit-"))
    folder = tmp / "study"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(src.root, folder, ignore=shutil.ignore_patterns("truth"))
    cfg = yaml.safe_load((folder / src.path.name).read_text(encoding="utf-8"))
    cfg.setdefault("disclosure", {})["min_cell"] = int(min_cell)
    cfg["paths"]["processed"] = str(tmp / "processed")
    cfg["paths"]["reports"] = str(tmp / "reports")
    path = folder / src.path.name
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    try:
        summary = run_study(path, zones="all", jobs=jobs, audience=audience)
        if not summary.ok:
            print(summary.table().to_string(index=False), file=sys.stderr)
        run = load_study(path)
        result = audit_reports(
            summary.run_dir,
            sensitivity=run.publication(audience).sensitivity,
            min_cell=min_cell,
        )
        manifest = summary.manifest.get("disclosure", {})
        return {
            "min_cell": min_cell,
            "audience": audience,
            "notebooks_ok": summary.ok,
            **result.summary(),
            "manifest_withheld": manifest.get("withheld", {}),
            "pattern_conflicts": len(manifest.get("conflicts", [])),
            "small_base_examples": result.small_base[:10],
            "recoverable_examples": result.recoverable[:10],
            "run_dir": str(summary.run_dir),
        }
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``audit_disclosure.py STUDY --min-cell N``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("study", type=Path, help="study.yaml (or its folder)")
    parser.add_argument("--min-cell", type=int, required=True, help="disclosure.min_cell to audit")
    parser.add_argument("--audience", choices=("public", "internal"), default="public")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once")
    parser.add_argument("--keep", type=Path, default=None, help="keep the run in this folder")
    args = parser.parse_args(argv)
    out = audit(args.study, args.min_cell, audience=args.audience, jobs=args.jobs, keep=args.keep)
    print(json.dumps(out, indent=2, default=str))
    met = out["small_base_shown"] == 0 and out["recoverable"] == 0 and out["notebooks_ok"]
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
