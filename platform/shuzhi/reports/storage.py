"""Where attachment bytes live: one small interface, a local folder by default.

Keys are made by the platform (``t<tenant>/r<report>/<random>``), never taken
from a file name, so an upload cannot choose where it lands. Production may
put an S3-compatible store behind the same three methods
(``app.extensions["shuzhi_storage"]``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Protocol

from flask import current_app


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files under a folder (the instance path's ``attachments/`` by default)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):  # a key is ours, but never trust a path
            raise ValueError(f"storage key outside the store: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # a reader never sees half a file

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def storage() -> Storage:
    found = current_app.extensions.get("shuzhi_storage")
    if found is None:
        found = LocalStorage(Path(current_app.instance_path) / "attachments")
        current_app.extensions["shuzhi_storage"] = found
    return found  # type: ignore[no-any-return]


def new_key(tenant_id: int, report_id: int) -> str:
    return f"t{int(tenant_id)}/r{int(report_id)}/{secrets.token_hex(16)}"
