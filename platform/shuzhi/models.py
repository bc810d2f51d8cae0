"""Import every domain's models so ``Base.metadata`` is complete (Alembic, tests)."""

from shuzhi.accounts.models import (
    Invitation,
    LocalCredential,
    MemberSuspension,
    OutboxMessage,
    PasswordReset,
    RecoveryCode,
    TotpDevice,
    UserSession,
)
from shuzhi.audit.models import AuditEvent, AuditHead
from shuzhi.auth.models import SsoProvider, UserIdentity
from shuzhi.auth.token_models import ApiToken
from shuzhi.cycles.models import Campaign, Deadline, Extension, Reporter, Review
from shuzhi.db import Base
from shuzhi.meetings.models import Draw, OnsiteHistory
from shuzhi.orgs.models import Org, Person, Post, ReportingRelation
from shuzhi.policy.models import PolicyPin
from shuzhi.rectification.models import RectificationItem
from shuzhi.reports.models import (
    Report,
    ReportAttachment,
    ReportComment,
    ReportDecision,
    ReportMember,
    ReportVersion,
)
from shuzhi.tenancy.models import Membership, Tenant, User
from shuzhi.tenancy.scope import TenantOwned

__all__ = [
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Campaign",
    "Deadline",
    "Draw",
    "Extension",
    "Invitation",
    "LocalCredential",
    "MemberSuspension",
    "Membership",
    "OnsiteHistory",
    "Org",
    "OutboxMessage",
    "PasswordReset",
    "Person",
    "PolicyPin",
    "Post",
    "RecoveryCode",
    "RectificationItem",
    "Report",
    "ReportAttachment",
    "ReportComment",
    "ReportDecision",
    "ReportMember",
    "ReportVersion",
    "Reporter",
    "ReportingRelation",
    "Review",
    "SsoProvider",
    "Tenant",
    "TenantOwned",
    "TotpDevice",
    "User",
    "UserIdentity",
    "UserSession",
]


def tenant_owned_tables() -> list[str]:
    """Names of the tables row-level security must cover."""
    return sorted(
        mapper.local_table.name for mapper in Base.registry.mappers if issubclass(mapper.class_, TenantOwned)
    )
