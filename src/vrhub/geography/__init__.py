"""Geography: British National Grid, boundaries and point-in-area assignment.

:mod:`vrhub.geography.bng` converts between WGS84 and British National Grid and checks the
GB envelope; :mod:`vrhub.geography.places` assigns LSOA 2021, ward and borough to points
using the boundaries and lookups loaded into the warehouse.
"""
