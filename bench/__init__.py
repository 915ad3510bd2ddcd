"""Benchmarks and load/fuzz harnesses for modelgates-mock (not shipped in the wheel).

`python -m bench` runs the comparison against a bare Starlette app; see bench/README.md.
"""
