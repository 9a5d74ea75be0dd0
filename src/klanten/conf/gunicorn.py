"""gunicorn configuration of the web process: ``gunicorn -c python:klanten.conf.gunicorn
klanten.wsgi``. Every value can be changed with an environment variable
(docs/configuration.md); the defaults suit a container with 1-2 CPUs and 1 GiB of memory.

The access log is one JSON line per request through the same redacting formatter as the
application logs: the query string is logged with its values redacted, and the request id
comes from the ``X-Request-ID`` response header that the application sets.
"""

from __future__ import annotations

import glob
import logging
import os
import tempfile

from gunicorn.glogging import Logger

from klanten.conf.env import env_bool, env_int, env_str
from klanten.conf.limits import (
    GUNICORN_LIMIT_REQUEST_FIELD_SIZE,
    GUNICORN_LIMIT_REQUEST_FIELDS,
    GUNICORN_LIMIT_REQUEST_LINE,
)

bind = env_str("GUNICORN_BIND", "0.0.0.0:8000")
workers = env_int("GUNICORN_WORKERS", 3)
# the gthread worker keeps HTTP connections alive (a sync worker closes every connection
# after its response, so each request pays a new TCP connection) and serves ``threads``
# requests at once per process; ``sync`` is the classic one-request worker
worker_class = env_str("GUNICORN_WORKER_CLASS", "gthread")
# threads per gthread worker. gunicorn runs a ``sync`` worker class with more than one thread
# as gthread, so a sync worker gets one thread whatever GUNICORN_THREADS says (the Helm chart
# always sets it): ``sync`` means the one-request worker
_sync = worker_class == "sync" or worker_class.endswith("SyncWorker")
threads = 1 if _sync else env_int("GUNICORN_THREADS", 4)
# a worker silent for this long is killed and replaced (a stuck request)
timeout = env_int("GUNICORN_TIMEOUT", 60)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# behind a load balancer that keeps connections open
keepalive = env_int("GUNICORN_KEEPALIVE", 5)
# workers are replaced after this many requests (bounded memory growth); 0: never
max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# proxies whose X-Forwarded-* headers gunicorn trusts (Django has its own settings)
forwarded_allow_ips = env_str("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's own request limits lie above the application's (klanten.conf.limits), so that a
# request over the application's limits gets its problem+json 414/431, not gunicorn's plain one
limit_request_line = GUNICORN_LIMIT_REQUEST_LINE
limit_request_fields = GUNICORN_LIMIT_REQUEST_FIELDS
limit_request_field_size = GUNICORN_LIMIT_REQUEST_FIELD_SIZE
# the heartbeat files of the workers in memory, not on a (possibly read-only) disk
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# no control socket (gunicornc): it would need a writable home directory
control_socket_disable = True
proc_name = "klanten"

accesslog = "-" if env_bool("GUNICORN_ACCESS_LOG", True) else None
errorlog = "-"
loglevel = env_str("LOG_LEVEL", "INFO").lower()
logger_class = "klanten.conf.gunicorn.StructuredLogger"


def on_starting(server):
    """Prometheus metrics of all worker processes: each writes its samples into the directory
    PROMETHEUS_MULTIPROC_DIR, the /metrics view adds them up. Set here, in the master before
    the workers start (and import prometheus_client); samples of an earlier run are removed."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        directory = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
            prefix="klanten-metrics-"
        )
    os.makedirs(directory, exist_ok=True)
    for path in glob.glob(os.path.join(directory, "*.db")):
        os.remove(path)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class StructuredLogger(Logger):
    """gunicorn's logger with JSON lines through the redacting formatter of the application.

    The access log (JSON format) takes a shorter way: its fields are redacted one by one as
    they are taken from the request (:func:`klanten.conf.logging.access_fields`) and the line
    is rendered by :class:`klanten.conf.logging.AccessLogFormatter`, a few microseconds instead
    of the general formatter's structlog chain (about 0.5-0.9 ms per request)."""

    def setup(self, cfg):
        super().setup(cfg)
        from klanten.conf.logging import AccessLogFormatter, make_formatter

        log_format = env_str("LOG_FORMAT", "json")
        formatter = make_formatter(log_format)
        self.fast_access = log_format == "json"
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter)
        for handler in self.access_log.handlers:
            handler.setFormatter(AccessLogFormatter() if self.fast_access else formatter)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        from klanten.conf.logging import access_fields, redact_path, redact_query_string

        if self.fast_access:
            try:
                # a record made here: the logger's lookup of the calling frame is skipped
                record = logging.LogRecord(
                    self.access_log.name, logging.INFO, __file__, 0, "request", None, None
                )
                record.access = access_fields(resp, environ, request_time)
                self.access_log.handle(record)
            except Exception:
                self.exception("Could not write the access log line")
            return
        try:
            status = resp.status
            if isinstance(status, str):
                status = status.split(None, 1)[0]
            headers = resp.headers.items() if hasattr(resp.headers, "items") else resp.headers
            request_id = next(
                (value for name, value in headers if name.lower() == "x-request-id"), None
            )
            self.access_log.info(
                "request",
                extra={
                    "method": environ.get("REQUEST_METHOD"),
                    "path": redact_path(environ.get("PATH_INFO", "")),
                    "query": redact_query_string(environ.get("QUERY_STRING", "")),
                    "status": int(status) if str(status).isdigit() else status,
                    "bytes": getattr(resp, "sent", None),
                    "duration_ms": round(request_time.total_seconds() * 1000, 1),
                    "request_id": request_id,
                    "remote_addr": environ.get("REMOTE_ADDR"),
                    "user_agent": environ.get("HTTP_USER_AGENT"),
                    "protocol": environ.get("SERVER_PROTOCOL"),
                },
            )
        except Exception:
            self.exception("Could not write the access log line")
