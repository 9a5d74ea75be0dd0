"""Background threads whose outcome a test checks. A plain ``Thread`` joined with a timeout
passes silently when its body raised or when it is still running: ``BackgroundThread`` records
the body's result or exception, and ``outcome`` joins it, asserts it finished and raises what
the body raised (so ``pytest.raises`` around ``outcome`` expects an exact exception)::

    thread = start_thread(write, klant)
    ...
    result = thread.outcome(timeout=60)

Each thread closes its own database connections when its body ends."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from django.db import connections

__all__ = ["BackgroundThread", "outcomes", "start_thread"]


class BackgroundThread(threading.Thread):
    """Runs ``function(*args)``; ``result`` or ``exception`` once it ended. A daemon, so that one
    left running (reported by ``outcome``) never keeps the test process alive."""

    def __init__(self, function: Callable, *args) -> None:
        super().__init__(name=f"test-{getattr(function, '__name__', 'thread')}", daemon=True)
        self.function = function
        self.args = args
        self.result = None
        self.exception: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.function(*self.args)
        except BaseException as exc:  # pytest's failures are BaseExceptions too
            self.exception = exc
        finally:
            connections.close_all()

    def outcome(self, timeout: float = 60):
        """Join; assert the thread finished within ``timeout`` seconds; raise the body's
        exception, or return its result."""
        self.join(timeout)
        assert not self.is_alive(), f"thread {self.name} still running after {timeout}s"
        if self.exception is not None:
            raise self.exception
        return self.result


def start_thread(function: Callable, *args) -> BackgroundThread:
    thread = BackgroundThread(function, *args)
    thread.start()
    return thread


def outcomes(threads: Iterable[BackgroundThread], timeout: float = 60) -> list:
    """The results of ``threads`` in order, all joined within one ``timeout``; asserts every
    one finished, and raises the first exception one of them raised (after joining all)."""
    threads = list(threads)
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    alive = [thread.name for thread in threads if thread.is_alive()]
    assert not alive, f"{len(alive)} of {len(threads)} threads still running after {timeout}s"
    failed = [thread.exception for thread in threads if thread.exception is not None]
    if failed:
        if len(failed) > 1:
            failed[0].add_note(f"(and {len(failed) - 1} more threads raised: {failed[1:]!r})")
        raise failed[0]
    return [thread.result for thread in threads]
