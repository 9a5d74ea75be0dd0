from .conftest import BASE, RSIN


def test_create_and_read_natuurlijk_persoon(api):
    response = api.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": "111222333"},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == body["url"]
    read = api.get(body["url"])
    assert read.status_code == 200
    assert read.json() == body
