"""Timing helper shared by the benchmark scripts."""

import statistics
import time


def timed(func, repeat: int) -> tuple[float, float]:
    """Run ``func`` once to warm up, then ``repeat`` times; return the median and minimum seconds."""
    func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)
