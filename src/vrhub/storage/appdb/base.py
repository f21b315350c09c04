"""The app database's declarative base: the one metadata every table of the app database
is declared on, with its constraint naming convention, and the form timestamps are stored in.

Times are stored as naive UTC (``utc_now()``) so that SQLite and PostgreSQL read back the
same value, which the audit hash chain depends on.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> dt.datetime:
    """Now, as naive UTC with microseconds (the form every timestamp here is stored in)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
