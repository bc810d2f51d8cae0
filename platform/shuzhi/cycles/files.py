"""Where the pre-meeting work's files live (comment material, filed plans).

The bytes are kept outside the database rows (the audit trail records every
column of a changed row): under the instance folder's ``cycles-files/`` by
default, or in the platform's storage backend when one is configured
(``app.extensions["shuzhi_storage"]``, the reports room's interface: put/get).
Keys are made here (``t<tenant>/<random>``), never from a file name.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import current_app


class _Folder:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"key outside the store: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()


def _store() -> Any:
    found = current_app.extensions.get("shuzhi_storage")
    return found if found is not None else _Folder(Path(current_app.instance_path) / "cycles-files")


def put(tenant_id: int, data: bytes) -> str:
    key = f"t{tenant_id}/cycles/{secrets.token_hex(16)}"
    _store().put(key, data)
    return key


def get(key: str) -> bytes:
    return bytes(_store().get(key))
