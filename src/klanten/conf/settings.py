"""Django settings for Klanten; every value comes from the environment (docs/configuration.md)."""

from pathlib import Path

from celery.schedules import crontab
from vng_api_common.conf.api import BASE_REST_FRAMEWORK, JWT_SPECTACULAR_SETTINGS

from .env import database_from_env, env_bool, env_int, env_list, env_str
from .logging import configure_structlog, logging_config

BASE_DIR = Path(__file__).resolve().parents[3]
SRC_DIR = BASE_DIR / "src" / "klanten"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"] if DEBUG else [])
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.admin",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "solo",
    "privates",
    "simple_certmanager",
    "zgw_consumers",
    "vng_api_common",
    "vng_api_common.authorizations",
    "vng_api_common.audittrails",
    "notifications_api_common",
    "django_setup_configuration",
    "klanten.accounts",
    "klanten.datamodel",
    "klanten.api",
    "klanten.contactmomenten",
    "klanten.klantinteracties",
    "klanten.config",
    "klanten.health",
    "klanten.background",
]

MIDDLEWARE = [
    # request id + structured request log, metrics, and /health/* and /metrics answered
    # before the host check (probes and scrapers use the pod address as host)
    "klanten.health.middleware.RequestIdMiddleware",
    "klanten.health.middleware.MetricsMiddleware",
    "klanten.health.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "klanten.health.middleware.StaticFilesMiddleware",
    "klanten.health.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # a view's "gone" (klanten.foutpaginas.Weg) answered with the 410 page
    "klanten.foutpaginas.WegMiddleware",
    "klanten.api.auth.KlantenAuthMiddleware",
    "klanten.api.middleware.APIVersionMiddleware",
    # request limits of the API (P3), answered with API-version
    "klanten.api.middleware.RequestLimitsMiddleware",
    # innermost: a rendered DRF response freed without the garbage collector
    "klanten.conf.gc_tuning.ReleaseResponseCycles",
]

ROOT_URLCONF = "klanten.urls"
WSGI_APPLICATION = "klanten.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "klanten.huisstijl.organisatie",
            ],
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        **database_from_env(),
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        # a "SELECT 1" before each request's first query; off by default because it is about
        # half of a detail read's database time (a connection broken by a database restart
        # then fails one request per worker, after which Django replaces it)
        "CONN_HEALTH_CHECKS": env_bool("DB_CONN_HEALTH_CHECKS", False),
        "OPTIONS": {"connect_timeout": env_int("DB_CONNECT_TIMEOUT", 5)},
        "TEST": {"NAME": env_str("DB_TEST_NAME", "") or None},
    }
}
# The klant reads run as prepared statements (planned once per connection: api.readsql); turn
# off behind a pooler that does not keep them per client (PgBouncer in transaction mode before
# 1.21)
KLANTEN_PREPARED_READS = env_bool("DB_PREPARED_READS", True)
# PostgreSQL's JIT for the application's sessions: off unless true (klanten.conf.database)
KLANTEN_DB_JIT = env_bool("DB_JIT", False)
# AutoField: the Common Ground libraries' migrations were written for it.
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nl-nl"
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
# one date format on every page: 06-12-2026 14:05 (klanten/conf/formats/nl)
FORMAT_MODULE_PATH = ["klanten.conf.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "static")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# zgw-consumers stores certificates in a private storage served through sendfile.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private-media")))
PRIVATE_MEDIA_URL = "/private-media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic also writes compressed copies; WhiteNoise serves them (docs/deployment.md)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "privates": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": PRIVATE_MEDIA_URL},
    },
}
SENDFILE_BACKEND = "django_sendfile.backends.simple"
SENDFILE_ROOT = PRIVATE_MEDIA_ROOT
SENDFILE_URL = PRIVATE_MEDIA_URL

# Security: safe production defaults, relaxed only with DEBUG.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Deployment: HTTPS, logs, metrics (docs/deployment.md) ----------------------------
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# a refused form (expired or forged) gets a Dutch page with the way back
CSRF_FAILURE_VIEW = "klanten.foutpaginas.csrf_failure"
# Content-Security-Policy of the HTML pages (admin, schema page); the API answers JSON.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
# json: one JSON object per line (production); console: readable lines (development)
LOG_FORMAT = env_str("LOG_FORMAT", "console" if DEBUG else "json")
# one structured line per request from Django (gunicorn writes the access log already)
LOG_REQUESTS = env_bool("LOG_REQUESTS", False)
LOGGING = logging_config(LOG_LEVEL, LOG_FORMAT)

METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- REST framework and the ZGW conventions -------------------------------------------
REST_FRAMEWORK = {
    **BASE_REST_FRAMEWORK,
    "DEFAULT_SCHEMA_CLASS": "klanten.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": None,
    "DEFAULT_FILTER_BACKENDS": ("django_filters.rest_framework.DjangoFilterBackend",),
    "EXCEPTION_HANDLER": "klanten.api.exceptions.exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ("vng_api_common.permissions.AuthScopesRequired",),
    "DEFAULT_RENDERER_CLASSES": ("klanten.api.renderers.KlantenJSONRenderer",),
    # camelCase JSON with bounded size and nesting (klanten.api.parsers)
    "DEFAULT_PARSER_CLASSES": ("klanten.api.parsers.KlantenJSONParser",),
    # a request body's Content-Type must name a media type, not a wildcard (415)
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "klanten.api.parsers.KlantenContentNegotiation",
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": None,
    "URL_FIELD_NAME": "url",
}

# The largest request body read into memory (also for the API, whose parser enforces it with
# a 413): a klant is a few kilobytes of JSON (P3: bad input never yields a 500).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

COMMONGROUND_API_COMMON = {"API_EXCEPTION_CAMELIZE": False}  # done in klanten.api.exceptions
SECURITY_DEFINITION_NAME = "JWT-Claims"
API_VERSION = "1.0.0"
SITE_DOMAIN = env_str("SITE_DOMAIN", "localhost:8000")
IS_HTTPS = env_bool("IS_HTTPS", not DEBUG)
COMMONGROUND_API_COMMON_GET_DOMAIN = "vng_api_common.utils.get_site_domain"
TIME_LEEWAY = env_int("JWT_LEEWAY", 0)
JWT_EXPIRY = env_int("JWT_EXPIRY", 3600)
# Seconds a client JWT's iat may lie in the future (the client's clock running ahead); a token
# issued further ahead is refused, as it would stay valid for as long as its issuer wished.
JWT_CLOCK_SKEW = env_int("JWT_CLOCK_SKEW", 60)
if JWT_CLOCK_SKEW < 0:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("JWT_CLOCK_SKEW must be at least 0 seconds")
# Seconds a process keeps verified tokens and a client's scopes (0 = no cache); changes made in
# another process take effect within this time.
AUTH_CACHE_SECONDS = env_int("AUTH_CACHE_SECONDS", 30)
ETAG_REPRESENTATION_VERSION = "klanten-1"
# vng-api-common's URLValidator fetches with this (unused by Klanten): an outbound call too
LINK_FETCHER = "klanten.outbound.requests_get"
# Outbound calls (klanten.outbound): the total deadline in seconds of one call (name lookup,
# connecting, sending, and reading the whole answer), and the largest answer read.
OUTBOUND_DEADLINE = env_int("OUTBOUND_DEADLINE", 5)
OUTBOUND_MAX_RESPONSE_BYTES = env_int("OUTBOUND_MAX_RESPONSE_BYTES", 1024 * 1024)
# The total deadline in seconds of the subject URL check (kla-002), an outbound call.
SUBJECT_URL_TIMEOUT = env_int("SUBJECT_URL_TIMEOUT", 5)
if min(OUTBOUND_DEADLINE, SUBJECT_URL_TIMEOUT, OUTBOUND_MAX_RESPONSE_BYTES) < 1:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "OUTBOUND_DEADLINE, SUBJECT_URL_TIMEOUT and OUTBOUND_MAX_RESPONSE_BYTES must be at least 1"
    )

SPECTACULAR_SETTINGS = {
    "DEFAULT_GENERATOR_CLASS": "vng_api_common.generators.OpenAPISchemaGenerator",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/klanten/api/v1",
    "SCHEMA_PATH_PREFIX_TRIM": True,
    "SERVERS": [{"url": "/klanten/api/v1"}],
    "TITLE": "Klanten API",
    "VERSION": API_VERSION,
    "DESCRIPTION": "Een API om klanten te registreren en op te vragen (VNG Klanten API 1.0.0).",
    "CONTACT": {"url": "https://github.com/klanten"},
    "LICENSE": {"name": "EUPL 1.2", "url": "https://opensource.org/licenses/EUPL-1.2"},
    "COMPONENT_SPLIT_REQUEST": False,
    # read-only fields (url, gevalideerd) are not "required": one component serves requests
    # and responses (as in the standard), and a generated client must be able to make a Klant
    # without them
    "COMPONENT_NO_READ_ONLY_REQUIRED": True,
    "ENUM_NAME_OVERRIDES": {},
    # one schema per API: this one the Klanten API's endpoints only (the Contactmomenten API's
    # schema: klanten.contactmomenten.schema)
    "PREPROCESSING_HOOKS": ["klanten.api.schema.alleen_klanten"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        # no default a generated client would send in place of an absent field (PATCH)
        "klanten.api.schema.remove_request_defaults",
    ],
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "TAGS": [
        {"name": "klanten", "description": "Klanten (VNG Klanten API 1.0.0)"},
        {
            "name": "extensies",
            "description": "Extensies naast de standaard: validaties, interacties, klantbeeld, "
            "bevestigingslinks en gevalideerde klanten.",
        },
    ],
    **JWT_SPECTACULAR_SETTINGS,
}

