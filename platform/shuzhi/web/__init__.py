"""The portal shell: layout, navigation, static files, sign-in, error pages.

Rooms add their pages as blueprints and their menu entries through
:mod:`shuzhi.web.nav`; the layout (``web/base.html``) gives every page the
header, tenant switcher, language switch and sign-out.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import get_locale

from shuzhi.auth import Unauthenticated
from shuzhi.web import nav
from shuzhi.web.errors import handle_unauthenticated
from shuzhi.web.labels import role_label
from shuzhi.web.views import bp, tenant_home, user_tenants


def _fill_tenant(endpoint: str, values: dict[str, Any]) -> None:
    """url_for() inside a tenant's page needs no ``tenant=``: it is the current one."""
    tenant = g.get("tenant")
    if tenant is not None and "tenant" not in values:
        from flask import current_app

        if current_app.url_map.is_endpoint_expecting(endpoint, "tenant"):
            values["tenant"] = tenant.slug


def _shell_context() -> dict[str, Any]:
    def tenant_choices() -> list[Any]:
        user = g.get("user")
        return user_tenants(user) if user is not None else []

    return {
        "nav_items": nav.items_for_current_user,
        "tenant_choices": tenant_choices,
        "current_locale": lambda: str(get_locale() or "zh"),
        "tenant_home": tenant_home,
    }


def init_web(app: Flask) -> None:
    from shuzhi.accounts.views import bp as accounts_bp
    from shuzhi.accounts.views import members_bp
    from shuzhi.audit.views import bp as audit_bp
    from shuzhi.auth.permissions import template_can
    from shuzhi.auth.token_views import bp as tokens_bp
    from shuzhi.cycles.dashboards import bp as cycles_dash_bp
    from shuzhi.cycles.prework_views import bp as cycles_prework_bp
    from shuzhi.cycles.views import bp as cycles_bp
    from shuzhi.exports.views import bp as exports_bp
    from shuzhi.meetings.views import bp as meetings_bp
    from shuzhi.meetings.views import static_bp as meetings_static_bp
    from shuzhi.orgs.views import bp as orgs_bp
    from shuzhi.policy.views import bp as policy_bp
    from shuzhi.rectification.views import bp as rectification_bp
    from shuzhi.reports.editor import bp as report_editor_bp
    from shuzhi.reports.review import bp as report_review_bp
    from shuzhi.reports.review import files_bp as report_files_bp

    app.register_blueprint(bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(policy_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(cycles_bp)
    app.register_blueprint(cycles_dash_bp)
    app.register_blueprint(cycles_prework_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(meetings_static_bp)
    app.register_blueprint(report_review_bp)
    app.register_blueprint(report_files_bp)
    app.register_blueprint(report_editor_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(rectification_bp)
    app.add_template_global(template_can, "can")
    app.url_defaults(_fill_tenant)
    app.context_processor(_shell_context)
    app.add_template_filter(role_label, "role_label")
    app.register_error_handler(Unauthenticated, handle_unauthenticated)
