"""Shuzhi's test kit for plugin authors: pytest fixtures and helpers.

Installing shuzhi registers the pytest plugin ``shuzhi.testing.plugin``
(entry point ``pytest11``), so a plugin's tests use the fixtures below with no
import and no conftest. docs/plugins/README.md walks through a plugin's tests.

Fixtures (all named ``shuzhi_*``, so they never clash with a project's own):

``shuzhi_db`` (session)
    A migrated scratch database: SQLite in a temporary folder by default;
    PostgreSQL with ``SHUZHI_TEST_USE_PG=1`` or ``SHUZHI_TEST_PG_URL=<admin
    URL>`` (a database is created there and dropped after; the app connects
    as the non-owner role, so row-level security applies). Asking for
    PostgreSQL that is not reachable fails the run instead of testing on SQLite.
``shuzhi_app``
    The Flask app on ``shuzhi_db``, every row deleted after each test.
    ``SHUZHI_BLOCK_PLUGINS`` is honoured. Override ``shuzhi_app_config``
    (session, a dict) to add Flask config.
``shuzhi_client``
    ``shuzhi_app.test_client()``, signed in as nobody.
``shuzhi_make_tenant``
    Factory ``(slug="plugin-test", policy="", townships=2, villages=2,
    since=date(2020, 1, 1)) -> TenantTree``: a tenant, its admin
    (``<slug>-admin``, tenant admin) and a tree 县委 → 乡镇党委 → 村党支部
    with a 书记 in post for every org and reporting relations that follow the
    tree, made through the tenancy and orgs services and committed.
``shuzhi_tenant``
    ``shuzhi_make_tenant("plugin-test", policy=shuzhi_tenant_policy)``: 1 县委,
    2 乡镇党委, 4 村党支部. Override ``shuzhi_tenant_policy`` (default ``""``)
    to have it run your policy.
``shuzhi_admin_client``
    ``shuzhi_client`` signed in as ``shuzhi_tenant``'s admin.
``shuzhi_policy``
    Factory ``(name) -> Policy``: the policy as the platform loads it,
    through every loaded plugin (same as :func:`load_policy`).

Helpers (``from shuzhi.testing import ...``):

:func:`load_policy`, :func:`resolve_params`
    A policy by name (a clear message when no plugin contributes it); its
    parameters with a tenant's overrides applied within the declared bounds.
:func:`check_report` ``(policy, report, params=None, topics=())``
    Every finding the platform would show: declared ``[[rule]]`` checks, then
    the plugins' ``shuzhi_report_rules`` (``params`` are a tenant's
    overrides; ``topics`` 必答题 an org chose, SX-05). A hook or rule that
    raises fails the test with its traceback (``strict=False`` to get the
    "rule failed to run" finding users would see). :func:`issues` keeps the
    findings that need action (not ``info``), optionally of one rule.
:func:`lint_policy` ``(policy, overrides=None)``
    The policy linter's result; ``.ok`` is False on an undeclared contradiction.
:func:`build_report`, :func:`part`, :func:`words`
    Parsed reports by hand: ``build_report([part("practices", "一、主要做法",
    1200, "内容…"), ...])``; ``part`` pads to exactly N 字 (Word's count,
    heading included) with neutral text; ``words(n)`` is exactly n 字.
:func:`build_docx` ``(sections, title=, intro=, table=, signature=)``
    A .docx (bytes) with Word heading styles, paragraphs and a table, as a
    secretary would upload it.
:class:`BallotSet`, :class:`Ballot`
    Ballots as plain data (the ballots room comes later): ``BallotSet(policy)
    .add({"张三": "好"}, group="cadres", times=12).counts()``; grades and
    voter groups are checked against the policy's tables.
:func:`register_plugin` ``(module, name)``
    Make a plugin that is not pip-installed yet count, as if its entry point
    ``name`` were installed (no-op when it is); the kit keeps it registered
    when ``create_app`` rebuilds the plugin manager. A scaffolded plugin's
    tests/conftest.py calls it; :func:`unregister_plugin` undoes it.
:func:`login` ``(client, user_id)``
    Sign a test client in.
"""

from __future__ import annotations

from shuzhi.testing.ballots import Ballot, BallotSet
from shuzhi.testing.policies import (
    PolicyNotFound,
    RuleCrashed,
    check_report,
    ensure_plugins,
    issues,
    lint_policy,
    load_policy,
    register_plugin,
    resolve_params,
    unregister_plugin,
)
from shuzhi.testing.reports import FILLER, build_docx, build_report, part, words
from shuzhi.testing.tenants import OrgRef, TenantTree, build_tenant
from shuzhi.testing.web import login

__all__ = [
    "FILLER",
    "Ballot",
    "BallotSet",
    "OrgRef",
    "PolicyNotFound",
    "RuleCrashed",
    "TenantTree",
    "build_docx",
    "build_report",
    "build_tenant",
    "check_report",
    "ensure_plugins",
    "issues",
    "lint_policy",
    "load_policy",
    "login",
    "part",
    "register_plugin",
    "resolve_params",
    "unregister_plugin",
    "words",
]
