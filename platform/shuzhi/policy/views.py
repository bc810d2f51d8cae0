"""The policy page: the plan's clauses, its rules with their figures, lint results,
and the tenant's overrides (tenant admins edit them; everyone may read)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from shuzhi.audit.service import record
from shuzhi.auth import READERS
from shuzhi.auth.permissions import Perm, can, current_principal, require
from shuzhi.db import db
from shuzhi.errors import NotFound
from shuzhi.plugins import hooks
from shuzhi.policy.describe import CLAUSE_KIND_LABELS, describe_rule
from shuzhi.policy.lint import lint
from shuzhi.policy.model import Policy
from shuzhi.policy.params import ParamError, resolve, show
from shuzhi.tenancy import service as tenancy_service
from shuzhi.web import nav

bp = Blueprint("policy_portal", __name__, url_prefix="/t/<tenant>", template_folder="templates")

nav.register(
    nav.NavItem("policy_portal.page", _l("述职方案"), tuple(READERS), 30, ("policy_portal.show_policy",))
)


def _policy(name: str) -> Policy:
    policy = hooks.policy(name)
    if policy is None:
        raise NotFound(_("没有名为 %(name)s 的方案。", name=name))
    return policy


def _page(
    policy: Policy,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    lint_overrides: dict[str, Any] | None = None,
) -> str:
    tenant = g.tenant
    adopted = tenant.policy_name == policy.name
    overrides = dict(tenant.policy_choices or {}) if adopted else {}
    try:
        params = resolve(policy, lint_overrides if lint_overrides is not None else overrides)
    except ParamError:
        params = resolve(policy)
    result = lint(policy, params, overridden=(lint_overrides or overrides).keys())
    rules_by_clause: dict[str, list[tuple[str, str]]] = {}
    for rule in policy.rules:
        rules_by_clause.setdefault(rule.id, []).append(
            (describe_rule(rule, policy, params), rule.severity.value)
        )
    return render_template(
        "policy/page.html",
        policy=policy,
        adopted=adopted,
        params=params,
        overrides=overrides,
        typed=typed or {},
        errors=errors or {},
        lint=result,
        rules_by_clause=rules_by_clause,
        kind_labels=CLAUSE_KIND_LABELS,
        show=show,
        policies=hooks.policies(),
        can_edit=can(current_principal(), Perm.POLICY_MANAGE, g.tenant),
    )


@bp.get("/policy")
@require(Perm.TENANT_READ)
def page(tenant: str) -> Any:
    """The tenant's adopted policy, or the list to choose from."""
    if not g.tenant.policy_name or hooks.policy(g.tenant.policy_name) is None:
        return render_template(
            "policy/choose.html", policies=hooks.policies(), can_edit=can(current_principal(), Perm.POLICY_MANAGE, g.tenant)
        )
    return _page(_policy(g.tenant.policy_name))


@bp.get("/policy/<name>")
@require(Perm.TENANT_READ)
def show_policy(tenant: str, name: str) -> str:
    """Any loaded policy, to read or compare before adopting it."""
    return _page(_policy(name))


@bp.post("/policy/overrides")
@require(Perm.POLICY_MANAGE)
def save_overrides(tenant: str) -> Any:
    """Save the tenant's parameter overrides after validating bounds and satisfiability."""
    policy = _policy(g.tenant.policy_name)
    typed = {p.name: request.form.get(p.name, "").strip() for p in policy.params if p.overridable}
    # Only values that differ from the plan's default are overrides; an empty field means "the plan's value".
    chosen = {k: v for k, v in typed.items() if v != "" and v != show(policy.param(k).default)}
    try:
        params = resolve(policy, chosen)
    except ParamError as exc:
        return _page(policy, typed=typed, errors=exc.errors), 422
    result = lint(policy, params, overridden=chosen.keys())
    bad = [c for c in result.contradictions if any("[" in s for s in c.clauses) and not c.known]
    if bad:
        errors = {"_form": _("这些参数会让方案无法满足：%(why)s", why=bad[0].message)}
        return _page(policy, typed=typed, errors=errors, lint_overrides=chosen), 422
    before = dict(g.tenant.policy_choices or {})
    tenancy_service.update_tenant(db.session, g.tenant, policy_choices=chosen)
    record(
        db.session,
        "policy.overrides",
        target_type="tenants",
        target_id=g.tenant.id,
        summary=_("修改方案参数：%(name)s", name=policy.name),
        before=before,
        after=chosen,
    )
    db.session.commit()
    return redirect(url_for("policy_portal.page", saved=1))


@bp.post("/policy/adopt")
@require(Perm.POLICY_MANAGE)
def adopt(tenant: str) -> Response:
    """Adopt a policy for the tenant's next campaigns (overrides start empty)."""
    policy = _policy(request.form.get("policy", ""))
    before = {"policy": g.tenant.policy_name, "overrides": dict(g.tenant.policy_choices or {})}
    tenancy_service.update_tenant(db.session, g.tenant, policy_name=policy.name, policy_choices={})
    record(
        db.session,
        "policy.adopt",
        target_type="tenants",
        target_id=g.tenant.id,
        summary=_("采用方案：%(title)s", title=policy.title),
        before=before,
        after={"policy": policy.name},
    )
    db.session.commit()
    return redirect(url_for("policy_portal.page"))
