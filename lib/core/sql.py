"""The one way to write a list of SQL parameter marks.

Every value reaches SQLite as a parameter, never as text in the statement. An ``IN (...)`` list or a
``VALUES (...)`` row of any length is written with ``placeholders``, so there is a single idiom to read and check.
"""

from __future__ import annotations

from collections.abc import Iterable


def placeholders(values: Iterable[object] | int) -> str:
    """``?, ?, ?``: one parameter mark per value (or that many marks, given a number).

    Only the marks go into the SQL; the values themselves are passed as the statement's parameters.
    """
    count = values if isinstance(values, int) else sum(1 for _ in values)
    return ", ".join("?" * count)
