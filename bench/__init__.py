"""Benchmark of the geometry core (read, graph, mesh, recognition) and of a worker's memory.

Run with ``make bench``; see ``bench/run_bench.py`` for the options and targets.
"""

from geometry_service.worker_pool import limit_math_threads

# The benchmark times what a worker does, so it runs with a worker's math threads:
# before anything here imports numpy.
limit_math_threads()
