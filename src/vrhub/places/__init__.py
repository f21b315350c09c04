"""Places in the warehouse: the gazetteer, the geocoder and the names of points.

A service over storage and the pure geography of :mod:`vrhub.geography`:
:mod:`vrhub.places.placement` places points in the boundaries loaded into the warehouse,
:mod:`vrhub.places.gazetteer` builds the gazetteer from what the warehouse holds and loads
it, :mod:`vrhub.places.geocoder` geocodes free-text locations against it (with
:mod:`vrhub.places.calibration` for its confidence, measured by
:mod:`vrhub.places.evaluation` and :mod:`vrhub.places.style_evaluation`), and
:mod:`vrhub.places.labels` names points for a reader.
"""
