"""docs/openapi.json is what the code serves (issue 3 item 8).

Regenerate with: ``shuzhi openapi write docs/openapi.json`` (flask-smorest's command).
"""

from __future__ import annotations

import json
from pathlib import Path

from shuzhi.extensions import api

DOC = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def test_openapi_document_is_current(app) -> None:
    with app.app_context():
        live = json.loads(json.dumps(api.spec.to_dict()))
    assert DOC.exists(), "run: shuzhi openapi write docs/openapi.json"
    written = json.loads(DOC.read_text(encoding="utf-8"))
    assert written == live, "docs/openapi.json is stale: run `shuzhi openapi write docs/openapi.json`"


def test_openapi_served(client) -> None:
    r = client.get("/api/openapi.json")
    assert r.status_code == 200 and "/api/v1/tenants/{tenant}/orgs" in r.get_json()["paths"]
