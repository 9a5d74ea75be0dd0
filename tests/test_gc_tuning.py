"""The garbage collector's settings of the web process (klanten.conf.gc_tuning): parsed from
the environment, applied once per worker by klanten.wsgi after the application is loaded."""

import gc
import json
import os
import weakref

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from klanten.conf import gc_tuning
from klanten.conf.gc_tuning import GcSettings

from .processes import python_c


@pytest.fixture
def restore_gc():
    threshold = gc.get_threshold()
    frozen = gc.get_freeze_count()
    yield
    gc.set_threshold(*threshold)
    if gc.get_freeze_count() > frozen:
        gc.unfreeze()


def test_defaults(monkeypatch):
    monkeypatch.delenv("GC_GEN0_THRESHOLD", raising=False)
    monkeypatch.delenv("GC_FREEZE", raising=False)
    assert gc_tuning.settings_from_env() == GcSettings(
        gen0_threshold=gc_tuning.DEFAULT_GEN0_THRESHOLD, freeze=True
    )


def test_from_the_environment(monkeypatch):
    monkeypatch.setenv("GC_GEN0_THRESHOLD", "20000")
    monkeypatch.setenv("GC_FREEZE", "false")
    assert gc_tuning.settings_from_env() == GcSettings(gen0_threshold=20_000, freeze=False)


@pytest.mark.parametrize(
    "name, value",
    [
        ("GC_GEN0_THRESHOLD", "many"),
        ("GC_GEN0_THRESHOLD", "0"),
        ("GC_GEN0_THRESHOLD", "99"),
        ("GC_GEN0_THRESHOLD", "-5"),
        ("GC_FREEZE", "maybe"),
    ],
)
def test_refused_values(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        gc_tuning.settings_from_env()


def test_apply_sets_generation_0_and_keeps_the_others(restore_gc):
    _, gen1, gen2 = gc.get_threshold()
    frozen = gc.get_freeze_count()
    gc_tuning.apply(GcSettings(gen0_threshold=12_345, freeze=False))
    assert gc.get_threshold() == (12_345, gen1, gen2)
    assert gc.get_freeze_count() == frozen


def test_apply_freezes_what_is_loaded(restore_gc):
    frozen = gc.get_freeze_count()
    gc_tuning.apply(GcSettings(gen0_threshold=2_000, freeze=True))
    # Django, DRF and the project's modules at least
    assert gc.get_freeze_count() > frozen + 10_000
    assert gc.get_threshold()[0] == 2_000


def run_python(script: str, env: dict) -> list[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GC_")}
    environment.update(env, DJANGO_SETTINGS_MODULE="klanten.conf.settings")
    return python_c(script, environment).split()


@pytest.mark.parametrize(
    "env, threshold, frozen",
    [
        ({}, gc_tuning.DEFAULT_GEN0_THRESHOLD, True),
        ({"GC_GEN0_THRESHOLD": "5000", "GC_FREEZE": "off"}, 5000, False),
    ],
)
def test_the_wsgi_module_applies_them(env, threshold, frozen):
    # the interpreter starts with some objects of its own in the permanent generation
    [at_start] = run_python("import gc; print(gc.get_freeze_count())", env)
    after = run_python(
        "import gc, klanten.wsgi; print(gc.get_threshold()[0], gc.get_freeze_count())", env
    )
    assert int(after[-2]) == threshold
    if frozen:
        assert int(after[-1]) > int(at_start) + 10_000
    else:
        assert int(after[-1]) == int(at_start)


class View:
    response = None


def rendered_response(view):
    response = Response({"klanten": [{"achternaam": "Jansen"}]})
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {"view": view}
    view.response = response
    response.render()  # DRF puts the response into its own context: a cycle
    return response


def test_a_rendered_response_is_freed_without_the_collector():
    gc.disable()
    try:
        view = View()
        response = rendered_response(view)
        middleware = gc_tuning.ReleaseResponseCycles(lambda request, answer=response: answer)
        assert middleware(object()) is response
        assert response.renderer_context is None
        assert view.response is None
        assert response.data == {"klanten": [{"achternaam": "Jansen"}]}
        assert json.loads(response.content) == response.data
        freed = weakref.ref(response)
        del response, middleware
        assert freed() is None  # by reference counting
    finally:
        gc.enable()


def test_without_it_the_response_waits_for_the_collector():
    gc.disable()
    try:
        response = rendered_response(View())
        kept = weakref.ref(response)
        del response
        assert kept() is not None
        gc.collect()
        assert kept() is None
    finally:
        gc.enable()


def test_other_responses_are_left_alone():
    view = View()
    unrendered = Response({"a": 1})
    unrendered.renderer_context = context = {"view": view}
    view.response = unrendered
    assert gc_tuning.ReleaseResponseCycles(lambda request: unrendered)(object()) is unrendered
    assert unrendered.renderer_context is context and view.response is unrendered
    plain = HttpResponse(b"x")
    assert gc_tuning.ReleaseResponseCycles(lambda request: plain)(object()) is plain
