"""``klanten.beheer`` (the data managers' admin) depends on ``klanten.datamodel``, never the
reverse: the store knows nothing of the pages built on it."""

import ast
from pathlib import Path

import klanten.datamodel

DATAMODEL = Path(klanten.datamodel.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the datamodel package
                parts = path.relative_to(DATAMODEL.parent.parent).with_suffix("").parts
                package = parts[: len(parts) - node.level]
                base = ".".join([*package, base] if base else package)
            names.add(base)
    return names


def test_the_scan_sees_imports():
    assert "klanten.datamodel.constants" in imported_modules(DATAMODEL / "models.py")


def test_datamodel_never_imports_beheer():
    offenders = {
        str(path.relative_to(DATAMODEL)): sorted(
            name for name in imported_modules(path) if name.startswith("klanten.beheer")
        )
        for path in DATAMODEL.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
