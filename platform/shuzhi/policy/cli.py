"""``shuzhi policy list | show NAME | lint NAME``."""

from __future__ import annotations

import click

from shuzhi.plugins import hooks
from shuzhi.policy.lint import lint
from shuzhi.policy.model import Policy
from shuzhi.policy.params import ParamError, resolve, show


def _get(name: str) -> Policy:
    policy = hooks.policy(name)
    if policy is None:
        names = ", ".join(p.name for p in hooks.policies())
        raise click.ClickException(f"没有名为 {name} 的方案（已加载：{names}）")
    return policy


@click.group("policy")
def policy_cli() -> None:
    """Policies contributed by the plugins."""


@policy_cli.command("list")
def list_cmd() -> None:
    """Every loaded policy with its version and plugin."""
    for p in hooks.policies():
        click.echo(f"{p.name:<10} {p.version:<8} {p.plugin:<9} {p.title}")


@policy_cli.command("show")
@click.argument("name")
def show_cmd(name: str) -> None:
    """A policy's clauses, parameters and rules."""
    p = _get(name)
    click.echo(f"{p.title}\n{p.jurisdiction}  版本 {p.version}\n")
    for c in p.clauses:
        sev = f"/{c.severity}" if c.severity else ""
        click.echo(f"{c.id} [{c.kind}{sev}] {c.text}")
    if p.params:
        click.echo("\n参数：")
        for prm in p.params:
            click.echo(f"  {prm.name} = {show(prm.default)}  {prm.label} ({prm.clause})")
    click.echo(f"\n规则 {len(p.rules)} 条：" + "、".join(sorted({r.id for r in p.rules})))


@policy_cli.command("lint")
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Lint every loaded policy.")
@click.option("--set", "overrides", multiple=True, metavar="PARAM=VALUE", help="A tenant override to try.")
def lint_cmd(names: tuple[str, ...], all_: bool, overrides: tuple[str, ...]) -> None:
    """Prove a policy's numeric rules satisfiable, or name the clauses in conflict.

    Exits 1 on a contradiction the policy does not declare as known.
    """
    policies = hooks.policies() if all_ or not names else [_get(n) for n in names]
    values: dict[str, str] = {}
    for item in overrides:
        key, sep, val = item.partition("=")
        if not sep:
            raise click.BadParameter(f"应写作 参数=值：{item}", param_hint="--set")
        values[key.strip()] = val.strip()
    failed = False
    for p in policies:
        try:
            params = resolve(p, values if values else None)
        except ParamError as exc:
            raise click.ClickException("；".join(f"{k}：{v}" for k, v in exc.errors.items())) from exc
        result = lint(p, params, overridden=values.keys())
        if not result.contradictions:
            click.echo(f"{p.name}: 数值规则可以同时满足")
        for c in result.contradictions:
            tag = "已知矛盾（方案原文如此）" if c.known else ("错误" if c.severity == "error" else "警告")
            click.echo(f"{p.name}: {tag}：{c.message}")
        failed = failed or not result.ok
    if failed:
        raise SystemExit(1)
