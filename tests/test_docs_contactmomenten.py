"""docs/contactmomenten.md's example runs as written (a phone call with a non-validated klant,
the klantcontactmoment, the zaak linked through the Zaken API, the promotion, the klantbeeld),
with api-usage.md's token snippet as make_token.py, against a live server in place of bin/run's
and a local stand-in of the Zaken API (configured as a service) in place of Open Zaak."""

import json
import re
import shutil
import subprocess
from pathlib import Path

from zgw_consumers.constants import APITypes, AuthTypes
from zgw_consumers.models import Service

from klanten.config.clients import APIClient, save_api_client

from .processes import ROOT, VENV_BIN
from .test_docs_examples import DEMO_SECRET
from .zaken_stub import ZakenStub

DOC = ROOT / "docs" / "contactmomenten.md"
ZAKEN = "https://openzaak.example.nl/zaken/api/v1"


def _doc_parts() -> tuple[str, list[str]]:
    usage = (ROOT / "docs" / "api-usage.md").read_text()
    snippet = re.search(r"saved as `make_token.py`:\n\n```python\n(.*?)```", usage, re.S)
    doc = DOC.read_text()
    example = doc[doc.index("## An example") : doc.index("## One store")]
    return snippet.group(1), re.findall(r"```sh\n(.*?)```", example, re.S)


def test_the_example_runs_as_written(live_server, transactional_db, tmp_path: Path):
    assert shutil.which("curl"), "the examples use curl"
    save_api_client(
        APIClient(
            client_id="klanten-demo",
            secret=DEMO_SECRET,
            label="Klanten demo (bin/run)",
            heeft_alle_autorisaties=True,
            maximale_rang=2,  # step 5 asserts a DigiD Midden login
        )
    )
    stub = ZakenStub()
    try:
        Service.objects.create(
            label="Open Zaak (stand-in)",
            slug="open-zaak",
            api_type=APITypes.zrc,
            api_root=stub.api_root,
            auth_type=AuthTypes.no_auth,
        )
        (tmp_path / ".venv").symlink_to(VENV_BIN.parent)
        (tmp_path / "var").mkdir()
        (tmp_path / "var" / "demo-secret").write_text(DEMO_SECRET + "\n")
        snippet, blocks = _doc_parts()
        (tmp_path / "make_token.py").write_text(snippet)
        assert len(blocks) == 8
        script = "set -euo pipefail\n" + "\n".join(
            f"echo '==== {i}'\n{block}" for i, block in enumerate(blocks)
        )
        script = script.replace("http://127.0.0.1:8000", live_server.url)
        script = script.replace(ZAKEN, stub.api_root.rstrip("/"))
        result = subprocess.run(
            ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
    finally:
        stub.close()
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout.replace("==== ", "\n==== ")
    parts = dict(re.findall(r"==== (\d+)\n(.*?)(?=\n==== |\Z)", output, re.S))
    assert parts["1"].strip() == "201", parts["1"]  # the klant
    assert parts["2"].strip() == "201", parts["2"]  # the contactmoment
    created, interacties = parts["3"].split("\n", 1)
    assert created == "201", parts["3"]  # the klantcontactmoment, an interaction of the klant
    assert json.loads(interacties)[0]["soort"] == "contactmoment"
    assert parts["4"].strip() == "201", parts["4"]  # Open Zaak's zaakcontactmoment
    assert parts["5"].strip() == "201", parts["5"]  # Open Zaak's objectcontactmoment
    assert parts["6"].strip() == "201", parts["6"]  # the validation (promotion)
    klantbeeld = json.loads(parts["7"])
    (klant,) = klantbeeld["klanten"]
    assert klant["gevalideerd"] is True
    (contactmoment,) = klant["contactmomenten"]
    assert contactmoment["rollen"] == ["gesprekspartner"]
    assert contactmoment["tekst"].startswith("Vraagt naar de status")
    assert [o["objectType"] for o in contactmoment["objecten"]] == ["zaak"]
    assert klant["interacties"][0]["objectUrl"] == contactmoment["url"]
