"""Side-by-side benchmarks of vrhub and its peers; results are written as JSON."""
