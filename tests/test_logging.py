"""Structured logs: JSON lines, the request id, and no identifiers (BSN, RSIN, KvK, e-mail,
phone, names) in any of them, the access logs of query strings included."""

import io
import json
import logging
import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
import structlog
from django.test import Client, RequestFactory

from klanten.conf.logging import (
    REDACTED,
    make_formatter,
    redact_query_string,
    redact_text,
    redact_value,
)

from .conftest import BASE

BSN = "111222333"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"GET /klanten?subjectNatuurlijkPersoon__inpBsn={BSN}", BSN),
        ("rsin 002220647 klopt niet", "002220647"),
        ("kvk-nummer: 12345678", "12345678"),
        ("vestiging 000012345678", "000012345678"),
        ("mail jan.jansen@example.nl please", "jan.jansen@example.nl"),
        ("mail jan.jansen%40example.nl", "jan.jansen%40example.nl"),
        ("bel 06-12345678", "06-12345678"),
        ("bel 0612345678", "0612345678"),
        ("bel +31 6 12345678", "+31 6 12345678"),
        ("bel 020 123 4567", "020 123 4567"),
        ("/klanten?geslachtsnaam=Jansen&voornamen=Jan", "Jansen"),
        ("/klanten?voornamen=Jan%20Piet&page=2", "Jan%20Piet"),
        (f"/klanten?inpBsn%3D{BSN}", BSN),
        (f"Key (bsn)=({BSN}) already exists.", BSN),
        ("GET /mijn-gegevens/bevestigen/Zm9vYmFyLXRva2VuLTEyMw HTTP/1.1", "Zm9vYmFyLXRva2VuLTEyMw"),
    ],
)
def test_redact_text(text, secret):
    redacted = redact_text(text)
    assert secret not in redacted
    assert REDACTED in redacted


@pytest.mark.parametrize(
    "text",
    [
        "/klanten/api/v1/klanten/3f2a0b1c-1234-4abc-8def-123456789012",
        "request_id=9d5ed678-fe57-4cca-b0a8-24d2e2a1b2c3",
        "duration 12.5 ms, status 200, port 5432",
        "/klanten/api/v1/klanten?page=2&subjectType=vestiging&gevalideerd=true",
    ],
)
def test_redaction_keeps_what_identifies_nobody(text):
    assert redact_text(text) == text


def test_redact_query_string():
    assert redact_query_string(f"subjectNatuurlijkPersoon__inpBsn={BSN}&page=3") == (
        f"subjectNatuurlijkPersoon__inpBsn={REDACTED}&page=3"
    )
    assert redact_query_string("") == ""


def test_redact_structured_values():
    value = {
        "subjectIdentificatie": {"inpBsn": BSN},
        "emailadres": "a@example.nl",
        "geslachtsnaam": "Jansen",
        "klantnummer": "K-1",
        "count": 3,
        "numbers": [BSN, 123456789],
        "nested": {"telefoonnummer": "0612345678", "status": "ok"},
    }
    redacted = redact_value(value)
    text = json.dumps(redacted)
    for secret in (BSN, "123456789", "a@example.nl", "Jansen", "0612345678"):
        assert secret not in text
    assert redacted["klantnummer"] == "K-1"
    assert redacted["count"] == 3
    assert redacted["nested"]["status"] == "ok"


def _capture(logger_name: str, log_format: str = "json"):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(make_formatter(log_format))
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    return stream, lambda: logger.removeHandler(handler)


def test_structlog_events_are_json_with_request_id_and_redacted():
    stream, done = _capture("klanten.test")
    try:
        structlog.contextvars.bind_contextvars(request_id="req-12345678")
        structlog.get_logger("klanten.test").warning(
            "klant %s niet gevonden", BSN, inp_bsn=BSN, emailadres="a@example.nl", klant="K-1"
        )
    finally:
        structlog.contextvars.clear_contextvars()
        done()
    line = json.loads(stream.getvalue())
    assert line["event"] == f"klant {REDACTED} niet gevonden"
    assert line["inp_bsn"] == REDACTED
    assert line["emailadres"] == REDACTED
    assert line["klant"] == "K-1"
    assert line["request_id"] == "req-12345678"
    assert line["level"] == "warning"
    assert line["logger"] == "klanten.test"
    assert "timestamp" in line


