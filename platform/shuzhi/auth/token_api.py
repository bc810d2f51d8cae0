"""REST API for a tenant's API tokens (URLs only; shuzhi.auth.tokens does the work)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shuzhi.api import Api
from shuzhi.auth import tokens
from shuzhi.auth.permissions import Perm, require
from shuzhi.auth.token_models import ApiToken
from shuzhi.db import db

blp = Blueprint(
    "tokens",
    __name__,
    url_prefix="/api/v1/tenants/<tenant>/tokens",
    description="API 令牌：供其他系统调用本平台接口（由本单位管理员创建）",
)


class TokenSchema(Schema):
    class Meta:
        ordered = True

    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "令牌开头几位，用于辨认"})
    scopes = fields.List(fields.String())
    status = fields.Method("_status", metadata={"description": "active / expired / revoked"})
    created_at = fields.DateTime()
    created_by_id = fields.Integer(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)

    def _status(self, token: ApiToken) -> str:
        return tokens.status(token)


class NewTokenSchema(TokenSchema):
    token = fields.String(attribute="secret", metadata={"description": "令牌本身：只在创建时返回这一次"})


class TokenCreateSchema(Schema):
    class Meta:
        unknown = "raise"
        ordered = True

    name = fields.String(required=True, validate=validate.Length(min=1, max=tokens.NAME_MAX))
    scopes = fields.List(
        fields.String(validate=validate.Length(max=64)),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "权限代码，如 orgs.read、audit.read"},
    )
    expires_on = fields.Date(
        allow_none=True,
        load_default=None,
        metadata={"description": "有效期至（含当天，北京时间）；不填为永久"},
    )


@blp.route("")
class Tokens(MethodView):
    @require(Perm.TOKENS_MANAGE)
    @blp.response(200, TokenSchema(many=True))
    def get(self, tenant: str) -> list[ApiToken]:
        """The tenant's tokens, newest first (never the tokens themselves)."""
        return tokens.list_tokens(db.session)

    @require(Perm.TOKENS_MANAGE)
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, data: dict[str, Any], tenant: str) -> ApiToken:
        """Create a token; the response carries it once (only its hash is kept)."""
        new = tokens.create_token(db.session, tenant=g.tenant, creator=g.user, **data)
        db.session.commit()
        new.token.secret = new.secret  # for this response only; never stored
        return new.token


@blp.route("/<int:token_id>")
class TokenItem(MethodView):
    @require(Perm.TOKENS_MANAGE)
    @blp.response(200, TokenSchema)
    def get(self, tenant: str, token_id: int) -> ApiToken:
        return tokens.get_token(db.session, token_id)

    @require(Perm.TOKENS_MANAGE)
    @blp.response(200, TokenSchema)
    def delete(self, tenant: str, token_id: int) -> ApiToken:
        """Revoke the token: it stops working at once (the record stays for the audit trail)."""
        token = tokens.revoke_token(db.session, tokens.get_token(db.session, token_id), g.user)
        db.session.commit()
        return token


def register_api(api: Api) -> None:
    api.register_blueprint(blp)
