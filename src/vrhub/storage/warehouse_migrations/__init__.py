"""The warehouse's schema migrations, one module per version, applied in order.

A module here is named ``m<NNNN>_<what>.py`` (four digits, the version it brings the
warehouse to) and defines::

    DESCRIPTION = "one line: what changes and why"

    def upgrade(con: duckdb.DuckDBPyConnection) -> None:
        ...  # ALTER TABLE, CREATE OR REPLACE VIEW, a backfill: plain DuckDB SQL

:mod:`vrhub.storage.warehouse_schema` finds them by name, runs each pending one in a
transaction of its own together with the row recording it, and refuses to open a
warehouse whose version is older (or newer) than the newest module here.

When you need one: a **new table** needs none (tables declared in ``vrhub.standards`` are
created on first use, already in their declared shape). A change to a table or view that
existing warehouses already hold needs one: a column added, renamed or retyped, a view
redefined, rows rewritten. Write the migration against what the previous version left,
guard it for tables not created yet (``information_schema``), and change the declaration
in ``vrhub.standards`` to match, so that new and upgraded warehouses end the same (a test
compares them). Numbers are taken in the order changes land: if another change took your
number, take the next one. See docs/how-to/upgrade.md.
"""
