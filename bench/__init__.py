"""Benchmarks: `make bench` runs every module here in one run and prints the figures."""
