"""Shuzhi (述职): the party-building report and review cycle, as a multi-tenant platform."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from shuzhi.config import Config

__all__ = ["create_app"]


def create_app(config: Config | None = None, **overrides: Any) -> Flask:
    """Build the app: configuration, extensions, plugins, blueprints."""
    cfg = config or Config.from_env(**overrides)
    app = Flask(__name__, instance_path=cfg.INSTANCE_PATH, instance_relative_config=False)
    app.config.from_mapping(cfg.flask_mapping())
    logging.basicConfig(level=logging.INFO)
    if cfg.PROXY_HOPS:
        # Trust X-Forwarded-For/-Proto/-Host from exactly this many proxies in
        # front of us, so rate limits, audit addresses and https links see the
        # client, not the proxy; a forged header from further out is ignored.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = cfg.PROXY_HOPS
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from shuzhi import extensions
    from shuzhi.plugins import hooks

    extensions.db.init_app(app)
    extensions.babel.init_app(app, locale_selector=extensions.select_locale)
    extensions.install_template_gettext(app)
    extensions.api.init_app(app)
    hooks.load(cfg.blocked_plugins)

    from shuzhi import health
    from shuzhi.audit.api import register_api as register_audit_api
    from shuzhi.auth import load_request_context, oidc
    from shuzhi.auth.token_api import register_api as register_token_api
    from shuzhi.cycles.api import register_api as register_cycles_api
    from shuzhi.meetings.api import register_api as register_meetings_api
    from shuzhi.orgs.api import register_api as register_orgs_api
    from shuzhi.rectification.api import register_api as register_rectification_api
    from shuzhi.reports.api import register_api as register_reports_api
    from shuzhi.security import init_security
    from shuzhi.tenancy.api import register_api as register_tenancy_api
    from shuzhi.web import init_web

    app.before_request(load_request_context)
    init_security(app)  # after load_request_context: CSRF needs to know a bearer-token request
    app.register_blueprint(health.bp)
    register_tenancy_api(extensions.api)
    register_orgs_api(extensions.api)
    register_audit_api(extensions.api)
    register_token_api(extensions.api)
    register_cycles_api(extensions.api)
    register_meetings_api(extensions.api)
    register_reports_api(extensions.api)
    register_rectification_api(extensions.api)
    init_web(app)
    oidc.init_app(app)  # single sign-on: /auth/sso/<provider>/…
    return app