def test_standard_library_records_are_redacted_too():
    stream, done = _capture("klanten.stdlib")
    try:
        try:
            raise ValueError(f"duplicate bsn {BSN}")
        except ValueError:
            logging.getLogger("klanten.stdlib").exception(
                "failed for %s", "jan@example.nl", extra={"telefoon": "0612345678"}
            )
    finally:
        done()
    output = stream.getvalue()
    line = json.loads(output)
    assert line["event"] == f"failed for {REDACTED}"
    assert line["telefoon"] == REDACTED
    assert "ValueError" in line["exception"]
    for secret in (BSN, "jan@example.nl", "0612345678"):
        assert secret not in output


def test_django_request_log_has_no_query_string():
    """django.request passes the request in ``extra``; its repr has the full path."""
    stream, done = _capture("django.request")
    request = RequestFactory().get(f"/klanten/api/v1/klanten?inpBsn={BSN}&geslachtsnaam=Jansen")
    try:
        logging.getLogger("django.request").warning(
            "Not Found: %s", request.path, extra={"status_code": 404, "request": request}
        )
    finally:
        done()
    line = json.loads(stream.getvalue())
    assert line["request"] == "GET /klanten/api/v1/klanten"
    assert BSN not in stream.getvalue() and "Jansen" not in stream.getvalue()


def test_console_format_is_redacted_too():
    stream, done = _capture("klanten.console", "console")
    try:
        logging.getLogger("klanten.console").info("zoek %s", f"?inpBsn={BSN}")
    finally:
        done()
    assert BSN not in stream.getvalue()
    assert REDACTED in stream.getvalue()


def test_request_log_of_django(db, settings, caplog):
    settings.LOG_REQUESTS = True
    with caplog.at_level(logging.INFO, logger="klanten.request"):
        response = Client().get(
            f"{BASE}/klanten", {"subjectNatuurlijkPersoon__inpBsn": BSN, "page": "2"}
        )
    records = [r for r in caplog.records if r.name == "klanten.request"]
    assert len(records) == 1
    event = records[0].msg  # structlog's event dict
    assert event["route"] == "klant-list"
    assert event["query"] == f"subjectNatuurlijkPersoon__inpBsn={REDACTED}&page=2"
    assert event["status"] == response.status_code
    assert event["request_id"] == response["X-Request-ID"]


def test_nothing_bound_while_handling_a_request_outlives_it(db):
    # a refused request: vng-api-common's exception handler binds an exception_id too
    response = Client().get(f"{BASE}/klanten", HTTP_X_REQUEST_ID="req-0123456789")
    assert response.status_code == 403
    assert response["X-Request-ID"] == "req-0123456789"
    # a worker thread's next request inherits none of it
    assert structlog.contextvars.get_contextvars() == {}


def test_gunicorn_access_log_line():
    from gunicorn.config import Config

    from klanten.conf.gunicorn import StructuredLogger

    config = Config()
    config.set("accesslog", "-")
    logger = StructuredLogger(config)
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        if getattr(handler, "_gunicorn", False):  # not pytest's capturing handlers
            handler.setStream(stream)
    response = SimpleNamespace(
        status="200 OK", headers=[("X-Request-ID", "req-abcdef12")], sent=123
    )
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/klanten/api/v1/klanten",
        "QUERY_STRING": f"subjectNatuurlijkPersoon__inpBsn={BSN}&emailadres=a%40example.nl",
        "REMOTE_ADDR": "10.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": "curl/8",
    }
    logger.access(response, None, environ, timedelta(milliseconds=12))
    line = json.loads(stream.getvalue())
    assert line["logger"] == "gunicorn.access"
    assert line["status"] == 200
    assert line["request_id"] == "req-abcdef12"
    assert line["query"] == (f"subjectNatuurlijkPersoon__inpBsn={REDACTED}&emailadres={REDACTED}")
    assert line["duration_ms"] == 12.0
    assert BSN not in stream.getvalue()


