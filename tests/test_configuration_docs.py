"""Every environment variable the settings read is documented in docs/configuration.md, and
every variable documented there is read somewhere."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "src" / "klanten" / "conf"
DOC = ROOT / "docs" / "configuration.md"

# env_str("NAME", ...), env_bool("NAME"), env_int(...), env_list(...), and the os.environ
# reads (database_from_env: DATABASE_URL and the DB_* variables through env_str)
_READS = re.compile(
    r"""(?:env_str|env_bool|env_int|env_list)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ(?:\.get|\.setdefault)?[(\[]\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.getenv\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
# a table row whose first cell is a `VARIABLE`
_DOCUMENTED = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", re.MULTILINE)


def variables_read_by_settings() -> set[str]:
    names = set()
    for path in sorted(CONF.glob("*.py")):
        for match in _READS.finditer(path.read_text()):
            names.add(next(group for group in match.groups() if group))
    return names


def documented_variables() -> set[str]:
    return set(_DOCUMENTED.findall(DOC.read_text()))


def code_text() -> str:
    """Where a documented variable may be read: the package, the scripts, the tests."""
    paths = [*(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    paths += [p for p in (ROOT / "bin").iterdir() if p.is_file()]
    return "\n".join(p.read_text(errors="replace") for p in paths)


def test_the_scan_finds_the_settings_variables():
    names = variables_read_by_settings()
    # one of each kind, so that a broken pattern does not pass unnoticed
    assert {"SECRET_KEY", "DEBUG", "DB_CONN_MAX_AGE", "ALLOWED_HOSTS", "DATABASE_URL"} <= names
    assert {"DB_NAME", "GUNICORN_WORKERS", "PROMETHEUS_MULTIPROC_DIR"} <= names
    assert len(documented_variables()) > 40


def test_every_variable_read_by_the_settings_is_documented():
    missing = variables_read_by_settings() - documented_variables()
    assert not missing, f"not in docs/configuration.md: {sorted(missing)}"


def test_every_documented_variable_is_read_somewhere():
    text = code_text()
    unused = {
        name
        for name in documented_variables()
        if not re.search(rf"(?<![A-Z0-9_]){name}(?![A-Z0-9_])", text)
    }
    assert not unused, f"documented in docs/configuration.md but read nowhere: {sorted(unused)}"
