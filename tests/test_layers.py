"""Item 12 of issue 11: the packages import downwards only, and no module imports itself back
through others. Read from the source (every import statement, also inside functions), so a
new upward import or cycle fails here before it fails at run time.

The layers, top to bottom:

- presentation: ``api``, ``mijn``, ``beheer``, ``health``, ``accounts``, ``urls`` and every
  ``admin`` module (the admin of ``datamodel`` included);
- ``background``: the Celery tasks and the retention run;
- ``datamodel`` and ``config``: the models, the rules and the services that every path uses;
- ``notificaties``: recording changes (audit trail, outbox, delivery), for any API;
- ``conf``, ``celery``, ``outbound`` and ``sqlvorm``: settings, the Celery app, the one way to
  call another server (``outbound.fetch``, used by the notification delivery too) and the
  statements compiled once and prepared (the reads, the write locks and combined inserts).
"""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "klanten"

PRESENTATION = {"api", "mijn", "beheer", "health", "accounts", "urls", "wsgi", "asgi"}
LAYERS = {  # lower number = lower layer
    "conf": 0,
    "celery": 0,
    "outbound": 0,
    "sqlvorm": 0,
    "notificaties": 1,
    "datamodel": 2,
    "config": 2,
    "background": 3,
}
TOP = 4


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and "management" not in path.parts
    }


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ``klanten`` that ``name`` imports (``from x import y`` counts as
    ``x.y`` when that is a module, else as ``x``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # ``from x import y``: the module ``x.y`` when there is one, else ``x``
            candidates = [
                f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target
                for alias in node.names
            ]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found.update(c for c in candidates if c in known and c != name)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports(name, path, known) for name, path in found.items()}


def layer(name: str) -> int:
    parts = name.split(".")
    if len(parts) < 2:
        return TOP  # the klanten package itself
    if parts[1] in PRESENTATION or parts[-1] == "admin":
        return TOP
    return LAYERS.get(parts[1], TOP)


def test_the_scan_sees_the_imports():
    edges = graph()
    assert "klanten.datamodel.services" in edges["klanten.api.viewsets"]
    assert "klanten.notificaties.outbox" in edges["klanten.notificaties.wijziging"]
    assert layer("klanten.datamodel.admin") == TOP
    assert layer("klanten.notificaties.outbox") < layer("klanten.datamodel.services")


def test_layers_import_downwards_only():
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in graph().items()
        for target in targets
        if layer(target) > layer(name)
    )
    assert upward == []


def test_notificaties_knows_nothing_of_klanten():
    """The notifications serve every API (kanaal, resource and kenmerken are parameters)."""
    outside = sorted(
        f"{name} -> {target}"
        for name, targets in graph().items()
        if name.startswith("klanten.notificaties")
        for target in targets
        if not target.startswith(
            (
                "klanten.notificaties",
                "klanten.celery",
                "klanten.conf",
                "klanten.outbound",
                "klanten.sqlvorm",
            )
        )
    )
    assert outside == []


def test_no_import_cycles():
    edges = graph()
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for target in sorted(edges[name]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target)
        path.pop()
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name)
    assert cycles == []
