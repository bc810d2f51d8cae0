"""``shuzhi new-plugin NAME``: a complete jurisdiction plugin that passes its own tests.

The files come from ``templates/`` (package data, ``string.Template`` with
``${name}``-style fields); ``templates/package/`` becomes ``shuzhi_<name>/``.
Everything is written into a temporary folder first and renamed into place,
so a failure leaves nothing half-written.
"""

from __future__ import annotations

import importlib.util
import keyword
import re
import shutil
import string
import sys
import uuid
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

NAME_RE = re.compile(r"[a-z][a-z0-9_]{1,30}")
PREFIX_RE = re.compile(r"[A-Z]{2}")
#: Names the platform or the checkout already uses.
RESERVED = frozenset({"core", "common", "shuzhi", "plugins", "tests", "test", "testing", "platform"})
DEFAULT_TITLE = "党组织书记抓基层党建工作述职评议考核实施方案"
DEFAULT_JURISDICTION = "（请填写制定方案的党委或工委）"


class ScaffoldError(ValueError):
    """Input the scaffold refuses; the message is Chinese and says what to do instead."""


@dataclass(frozen=True)
class Spec:
    name: str
    title: str
    jurisdiction: str
    prefix: str
    year: int

    @property
    def fields(self) -> dict[str, str]:
        return {
            "name": self.name,
            "title": self.title,
            "jurisdiction": self.jurisdiction,
            "prefix": self.prefix,
            "year": str(self.year),
        }


def check_name(name: str) -> None:
    if not NAME_RE.fullmatch(name):
        raise ScaffoldError(
            f"插件名 {name!r} 无效：只能用小写字母、数字和下划线，以字母开头，2–31 个字符（例如 qinghe）。"
        )
    if keyword.iskeyword(name) or name in sys.stdlib_module_names:
        raise ScaffoldError(f"插件名 {name!r} 与 Python 的关键字或标准库模块同名，请换一个（例如加上地名）。")
    if name in RESERVED:
        raise ScaffoldError(f"插件名 {name!r} 已被平台保留，请换一个。")
    if importlib.util.find_spec(f"shuzhi_{name}") is not None:
        raise ScaffoldError(f"已经安装了同名插件包 shuzhi_{name}，请换一个名称。")


def _check_text(what: str, value: str) -> str:
    value = value.strip()
    if not value or len(value) > 200:
        raise ScaffoldError(f"{what}不能为空，也不能超过 200 个字。")
    if any(ch in value for ch in '"\\') or any(ord(ch) < 32 for ch in value):
        raise ScaffoldError(f"{what}不能包含英文双引号、反斜杠或换行（中文引号“”可以用）。")
    return value


def _loaded_policies() -> list[tuple[str, str, set[str]]]:
    """(policy name, plugin, clause prefixes) of every loaded policy."""
    from shuzhi.plugins import hooks

    return [(p.name, p.plugin, {c.split("-")[0] for c in p.clause_ids}) for p in hooks.policies()]


def make_spec(
    name: str,
    *,
    title: str | None = None,
    jurisdiction: str | None = None,
    prefix: str | None = None,
    year: int | None = None,
) -> Spec:
    """Validate the inputs into a :class:`Spec`, or raise :class:`ScaffoldError`."""
    check_name(name)
    if prefix is None:
        prefix = name[:2].upper()
        if not PREFIX_RE.fullmatch(prefix):
            raise ScaffoldError(
                f"无法从插件名 {name!r} 得出两个字母的条款前缀，请用 --prefix 指定（例如 --prefix QH）。"
            )
    elif not PREFIX_RE.fullmatch(prefix):
        raise ScaffoldError(f"条款前缀 {prefix!r} 无效：应为两个大写字母（例如 QH），条款编号形如 QH-01。")
    year = date.today().year if year is None else year
    if not 2000 <= year <= 2100:
        raise ScaffoldError(f"年度 {year} 不合理，应在 2000–2100 之间。")
    for policy, plugin, prefixes in _loaded_policies():
        if policy == name:
            raise ScaffoldError(f"已经有名为 {name} 的方案（插件 {plugin}），请换一个名称。")
        if prefix in prefixes:
            raise ScaffoldError(f"条款前缀 {prefix} 已被方案 {policy} 使用，请用 --prefix 另选两个字母。")
    return Spec(
        name,
        _check_text("方案标题", title or DEFAULT_TITLE),
        _check_text("制定方案的党委", jurisdiction or DEFAULT_JURISDICTION),
        prefix,
        year,
    )


def render(spec: Spec) -> dict[str, str]:
    """Relative path → file text, for every file of the plugin."""
    root = resources.files(__package__) / "templates"
    out: dict[str, str] = {}

    def walk(node, rel: tuple[str, ...]) -> None:
        for item in sorted(node.iterdir(), key=lambda i: i.name):
            if item.is_dir():
                if item.name != "__pycache__":
                    walk(item, (*rel, item.name))
            elif item.name.endswith(".tmpl"):
                parts = [f"shuzhi_{spec.name}" if p == "package" else p for p in rel]
                path = "/".join([*parts, item.name.removesuffix(".tmpl")])
                text = item.read_text(encoding="utf-8")
                out[path] = string.Template(text).substitute(spec.fields)

    walk(root, ())
    return out


def create_plugin(spec: Spec, parent: Path) -> Path:
    """Write the plugin to ``parent/<name>/`` (refusing to overwrite) and return that folder."""
    target = parent / spec.name
    if target.exists():
        raise ScaffoldError(f"{target} 已经存在，不会覆盖；请换一个名称或用 --dir 另选目录。")
    files = render(spec)
    parent.mkdir(parents=True, exist_ok=True)
    staging = parent / f".{spec.name}.new-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir()  # not mkdtemp: that would be mode 0700 whatever the umask
        for rel, text in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
