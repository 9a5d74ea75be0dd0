"""The bench scripts (``bench/``) as modules for the tests: they import each other by name,
so ``bench/`` is on ``sys.path`` while one is loaded and used."""

import contextlib
import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


@contextlib.contextmanager
def bench_module(name: str, filename: str):
    """``bench/<filename>`` loaded as module ``name``, with ``bench/`` on the path until the
    block ends."""
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCH / filename)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCH))


def klanten_met_achternaam(achternaam: str, n: int, start: int) -> None:
    """``n`` klanten with this surname (klantnummers from ``start``), for the bench scripts'
    sampling of surnames."""
    from klanten.datamodel.models import Klant

    Klant.objects.bulk_create(
        Klant(
            bronorganisatie="123456782",
            klantnummer=f"a{start + i}",
            subject="https://brp.example/ingeschrevenpersonen/1",
            achternaam=achternaam,
        )
        for i in range(n)
    )
