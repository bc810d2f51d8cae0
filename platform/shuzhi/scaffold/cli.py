"""The ``shuzhi new-plugin`` command."""

from __future__ import annotations

from pathlib import Path

import click

from shuzhi.scaffold import ScaffoldError, create_plugin, make_spec


@click.command("new-plugin")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    default="plugins",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to create NAME/ in.",
)
@click.option("--title", help="The plan's title (方案标题).")
@click.option("--jurisdiction", help="Who issued the plan (制定方案的党委或工委).")
@click.option("--prefix", help="Two capital letters for clause ids (default: NAME's first two, upper-cased).")
@click.option("--year", type=int, help="The reporting year of the plan (default: this year).")
def new_plugin(
    name: str,
    parent: Path,
    title: str | None,
    jurisdiction: str | None,
    prefix: str | None,
    year: int | None,
) -> None:
    """Create a jurisdiction plugin NAME: policy.toml, hooks, tests that pass as generated."""
    try:
        spec = make_spec(name, title=title, jurisdiction=jurisdiction, prefix=prefix, year=year)
        target = create_plugin(spec, parent)
    except ScaffoldError as exc:
        click.echo(f"错误：{exc}", err=True)
        raise click.exceptions.Exit(2) from None
    click.echo(f"已创建插件 {spec.name}（条款前缀 {spec.prefix}）：{target}")
    click.echo("下一步：")
    click.echo(f"  python -m pytest {target} -q      # 生成的测试应当全部通过")
    click.echo(f"  编辑 {target / f'shuzhi_{spec.name}' / 'policy.toml'}，把示例条款换成方案原文")
    click.echo(f"  pip install -e {target}          # 安装后平台即可加载")
    click.echo(f"  shuzhi policy lint {spec.name}")
