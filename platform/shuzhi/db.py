"""SQLAlchemy 2 declarative base, the Flask-SQLAlchemy handle, shared column types."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import BigInteger, DateTime, Enum, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: 64-bit ids on PostgreSQL (a province has millions of rows over the years);
#: SQLite only autoincrements a plain INTEGER primary key.
BigID = BigInteger().with_variant(Integer(), "sqlite")

#: Byte-ordered text on PostgreSQL so materialized-path range scans use the
#: btree index whatever the database's locale; SQLite compares bytes already.
PathText = String(1024).with_variant(String(1024, collation="C"), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class IdMixin:
    id: Mapped[int] = mapped_column(BigID, primary_key=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ScopedSession(FlaskSession):
    """The app's session: ``get()`` answers only within the current tenant scope.

    The tenant filter (shuzhi.tenancy.scope) rides on every SQL statement, but
    ``get()`` answers from the identity map without one when the row was loaded
    earlier in the session, perhaps under another scope (a CLI or job that
    walks tenants, a sign-in that read every tenant's memberships). Such an
    answer is refused here, as the database would refuse the row.
    """

    def get(self, entity: Any, ident: Any, **kw: Any) -> Any:
        found = super().get(entity, ident, **kw)
        if found is None:
            return None
        from shuzhi.tenancy.scope import visible_in_scope

        return found if visible_in_scope(self, found, kw.get("execution_options")) else None


db = SQLAlchemy(model_class=Base, session_options={"class_": ScopedSession})


def str_enum(cls: type[enum.Enum], length: int = 16) -> Enum:
    """A Python enum stored as its values in a VARCHAR: portable, and a new member needs no ALTER TYPE."""
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])
