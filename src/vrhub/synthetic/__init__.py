"""Synthetic data for demos and tests: realistic, seeded, and free of real people."""
