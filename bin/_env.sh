# Shared by bin/run and bin/test: find Python 3.12 and keep .venv in sync with the lock file.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12 \
        "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.12*/bin/python3.12; do
        [ -n "$candidate" ] || continue
        if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then
            command -v "$candidate" 2>/dev/null || echo "$candidate"
            return 0
        fi
    done
    echo "Python 3.12 is required (set PYTHON=/path/to/python3.12)." >&2
    return 1
}

ensure_venv() {
    local lock="$ROOT/requirements/$1.txt" stamp="$VENV/.installed-$1"
    if [ ! -x "$VENV/bin/python" ]; then
        local python
        python="$(find_python)" || exit 1
        echo "Creating $VENV with $python"
        "$python" -m venv "$VENV"
    fi
    local want
    want="$(cat "$lock" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "Installing pinned dependencies from requirements/$1.txt"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$lock" 2>&1 \
            | grep -v "^WARNING: Location" || true
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$ROOT" \
            2>&1 | grep -v "^WARNING: Location" || true
        "$VENV/bin/python" -c "import django, klanten" || { echo "Installation failed" >&2; exit 1; }
        echo "$want" > "$stamp"
    fi
}

port_open() {  # host port
    "$VENV/bin/python" - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)
PY
}

# bin/run, bin/worker, bin/beat: development settings (DEBUG on, local hosts, the secret key
# kept in var/secret-key).
dev_env() {
    export DEBUG=true ALLOWED_HOSTS="127.0.0.1,localhost"
    export SITE_DOMAIN="${SITE_DOMAIN:-127.0.0.1:${PORT:-8000}}"
    mkdir -p "$ROOT/var"
    if [ ! -s "$ROOT/var/secret-key" ]; then
        (umask 077 && "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))' \
            >"$ROOT/var/secret-key")
    fi
    SECRET_KEY="$(cat "$ROOT/var/secret-key")"
    export SECRET_KEY
}

# bin/worker, bin/beat started on their own: without DATABASE_URL or DB_HOST, use the embedded
# PostgreSQL of bin/run (var/postgres) when it is running.
dev_database() {
    if [ -n "${DATABASE_URL:-}" ] || [ -n "${DB_HOST:-}" ]; then
        return 0
    fi
    if ! "$VENV/bin/python" "$ROOT/bin/embedded_postgres.py" status --data "$ROOT/var/postgres" \
        >/dev/null 2>&1; then
        echo "No DATABASE_URL or DB_HOST, and the embedded PostgreSQL of bin/run is not" \
            "running: start bin/run first, or set DB_HOST." >&2
        exit 1
    fi
    local pg_env
    pg_env="$("$VENV/bin/python" "$ROOT/bin/embedded_postgres.py" start --data "$ROOT/var/postgres" \
        --port "${EMBEDDED_PG_PORT:-54320}" --find-free-port 2>/dev/null)"
    eval "$pg_env"
}

# bin/test: the VNG standard's schema that tests/test_schema_conformance.py compares
# docs/openapi.yaml with: KLANTEN_STANDARD_OAS, or the copy in shared/standard next to this
# checkout (or next to the folder of a worktree). Without it that comparison is skipped: say so,
# and how to enable it.
find_standard_oas() {  # every standard's schema: KLANTEN_STANDARD_OAS, CONTACTMOMENTEN_STANDARD_OAS
    _find_standard_oas KLANTEN_STANDARD_OAS klanten-api-1.0.0-openapi.yaml \
        docs/openapi.yaml tests/test_schema_conformance.py "VNG Klanten API 1.0.0" klanten-api
    _find_standard_oas CONTACTMOMENTEN_STANDARD_OAS contactmomenten-api-1.0.0-openapi.yaml \
        docs/openapi-contactmomenten.yaml tests/test_schema_conformance_contactmomenten.py \
        "VNG Contactmomenten API 1.0.0" contactmomenten-api
}

# variable, file name, our schema, its test, the standard's name, its VNG repository: export
# the variable when the file is found (shared/standard next to the checkout, else the copy in
# tests/standards), else print a visible note that the comparison is skipped
_find_standard_oas() {
    local var="$1" name="$2" ours="$3" test="$4" label="$5" repository="$6" candidate value
    value="${!var:-}"
    if [ -n "$value" ]; then
        if [ -f "$value" ]; then
            export "${var?}"
            echo "== standard schema: $value"
            return 0
        fi
        echo "NOTE: $var=$value is not a file: it is SKIPPED; $test compares $ours with" \
            "the copy in tests/standards/$name."
        return 0
    fi
    for candidate in "$ROOT/../shared/standard/$name" "$ROOT/../../shared/standard/$name" \
        "$ROOT/tests/standards/$name"; do
        if [ -f "$candidate" ]; then
            printf -v "$var" '%s' "$(cd "$(dirname "$candidate")" && pwd)/$name"
            export "${var?}"
            echo "== standard schema: ${!var}"
            return 0
        fi
    done
    echo "NOTE: the comparison of $ours with the $label standard ($test) is SKIPPED: $name" \
        "was not found in ../shared/standard. To run it: $var=/path/to/$name bin/test (the" \
        "standard's OpenAPI schema, published by VNG Realisatie in its $repository repository)."
}

# bin/test: makemigrations --check reads the migration history of a database. It reads that of
# PostgreSQL's maintenance database "postgres", which always exists (DB_NAME need not: pytest
# creates its own test_<DB_NAME>); with DATABASE_URL, that database.
check_migrations() {
    if [ -n "${DATABASE_URL:-}" ]; then
        "$VENV/bin/python" "$ROOT/manage.py" makemigrations --check --dry-run
    else
        DB_NAME=postgres "$VENV/bin/python" "$ROOT/manage.py" makemigrations --check --dry-run
    fi
}
