"""The one way to write SQL parameter marks."""

import sqlite3

from lib.core.sql import placeholders


def test_one_mark_per_value_or_per_count():
    assert placeholders(["a", "b", "c"]) == "?, ?, ?"
    assert placeholders(("only",)) == "?"
    assert placeholders([]) == ""
    assert placeholders(3) == "?, ?, ?"
    assert placeholders(0) == ""


def test_the_values_go_as_parameters_not_into_the_sql():
    db = sqlite3.connect(":memory:")
    names = ["O'Brien", "x); DROP TABLE t; --"]
    db.execute("CREATE TABLE t (name TEXT)")
    db.executemany("INSERT INTO t VALUES (?)", [(n,) for n in [*names, "other"]])
    sql = f"SELECT name FROM t WHERE name IN ({placeholders(names)}) ORDER BY name"
    assert "O'Brien" not in sql
    assert [r[0] for r in db.execute(sql, names)] == sorted(names)
