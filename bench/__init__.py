"""Benchmark of the geometry core (read, graph, mesh, recognition) and of a worker's memory.

Run with ``make bench``; see ``bench/run_bench.py`` for the options and targets.
"""
