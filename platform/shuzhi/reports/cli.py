"""``shuzhi count [FILE|-]`` and ``shuzhi check FILE --policy NAME``.

Exit codes of ``check``: 0 no error-level finding, 1 an error-level finding
remains, 2 bad input (unreadable file, unknown policy, bad parameter), with
the reason in Chinese on stderr.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from shuzhi.errors import ShuzhiError
from shuzhi.reports.uploads import MAX_UPLOAD_BYTES, Imported, read_upload


class BadInput(click.ClickException):
    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"错误：{self.message}", err=True)


def _read(path: str) -> Imported:
    """A report from a file, or from stdin for ``-`` (a .docx or text, told apart by content)."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_UPLOAD_BYTES + 1)
            name = ""
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_UPLOAD_BYTES + 1)  # past the limit is refused anyway
            name = path
    except OSError as exc:
        raise BadInput(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    try:
        return read_upload(name, data)
    except ShuzhiError as exc:
        raise BadInput(exc.message) from exc


@click.command("count")
@click.argument("file", default="-", metavar="[FILE|-]")
@click.option("--json", "as_json", is_flag=True, help='Print {"words": N, "chars_no_spaces": M}.')
def count_cmd(file: str, as_json: bool) -> None:
    """字数 and 字符数(不计空格) of a .docx, a .txt or stdin, as Word counts them."""
    c = _read(file).count()
    if as_json:
        click.echo(json.dumps({"words": c.words, "chars_no_spaces": c.chars_no_spaces}))
    else:
        click.echo(f"字数 {c.words}\n字符数(不计空格) {c.chars_no_spaces}")


def _pairs(items: tuple[str, ...], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"{option} 应写作 名称=值：{item}")
        out[key.strip()] = val.strip()
    return out


_MARK = {"error": "✗ 须修改", "warning": "! 提醒", "info": "✓ 通过"}  # the editor's words


@click.command("check")
@click.argument("file")
@click.option(
    "--policy", "policy_name", required=True, help="The policy to check against (shuzhi policy list)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the outline and findings as JSON.")
@click.option("--set", "overrides", multiple=True, metavar="PARAM=VALUE", help="A tenant parameter override.")
@click.option("--topic", "topics", multiple=True, metavar="名称", help="An 必答题 the org chose (SX-05).")
@click.option(
    "--speech", "speech", metavar="FILE", help="The on-site speech text, checked with the report (SX-06)."
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="INDEX=KEY",
    help="Correct the outline: heading INDEX starts part KEY (- : not a part; INDEX -1: the opening).",
)
def check_cmd(
    file: str,
    policy_name: str,
    as_json: bool,
    overrides: tuple[str, ...],
    topics: tuple[str, ...],
    speech: str | None,
    mapping: tuple[str, ...],
) -> None:
    """Check a report against a policy: the outline, then every finding.

    Exits 1 when an error-level finding remains, 0 otherwise, 2 on bad input.
    """
    from shuzhi.plugins import hooks
    from shuzhi.policy.params import ParamError, resolve
    from shuzhi.reports.check import check_text
    from shuzhi.reports.parse import parse_report

    policy = hooks.policy(policy_name)
    if policy is None:
        names = "、".join(p.name for p in hooks.policies())
        raise BadInput(f"没有名为 {policy_name} 的方案（已加载：{names}）")
    try:
        params = resolve(policy, _pairs(overrides, "--set") or None)
    except ParamError as exc:
        raise BadInput("；".join(f"{k}：{v}" for k, v in exc.errors.items())) from exc
    corrections: dict[int, str | None] = {}
    for k, v in _pairs(mapping, "--map").items():
        try:
            corrections[int(k)] = v or None
        except ValueError:
            raise BadInput(f"--map 的标题序号应为数字：{k}") from None
    documents = {"speech": _read(speech).text} if speech else {}
    imported = _read(file)
    try:
        parsed = parse_report(imported.doc, policy, corrections=corrections, documents=documents)
    except ShuzhiError as exc:
        raise BadInput(exc.message) from exc
    result = check_text(policy, params, parsed, topics)
    if as_json:
        body = {"policy": {"name": policy.name, "version": policy.version}, **result.to_dict()}
        click.echo(json.dumps(body, ensure_ascii=False, indent=2, default=str))
    else:
        _print(policy, result)
    if not result.ok:
        raise SystemExit(1)


def _print(policy: Any, result: Any) -> None:
    parsed = result.parsed
    click.echo(f"方案：{policy.title}（{policy.name} {policy.version}）")
    click.echo(
        f"字数：全文 {parsed.total.words}（与 Word 一致），"
        f"正文 {parsed.body_words}（不含标题、称谓和落款，用于计算占比）"
    )
    labels = {"title": "标题", "byline": "署名", "date": "日期", "addressee": "称谓", "signature": "落款"}
    for m in parsed.meta:
        click.echo(f"  {labels.get(m.role, m.role)}：{m.text}")
    click.echo("\n提纲（序号可用于 --map 更正）：")
    for row in parsed.outline():
        indent = "  " * max(row["level"], 1)
        target = ""
        if row["starts_part"]:
            name = row["part_name"] or (
                "开头（方案未单列此部分）" if row["index"] == -1 else "未对应方案的部分"
            )
            sure = f"，把握 {round(row['confidence'] * 100)}%" if row["part"] else ""
            target = f"  → {name}{sure}"
        click.echo(f"{indent}[{row['index']}] {row['heading']}  {row['words']}字 {row['share']}{target}")
    if parsed.unsure:
        click.echo("\n结构识别可能不准：")
        for reason in parsed.reasons:
            click.echo(f"  - {reason}")
    click.echo("\n检查结果：")
    errors = warnings = 0
    for f in result.findings:
        errors += f.severity == "error"
        warnings += f.severity == "warning"
        click.echo(f"  {_MARK.get(f.severity, f.severity)} [{f.rule_id}] {f.message}")
        if f.how:
            click.echo(f"      计算方法：{f.how}")
    click.echo(f"\n共 {errors} 项须修改（改好后才能提交）、{warnings} 项提醒。")
