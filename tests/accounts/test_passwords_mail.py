"""Password hashing and policy; mail through SMTP or the outbox; rate-limit
storage on Redis (issue 4 items 1, 2)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest

from shuzhi.accounts import mail, passwords
from shuzhi.db import db
from tests.accounts.conftest import settings
from tests.conftest import REDIS_URL

# --- passwords -----------------------------------------------------------------------------


def test_argon2id_hashes_and_verifies() -> None:
    # issue 4: argon2 (argon2id) hashes, salted: the same password hashes differently
    a, b = passwords.hash_password("same-password-1"), passwords.hash_password("same-password-1")
    assert a.startswith("$argon2id$") and a != b
    assert passwords.verify_password(a, "same-password-1")
    assert not passwords.verify_password(a, "same-password-2")
    assert not passwords.verify_password(None, "anything")
    assert not passwords.verify_password("not a hash", "anything")


@pytest.mark.parametrize(
    "password,username,expected",
    [
        ("short", "", ["密码至少需要 10 个字符。"]),
        ("wang.xin.2024", "wang.xin", ["密码不能与用户名相同，也不能包含用户名。"]),
        ("WANG.XIN.2024", "wang.xin", ["密码不能与用户名相同，也不能包含用户名。"]),
        ("1234567890", "", ["这个密码太常见或太简单，请换一个不易被猜到的密码。"]),
        ("aaaaaaaaaaaa", "", ["这个密码太常见或太简单，请换一个不易被猜到的密码。"]),
        ("x" * 200, "", ["密码不能超过 128 个字符。", "这个密码太常见或太简单，请换一个不易被猜到的密码。"]),
        ("正确的马电池订书钉", "", ["密码至少需要 10 个字符。"]),
        ("正确的马电池订书钉很好", "", []),
        ("a-fine-pass-9", "zhang", []),
    ],
)
def test_password_policy_messages(app, password: str, username: str, expected: list[str]) -> None:
    # issue 4: length ≥ 10, not the username, not common; clear Chinese messages
    with app.test_request_context():
        assert passwords.policy_errors(password, username) == expected


# --- mail ----------------------------------------------------------------------------------


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept one message: EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        data_mode, lines = False, []
        while raw := self.rfile.readline():
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if data_mode:
                if line == ".":
                    data_mode = False
                    self.server.messages.append("\r\n".join(lines).encode())  # type: ignore[attr-defined]
                    self.reply("250 queued")
                else:
                    lines.append(line[1:] if line.startswith("..") else line)
                continue
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-test")
                self.reply("250 8BITMIME")
            elif verb == "DATA":
                data_mode = True
                self.reply("354 go ahead")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.server.commands.append(line)  # type: ignore[attr-defined]
                self.reply("250 ok")


@pytest.fixture
def smtp_server() -> Iterator[socketserver.TCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.messages, server.commands = [], []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_smtp_when_configured(app, smtp_server) -> None:
    # issue 4: with SHUZHI_SMTP_URL the mail goes out by SMTP; only the envelope is kept (no live link in the database)
    port = smtp_server.server_address[1]
    with settings(app, SMTP_URL=f"smtp://127.0.0.1:{port}"), app.test_request_context():
        row = mail.send_mail(
            db.session, "li@jx.example.cn", "重设密码", "链接：https://x.example/password/reset/SECRET"
        )
        db.session.commit()
        assert (row.status, row.body, row.to_addr) == ("sent", "", "li@jx.example.cn")
    (raw,) = smtp_server.messages
    msg = message_from_bytes(raw)
    assert str(make_header(decode_header(msg["Subject"]))) == "重设密码"
    assert "SECRET" in msg.get_payload(decode=True).decode()
    assert "rcpt to:<li@jx.example.cn>" in [c.lower() for c in smtp_server.commands]


def test_smtp_failure_is_kept_for_the_operator(app) -> None:
    # issue 4: a mail server that is down is logged and marked, not a 500 for the user
    with settings(app, SMTP_URL="smtp://127.0.0.1:9"), app.test_request_context():
        row = mail.send_mail(db.session, "li@jx.example.cn", "主题", "正文")
        assert row.status == "failed" and row.error
        db.session.rollback()


def test_outbox_without_smtp_and_demo_file(app, tmp_path) -> None:
    # issue 4: no SMTP: the whole message is kept in the outbox; in the demo also as an .eml file
    with settings(app, SMTP_URL="", DEMO=True), app.test_request_context():
        row = mail.send_mail(db.session, "li@jx.example.cn", "主题", "正文 https://x/invite/jx/T")
        db.session.commit()
        assert row.status == "outbox" and "invite/jx/T" in row.body
        assert [m.id for m in mail.outbox(db.session, "li@jx.example.cn")] == [row.id]
    from pathlib import Path

    files = list((Path(app.instance_path) / "outbox").glob(f"*-{row.id}.eml"))
    assert len(files) == 1 and b"invite/jx/T" in files[0].read_bytes().replace(b"=\n", b"")


# --- rate limits on Redis ----------------------------------------------------------------------


@pytest.mark.redis
def test_rate_limits_are_shared_through_redis(scratch_db, tmp_path) -> None:
    # issue 4: with SHUZHI_REDIS_URL the limiter counts in Redis, so every web process sees the same count
    import redis

    from shuzhi.security import limiter, rate_limit

    redis.Redis.from_url(REDIS_URL).flushdb()
    from shuzhi import create_app
    from shuzhi.config import Config

    apps = [
        create_app(
            Config.from_env(
                environ={},
                INSTANCE_PATH=str(tmp_path / str(i)),
                DATABASE_URL=scratch_db.app_url,
                SECRET_KEY="test-secret",
                REDIS_URL=REDIS_URL,
                extra={"TESTING": True},
            )
        )
        for i in range(2)
    ]
    try:
        with apps[0].test_request_context():
            assert "redis" in type(limiter().storage).__name__.lower()
            rate_limit("test", "2 per minute", key="k")
        with apps[1].test_request_context():
            rate_limit("test", "2 per minute", key="k")
            from shuzhi.security import TooManyAttempts

            with pytest.raises(TooManyAttempts):
                rate_limit("test", "2 per minute", key="k")
    finally:
        redis.Redis.from_url(REDIS_URL).flushdb()
        for a in apps:
            with a.app_context():
                db.session.remove()
                db.engine.dispose()
