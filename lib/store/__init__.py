"""The SQLite store: schema and migrations, reading counts and series, summaries and who may see what.

Built on ``lib.core`` only."""
