"""Benchmarks: ``python -m bench [names...]`` (``make bench``) runs ``bench/bench_<name>.py``.

Each benchmark module defines ``main()``; results are written under ``bench/results/``
(git-ignored). Shared helpers (servers, worker processes, result files) live in
:mod:`bench.common`.
"""
