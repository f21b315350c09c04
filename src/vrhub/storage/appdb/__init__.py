"""The app database: accounts, organisations, API tokens and the audit trail.

SQLAlchemy 2 models (:mod:`.models`), engines (:mod:`.engine`) and Alembic migrations
shipped in the package (:mod:`.migrate`, ``vrhub db upgrade``). SQLite in the workspace by
default, PostgreSQL in production (``VRHUB_DATABASE_URL``). The analytical warehouse is
separate (:mod:`vrhub.storage.warehouse`).
"""
