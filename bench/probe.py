"""A machine-speed probe: the CPU time of a fixed piece of pure-Python work.

The machines the bench runs on drift: the same request, on the same server process, costs
0.8 ms of worker CPU in one minute and 1.2 ms a few minutes later, with nothing else running
on the machine (a virtual machine's host shares its cores with other guests). ``bench/run``
measures this probe right before every attempt of every scenario (ours and the peer's), so a
report shows whether a change between two attempts (the floor at the start and at the end,
say) came with the machine's speed or with the server's own work.

The work: integer arithmetic in a Python loop (no allocation to speak of, no I/O, no
syscalls), a few milliseconds; the probe's value is the median of several rounds of it, in
milliseconds of this process's CPU time (``time.process_time``: time spent waiting for a core
does not count, a slower core does).
"""

import statistics
import time

ROUNDS = 7
LOOP = 200_000


def _work(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def machine_probe(rounds: int = ROUNDS, loop: int = LOOP) -> float:
    """Milliseconds of CPU for the fixed work: the median of ``rounds`` rounds."""
    times = []
    for _ in range(rounds):
        start = time.process_time()
        _work(loop)
        times.append((time.process_time() - start) * 1000)
    return round(statistics.median(times), 3)


if __name__ == "__main__":
    print(machine_probe())
