"""Named queries of the outcomes side, on the app database (and, in :mod:`.hub`, the
warehouse). Callers hand in a SQLAlchemy session (or a warehouse) and typed parameters;
no SQL text is written anywhere else.
"""
