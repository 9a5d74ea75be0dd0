"""Python's cyclic garbage collector in the web process (docs/configuration.md, ``GC_*``).

A full (generation-2) collection walks every tracked object of the process, among them the
more than 150,000 that Django, DRF and the URL patterns keep for the life of the worker.
Two settings, both applied once in each worker after the application is loaded
(``klanten.wsgi``; a gunicorn worker loads the application itself, after the fork):

- ``GC_FREEZE`` (default on): ``gc.collect()`` then ``gc.freeze()``: everything loaded at
  startup moves to the permanent generation, which the collector no longer walks. Those
  objects live as long as the process anyway; a cycle among them that becomes garbage later
  is not collected (none is expected: modules, classes, settings, URL patterns).
- ``GC_GEN0_THRESHOLD`` (default 700, Python's own): allocations of container objects, less
  deallocations, before a generation-0 collection. Higher means fewer collections; the cost
  is memory, since cyclic garbage waits longer (reference counting still frees everything
  else at once). Measured with the response cycles cut (:class:`ReleaseResponseCycles`),
  10,000 made no difference a benchmark could see (docs/performance.md, fourth pass), so
  the default stays Python's. The older generations keep Python's thresholds. Not below
  100: a threshold of 0 would switch the collector off.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from klanten.conf.env import env_bool, env_int

DEFAULT_GEN0_THRESHOLD = 700
MIN_GEN0_THRESHOLD = 100


@dataclass(frozen=True)
class GcSettings:
    gen0_threshold: int
    freeze: bool


def settings_from_env() -> GcSettings:
    threshold = env_int("GC_GEN0_THRESHOLD", DEFAULT_GEN0_THRESHOLD)
    if threshold < MIN_GEN0_THRESHOLD:
        raise ImproperlyConfigured(
            f"GC_GEN0_THRESHOLD must be at least {MIN_GEN0_THRESHOLD}, got {threshold}"
        )
    return GcSettings(gen0_threshold=threshold, freeze=env_bool("GC_FREEZE", True))


def apply(settings: GcSettings | None = None) -> GcSettings:
    """Set the generation-0 threshold and freeze what is loaded (see the module docstring).
    Call once per process, after the application is loaded."""
    settings = settings or settings_from_env()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(settings.gen0_threshold, gen1, gen2)
    if settings.freeze:
        # garbage of the startup is collected first, so that it is not kept for good
        gc.collect()
        gc.freeze()
    return settings


class ReleaseResponseCycles:
    """Middleware (innermost): once a DRF response is rendered, the reference cycles that
    DRF leaves between it and its view (``response.renderer_context["response"]``,
    ``view.response``) are cut, so that the response and its data (a list page: thousands of
    dicts) are freed by reference counting when the server is done with it, instead of
    waiting as cyclic garbage that a collection must walk. ``response.data`` stays."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        context = getattr(response, "renderer_context", None)
        if context is not None and getattr(response, "is_rendered", False):
            view = context.get("view")
            if getattr(view, "response", None) is response:
                view.response = None
            response.renderer_context = None
        return response
