"""docs/api-usage.md's examples run as written (section 3, in order: create, read, list,
update, audit trail, delete), with its token snippet saved as make_token.py and run with
.venv/bin/python, against a live server in place of bin/run's, with the demo client's secret in
var/demo-secret, as bin/run leaves them."""

import re
import shutil
import subprocess
from pathlib import Path

from klanten.config.clients import APIClient, save_api_client

from .processes import ROOT, VENV_BIN

DOC = ROOT / "docs" / "api-usage.md"
DEMO_SECRET = "demo-secret-of-bin-run-at-least-32-bytes-long"


def _doc_parts() -> tuple[str, list[str]]:
    doc = DOC.read_text()
    snippet = re.search(r"saved as `make_token.py`:\n\n```python\n(.*?)```", doc, re.S)
    calls = doc[doc.index("## 3. Calls") : doc.index("## Generated clients")]
    return snippet.group(1), re.findall(r"```sh\n(.*?)```", calls, re.S)


def test_the_api_usage_examples_run_as_written(live_server, transactional_db, tmp_path):
    assert shutil.which("curl"), "the examples use curl"
    save_api_client(
        APIClient(
            client_id="klanten-demo",
            secret=DEMO_SECRET,
            label="Klanten demo (bin/run)",
            heeft_alle_autorisaties=True,
        )
    )
    # a checkout as bin/run leaves it: .venv/bin/python, var/demo-secret
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
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout.replace("==== ", "\n==== ")
    parts = dict(re.findall(r"==== (\d+)\n(.*?)(?=\n==== |\Z)", output, re.S))
    assert parts["1"].startswith("201\n"), parts["1"]  # create
    assert '"voornaam":"Jan"' in parts["2"]  # read
    assert parts["3"].count('{"count":1') == 3  # the three lists
    assert '"telefoonnummer":"0201234567"' in parts["4"]  # PATCH
    assert '"emailadres":"j.jansen@example.nl"' in parts["5"]  # PUT
    assert '"actie":"update"' in parts["6"]  # audit trail
    assert parts["7"].strip() == "204"  # delete
    assert '"status":4' not in output and '"status":5' not in output
    assert Path(tmp_path / "klant.json").exists()
