"""Result tables: the schema (:mod:`.schema`), the one reader and writer (:mod:`.io`), selecting
rows by column or parameter (:mod:`.select`) and the summary over replicates (:mod:`.aggregate`).

This layer sits *below* the model and the bench on purpose: storing, reading and summarising
tables needs neither learners nor the code that runs cells, so the analysis (claims, compare,
history) reads results without loading the learner stack.
"""

from .aggregate import aggregate, group_columns
from .io import (
    check_single_run,
    check_unique_rows,
    load_run,
    read_results,
    read_summary,
    read_table,
    sweep_folders,
    write_table,
)
from .schema import (
    COLUMNS,
    IDENTITY,
    MEASURES,
    PROVENANCE,
    REQUIRED,
    ROW_KEY,
    STATUSES,
    SUMMARY_REQUIRED,
    describing_columns,
    order_columns,
    param_value,
    row_labels,
)

__all__ = [
    "COLUMNS",
    "IDENTITY",
    "MEASURES",
    "PROVENANCE",
    "REQUIRED",
    "ROW_KEY",
    "STATUSES",
    "SUMMARY_REQUIRED",
    "aggregate",
    "check_single_run",
    "check_unique_rows",
    "describing_columns",
    "group_columns",
    "load_run",
    "order_columns",
    "param_value",
    "read_results",
    "read_summary",
    "read_table",
    "row_labels",
    "sweep_folders",
    "write_table",
]
