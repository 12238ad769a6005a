"""Benchmarks of fastmlp: the asv suite (bench_mlp.py) and the comparison table (compare.py)."""
