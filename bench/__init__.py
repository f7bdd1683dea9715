"""Benchmarks with their own entry points (``make bench``); never part of the test run."""
