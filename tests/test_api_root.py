"""The API root /klanten/api/v1/ (the address bin/run prints): links to the resources and the
schema, each of which answers."""

import yaml
from django.test import Client

from .conftest import BASE


def test_the_api_root_links_to_the_resources_and_the_schema(api, db):
    response = Client().get(f"{BASE}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["API-version"] == "1.0.0"
    links = response.json()
    assert links == {
        "klanten": f"http://testserver{BASE}/klanten",
        "gevalideerdeKlanten": f"http://testserver{BASE}/gevalideerde-klanten",
        "klantbeeld": f"http://testserver{BASE}/klantbeeld",
        "schema": f"http://testserver{BASE}/schema/openapi.yaml",
        "schemaJson": f"http://testserver{BASE}/schema/openapi.json",
        "documentatie": f"http://testserver{BASE}/schema/",
    }
    path = links["klanten"].removeprefix("http://testserver")
    assert api.get(path).status_code == 200
    for name in ("schema", "schemaJson", "documentatie"):
        assert Client().get(links[name].removeprefix("http://testserver")).status_code == 200


def test_the_api_root_answers_get_and_head_only(db):
    assert Client().head(f"{BASE}/").status_code == 200
    response = Client().post(f"{BASE}/", {}, content_type="application/json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


def test_the_api_root_is_not_in_the_schema(db):
    schema = yaml.safe_load(Client().get(f"{BASE}/schema/openapi.yaml").content)
    assert "/" not in schema["paths"]
