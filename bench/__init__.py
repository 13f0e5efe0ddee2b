"""Benchmarks: synthetic UNPACS-shaped data and load timings against peers in the same run.

Benchmarks print figures; they are not tests. ``bench/out/`` holds generated data and is ignored
by git.
"""
