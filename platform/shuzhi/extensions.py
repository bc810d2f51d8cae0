"""Extension instances; ``create_app`` calls their ``init_app``."""

from __future__ import annotations

import contextlib
from typing import Any

import flask_babel
from flask import Flask, g, has_app_context, request
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


def _translations() -> Any:
    """flask_babel's translations for this request, remembered on its own request context
    next to the locale and domain they are for (its ``get_translations`` walks the app
    context four times per string; a page has dozens of strings). A changed locale or
    domain (``force_locale``, ``refresh``) is a different object: looked up afresh."""
    if not has_app_context():
        return flask_babel.get_translations()
    ctx = g.get("_flask_babel")
    if ctx is not None:
        hit = getattr(ctx, "sz_translations", None)
        if (
            hit is not None
            and hit[0] is getattr(ctx, "babel_locale", None)
            and hit[1] is getattr(ctx, "babel_domain", None)
        ):
            return hit[2]
    found = flask_babel.get_translations()
    ctx = g.get("_flask_babel")
    if ctx is not None and getattr(ctx, "babel_locale", None) is not None:
        ctx.sz_translations = (ctx.babel_locale, getattr(ctx, "babel_domain", None), found)
    return found


def install_template_gettext(app: Flask) -> None:
    """The templates' ``_()``, as flask_babel installs it, with the request's translations
    looked up once (:func:`_translations`) instead of once per string."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


def rollback_quietly() -> None:
    with contextlib.suppress(Exception):
        db.session.rollback()


__all__ = ["api", "babel", "db", "rollback_quietly", "select_locale"]
