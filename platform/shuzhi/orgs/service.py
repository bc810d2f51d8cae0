"""Operations on the org tree, people, posts and reporting relations.

The only module that writes these tables. Every function works inside the
caller's tenant scope (the session's tenant) and leaves committing to the
caller, so an import can do many operations in one all-or-nothing transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import LargeBinary, and_, case, cast, func, literal, or_, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from shuzhi.errors import Conflict, NotFound, ValidationFailed
from shuzhi.orgs import paths
from shuzhi.orgs.models import Org, OrgKind, Person, Post, ReportingRelation

# --- ordinal path (shuzhi.orgs.paths) ----------------------------------------

child_path = paths.child_path
path_upper = paths.path_upper  # also the cycles' text review paths (rollup.py)


def in_subtree(prefix: bytes):
    """Rows whose path starts with ``prefix``, as an index range scan."""
    return and_(Org.path >= prefix, Org.path < path_upper(prefix))


def next_rank(session: Session, parent: Org | None) -> int:
    """A fresh rank under ``parent`` (or among the roots), never given before.

    Under a parent: the parent's ``child_seq`` counter, bumped in one UPDATE …
    RETURNING, whose row lock makes concurrent creations under the same parent
    wait for each other. Core, not the ORM: the counter is bookkeeping, not a change
    worth an audit event or a new ``updated_at``. Among the roots (few, created by
    admins): one past the largest root rank; the unique (tenant_id, path) index
    refuses a concurrent duplicate.
    """
    if parent is None:
        # (PostgreSQL has no max(bytea): the last root in path order)
        last = session.scalar(
            select(Org.path).where(Org.parent_id.is_(None)).order_by(Org.path.desc()).limit(1)
        )
        return (paths.ranks(last)[0] if last else 0) + 1
    rank = session.execute(
        update(Org)
        .where(Org.id == parent.id)
        .values(child_seq=Org.child_seq + 1, updated_at=Org.updated_at)
        .returning(Org.child_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(parent, "child_seq", rank)
    return rank


def ancestor_ids(session: Session, org: Org) -> list[int]:
    """Ids from the root down to ``org`` itself: one query on the (tenant_id, path) index."""
    return [o.id for o in ancestors(session, org)] + [org.id]


# --- orgs ------------------------------------------------------------------


def get_org(session: Session, org_id: int) -> Org:
    org = session.get(Org, org_id)
    if org is None:
        raise NotFound(_("找不到该组织。"))
    return org


def org_by_code(session: Session, code: str) -> Org | None:
    return session.scalar(select(Org).where(Org.code == code))


def create_org(session: Session, *, code: str, name: str, kind: OrgKind, parent_id: int | None = None) -> Org:
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ValidationFailed(_("组织编码和名称都不能为空。"))
    if org_by_code(session, code) is not None:
        raise Conflict(_("组织编码 %(code)s 已存在。", code=code), errors={"code": [_("编码重复")]})
    parent = get_org(session, parent_id) if parent_id is not None else None
    path = child_path(parent.path if parent else None, next_rank(session, parent))
    org = Org(
        code=code,
        name=name,
        kind=kind,
        parent_id=parent_id,
        path=path,
        depth=parent.depth + 1 if parent else 0,
        child_seq=0,
    )
    session.add(org)
    session.flush()
    return org


def update_org(session: Session, org: Org, *, name: str | None = None, kind: OrgKind | None = None) -> Org:
    if name is not None:
        if not name.strip():
            raise ValidationFailed(_("组织名称不能为空。"), errors={"name": [_("不能为空")]})
        org.name = name.strip()
    if kind is not None:
        org.kind = kind
    session.flush()
    return org


def move_org(session: Session, org: Org, new_parent_id: int | None) -> Org:
    """Re-hang ``org`` and its whole subtree under another parent, in one UPDATE.

    The moved org takes a fresh rank under its new parent; the paths below it keep
    their tails, so only the prefix changes.
    """
    new_parent = get_org(session, new_parent_id) if new_parent_id is not None else None
    if new_parent is not None and new_parent.path.startswith(org.path):
        raise ValidationFailed(
            _("不能把组织移到它自己或它的下级组织之下。"),
            errors={"parent_id": [_("会形成循环")]},
        )
    if new_parent_id == org.parent_id:
        return org
    old_prefix = org.path
    new_prefix = child_path(new_parent.path if new_parent else None, next_rank(session, new_parent))
    delta = (new_parent.depth + 1 if new_parent else 0) - org.depth
    # bytea || bytea on PostgreSQL; SQLite's || yields text, cast back to a BLOB
    new_path = cast(
        literal(new_prefix, LargeBinary()).op("||")(func.substr(Org.path, len(old_prefix) + 1)),
        LargeBinary(),
    )
    session.execute(
        update(Org)
        .where(in_subtree(old_prefix))
        .values(
            path=new_path,
            depth=Org.depth + delta,
            parent_id=case((Org.id == org.id, new_parent_id), else_=Org.parent_id),
        )
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return get_org(session, org.id)


def delete_org(session: Session, org: Org) -> None:
    has_children = session.scalar(select(func.count()).where(Org.parent_id == org.id))
    if has_children:
        raise Conflict(_("该组织还有下级组织，不能删除；请先移走或删除下级组织。"))
    session.delete(org)
    session.flush()


def roots(session: Session) -> list[Org]:
    return list(session.scalars(select(Org).where(Org.parent_id.is_(None)).order_by(Org.code)))


def children(session: Session, org: Org | None) -> list[Org]:
    cond = Org.parent_id.is_(None) if org is None else Org.parent_id == org.id
    return list(session.scalars(select(Org).where(cond).order_by(Org.code)))


def subtree(session: Session, org: Org, *, max_depth: int | None = None) -> list[Org]:
    """``org`` and everything under it, parents before children."""
    stmt = select(Org).where(in_subtree(org.path))
    if max_depth is not None:
        stmt = stmt.where(Org.depth <= org.depth + max_depth)
    return list(session.scalars(stmt.order_by(Org.path)))


def subtree_count(session: Session, org: Org) -> int:
    return session.scalar(select(func.count()).select_from(Org).where(in_subtree(org.path))) or 0


def ancestors(session: Session, org: Org) -> list[Org]:
    """From the root down to ``org``'s parent: the orgs whose paths are ``org``'s path's
    prefixes, one query on the (tenant_id, path) index."""
    above = paths.prefixes(org.path)[:-1]
    if not above:
        return []
    return list(session.scalars(select(Org).where(Org.path.in_(above)).order_by(Org.path)))


def child_counts(session: Session, org_ids: Iterable[int]) -> dict[int, int]:
    """How many direct children each of ``org_ids`` has (absent ids have none)."""
    ids = list(org_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Org.parent_id, func.count()).where(Org.parent_id.in_(ids)).group_by(Org.parent_id)
    )
    return {parent_id: n for parent_id, n in rows}


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_orgs(session: Session, text: str, *, limit: int = 50) -> list[Org]:
    """Orgs whose name contains ``text`` or whose code starts with it, in tree order."""
    text = text.strip()
    if not text:
        return []
    pattern = _like_escape(text)
    stmt = (
        select(Org)
        .where(
            or_(
                Org.name.ilike(f"%{pattern}%", escape="\\"),
                Org.code.ilike(f"{pattern}%", escape="\\"),
            )
        )
        .order_by(Org.path)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def orgs_by_id(session: Session, org_ids: Iterable[int]) -> dict[int, Org]:
    ids = list(set(org_ids))
    if not ids:
        return {}
    return {o.id: o for o in session.scalars(select(Org).where(Org.id.in_(ids)))}


@dataclass
class TreeNode:
    org: Org
    children: list[TreeNode]


def build_tree(orgs: Iterable[Org]) -> list[TreeNode]:
    """Nest a path-ordered list of orgs; orgs whose parent is absent become roots."""
    nodes: dict[int, TreeNode] = {}
    top: list[TreeNode] = []
    for org in sorted(orgs, key=lambda o: (o.depth, o.code)):
        node = TreeNode(org, [])
        nodes[org.id] = node
        parent = nodes.get(org.parent_id) if org.parent_id is not None else None
        (parent.children if parent else top).append(node)
    return top


# --- people and posts ------------------------------------------------------


def person_by_code(session: Session, code: str) -> Person | None:
    return session.scalar(select(Person).where(Person.code == code))


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(_("找不到该人员。"))
    return person


def upsert_person(session: Session, *, code: str, name: str) -> Person:
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ValidationFailed(_("人员编号和姓名都不能为空。"))
    person = person_by_code(session, code)
    if person is None:
        person = Person(code=code, name=name)
        session.add(person)
    else:
        person.name = name
    session.flush()
    return person


def create_post(
    session: Session,
    *,
    person_id: int,
    org_id: int,
    title: str = "书记",
    start_date: date,
    end_date: date | None = None,
) -> Post:
    get_person(session, person_id)
    get_org(session, org_id)
    if end_date is not None and end_date < start_date:
        raise ValidationFailed(_("任职结束日期不能早于开始日期。"), errors={"end_date": [_("早于开始日期")]})
    overlapping = session.scalar(
        select(Post).where(
            Post.org_id == org_id,
            Post.title == title,
            Post.person_id != person_id,
            _overlaps(Post.start_date, Post.end_date, start_date, end_date),
        )
    )
    if overlapping is not None:
        raise Conflict(
            _(
                "该组织同一时期已有人担任%(title)s（%(name)s，自 %(start)s 起）。",
                title=title,
                name=overlapping.person.name,
                start=overlapping.start_date.isoformat(),
            )
        )
    post = Post(person_id=person_id, org_id=org_id, title=title, start_date=start_date, end_date=end_date)
    session.add(post)
    session.flush()
    return post


def _overlaps(col_start, col_end, start: date, end: date | None):
    conds = [or_(col_end.is_(None), col_end >= start)]
    if end is not None:
        conds.append(col_start <= end)
    return and_(*conds)


def get_post(session: Session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(_("找不到该任职记录。"))
    return post


def holder(session: Session, org_id: int, on: date, title: str = "书记") -> Post | None:
    """Who holds ``title`` of the org on a given day."""
    return session.scalar(
        select(Post)
        .where(
            Post.org_id == org_id,
            Post.title == title,
            Post.start_date <= on,
            or_(Post.end_date.is_(None), Post.end_date >= on),
        )
        .order_by(Post.start_date.desc())
    )


def holders(session: Session, org_ids: Iterable[int], on: date, title: str = "书记") -> dict[int, Post]:
    """``holder`` for many orgs in one query (a tree level lists hundreds of villages)."""
    ids = list(org_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(Post)
        .options(joinedload(Post.person))
        .where(
            Post.org_id.in_(ids),
            Post.title == title,
            Post.start_date <= on,
            or_(Post.end_date.is_(None), Post.end_date >= on),
        )
        .order_by(Post.start_date)
    )
    return {post.org_id: post for post in rows}  # the latest start wins, as in ``holder``


def tenure_days(post: Post, period_start: date, period_end: date) -> int:
    """Days the post was held within [period_start, period_end], both inclusive.

    SX-01 and TJ-05 ask whether a secretary was in post six months of the year;
    YZ-02 excludes secretaries in post less than half a year.
    """
    start = max(post.start_date, period_start)
    end = min(post.end_date or period_end, period_end)
    return max(0, (end - start).days + 1)


def posts_of(session: Session, *, org_id: int | None = None, person_id: int | None = None) -> list[Post]:
    stmt = select(Post).order_by(Post.start_date)
    if org_id is not None:
        stmt = stmt.where(Post.org_id == org_id)
    if person_id is not None:
        stmt = stmt.where(Post.person_id == person_id)
    return list(session.scalars(stmt))


# --- reporting relations (JX-02) ------------------------------------------


def _valid_on(on: date):
    return and_(
        ReportingRelation.valid_from <= on,
        or_(ReportingRelation.valid_to.is_(None), ReportingRelation.valid_to >= on),
    )


def add_relation(
    session: Session,
    *,
    reporter_id: int,
    receiver_id: int,
    valid_from: date,
    valid_to: date | None = None,
    note: str = "",
) -> ReportingRelation:
    """Org ``reporter`` reports to ``receiver``; refuses self-loops, overlaps and cycles."""
    reporter = get_org(session, reporter_id)
    receiver = get_org(session, receiver_id)
    if reporter.id == receiver.id:
        raise ValidationFailed(_("组织不能向自己述职。"), errors={"receiver_id": [_("不能是自己")]})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed(_("结束日期不能早于开始日期。"), errors={"valid_to": [_("早于开始日期")]})
    clash = session.scalar(
        select(ReportingRelation).where(
            ReportingRelation.reporter_id == reporter.id,
            _overlaps(ReportingRelation.valid_from, ReportingRelation.valid_to, valid_from, valid_to),
        )
    )
    if clash is not None:
        raise Conflict(
            _(
                "%(org)s 在该时期已向 %(receiver)s 述职，一个组织同一时期只能向一个组织述职。",
                org=reporter.name,
                receiver=clash.receiver.name,
            )
        )
    if reporter.id in {o.id for o in chain_up(session, receiver, valid_from)}:
        raise ValidationFailed(
            _(
                "述职关系形成循环：%(receiver)s 已直接或间接向 %(org)s 述职。",
                receiver=receiver.name,
                org=reporter.name,
            ),
            errors={"receiver_id": [_("会形成循环")]},
        )
    rel = ReportingRelation(
        reporter_id=reporter.id,
        receiver_id=receiver.id,
        valid_from=valid_from,
        valid_to=valid_to,
        note=note.strip(),
    )
    session.add(rel)
    session.flush()
    return rel


def relations(session: Session, on: date | None = None) -> list[ReportingRelation]:
    stmt = select(ReportingRelation).order_by(ReportingRelation.receiver_id, ReportingRelation.reporter_id)
    if on is not None:
        stmt = stmt.where(_valid_on(on))
    return list(session.scalars(stmt))


def relation_pairs(session: Session, on: date) -> dict[int, int]:
    """reporter id -> receiver id for every relation valid on a day (ids only: a county
    has thousands of relations and the portal needs the shape before the names)."""
    rows = session.execute(
        select(ReportingRelation.reporter_id, ReportingRelation.receiver_id).where(_valid_on(on))
    )
    return {reporter: receiver for reporter, receiver in rows}


def reporters_to(session: Session, receiver: Org, on: date) -> list[Org]:
    """Orgs that report directly to ``receiver`` on a day."""
    return list(
        session.scalars(
            select(Org)
            .join(ReportingRelation, ReportingRelation.reporter_id == Org.id)
            .where(ReportingRelation.receiver_id == receiver.id, _valid_on(on))
            .order_by(Org.code)
        )
    )


def receiver_of(session: Session, org: Org, on: date) -> Org | None:
    return session.scalar(
        select(Org)
        .join(ReportingRelation, ReportingRelation.receiver_id == Org.id)
        .where(ReportingRelation.reporter_id == org.id, _valid_on(on))
    )


def chain_up(session: Session, org: Org, on: date) -> list[Org]:
    """``org``'s receivers upward: whom it reports to, whom that one reports to…"""
    chain: list[Org] = []
    seen = {org.id}
    current = receiver_of(session, org, on)
    while current is not None and current.id not in seen:
        chain.append(current)
        seen.add(current.id)
        current = receiver_of(session, current, on)
    return chain


def reporters_by_level(session: Session, receiver: Org, on: date) -> list[list[Org]]:
    """All reporters under ``receiver``, level by level (level 1 reports to it directly).

    One query for the day's relations, then a breadth-first walk in memory:
    a county has thousands of relations, not millions.
    """
    by_receiver: dict[int, list[int]] = {}
    for reporter_id, receiver_id in session.execute(
        select(ReportingRelation.reporter_id, ReportingRelation.receiver_id).where(_valid_on(on))
    ):
        by_receiver.setdefault(receiver_id, []).append(reporter_id)
    levels: list[list[int]] = []
    seen = {receiver.id}
    frontier = [receiver.id]
    while frontier:
        nxt = [r for f in frontier for r in by_receiver.get(f, []) if r not in seen]
        seen.update(nxt)
        if nxt:
            levels.append(nxt)
        frontier = nxt
    if not levels:
        return []
    all_ids = [i for level in levels for i in level]
    orgs = {o.id: o for o in session.scalars(select(Org).where(Org.id.in_(all_ids)))}
    return [sorted((orgs[i] for i in level), key=lambda o: o.code) for level in levels]
