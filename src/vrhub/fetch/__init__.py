"""Downloading official open data: the data.police.uk API and archive, and named files
from the London Datastore, ONS and gov.uk.

``http`` is the rate-limited, retrying client; ``download`` writes resumable, checksummed
files with a manifest; ``police_uk`` knows the police.uk API; ``sources`` is the catalogue
of named files. Nothing here runs without being asked: the CLI builds a client from the
settings (``police_api_url``, ``police_archive_url``) and passes it in.
"""
