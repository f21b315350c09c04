"""Reports and output files built from analytics results."""
