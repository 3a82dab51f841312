"""Benchmarks of the live path (docs/benchmarks.md). Not imported by the app."""
