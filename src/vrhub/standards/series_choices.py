"""The sources and area levels the monthly-series questions accept (vocabulary only, so the
command line can offer them without importing the query layer)."""

from __future__ import annotations

#: Area levels of a series, finest last.
LEVELS = ("borough", "ward", "lsoa")
#: mps = London Datastore MPS counts; police = police.uk street records; istv = ED assaults.
SOURCES = ("mps", "police", "istv")
