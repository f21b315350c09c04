"""One adapter per source. Each reads its files, validates against the schema declared in
:mod:`vrhub.standards`, and loads into the warehouse through one atomic file load."""
