"""Every hook a Shuzhi plugin may implement: the one contract for plugins.

Each hook is documented in docs/plugins/hooks.md (a test keeps the two in
sync). Implementations are marked with ``shuzhi.hookspecs.hookimpl``; the
core's own defaults are a plugin too (``shuzhi.defaults``). Hooks that take a
``policy`` are called for every policy: an implementation decorated with
:func:`for_policy` answers only for its own and returns ``None`` otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

if TYPE_CHECKING:
    import click

    from shuzhi.policy.evaluate import CodeRule
    from shuzhi.policy.model import Policy

PROJECT = "shuzhi"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

F = TypeVar("F", bound=Callable[..., Any])


def for_policy(*names: str) -> Callable[[F], F]:
    """Make a hook implementation answer only for the named policies.

    The wrapped function's first argument must be the ``policy``; for any other
    policy the wrapper returns ``None``, which pluggy leaves out of the results.
    """

    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(policy: Policy, *args: Any, **kwargs: Any) -> Any:
            if policy.name not in names:
                return None
            return fn(policy, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


@hookspec
def shuzhi_policies() -> list[Policy]:
    """Return the policies (jurisdictions' plans) this plugin contributes.

    Build each from the plugin's ``policy.toml`` with
    :func:`shuzhi.policy.loader.load_policy_toml`, which validates it and
    reads the seed text beside it.
    """


@hookspec
def shuzhi_report_rules(policy: Policy, params: dict[str, Any]) -> list[CodeRule] | None:
    """Return report rules written in Python for ``policy`` (what data cannot say).

    Each :class:`~shuzhi.policy.evaluate.CodeRule` has the clause id, a
    severity and ``check(report, ctx) -> list[Finding]``. An exception inside
    a check is caught, logged and shown as "rule failed to run".
    """


@hookspec
def shuzhi_timeline(policy: Policy, params: dict[str, Any], campaign: Any) -> list[dict[str, Any]] | None:
    """Return the campaign's stages with deadlines and reminder offsets.

    Each stage: ``{"key", "name", "deadline": date | None, "reminders": [days],
    "level": int | None}``; staged bottom-up by reporting level where the plan
    says so (JX-04). Declared ``[[stage]]`` tables cover fixed dates; implement
    this for relative or computed ones (YZ-12: one month after the meeting).
    """


@hookspec(firstresult=True)
def shuzhi_select_onsite(
    policy: Policy, params: dict[str, Any], candidates: Sequence[Any], seed: str
) -> dict[str, Any] | None:
    """Choose who reports on site (first result wins).

    Return ``{"method": "all" | "named" | "draw", "selected": [...],
    "excluded": [(candidate, reason)]}``. ``seed`` is the committed random seed
    of a public draw (YZ-02), so anyone can re-run it.
    """


@hookspec
def shuzhi_ballot_form(policy: Policy, params: dict[str, Any]) -> dict[str, Any] | None:
    """Return the ballot form: grade scale with points, voter groups and weights.

    Declared ``[[grade]]`` and ``[[voter_group]]`` tables provide the default;
    implement this when the form depends on parameters.
    """


@hookspec(firstresult=True)
def shuzhi_tally(policy: Policy, params: dict[str, Any], ballots: Sequence[Any]) -> dict[str, Any] | None:
    """Turn ballots into per-reporter scores (first result wins).

    Return ``{reporter_id: {"score": float, "votes": {grade: count}, ...}}``;
    YZ-08 weights voter groups 40/60.
    """


@hookspec(firstresult=True)
def shuzhi_composite(
    policy: Policy, params: dict[str, Any], tally: dict[str, Any], other_scores: dict[str, Any]
) -> dict[str, Any] | None:
    """Combine the meeting's tally with other sources into a composite score (first wins).

    YZ-09: on-site 30% + other sources 70%; SX-11: meeting, field assessment
    and daily knowledge.
    """


@hookspec
def shuzhi_grade_rules(policy: Policy, params: dict[str, Any]) -> list[Any] | None:
    """Return rules checked on a list of grades (share of 好, forced 差, reasons).

    SX-11, TJ-09, GH-08, GH-09, JX-07.
    """


@hookspec
def shuzhi_templates(policy: Policy) -> dict[str, Any] | None:
    """Return the documents the policy ships: ``{name: path or bytes}`` (TJ-12, GH-11)."""


@hookspec
def shuzhi_filing_bundle(policy: Policy, review: Any) -> list[dict[str, Any]] | None:
    """Return the parts of the filing bundle for a closed review (GH-11).

    Each part: ``{"name", "kind", "required": bool}``.
    """


@hookspec
def shuzhi_notification_channels() -> dict[str, Callable[..., Any]] | None:
    """Return notification channels by name (e-mail, webhooks for 企业微信/钉钉), CO-06."""


@hookspec
def shuzhi_periodic_jobs() -> list[dict[str, Any]] | None:
    """Return periodic jobs as data: ``{"name", "func", "interval": seconds}``.

    The scheduler reconciles them at start.
    """


@hookspec
def shuzhi_register_commands(cli: click.Group) -> None:
    """Add commands to the ``shuzhi`` command line (``cli.add_command(...)``)."""


__all__ = ["for_policy", "hookimpl", "hookspec"]
