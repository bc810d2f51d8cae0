from __future__ import annotations

import pytest

from shuzhi.plugins import hooks


@pytest.fixture(autouse=True, scope="module")
def _all_plugins_loaded() -> None:
    """The shipped plugins, none blocked (another test module may have left a block list)."""
    hooks.load()