# --- no value a client sent (issue 11, item 9) ---------------------------------------------
NAME = "Xanthippe"
OTHER_NAME = "Quisquilia"


def test_unknown_query_parameter_names_and_unsafe_values_are_redacted():
    query = f"{NAME}=1&subjectType={OTHER_NAME}&page={NAME}&subject_type=vestiging&page=2&flag"
    assert redact_query_string(query) == (
        f"{REDACTED}={REDACTED}&subjectType={REDACTED}&page={REDACTED}"
        f"&subject_type=vestiging&page=2&{REDACTED}={REDACTED}"
    )


def test_every_filter_of_the_api_is_a_known_query_parameter():
    from klanten.api.filters import KlantFilter
    from klanten.conf.logging import KNOWN_QUERY_PARAMETERS

    for name in [*KlantFilter.base_filters, "page"]:
        assert redact_query_string(f"{name}=x") == f"{name}={REDACTED}", name
        assert name.lower().replace("_", "") in KNOWN_QUERY_PARAMETERS


def test_redact_path_keeps_only_the_words_of_the_routes(db):
    from klanten.conf.logging import redact_path

    uuid = "3f2a0b1c-1234-4abc-8def-123456789012"
    assert redact_path(f"/klanten/api/v1/klanten/{uuid}/audittrail") == (
        f"/klanten/api/v1/klanten/{uuid}/audittrail"
    )
    assert redact_path(f"/klanten/api/v1/klanten/{NAME}") == f"/klanten/api/v1/klanten/{REDACTED}"
    assert redact_path(f"/{NAME}/{OTHER_NAME}.html") == f"/{REDACTED}/{REDACTED}"
    assert redact_path("/admin/datamodel/klant/12/change/") == "/admin/datamodel/klant/12/change/"
    assert redact_path("/static/admin/css/base.css") == "/static/admin/css/base.css"
    assert redact_path(f"/static/admin/css/{NAME}.css") == f"/static/admin/css/{REDACTED}"


@pytest.fixture
def json_log():
    """What the root logger's handler would write (the JSON formatter), as parsed lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(make_formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_api_errors_are_logged_once_without_the_values_sent(api, json_log):
    responses = [
        api.get(f"{BASE}/klanten", {"subjectType": f"{NAME} {OTHER_NAME}", "page": "1"}),
        api.get(f"{BASE}/klanten", {NAME: "1"}),
        api.get(f"{BASE}/klanten/{NAME}"),
        api.post_json(f"{BASE}/klanten", {"bronorganisatie": "002220647", "subjectType": NAME}),
        api.patch_json(f"{BASE}/klanten/{NAME}", {"voornaam": OTHER_NAME}),
    ]
    assert [r.status_code for r in responses] == [400, 400, 404, 400, 404]
    lines = json_log()
    text = json.dumps(lines)
    assert NAME not in text and OTHER_NAME not in text, text
    # each refused request once (the API's line with its code), not also by django.request
    handled = [line for line in lines if line["event"] == "api.handled_exception"]
    assert [line["status"] for line in handled] == [400, 400, 404, 400, 404]
    assert not [line for line in lines if line["logger"] == "django.request"]
    assert handled[0]["invalid_params"] == [{"name": "subjectType", "code": "invalid_choice"}]
    assert handled[1]["invalid_params"] == [
        {"name": "non_field_errors", "code": "unknown-parameters"}
    ]


def test_a_404_outside_the_api_is_logged_once_with_the_path_redacted(client, json_log):
    assert client.get(f"/{NAME}/{BSN}").status_code == 404
    lines = json_log()
    assert len(lines) == 1
    assert lines[0]["logger"] == "django.request"
    assert lines[0]["event"] == f"Not Found: /{REDACTED}/{REDACTED}"
    assert lines[0]["request"] == f"GET /{REDACTED}/{REDACTED}"
    assert NAME not in json.dumps(lines)


def test_gunicorn_error_lines_do_not_echo_the_request():
    stream, done = _capture("gunicorn.error")
    logger = logging.getLogger("gunicorn.error")
    try:
        logger.warning(
            f"Invalid request from ip=10.0.0.1: Invalid HTTP request line: 'GET /{NAME}?x={BSN}'"
        )
        logger.error("Error handling request %s %s", "GET", f"/klanten/{NAME}?page=2&inpBsn={BSN}")
    finally:
        done()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["event"] == "Invalid request from ip=10.0.0.1: Invalid HTTP request line"
    assert lines[1]["event"] == (
        f"Error handling request GET /klanten/{REDACTED}?page=2&{REDACTED}={REDACTED}"
    )


def test_a_record_formatted_by_another_handler_first_is_still_redacted():
    """pytest's handler (or any plain formatter) leaves ``record.message`` behind."""
    stream, done = _capture("django.request")
    logger = logging.getLogger("django.request")
    plain = logging.StreamHandler(io.StringIO())
    logger.handlers.insert(0, plain)
    try:
        logger.warning("Not Found: %s", f"/{NAME}", extra={"status_code": 404})
    finally:
        logger.removeHandler(plain)
        done()
    assert NAME not in stream.getvalue()


