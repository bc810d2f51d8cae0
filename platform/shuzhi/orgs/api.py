"""REST API for the org tree, people, posts and reporting relations (URLs only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from shuzhi.api import Api
from shuzhi.auth.permissions import Perm, require
from shuzhi.db import db
from shuzhi.orgs import imports, service
from shuzhi.orgs.models import Org
from shuzhi.orgs.schemas import (
    ImportResultSchema,
    OnDateQuerySchema,
    OrgBriefSchema,
    OrgMoveSchema,
    OrgSchema,
    OrgTreeSchema,
    OrgUpdateSchema,
    PersonSchema,
    PostQuerySchema,
    PostSchema,
    RelationSchema,
    ReporterLevelsSchema,
    SubtreeQuerySchema,
    TenureQuerySchema,
    TenureSchema,
)

blp = Blueprint(
    "orgs",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>",
    description="组织树、人员任职与述职关系",
)


def _tree(nodes: list[service.TreeNode]) -> list[dict[str, Any]]:
    return [
        {
            "id": n.org.id,
            "code": n.org.code,
            "name": n.org.name,
            "kind": n.org.kind,
            "depth": n.org.depth,
            "children": _tree(n.children),
        }
        for n in nodes
    ]


@blp.route("/orgs")
class Orgs(MethodView):
    @require(Perm.ORGS_READ)
    @blp.response(200, OrgSchema(many=True))
    def get(self, tenant: str) -> list[Org]:
        """All orgs of the tenant, in tree order."""
        return list(db.session.scalars(db.select(Org).order_by(Org.path)))

    @require(Perm.ORGS_WRITE)
    @blp.arguments(OrgSchema)
    @blp.response(201, OrgSchema)
    def post(self, data: dict[str, Any], tenant: str) -> Org:
        """Create an org (under ``parent_id``, or as a root)."""
        org = service.create_org(db.session, **data)
        db.session.commit()
        return org


@blp.route("/orgs/tree")
class OrgTree(MethodView):
    @require(Perm.ORGS_READ)
    @blp.response(200, OrgTreeSchema(many=True))
    def get(self, tenant: str) -> list[dict[str, Any]]:
        """The whole tree, nested."""
        return _tree(service.build_tree(db.session.scalars(db.select(Org))))


@blp.route("/orgs/<int:org_id>")
class OrgItem(MethodView):
    @require(Perm.ORGS_READ)
    @blp.response(200, OrgSchema)
    def get(self, tenant: str, org_id: int) -> Org:
        return service.get_org(db.session, org_id)

    @require(Perm.ORGS_WRITE)
    @blp.arguments(OrgUpdateSchema)
    @blp.response(200, OrgSchema)
    def patch(self, data: dict[str, Any], tenant: str, org_id: int) -> Org:
        org = service.update_org(db.session, service.get_org(db.session, org_id), **data)
        db.session.commit()
        return org

    @require(Perm.ORGS_WRITE)
    @blp.response(204)
    def delete(self, tenant: str, org_id: int) -> None:
        service.delete_org(db.session, service.get_org(db.session, org_id))
        db.session.commit()


@blp.route("/orgs/<int:org_id>/subtree")
class OrgSubtree(MethodView):
    @require(Perm.ORGS_READ)
    @blp.arguments(SubtreeQuerySchema, location="query")
    @blp.response(200, OrgTreeSchema(many=True))
    def get(self, args: dict[str, Any], tenant: str, org_id: int) -> list[dict[str, Any]]:
        """The org and everything under it (optionally only ``max_depth`` levels)."""
        org = service.get_org(db.session, org_id)
        return _tree(service.build_tree(service.subtree(db.session, org, max_depth=args["max_depth"])))


@blp.route("/orgs/<int:org_id>/ancestors")
class OrgAncestors(MethodView):
    @require(Perm.ORGS_READ)
    @blp.response(200, OrgBriefSchema(many=True))
    def get(self, tenant: str, org_id: int) -> list[Org]:
        """From the root down to the org's parent."""
        return service.ancestors(db.session, service.get_org(db.session, org_id))


@blp.route("/orgs/<int:org_id>/move")
class OrgMove(MethodView):
    @require(Perm.ORGS_WRITE)
    @blp.arguments(OrgMoveSchema)
    @blp.response(200, OrgSchema)
    def post(self, data: dict[str, Any], tenant: str, org_id: int) -> Org:
        """Move the org with its whole subtree under ``parent_id`` (null: make it a root)."""
        org = service.move_org(db.session, service.get_org(db.session, org_id), data["parent_id"])
        db.session.commit()
        return org


