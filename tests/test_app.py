"""The app shell: probes, the one error shape, configuration."""

from __future__ import annotations

import pytest

from shuzhi.config import Config
from tests.conftest import REDIS_URL, login


def test_healthz(client) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}


def test_readyz_checks_database(client) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.get_json()["checks"]["database"] == "ok"


def test_readyz_reports_unreachable_redis(app, client) -> None:
    cfg = app.config["SHUZHI"]
    old = cfg.REDIS_URL
    cfg.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        r = client.get("/readyz")
    finally:
        cfg.REDIS_URL = old
    assert r.status_code == 503
    body = r.get_json()
    assert body["status"] == "unavailable" and body["checks"]["redis"].startswith("error")


@pytest.mark.redis
def test_readyz_with_real_redis(app, client) -> None:
    cfg = app.config["SHUZHI"]
    old = cfg.REDIS_URL
    cfg.REDIS_URL = REDIS_URL
    try:
        r = client.get("/readyz")
    finally:
        cfg.REDIS_URL = old
    assert r.status_code == 200 and r.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_api_404_has_error_shape_in_chinese(admin_client, tenant_a) -> None:
    r = admin_client.get(f"/api/v1/tenants/{tenant_a['slug']}/orgs/999999")
    assert r.status_code == 404
    body = r.get_json()
    assert set(body) >= {"code", "status", "message"}
    assert body["code"] == 404 and "找不到" in body["message"]


def test_unknown_api_route_is_json(client) -> None:
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.get_json()["code"] == 404


def test_validation_errors_name_fields_in_chinese(admin_client, tenant_a) -> None:
    r = admin_client.post(
        f"/api/v1/tenants/{tenant_a['slug']}/orgs",
        json={"code": "", "kind": "spaceship", "extra": 1},
    )
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert errors["name"] == ["必填项，不能为空。"]
    assert errors["extra"] == ["不认识的字段。"]
    assert "只能是以下之一" in errors["kind"][0]
    assert "code" in errors


def test_english_when_asked(admin_client, tenant_a) -> None:
    r = admin_client.get(f"/api/v1/tenants/{tenant_a['slug']}/orgs/999999", headers={"Accept-Language": "en"})
    assert r.get_json()["message"] == "Organization not found."


def test_anonymous_gets_401_for_tenant_api(client, tenant_a) -> None:
    r = client.get(f"/api/v1/tenants/{tenant_a['slug']}/orgs")
    assert r.status_code == 401 and r.get_json()["message"] == "请先登录。"


def test_non_member_gets_404_not_403(client, tenant_a, tenant_b) -> None:
    login(client, tenant_b["user_id"])
    r = client.get(f"/api/v1/tenants/{tenant_a['slug']}/orgs")
    assert r.status_code == 404


def test_config_reads_environment(tmp_path) -> None:
    cfg = Config.from_env(
        environ={
            "SHUZHI_INSTANCE_PATH": str(tmp_path),
            "SHUZHI_DEMO": "true",
            "SHUZHI_MAX_UPLOAD_BYTES": "1234",
            "SHUZHI_BLOCK_PLUGINS": "suixi, genhe",
        }
    )
    assert cfg.DEMO is True and cfg.MAX_UPLOAD_BYTES == 1234
    assert cfg.blocked_plugins == {"suixi", "genhe"}
    assert cfg.DATABASE_URL == f"sqlite:///{tmp_path}/shuzhi.sqlite3"
    assert cfg.ADMIN_DATABASE_URL == cfg.DATABASE_URL
    assert len(cfg.SECRET_KEY) == 64
    assert Config.from_env(environ={"SHUZHI_INSTANCE_PATH": str(tmp_path)}).SECRET_KEY == cfg.SECRET_KEY


@pytest.mark.parametrize(("hops", "seen"), [(0, "10.0.0.9"), (1, "203.0.113.7")])
def test_proxy_hops_decide_whose_address_counts(tmp_path, hops: int, seen: str) -> None:
    # Behind one ingress the client is the last X-Forwarded-For hop; without
    # SHUZHI_PROXY_HOPS a forged header is ignored and the peer address counts.
    from flask import request

    from shuzhi import create_app

    app = create_app(Config.from_env(environ={"SHUZHI_INSTANCE_PATH": str(tmp_path), "SHUZHI_PROXY_HOPS": str(hops)}))
    app.add_url_rule("/_whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme}")
    r = app.test_client().get(
        "/_whoami",
        headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert r.text == f"{seen} {'https' if hops else 'http'}"
