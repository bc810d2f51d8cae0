"""The portal's navigation: each room registers its pages here, by role.

Only registered items are shown, so a room that does not exist yet has no
link at all (no dead placeholders). Items need the URL's tenant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import request

from shuzhi.auth import has_role
from shuzhi.tenancy.models import Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str  # a lazy_gettext string: rendered in the request's language
    roles: tuple[Role, ...]
    order: int = 100
    #: Endpoints that highlight this item too (its sub-pages).
    also: tuple[str, ...] = ()

    def active(self) -> bool:
        return request.endpoint in (self.endpoint, *self.also)


_items: list[NavItem] = []


def register(item: NavItem) -> None:
    """Add (or replace, by endpoint) a navigation item."""
    _items[:] = [i for i in _items if i.endpoint != item.endpoint]
    _items.append(item)
    _items.sort(key=lambda i: (i.order, i.endpoint))


def items_for_current_user() -> list[NavItem]:
    return [i for i in _items if has_role(*i.roles)]


def all_items() -> Iterable[NavItem]:
    return tuple(_items)
