"""The CPU-bound job ``bench.when.blocking`` sends to threads and processes.

In a module of its own that imports nothing heavy: a spawned process
imports it to unpickle the function, and a process started per call
(``asyncio_impl.run_in_process``) pays that import every time.
"""

from __future__ import annotations

from math import isqrt


def count_primes(limit: int) -> int:
    """The primes below ``limit``, by trial division: pure Python bytecode, holding the GIL."""
    count = 0
    for n in range(2, limit):
        for divisor in range(2, isqrt(n) + 1):
            if n % divisor == 0:
                break
        else:
            count += 1
    return count