# --- Notifications ---------------------------------------------------------------------
NOTIFICATIONS_DISABLED = env_bool("NOTIFICATIONS_DISABLED", False)
NOTIFICATIONS_KANAAL = "klanten"
NOTIFICATIONS_SOURCE = env_str("NOTIFICATIONS_SOURCE", "klanten")
# Without a configured Notificaties API, writes still succeed (nothing is sent).
NOTIFICATIONS_GUARANTEE_DELIVERY = env_bool("NOTIFICATIONS_GUARANTEE_DELIVERY", False)
# seconds each web process keeps whether a Notificaties API is configured (no query per write)
NOTIFICATIONS_CONFIG_CACHE_SECONDS = env_int("NOTIFICATIONS_CONFIG_CACHE_SECONDS", 30)
# Klanten keeps every notification in its own outbox (klanten.background), written in the
# transaction of the klant change; the library's store of failed notifications is not used.
LOG_NOTIFICATIONS_IN_DB = False
NOTIFICATIONS_API_GET_DOMAIN = "notifications_api_common.utils.get_site_domain"
# Seconds between two runs of the periodic task that sends what is due in the outbox (first
# attempts missed because the broker was down, and retries after their backoff).
NOTIFICATIONS_OUTBOX_INTERVAL = env_int("NOTIFICATIONS_OUTBOX_INTERVAL", 30)
# Delivered notifications stay visible in the admin this many days, then they are removed.
NOTIFICATIONS_KEEP_DELIVERED_DAYS = env_int("NOTIFICATIONS_KEEP_DELIVERED_DAYS", 7)
# Seconds a delivery attempt waits to connect and for each read of the answer of the
# Notificaties API; an answer that comes later counts as a failed attempt, which is retried
# (delivery is at least once: docs/background.md).
NOTIFICATIONS_DELIVERY_TIMEOUT = env_int("NOTIFICATIONS_DELIVERY_TIMEOUT", 10)

# --- Celery ----------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "")
# No broker configured: run tasks in-process (still after the transaction commits).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_CONNECTION_TIMEOUT = 5
# After a write commits, a thread of the web process publishes a "send now" task (the request
# itself never waits on the broker); when the broker does not answer within this many seconds
# the thread gives up (the outbox keeps the notification for the periodic task).
CELERY_PUBLISH_TIMEOUT = env_int("CELERY_PUBLISH_TIMEOUT", 2)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis: give up on a connection attempt, and on a broker that stopped answering without
    # closing the connection, instead of waiting forever
    "socket_connect_timeout": CELERY_PUBLISH_TIMEOUT,
    "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 2)
# keep the structured logging of the LOGGING setting in the worker
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE

# --- Klanten ---------------------------------------------------------------------------
# A client secret shorter than this many bytes is warned about.
MIN_CLIENT_SECRET_LENGTH = 32

SETUP_CONFIGURATION_STEPS = [
    "zgw_consumers.contrib.setup_configuration.steps.ServiceConfigurationStep",
    "notifications_api_common.contrib.setup_configuration.steps.NotificationConfigurationStep",
    "klanten.config.setup_configuration.APIClientsConfigurationStep",
    "klanten.config.setup_configuration.VertrouwdeUitgeversConfigurationStep",
]

# structlog (ours and the Common Ground libraries'): through the LOGGING handlers above
configure_structlog(LOG_LEVEL)

