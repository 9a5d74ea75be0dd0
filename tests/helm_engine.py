"""Helm's own engine for the chart tests: helm-python-sdk binds Helm v4's Go SDK through a native
library that its wheel bundles (no helm binary, no Go toolchain).

There is no fallback renderer: where the library does not load, `load_helm` raises
`HelmUnavailable` with a message that says so, and the chart tests fail with it.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

import yaml

RELEASE = "klanten"
NAMESPACE = "gemeente"


class HelmUnavailable(Exception):
    """helm-python-sdk, or the native Helm library inside it, cannot be loaded here."""


def load_helm():
    """The `helm_python` module, with its native library loaded."""
    here = f"{sys.platform} {platform.machine()}, Python {platform.python_version()}"
    try:
        import helm_python
    except ModuleNotFoundError as exc:
        raise HelmUnavailable(
            f"helm-python-sdk is not installed ({exc}). The chart tests render and lint the "
            "chart with Helm's own engine from that package and have no fallback: install "
            "requirements/dev.txt (bin/test does)."
        ) from exc
    except Exception as exc:  # helm_python.HelmLibraryError, raised while importing
        raise HelmUnavailable(
            f"Helm's native library from helm-python-sdk cannot be loaded on this platform "
            f"({here}): {exc}\nThe chart tests render and lint the chart with Helm's own "
            "engine and have no fallback. helm-python-sdk ships the library in its wheels for "
            "Linux x86_64 and aarch64 (glibc 2.28 or newer), macOS arm64 and Windows x86_64; "
            "elsewhere build libhelm_c yourself and point HELM_C_LIB at it."
        ) from exc
    return helm_python


def values_file(path: Path) -> dict[str, Any]:
    """A values file as Helm reads `-f path`."""
    return load_helm().values_from_yaml(path.read_text())


def deep_merge(base: dict, override: dict) -> dict:
    """`override` on top of `base`, as Helm merges `-f base.yaml -f override.yaml`."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def render(chart, values: dict | None) -> dict[str, str]:
    """`helm template klanten <chart> -n gemeente -f values`: {template path: rendered text}.

    Raises Helm's errors: `HelmValuesError` when the values do not meet values.schema.json,
    `HelmRenderError` when a template fails (a parse error, a `required` value, ...).
    """
    return chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)


def manifests(rendered: dict[str, str]) -> list[tuple[str, dict]]:
    """The Kubernetes objects of the rendered YAML files: [(template path, object)]."""
    out = []
    for name, text in rendered.items():
        if not name.endswith((".yaml", ".yml")):
            continue
        for document in yaml.safe_load_all(text):
            if document:
                out.append((name, document))
    return out
