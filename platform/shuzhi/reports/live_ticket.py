"""The live check's ticket: the editor page's signed pass for the checks it asks while the secretary types.

The editor posts its whole text at every pause in typing. A full signed-in
request (the server-side session, the user, the tenant and its memberships,
the reporter's org and pin) costs several times the check itself, so every
full request of the editor (the page, autosave, a check that fell back) hands
the page a ticket: signed with the app's secret (itsdangerous, HMAC-SHA256),
valid :data:`TTL` seconds, naming the user, the tenant, the reporter and a
digest of what the check needs (org, campaign, pinned policy, 必答题, whether
the user may edit). A check carrying a valid ticket whose context this process
holds reads no row at all; anything else (expired, another tenant's URL, a
digest this process has not seen: another worker, a restart) takes the full
path, which answers the same and issues a fresh ticket.

What a ticket grants: findings on text the caller sends, under a policy the
caller could already read, with the context their last full request saw.
It changes nothing and reads nothing stored. Because it travels in the form
body, never in a cookie, a forged cross-site request cannot carry it, so it
also stands for the CSRF token on this one read-only route. A revoked session
keeps it at most :data:`TTL` seconds; autosave, a full request, fails at once.
ADR 0020 records the choice.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup, escape

from shuzhi.reports.live import Setting, Target

#: How long a ticket admits checks; every autosave (about every few seconds of typing) renews it.
TTL = 300
#: Contexts kept per process (one per open editor and user).
CACHE_SIZE = 4096
#: The form field, and the id of the (hidden) element holding it in the editor's form.
FIELD = "ticket"
ELEMENT_ID = "sz-ticket"

_SALT = "shuzhi.live-ticket"


@dataclass(frozen=True)
class LiveContext:
    """What a check needs besides the text, as the last full request found it."""

    target: Target
    can_edit: bool
    #: last year's unfinished rectification items (CO-05), frozen dataclasses
    carried: tuple[Any, ...] = ()
    rect_url: str = ""

    def digest(self) -> str:
        t = self.target
        parts = (t.reporter_id, t.org_id, t.campaign_id, t.pin_id, str(t.pin_created), tuple(t.topics))
        parts += (self.can_edit, self.carried, self.rect_url)
        return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


_contexts: OrderedDict[str, tuple[LiveContext, Setting]] = OrderedDict()
_lock = threading.Lock()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.secret_key or "", salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256}
    )


def issue(user_id: int, tenant_slug: str, context: LiveContext, setting: Setting) -> str:
    """A ticket for ``user_id``'s checks of this reporter; the context is kept for the lean path."""
    digest = context.digest()
    with _lock:
        _contexts[digest] = (context, setting)
        _contexts.move_to_end(digest)
        while len(_contexts) > CACHE_SIZE:
            _contexts.popitem(last=False)
    return str(_serializer().dumps([user_id, tenant_slug, context.target.reporter_id, digest]))


def admit(ticket: str, tenant_slug: str, reporter_id: int) -> tuple[LiveContext, Setting] | None:
    """The context a valid ticket stands for, on this URL; None sends the check down the full path."""
    if not ticket or len(ticket) > 512:
        return None
    try:
        _user, slug, reporter, digest = _serializer().loads(ticket, max_age=TTL)
    except (BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        return None
    if slug != tenant_slug or reporter != reporter_id:
        return None
    with _lock:
        return _contexts.get(digest)


def field(ticket: str, *, oob: bool = False) -> Markup:
    """The hidden input carrying the ticket, in its box; ``oob`` refills the page's box from an
    htmx answer. The box's content is swapped, not the input itself: htmx copies a replaced
    element's ``style`` attribute onto its successor, and a browser may have put an empty one
    on a form input, which the strict CSP then refuses."""
    swap = ' hx-swap-oob="innerHTML"' if oob else ""
    return Markup(
        f'<span id="{ELEMENT_ID}" hidden{swap}><input type="hidden" name="{FIELD}" value="{escape(ticket)}"></span>'
    )


def clear() -> None:
    with _lock:
        _contexts.clear()