@pytest.mark.django_db(transaction=True)
def test_development_server_logs(tmp_path):
    """bin/run's server (runserver with DEBUG): its request lines and Django's own lines
    carry no value sent, and each refused request is logged once beside its request line."""
    from klanten.config.clients import APIClient, save_api_client

    from .conftest import SECRET, make_token
    from .processes import Process, clean_env, database_env, free_port, http

    save_api_client(
        APIClient(client_id="dev", secret=SECRET, label="Dev", heeft_alle_autorisaties=True)
    )
    port = free_port()
    env = clean_env(DEBUG="true", **database_env())
    server = Process(
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--skip-checks",
            f"127.0.0.1:{port}",
        ],
        env,
        tmp_path / "runserver.log",
        port,
    )
    try:
        server.wait_until_listening()
        base = f"{server.base}{BASE}"
        auth = {"Authorization": f"Bearer {make_token('dev')}"}
        statuses = [
            http("GET", f"{base}/klanten/{NAME}?subjectNatuurlijkPersoon__inpBsn={BSN}")[0],
            http("GET", f"{base}/klanten?subjectType={OTHER_NAME}&{NAME}=1", auth)[0],
            http("GET", f"{server.base}/{NAME}/jan.jansen@example.nl")[0],
            http("GET", f"{base}/klanten?subjectNatuurlijkPersoon__inpBsn={BSN}", auth)[0],
        ]
        server.wait_for_output(lambda text: text.count("HTTP/1.1") >= 4)
    finally:
        output = server.stop()
    assert statuses == [403, 400, 404, 200], output
    for secret in (NAME, OTHER_NAME, BSN, "jan.jansen"):
        assert secret not in output, [line for line in output.splitlines() if secret in line]
    request_lines = [line for line in output.splitlines() if "HTTP/1.1" in line]
    assert len(request_lines) == 4, output
    assert (
        f'"GET /klanten/api/v1/klanten/{REDACTED}?subjectNatuurlijkPersoon__inpBsn='
        in (request_lines[0])
    )
    assert "[redacted]=[redacted]" in request_lines[1]
    others = [line for line in output.splitlines() if "HTTP/1.1" not in line]
    refused = [line for line in others if "api.handled_exception" in line or "Not Found" in line]
    assert len(refused) == 3, output
    assert "Forbidden" not in output and "Bad Request" not in output
    assert "incomplete_serializer_mapping" not in output
