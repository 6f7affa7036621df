"""Benchmarks, run by hand (`python -m ops.bench.<name>`); never part of the test suite."""
