"""The ``nsmap`` command line (also ``python -m toolkit``).

Exit codes
----------
0  success
1  a run finished but at least one notebook or brief failed (see the summary)
2  bad input: study configuration, parameters, instrument, frame or export
3  internal error (a bug: please report it with the traceback)
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.errors import ToolkitError

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED_RUNS",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "build_parser",
    "main",
]

EXIT_OK = 0
EXIT_FAILED_RUNS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3

_EPILOG = textwrap.dedent("""\
    exit codes: 0 success; 1 some notebooks or briefs failed (summary printed); 2 bad input
    (configuration, parameters, languages, instrument, frame or export: the message
    says which file, row, column or key, and what to do); 3 internal error.

    Start with the demo:  nsmap run data/raw/demo/study.yaml --zone all
    """)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``nsmap``."""
    parser = argparse.ArgumentParser(
        prog="nsmap",
        description="Mapping studies of National Society programmes for migrants: ingest "
        "KoboToolbox/ODK exports, weight for non-response, and run the "
        "per-zone report notebooks.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"nsmap {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser(
        "run",
        help="ingest the study once, then run the report notebooks per zone",
        description="Validate the study and every parameter, ingest the exports once and "
        "write the analytical database, then execute each notebook for each "
        "zone with papermill (in parallel), writing reports/<run-id>/.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("study", type=Path, help="study.yaml (or the folder holding it)")
    run.add_argument(
        "--zone",
        default="all",
        help="'all' (every zone of the study, plus the all-zones report) or a "
        "comma-separated list, e.g. 'africa,europe' (default: all)",
    )
    run.add_argument(
        "--notebook",
        action="append",
        default=None,
        metavar="NAME",
        help="notebook to run (file name or stem, e.g. 01_data_quality); "
        "repeatable; default: every notebook",
    )
    run.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="notebooks run at once (default: number of CPU cores)",
    )
    run.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a notebook parameter (a Python literal, e.g. min_cell=5 or "
        "title='Draft'); checked against each notebook's parameters cell",
    )
    run.add_argument(
        "--output",
        type=Path,
        default=None,
        help="reports folder (default: paths.reports of the study)",
    )
    run.add_argument(
        "--audience",
        choices=("public", "internal"),
        default=None,
        help="public: a report folder that can be published as it is (aggregate items "
        "only by group, small cells withheld); internal: per-Society detail for the "
        "secretariat and zone offices, marked 'INTERNAL — not for publication' "
        "(default: publication.audience of the study, else public)",
    )
    run.add_argument(
        "--lang",
        default=None,
        metavar="CODES",
        help="languages of the policy briefs and the index page, comma-separated, among "
        "en, fr, es, ar, e.g. 'fr,es' (default: report.languages of the study, else en; "
        "the first is index.html's)",
    )
    run.add_argument(
        "--no-briefs",
        action="store_true",
        help="write no policy brief (the notebooks, figures and tables only)",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="ingest and run every notebook again (default: reuse, verified, what an "
        "earlier run of the same reports folder computed from the same inputs)",
    )
    run.add_argument("--run-id", default=None, help="name of the run folder (default: a timestamp)")
    run.add_argument("--quiet", action="store_true", help="no progress display")

    val = sub.add_parser(
        "validate",
        help="ingest the exports and print the validation "
        "report only (writes the analytical database)",
    )
    val.add_argument("study", type=Path, help="study.yaml (or its folder)")
    val.add_argument("--no-store", action="store_true", help="do not write the analytical database")

    par = sub.add_parser("params", help="list a notebook's parameters (name, type, default, help)")
    par.add_argument("notebook", help="notebook path, file name or stem")

    demo = sub.add_parser("demo", help="regenerate the synthetic demo study")
    demo.add_argument(
        "--output",
        type=Path,
        default=Path("data/raw/demo"),
        help="folder of the demo study (default: data/raw/demo)",
    )
    demo.add_argument("--seed", type=int, default=2026, help="random seed (default: 2026)")

    init = sub.add_parser(
        "init",
        help="create a new study folder with study.yaml, the "
        "instrument and a dated snapshot of the frame",
    )
    init.add_argument("directory", type=Path, help="folder to create")
    init.add_argument("--name", default=None, help="study name")
    init.add_argument("--year", type=int, default=None, help="reference year")
    return parser


def _cmd_validate(args: argparse.Namespace) -> int:
    from toolkit.run._process import ingest_study, process_study
    from toolkit.run._study import load_study

    study = load_study(args.study)
    if args.no_store:
        result = ingest_study(study)
        where = None
    else:
        result, where = process_study(study)
    print(
        f"{study.name}: {result.rows_in} rows read, {len(result.data)} accepted, "
        f"{len(result.quarantine)} quarantined "
        f"({'reconciled' if result.reconciles() else 'NOT RECONCILED'})."
    )
    counts = result.issue_counts()
    if not counts.empty:
        print(counts.to_string(index=False))
    if where is not None:
        print(f"analytical database: {where}")
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    from toolkit.run._runner import run_study

    summary = run_study(
        args.study,
        zones=args.zone,
        notebooks=args.notebook,
        jobs=args.jobs,
        params=args.param,
        output=args.output,
        run_id=args.run_id,
        progress=not args.quiet and sys.stderr.isatty(),
        audience=args.audience,
        languages=args.lang,
        briefs=not args.no_briefs,
        force=args.force,
    )
    print(summary.table().to_string(index=False))
    reused = sum(r.reused for r in summary.results)
    if reused:
        print(f"{reused} of {len(summary.results)} notebook runs reused from earlier runs.")
    _print_briefs(summary)
    disclosure = summary.manifest.get("disclosure", {})
    if disclosure:
        print(
            f"\naudience: {disclosure['audience']}"
            + (f" ({disclosure['mark']})" if disclosure.get("mark") else "")
            + f"; cells withheld: {disclosure['withheld']['primary']} primary, "
            f"{disclosure['withheld']['secondary']} complementary"
        )
    print(f"\nreport index: {summary.index_html}")
    return EXIT_OK if summary.ok else EXIT_FAILED_RUNS


def _print_briefs(summary: Any) -> None:
    """One line on the briefs: written, failed, and the texts that fell back to English."""
    section = summary.manifest.get("briefs", {})
    if section.get("skipped"):
        print(f"\npolicy briefs: none ({section['skipped']})")
        return
    langs = ", ".join(summary.languages)
    ok = sum(b.status == "ok" for b in summary.briefs)
    fallbacks = "; ".join(
        f"{code} {entry['count']}" for code, entry in section.get("fallbacks", {}).items()
    )
    print(
        f"\npolicy briefs: {ok} of {len(summary.briefs)} zones in {langs} "
        f"({section.get('seconds', 0):.1f} s of work); texts in English for want of a "
        f"translation: {fallbacks}"
    )
    for b in summary.briefs:
        if b.status == "failed":
            print(f"  brief {b.zone}: failed: {b.error}")


def _cmd_params(args: argparse.Namespace) -> int:
    from toolkit.run._notebooks import find_notebook, notebook_parameters

    path = find_notebook(args.notebook)
    table = notebook_parameters(path).drop(columns=["value"])
    print(f"{path.name}: parameters (pass with --param name=value)")
    print(table.to_string(index=False))
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from toolkit.synth import make_study

    study = make_study(args.output, seed=args.seed)
    print(f"synthetic demo study written to {study.directory} ({study.study_yaml.name})")
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    from toolkit.run._new_study import init_study

    path = init_study(args.directory, name=args.name, year=args.year)
    print(
        f"new study at {path}; put your exports in {path.parent / 'data' / 'raw'} and list "
        f"them under paths.exports in {path.name}"
    )
    return EXIT_OK


_COMMANDS = {
    "run": _cmd_run,
    "validate": _cmd_validate,
    "params": _cmd_params,
    "demo": _cmd_demo,
    "init": _cmd_init,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``nsmap``; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except ToolkitError as exc:
        print(f"nsmap: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("nsmap: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
