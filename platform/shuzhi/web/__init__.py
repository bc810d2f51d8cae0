"""The portal shell: layout, navigation, static files, error pages."""

from __future__ import annotations

from flask import Flask

from shuzhi.web.views import bp


def init_web(app: Flask) -> None:
    app.register_blueprint(bp)
