"""Benchmarks of the registry on generated data (``make bench`` / ``python -m benchmarks``).

Each ``benchmarks/bench_*.py`` module exposes ``run(ctx) -> list[dict]``; every row has
``name``, ``n``, ``median_ms``, ``p95_ms`` and ``extra``. ``ctx`` (``benchmarks.framework``)
gives the size of the generated registry, the generation result and timing helpers.
"""
