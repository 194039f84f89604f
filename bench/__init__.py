"""Benchmarks: ``nox -s bench``.  Ratios measured in one run, never asserted in tests."""