# --- Validated klanten (contract section 3) -------------------------------------------------
# V2: minimum assurance rank (1-4) to validate a klant, per subject type; 0 is refused here.
_MIN_RANK_ENV = {
    "natuurlijk_persoon": "MIN_RANK_NATUURLIJK_PERSOON",
    "niet_natuurlijk_persoon": "MIN_RANK_NIET_NATUURLIJK_PERSOON",
    "vestiging": "MIN_RANK_VESTIGING",
}
KLANTEN_MINIMUM_RANG = {
    _subject_type: env_int(_name, 2) for _subject_type, _name in _MIN_RANK_ENV.items()
}
for _subject_type, _rank in KLANTEN_MINIMUM_RANG.items():
    if not 1 <= _rank <= 4:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"{_MIN_RANK_ENV[_subject_type]} must be 1-4 (got {_rank}): rank 0 would validate "
            "klanten without reliable authentication."
        )
# V3: how long before the validation the person may have authenticated
KLANTEN_MAX_AUTHENTICATIE_LEEFTIJD_MINUTEN = env_int("MAX_AUTHENTICATION_AGE_MINUTES", 60)
# V5: "reconfirm" (promotion needs the person's confirmation) or "forbid"
KLANTEN_PROMOTIE_MODUS = env_str("PROMOTION_MODE", "reconfirm")
if KLANTEN_PROMOTIE_MODUS not in ("reconfirm", "forbid"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("PROMOTION_MODE must be 'reconfirm' or 'forbid'")
# V7: who sees non-validated klanten: "applicatie" (the registering application, plus
# klanten.beheer and all rights) or "iedereen" (legacy landscapes)
KLANTEN_ZICHTBAARHEID_NIET_GEVALIDEERD = env_str("NON_VALIDATED_VISIBILITY", "applicatie")
if KLANTEN_ZICHTBAARHEID_NIET_GEVALIDEERD not in ("applicatie", "iedereen"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("NON_VALIDATED_VISIBILITY must be 'applicatie' or 'iedereen'")
# E4: validity of a confirmation link
KLANTEN_BEVESTIGINGSLINK_GELDIG_UREN = env_int("CONFIRMATION_LINK_VALIDITY_HOURS", 72)
# Seconds a fetched JWKS of a trusted issuer is cached
KLANTEN_JWKS_CACHE_SECONDEN = env_int("JWKS_CACHE_SECONDS", 300)

# --- Sign-in: staff into the admin, residents into "Mijn klantgegevens" (docs/sign-in.md) ----
INSTALLED_APPS += [
    "django_jsonform",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "two_factor.plugins.webauthn",
    "maykin_2fa",
    "mozilla_django_oidc",
    "mozilla_django_oidc_db",
    "klanten.mijn",
    # groups of data managers, their access log, the settings overview (docs/admin.md)
    "klanten.beheer",
]
# maykin-2fa: the admin needs a verified user (OTP, or a backend on the bypass list below)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "maykin_2fa.middleware.OTPMiddleware",
)
# API requests (JWT, no session) skip the middleware of the pages: sessions, the user (and so
# the second factor's wrapper of it) and messages (klanten.api.buiten_api); the pages keep them
# all, and CSRF stays for every path (check --deploy wants it; DRF exempts the API's views)
_BUITEN_API = {
    "django.contrib.sessions.middleware.SessionMiddleware": "SessionBuitenAPI",
    "django.contrib.auth.middleware.AuthenticationMiddleware": "AuthenticationBuitenAPI",
    "django.contrib.messages.middleware.MessageMiddleware": "MessageBuitenAPI",
}
MIDDLEWARE = [
    f"klanten.api.buiten_api.{_BUITEN_API[name]}" if name in _BUITEN_API else name
    for name in MIDDLEWARE
]
# Password logins (break-glass superuser, with two-factor authentication) can be switched off.
ADMIN_PASSWORD_LOGIN = env_bool("ADMIN_PASSWORD_LOGIN", True)
# the library's backend with its calls to the provider through klanten.outbound
AUTHENTICATION_BACKENDS = [
    "klanten.accounts.backends.OIDCAuthenticationBackend",
    *(["django.contrib.auth.backends.ModelBackend"] if ADMIN_PASSWORD_LOGIN else []),
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/admin/"
# the organisation's OpenID provider enforces its own multi-factor authentication
MAYKIN_2FA_ALLOW_MFA_BYPASS_BACKENDS = ["klanten.accounts.backends.OIDCAuthenticationBackend"]
TWO_FACTOR_PATCH_ADMIN = False
TWO_FACTOR_WEBAUTHN_RP_NAME = "Klanten (beheer)"
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Klanten")
# mozilla-django-oidc(-db): both configurations live in the database (admin, YAML)
OIDC_AUTHENTICATE_CLASS = "klanten.accounts.oidc_views.AdminInitView"
OIDC_CALLBACK_CLASS = "mozilla_django_oidc_db.views.OIDCCallbackView"
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the logout at the provider
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
# Sessions (admin and residents): lifetime of the cookie; residents have shorter limits below
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_COOKIE_SAMESITE = "Lax"  # the provider's redirect back is a top-level GET
# "Mijn klantgegevens": the organisation (RSIN) whose klanten residents see and register
MIJN_GEGEVENS_BRONORGANISATIE = env_str("MIJN_GEGEVENS_BRONORGANISATIE", "")
# Klantinteracties (K5): the organisation (RSIN) of the partijen its clients create; the
# unconfirmed anchors and the one organisatie partij per HR key are per this organisation
KLANTINTERACTIES_BRONORGANISATIE = env_str(
    "KLANTINTERACTIES_BRONORGANISATIE", MIJN_GEGEVENS_BRONORGANISATIE or "000000000"
)
# the organisation's name on every page ("Klantgegevens – Gemeente Zeist"), and the names of
# bronorganisaties (RSIN=naam, comma-separated) in the admin's filter and lists
KLANTEN_ORGANISATIE_NAAM = env_str("ORGANIZATION_NAME", "")
KLANTEN_BRONORGANISATIE_NAMEN = dict(
    item.split("=", 1) for item in env_list("BRONORGANISATIE_NAMES", []) if "=" in item
)
MIJN_GEGEVENS_SESSIE_INACTIEF_MINUTEN = env_int("MIJN_GEGEVENS_SESSION_IDLE_MINUTES", 15)
MIJN_GEGEVENS_SESSIE_MAX_MINUTEN = env_int("MIJN_GEGEVENS_SESSION_MAX_MINUTES", 60)
SETUP_CONFIGURATION_STEPS += [
    "mozilla_django_oidc_db.setup_configuration.steps.AdminOIDCConfigurationStep",
    "klanten.mijn.setup_configuration.MijnGegevensOIDCConfigurationStep",
]

# --- Retention (contract section 4, docs/background.md) ---------------------------------------
# R1: a non-validated klant whose interactions give no destruction date is kept this many days
# (counted from the registration of the context); one without any interaction this many days.
KLANTEN_BEWAARTERMIJN_DAGEN = env_int("RETENTION_PERIOD_DAYS", 365)
KLANTEN_RESPIJT_ZONDER_INTERACTIE_DAGEN = env_int("RETENTION_GRACE_DAYS", 30)
if KLANTEN_BEWAARTERMIJN_DAGEN < 1 or KLANTEN_RESPIJT_ZONDER_INTERACTIE_DAGEN < 0:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "RETENTION_PERIOD_DAYS must be at least 1 and RETENTION_GRACE_DAYS at least 0"
    )
# R2: the daily destruction task (Celery beat); off: the schedule runs but destroys nothing
KLANTEN_VERNIETIGING_AAN = env_bool("RETENTION_ENABLED", True)
KLANTEN_VERNIETIGING_BATCH = env_int("RETENTION_BATCH_SIZE", 200)
_RETENTION_RUN_TIME = env_str("RETENTION_RUN_TIME", "02:30")
try:
    _run_hour, _run_minute = (int(part) for part in _RETENTION_RUN_TIME.split(":"))
    if not (0 <= _run_hour <= 23 and 0 <= _run_minute <= 59):
        raise ValueError
except ValueError:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"RETENTION_RUN_TIME must be HH:MM (24 hours), got {_RETENTION_RUN_TIME!r}"
    ) from None

# The periodic tasks, defined in code (not django-celery-beat): they are part of the product,
# versioned and reviewed with it, and beat needs no database tables or admin (docs/background.md).
CELERY_BEAT_SCHEDULE = {
    "vernietig-klanten": {
        "task": "klanten.background.tasks.vernietig_klanten",
        "schedule": crontab(hour=_run_hour, minute=_run_minute),
    },
    "verstuur-notificaties": {
        "task": "klanten.background.tasks.verstuur_notificaties",
        "schedule": NOTIFICATIONS_OUTBOX_INTERVAL,
        # a run missed while the broker was down is not worth queueing up
        "options": {"expires": NOTIFICATIONS_OUTBOX_INTERVAL},
    },
    "ruim-notificaties-op": {
        "task": "klanten.background.tasks.ruim_notificaties_op",
        "schedule": crontab(hour=_run_hour, minute=(_run_minute + 15) % 60),
    },
}
