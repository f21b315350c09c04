"""Pure analytical functions on arrays and frames.

Nothing here reads files or databases: callers hand in frames (built by
:mod:`vrhub.storage`) and receive frames with a fixed, documented set of columns. Every
automatic choice is announced through a :class:`vrhub.progress.Progress` and recorded in
the result's metadata (``frame.attrs["vrhub"]``).
"""
