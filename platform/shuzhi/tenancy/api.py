"""REST API for tenants (platform admins create them; members read their own)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from shuzhi.api import Api
from shuzhi.auth import Unauthenticated, memberships_of, require_platform_admin
from shuzhi.auth.permissions import Perm, require
from shuzhi.db import db
from shuzhi.tenancy import service
from shuzhi.tenancy.models import Tenant
from shuzhi.tenancy.schemas import TenantSchema, TenantUpdateSchema

blp = Blueprint("tenants", __name__, url_prefix="/api/v1/tenants", description="租户（组织部门）")


@blp.route("")
class Tenants(MethodView):
    @blp.response(200, TenantSchema(many=True))
    def get(self) -> list[Tenant]:
        """Tenants the caller belongs to (every tenant for a platform admin)."""
        user = g.get("user")
        if user is None:
            raise Unauthenticated("请先登录。")
        if user.is_platform_admin:
            return list(db.session.scalars(select(Tenant).order_by(Tenant.name)))
        seen: dict[int, Tenant] = {}
        for tenant, _role in memberships_of(user):
            seen.setdefault(tenant.id, tenant)
        return list(seen.values())

    @require_platform_admin
    @blp.arguments(TenantSchema)
    @blp.response(201, TenantSchema)
    def post(self, data: dict[str, Any]) -> Tenant:
        """Onboard a tenant (platform admins only)."""
        tenant = service.create_tenant(db.session, **data)
        db.session.commit()
        return tenant


@blp.route("/<tenant>")
class TenantItem(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, TenantSchema)
    def get(self, tenant: str) -> Tenant:
        return g.tenant

    @require(Perm.TENANT_MANAGE)
    @blp.arguments(TenantUpdateSchema)
    @blp.response(200, TenantSchema)
    def patch(self, data: dict[str, Any], tenant: str) -> Tenant:
        updated = service.update_tenant(db.session, g.tenant, **data)
        db.session.commit()
        return updated


def register_api(api: Api) -> None:
    api.register_blueprint(blp)
