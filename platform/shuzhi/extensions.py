"""Extension instances; ``create_app`` calls their ``init_app``."""

from __future__ import annotations

import contextlib

from flask import request
from flask_babel import Babel

from shuzhi.api import Api
from shuzhi.db import db

api = Api()
babel = Babel()

LOCALES = ["zh", "en"]


def select_locale() -> str:
    from flask import has_request_context, session

    if not has_request_context():
        return "zh"  # CLI, jobs: Chinese, the default
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    best = request.accept_languages.best_match(["zh", "zh_CN", "zh_Hans", "en"])
    if best and best.startswith("en"):
        return "en"
    return "zh"


def rollback_quietly() -> None:
    with contextlib.suppress(Exception):
        db.session.rollback()


__all__ = ["api", "babel", "db", "rollback_quietly", "select_locale"]
