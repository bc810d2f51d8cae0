"""REST API of rectification items: an org's list in a campaign, add, read, change.

URLs only; the service decides who may (:mod:`shuzhi.rectification.service`).
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from shuzhi.api import Api
from shuzhi.auth.permissions import Perm, require
from shuzhi.cycles import access
from shuzhi.db import db
from shuzhi.rectification import service
from shuzhi.rectification.models import ItemStatus, RectificationItem
from shuzhi.rectification.schemas import (
    RectificationItemInSchema,
    RectificationItemPatchSchema,
    RectificationItemSchema,
)

blp = Blueprint(
    "rectification",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="整改清单：问题、责任人、整改措施、时限、状态；上年度未完成的事项带入本年度述职（CO-05）",
)


def present(item: RectificationItem, year: int | None = None) -> dict[str, Any]:
    """An item as the API shows it; ``year``: the campaign's year it is listed for."""
    return {
        "id": item.id,
        "org_id": item.org_id,
        "year": item.year,
        "campaign_id": item.campaign_id,
        "problem": item.problem,
        "responsible": item.responsible,
        "measures": item.measures,
        "deadline": item.deadline,
        "status": item.status,
        "status_label": service.status_label(item.status),
        "source": item.source,
        "source_label": service.source_label(item.source),
        "carried_over": year is not None and item.year == year - 1 and item.status is not ItemStatus.DONE,
        "created_by": item.created_by,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


@blp.route("/campaigns/<int:campaign_id>/orgs/<int:org_id>/rectification")
class OrgItems(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, RectificationItemSchema(many=True))
    def get(self, tenant: str, campaign_id: int, org_id: int) -> list[dict[str, Any]]:
        """The org's items of the campaign's year and of the year before (CO-05: carried over if not done)."""
        campaign, org = service.campaign_and_org(db.session, campaign_id, org_id)
        service.ensure_read(access.current(), org.id)
        return [
            present(i, campaign.year)
            for i in service.items_of(db.session, org.id, (campaign.year, campaign.year - 1))
        ]

    @require(Perm.TENANT_READ)
    @blp.arguments(RectificationItemInSchema)
    @blp.response(201, RectificationItemSchema)
    def post(self, data: dict[str, Any], tenant: str, campaign_id: int, org_id: int) -> dict[str, Any]:
        """Add an item to the org's list: this campaign's year (default) or last year's (SX-12, JX-08).

        An item entered as done (已完成) needs ``rectification.review`` on the org, as closing one does.
        """
        campaign, org = service.campaign_and_org(db.session, campaign_id, org_id)
        item = service.add_for_campaign(db.session, access.current(), campaign, org.id, **data)
        db.session.commit()
        return present(item, campaign.year)


@blp.route("/rectification/<int:item_id>")
class Item(MethodView):
    @require(Perm.TENANT_READ)
    @blp.response(200, RectificationItemSchema)
    def get(self, tenant: str, item_id: int) -> dict[str, Any]:
        item = service.get_item(db.session, item_id)
        service.ensure_read(access.current(), item.org_id)
        return present(item)

    @require(Perm.TENANT_READ)
    @blp.arguments(RectificationItemPatchSchema)
    @blp.response(200, RectificationItemSchema)
    def patch(self, data: dict[str, Any], tenant: str, item_id: int) -> dict[str, Any]:
        """Change an item: its texts, deadline, status (未整改 / 整改中 / 已完成) or source.

        Only ``rectification.review`` on the org (tenant admins, the org's reviewers) sets an item
        done or reopens a done one (SX-12: the superior tracks); the org's secretary gets 403.
        """
        item = service.get_item(db.session, item_id)
        service.update_item(db.session, access.current(), item, **data)
        db.session.commit()
        return present(item)


def register_api(api: Api) -> None:
    api.register_blueprint(blp)
