"""Helpers for tests that run the application in a subprocess (the development server,
gunicorn) against the test database, and talk to it over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_env() -> dict:
    """The test database (the db fixture has set it up), never the configured one."""
    from django.db import connection

    settings = connection.settings_dict
    assert settings["NAME"].startswith("test"), settings["NAME"]
    return {
        "DB_NAME": settings["NAME"],
        "DB_USER": settings["USER"],
        "DB_PASSWORD": settings["PASSWORD"],
        "DB_HOST": settings["HOST"],
        "DB_PORT": str(settings["PORT"]),
    }


def clean_env(**overrides) -> dict:
    """This process's environment without the settings of the test run, plus ``overrides``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DB_", "DJANGO_", "GUNICORN_", "CELERY_", "PROMETHEUS_", "LOG_"))
        and key not in ("DATABASE_URL", "DEBUG", "ALLOWED_HOSTS", "SECRET_KEY")
    }
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="klanten.conf.settings",
        SECRET_KEY="subprocess-test-secret-key-not-for-production",
        ALLOWED_HOSTS="127.0.0.1",
    )
    env.update(overrides)
    return env


def python_c(script: str, env: dict, timeout: int = 120) -> str:
    """Run ``script`` in a fresh interpreter of the test environment (``python -c``) with the
    environment ``env`` exactly; what it printed. Fails the test when it exits non-zero."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=timeout,
    )
    return result.stdout


def http(method: str, url: str, headers=None, body: bytes | None = None, timeout=10):
    """``(status, headers, body)``; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class Process:
    """A server in its own process group; its output (stdout and stderr) goes to a file."""

    def __init__(self, command: list[str], env: dict, log_path: Path, port: int):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_listening(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server stopped:\n{self.log_path.read_text()[-3000:]}")
            with socket.socket() as s:
                s.settimeout(1)
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        pytest.fail(f"the server did not come up:\n{self.log_path.read_text()[-3000:]}")

    def wait_for_output(self, predicate, timeout: float = 10) -> None:
        """Wait until the output so far satisfies ``predicate`` (a server logs a request
        after it has answered it, so a line may lag behind the answer)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.log_path.read_text(errors="replace")):
                return
            time.sleep(0.1)

    def stop(self) -> str:
        """Stop the server; its whole output."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
        return self.log_path.read_text(errors="replace")
