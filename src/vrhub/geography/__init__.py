"""Geography: British National Grid, boundaries, point-in-area assignment and matching
names, without the warehouse.

:mod:`vrhub.geography.bng` converts between WGS84 and British National Grid and checks the
GB envelope; :mod:`vrhub.geography.boundaries` assigns LSOA 2021, ward and borough to
points given the boundaries and lookups; :mod:`vrhub.geography.gazetteer` and
:mod:`vrhub.geography.matching` hold the gazetteer in memory and find its names in a
description. Reading and writing them in the warehouse is :mod:`vrhub.places`'s.
"""
