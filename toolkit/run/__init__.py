"""Running a study: ``study.yaml``, the papermill runner, the report helpers, the CLI.

The last step of the data flow.  :func:`load_study` reads and checks ``study.yaml``;
:func:`process_study` ingests the exports once and writes the analytical database;
:func:`run_study` executes the report notebooks per zone with papermill and writes
``reports/<run-id>/``; :func:`open_report` is what a notebook calls to get its zone's
tables, design and output folders; :func:`main` is the ``nsmap`` command.

The runner and the command line are imported on first use, so a notebook that only
calls :func:`open_report` does not pay for importing nbformat and papermill.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from toolkit.run._process import DEFAULT_LEVEL, ingest_study, process_study, study_estimates
from toolkit.run._programme_report import ProgrammeReport, programme_report
from toolkit.run._report import (
    Report,
    open_report,
    zone_label,
)
from toolkit.run._round_load import EarlierRound, load_round, load_rounds
from toolkit.run._rounds import ROUND_KEYS, ROUND_TABLES, check_rounds, round_tables
from toolkit.run._study import STUDY_SCHEMA, Study, load_study

if TYPE_CHECKING:
    from toolkit.run._cli import (
        EXIT_BAD_INPUT,
        EXIT_FAILED_RUNS,
        EXIT_INTERNAL,
        EXIT_OK,
        build_parser,
        main,
    )
    from toolkit.run._execute import KERNEL_NAME, TaskResult
    from toolkit.run._new_study import init_study
    from toolkit.run._notebooks import (
        ALL_ZONES,
        REQUIREMENTS,
        check_parameters,
        find_notebook,
        list_notebooks,
        missing_requirements,
        notebook_parameters,
        notebook_requirements,
        notebooks_dir,
        parse_param_values,
    )
    from toolkit.run._runner import RunSummary, run_study

_LAZY = {
    "ALL_ZONES": "toolkit.run._notebooks",
    "KERNEL_NAME": "toolkit.run._execute",
    "REQUIREMENTS": "toolkit.run._notebooks",
    "RunSummary": "toolkit.run._runner",
    "TaskResult": "toolkit.run._execute",
    "check_parameters": "toolkit.run._notebooks",
    "find_notebook": "toolkit.run._notebooks",
    "init_study": "toolkit.run._new_study",
    "list_notebooks": "toolkit.run._notebooks",
    "missing_requirements": "toolkit.run._notebooks",
    "notebook_parameters": "toolkit.run._notebooks",
    "notebook_requirements": "toolkit.run._notebooks",
    "notebooks_dir": "toolkit.run._notebooks",
    "parse_param_values": "toolkit.run._notebooks",
    "run_study": "toolkit.run._runner",
    "EXIT_BAD_INPUT": "toolkit.run._cli",
    "EXIT_FAILED_RUNS": "toolkit.run._cli",
    "EXIT_INTERNAL": "toolkit.run._cli",
    "EXIT_OK": "toolkit.run._cli",
    "build_parser": "toolkit.run._cli",
    "main": "toolkit.run._cli",
}


def __getattr__(name: str) -> Any:
    """Import the runner and the CLI on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit.run' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "ALL_ZONES",
    "DEFAULT_LEVEL",
    "EXIT_BAD_INPUT",
    "EXIT_FAILED_RUNS",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "KERNEL_NAME",
    "REQUIREMENTS",
    "ROUND_KEYS",
    "ROUND_TABLES",
    "STUDY_SCHEMA",
    "EarlierRound",
    "ProgrammeReport",
    "Report",
    "RunSummary",
    "Study",
    "TaskResult",
    "build_parser",
    "check_parameters",
    "check_rounds",
    "find_notebook",
    "ingest_study",
    "init_study",
    "list_notebooks",
    "load_round",
    "load_rounds",
    "load_study",
    "main",
    "missing_requirements",
    "notebook_parameters",
    "notebook_requirements",
    "notebooks_dir",
    "open_report",
    "parse_param_values",
    "process_study",
    "programme_report",
    "round_tables",
    "run_study",
    "study_estimates",
    "zone_label",
]