@blp.route("/orgs/<int:org_id>/reporters")
class OrgReporters(MethodView):
    @require(Perm.ORGS_READ)
    @blp.arguments(OnDateQuerySchema, location="query")
    @blp.response(200, ReporterLevelsSchema)
    def get(self, args: dict[str, Any], tenant: str, org_id: int) -> dict[str, Any]:
        """Everyone reporting to the org, level by level (level 1 reports to it directly)."""
        org = service.get_org(db.session, org_id)
        return {"levels": service.reporters_by_level(db.session, org, args["on"] or date.today())}


@blp.route("/orgs/<int:org_id>/chain")
class OrgChain(MethodView):
    @require(Perm.ORGS_READ)
    @blp.arguments(OnDateQuerySchema, location="query")
    @blp.response(200, OrgBriefSchema(many=True))
    def get(self, args: dict[str, Any], tenant: str, org_id: int) -> list[Org]:
        """Whom the org reports to, and upward from there."""
        org = service.get_org(db.session, org_id)
        return service.chain_up(db.session, org, args["on"] or date.today())


@blp.route("/people")
class People(MethodView):
    @require(Perm.ORGS_READ)
    @blp.response(200, PersonSchema(many=True))
    def get(self, tenant: str) -> list[Any]:
        from shuzhi.orgs.models import Person

        return list(db.session.scalars(db.select(Person).order_by(Person.code)))

    @require(Perm.ORGS_WRITE)
    @blp.arguments(PersonSchema)
    @blp.response(201, PersonSchema)
    def post(self, data: dict[str, Any], tenant: str) -> Any:
        """Create a person, or rename the one with this code."""
        person = service.upsert_person(db.session, **data)
        db.session.commit()
        return person


@blp.route("/people/<int:person_id>")
class PersonItem(MethodView):
    @require(Perm.ORGS_READ)
    @blp.response(200, PersonSchema)
    def get(self, tenant: str, person_id: int) -> Any:
        return service.get_person(db.session, person_id)


@blp.route("/posts")
class Posts(MethodView):
    @require(Perm.ORGS_READ)
    @blp.arguments(PostQuerySchema, location="query")
    @blp.response(200, PostSchema(many=True))
    def get(self, args: dict[str, Any], tenant: str) -> list[Any]:
        return service.posts_of(db.session, **args)

    @require(Perm.ORGS_WRITE)
    @blp.arguments(PostSchema)
    @blp.response(201, PostSchema)
    def post(self, data: dict[str, Any], tenant: str) -> Any:
        """Record that a person holds a title of an org from a date (to a date)."""
        post = service.create_post(db.session, **data)
        db.session.commit()
        return post


@blp.route("/posts/<int:post_id>/tenure")
class PostTenure(MethodView):
    @require(Perm.ORGS_READ)
    @blp.arguments(TenureQuerySchema, location="query")
    @blp.response(200, TenureSchema)
    def get(self, args: dict[str, Any], tenant: str, post_id: int) -> dict[str, int]:
        """Days in post within a period (SX-01, TJ-05, YZ-02 use it)."""
        post = service.get_post(db.session, post_id)
        return {"post_id": post.id, "days": service.tenure_days(post, args["start"], args["end"])}


@blp.route("/relations")
class Relations(MethodView):
    @require(Perm.ORGS_READ)
    @blp.arguments(OnDateQuerySchema, location="query")
    @blp.response(200, RelationSchema(many=True))
    def get(self, args: dict[str, Any], tenant: str) -> list[Any]:
        """Reporting relations (JX-02), optionally only those valid on a day."""
        return service.relations(db.session, args["on"])

    @require(Perm.ORGS_WRITE)
    @blp.arguments(RelationSchema)
    @blp.response(201, RelationSchema)
    def post(self, data: dict[str, Any], tenant: str) -> Any:
        """Org ``reporter_id`` reports to ``receiver_id`` from ``valid_from``."""
        rel = service.add_relation(db.session, **data)
        db.session.commit()
        return rel


@blp.route("/import")
class Import(MethodView):
    @require(Perm.IMPORT_RUN)
    @blp.response(200, ImportResultSchema)
    @blp.doc(
        requestBody={
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            }
        }
    )
    def post(self, tenant: str) -> dict[str, int]:
        """Import orgs, posts and relations from an .xlsx or .csv: all rows or none."""
        upload = request.files.get("file")
        result = imports.import_upload(db.session, upload)
        db.session.commit()
        return result.counts()


@blp.route("/import/template")
class ImportTemplate(MethodView):
    @require(Perm.ORGS_READ)
    @blp.response(200, content_type=imports.XLSX_MIME)
    def get(self, tenant: str) -> Any:
        """The xlsx template for imports, with one example row per sheet."""
        return send_file(
            imports.template_workbook(),
            mimetype=imports.XLSX_MIME,
            as_attachment=True,
            download_name="组织数据导入模板.xlsx",
        )


def register_api(api: Api) -> None:
    api.register_blueprint(blp)
