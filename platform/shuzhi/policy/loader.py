"""Load and validate policy.toml (format 1) into a :class:`~shuzhi.policy.model.Policy`.

Every error names the file, the line, and what is wrong, in Chinese, so a
plugin author (or a tenant admin reading the lint page) can fix it at once.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from shuzhi.policy.model import (
    Clause,
    ClauseKind,
    Grade,
    Param,
    Policy,
    Rule,
    RuleKind,
    SectionSpec,
    Severity,
    Stage,
    Topic,
    VoterGroup,
)

FORMAT = 1
CLAUSE_ID = re.compile(r"^[A-Z]{2}-\d{2}$")
PARAM_TYPES = {"int", "number", "fraction", "bool", "string", "date", "list"}
#: d days, w weeks, m months, wd working days (Chinese public holidays excluded, cycles/calendar.py).
RELATIVE_DEADLINE = re.compile(r"^(meeting|draw|open)([+-]\d+(?:wd|[dwm]))?$")

#: Which settings each rule kind accepts (beyond id, kind, severity, message).
RULE_SETTINGS: dict[RuleKind, set[str]] = {
    RuleKind.LENGTH: {"min", "max", "section", "document"},
    RuleKind.SECTION_ORDER: {"order"},
    RuleKind.REQUIRED_SECTIONS: {"sections"},
    RuleKind.SECTION_SHARE: {"sections", "min", "max"},
    RuleKind.TOPICS: {"topics", "source", "min", "max"},
    RuleKind.MENTIONS: {"keywords", "min_count"},
    RuleKind.COVERAGE: {"points", "min_covered"},
    RuleKind.DATA_USAGE: {"sections", "min_figures", "min_cases"},
    RuleKind.READING_TIME: {"max_minutes", "pace", "document"},
    RuleKind.PLACEHOLDERS: {"patterns"},
}


class PolicyFileError(ValueError):
    """A policy.toml that cannot be used; the message names file, line and problem."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line
        self.detail = message


class _Locator:
    """Finds the line of a table or key in the raw text (tomllib keeps no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def table(self, header: str, index: int = 0) -> int | None:
        pattern = re.compile(r"^\s*\[{1,2}\s*" + re.escape(header) + r"\s*\]{1,2}\s*(#.*)?$")
        seen = -1
        for no, line in enumerate(self.lines, 1):
            if pattern.match(line):
                seen += 1
                if seen == index:
                    return no
        return None

    def key(self, header: str | None, key: str, index: int = 0) -> int | None:
        start = self.table(header, index) if header else 0
        if start is None:
            return None
        pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        for no in range(start + 1 if header else 1, len(self.lines) + 1):
            text = self.lines[no - 1]
            if header and no > start and re.match(r"^\s*\[", text):
                break
            if pattern.match(text):
                return no
        return start


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.loc = _Locator(text)

    def fail(self, message: str, line: int | None) -> PolicyFileError:
        return PolicyFileError(self.path, message, line)

    def string(
        self, table: dict[str, Any], key: str, where: tuple[str | None, int], *, required: bool = True
    ) -> str:
        value = table.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(f"「{key}」必须是非空文本", self.loc.key(where[0], key, where[1]))
        return value

    def strings(self, table: dict[str, Any], key: str, where: tuple[str | None, int]) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(f"「{key}」必须是文本列表", self.loc.key(where[0], key, where[1]))
        return tuple(value)

    def unknown(self, table: dict[str, Any], allowed: set[str], where: tuple[str | None, int]) -> None:
        extra = sorted(set(table) - allowed)
        if extra:
            raise self.fail(
                f"不认识的设置「{extra[0]}」（可用：{'、'.join(sorted(allowed))}）",
                self.loc.key(where[0], extra[0], where[1]),
            )


def _fraction(value: Any) -> Fraction | None:
    """Numbers and "1/3"-style strings as exact fractions (shares, weights)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Fraction(str(value))
    if isinstance(value, str) and re.fullmatch(r"\d+\s*/\s*\d+|\d+(\.\d+)?%?", value.strip()):
        v = value.strip()
        if v.endswith("%"):
            return Fraction(v[:-1]) / 100
        if "/" in v:
            num, den = v.split("/")
            return Fraction(int(num), int(den)) if int(den) else None
        return Fraction(v)
    return None


def load_policy_toml(path: Path, *, plugin: str = "", version: str = "") -> Policy:
    """Read a plugin's policy.toml (and the seed text it names, beside it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyFileError(path, f"无法读取：{exc}") from exc
    return parse_policy(text, path=path, plugin=plugin, version=version)


def parse_policy(
    text: str, *, path: Path | str = "policy.toml", plugin: str = "", version: str = ""
) -> Policy:
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise PolicyFileError(path, f"TOML 语法错误：{exc}", int(m.group(1)) if m else None) from exc
    r = _Reader(path, text)
    r.unknown(
        data,
        {
            "format",
            "policy",
            "clause",
            "params",
            "section",
            "topic",
            "rule",
            "grade",
            "voter_group",
            "stage",
            "lint",
        },
        (None, 0),
    )
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise r.fail(f"不支持的 format = {fmt!r}（本版本支持 {FORMAT}）", r.loc.key(None, "format"))
    head = data.get("policy")
    if not isinstance(head, dict):
        raise r.fail("缺少 [policy] 表", None)
    where = ("policy", 0)
    r.unknown(head, {"name", "version", "title", "jurisdiction", "seed", "year"}, where)
    name = r.string(head, "name", where)
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,62}", name):
        raise r.fail("「name」只能用小写字母、数字和下划线", r.loc.key("policy", "name"))
    year = head.get("year")
    if year is not None and not isinstance(year, int):
        raise r.fail("「year」必须是年份整数", r.loc.key("policy", "year"))

    clauses = _clauses(r, data.get("clause", []))
    ids = {c.id for c in clauses}

    def known_clause(cid: str, header: str, index: int, key: str = "clause") -> str:
        if cid and cid not in ids:
            raise r.fail(f"引用了未声明的条款 {cid}", r.loc.key(header, key, index))
        return cid

    params = _params(r, data.get("params", {}), known_clause)
    sections = _sections(r, data.get("section", []), known_clause)
    topics = _topics(r, data.get("topic", []))
    rules = _rules(r, data.get("rule", []), ids, params, sections, topics)
    grades = _grades(r, data.get("grade", []))
    groups = _voter_groups(r, data.get("voter_group", []))
    stages = _stages(r, data.get("stage", []), known_clause)
    lint = data.get("lint", {})
    if not isinstance(lint, dict):
        raise r.fail("[lint] 必须是表", r.loc.table("lint"))
    r.unknown(lint, {"min_section_chars", "known"}, ("lint", 0))

    seed_file = head.get("seed", "")
    seed_text = ""
    if seed_file:
        seed_path = path.parent / seed_file
        try:
            seed_text = seed_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise r.fail(f"方案原文文件 {seed_file!r} 无法读取：{exc}", r.loc.key("policy", "seed")) from exc
    return Policy(
        name=name,
        version=str(head.get("version") or version or "0"),
        title=r.string(head, "title", where),
        jurisdiction=r.string(head, "jurisdiction", where),
        year=year,
        clauses=clauses,
        params=params,
        sections=sections,
        topics=topics,
        rules=rules,
        grades=grades,
        voter_groups=groups,
        stages=stages,
        lint=lint,
        seed_file=seed_file,
        seed_text=seed_text,
        plugin=plugin,
        source=str(path),
    )


def _array(r: _Reader, value: Any, header: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise r.fail(f"[[{header}]] 必须是表数组", r.loc.table(header))
    return value


def _enum(r: _Reader, enum_cls: Any, value: Any, header: str, index: int, key: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        allowed = "、".join(m.value for m in enum_cls)
        raise r.fail(
            f"「{key}」= {value!r} 不可用（可用：{allowed}）", r.loc.key(header, key, index)
        ) from None


def _clauses(r: _Reader, raw: Any) -> tuple[Clause, ...]:
    out: list[Clause] = []
    seen: set[str] = set()
    for i, item in enumerate(_array(r, raw, "clause")):
        where = ("clause", i)
        r.unknown(item, {"id", "kind", "severity", "text"}, where)
        cid = r.string(item, "id", where)
        if not CLAUSE_ID.match(cid):
            raise r.fail(f"条款编号应形如 YZ-08，而不是 {cid!r}", r.loc.key("clause", "id", i))
        if cid in seen:
            raise r.fail(f"条款 {cid} 重复声明", r.loc.key("clause", "id", i))
        seen.add(cid)
        kind = _enum(r, ClauseKind, item.get("kind"), "clause", i, "kind")
        severity = item.get("severity")
        sev = _enum(r, Severity, severity, "clause", i, "severity") if severity is not None else None
        if kind is ClauseKind.RULE and sev is None:
            raise r.fail(f"规则条款 {cid} 必须写明 severity（error 或 warning）", r.loc.table("clause", i))
        out.append(Clause(cid, kind, r.string(item, "text", where), sev))
    return tuple(out)


def _check_value(r: _Reader, ptype: str, value: Any, line: int | None, what: str) -> Any:
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "fraction": _fraction(value) is not None,
        "bool": isinstance(value, bool),
        "string": isinstance(value, str),
        "date": isinstance(value, date),
        "list": isinstance(value, list),
    }[ptype]
    if not ok:
        raise r.fail(f"{what} {value!r} 不是 {ptype} 类型", line)
    return _fraction(value) if ptype == "fraction" else value


def _params(r: _Reader, raw: Any, known_clause: Any) -> tuple[Param, ...]:
    if not isinstance(raw, dict):
        raise r.fail("[params] 必须是表", r.loc.table("params"))
    out = []
    for name, spec in raw.items():
        header = f"params.{name}"
        if not isinstance(spec, dict):
            raise r.fail(f"参数 {name} 必须是表 [params.{name}]", r.loc.key("params", name))
        where = (header, 0)
        r.unknown(spec, {"type", "default", "label", "clause", "min", "max", "choices", "overridable"}, where)
        ptype = spec.get("type")
        if ptype not in PARAM_TYPES:
            raise r.fail(
                f"参数 {name} 的 type 应为 {'、'.join(sorted(PARAM_TYPES))} 之一", r.loc.key(header, "type")
            )
        if "default" not in spec:
            raise r.fail(f"参数 {name} 缺少 default", r.loc.table(header))
        default = _check_value(
            r, ptype, spec["default"], r.loc.key(header, "default"), f"参数 {name} 的默认值"
        )
        lo = _check_value(r, ptype, spec["min"], r.loc.key(header, "min"), "下限") if "min" in spec else None
        hi = _check_value(r, ptype, spec["max"], r.loc.key(header, "max"), "上限") if "max" in spec else None
        if lo is not None and hi is not None and lo > hi:
            raise r.fail(f"参数 {name} 的下限大于上限", r.loc.key(header, "min"))
        if (lo is not None and default < lo) or (hi is not None and default > hi):
            raise r.fail(f"参数 {name} 的默认值超出上下限", r.loc.key(header, "default"))
        clause = known_clause(spec.get("clause", ""), header, 0)
        out.append(
            Param(
                name=name,
                type=ptype,
                default=default,
                label=r.string(spec, "label", where),
                clause=clause,
                min=lo,
                max=hi,
                choices=tuple(spec.get("choices", ())),
                overridable=bool(spec.get("overridable", True)),
            )
        )
    return tuple(out)


def _sections(r: _Reader, raw: Any, known_clause: Any) -> tuple[SectionSpec, ...]:
    out = []
    for i, item in enumerate(_array(r, raw, "section")):
        where = ("section", i)
        r.unknown(item, {"key", "name", "variants", "required", "clause"}, where)
        out.append(
            SectionSpec(
                key=r.string(item, "key", where),
                name=r.string(item, "name", where),
                variants=r.strings(item, "variants", where),
                required=bool(item.get("required", True)),
                clause=known_clause(item.get("clause", ""), "section", i),
            )
        )
    keys = [s.key for s in out]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise r.fail(f"部分 {sorted(dup)[0]} 重复声明", r.loc.table("section"))
    return tuple(out)


def _topics(r: _Reader, raw: Any) -> tuple[Topic, ...]:
    out = []
    for i, item in enumerate(_array(r, raw, "topic")):
        where = ("topic", i)
        r.unknown(item, {"key", "name", "keywords"}, where)
        keywords = r.strings(item, "keywords", where)
        if not keywords:
            raise r.fail("必答题至少要有一个关键词", r.loc.table("topic", i))
        out.append(Topic(r.string(item, "key", where), r.string(item, "name", where), keywords))
    return tuple(out)


def _rules(
    r: _Reader,
    raw: Any,
    ids: set[str],
    params: tuple[Param, ...],
    sections: tuple[SectionSpec, ...],
    topics: tuple[Topic, ...],
) -> tuple[Rule, ...]:
    param_names = {p.name for p in params}
    section_keys = {s.key for s in sections}
    topic_keys = {t.key for t in topics}
    out = []
    for i, item in enumerate(_array(r, raw, "rule")):
        where = ("rule", i)
        kind = _enum(r, RuleKind, item.get("kind"), "rule", i, "kind")
        r.unknown(item, {"id", "kind", "severity", "message"} | RULE_SETTINGS[kind], where)
        rid = r.string(item, "id", where)
        if rid not in ids:
            raise r.fail(f"规则引用了未声明的条款 {rid}", r.loc.key("rule", "id", i))
        severity = _enum(r, Severity, item.get("severity", "error"), "rule", i, "severity")
        settings = {k: v for k, v in item.items() if k not in {"id", "kind", "severity", "message"}}
        for key, value in settings.items():
            if isinstance(value, dict) and (set(value) != {"param"} or value["param"] not in param_names):
                raise r.fail(f"「{key}」引用的参数不存在：{value!r}", r.loc.key("rule", key, i))
        for key in ("section",):
            if key in settings and settings[key] not in section_keys:
                raise r.fail(f"未声明的部分 {settings[key]!r}", r.loc.key("rule", key, i))
        for key in ("sections", "order"):
            if key in settings:
                bad = [s for s in settings[key] if s not in section_keys]
                if bad:
                    raise r.fail(f"未声明的部分 {bad[0]!r}", r.loc.key("rule", key, i))
        if kind is RuleKind.TOPICS:
            bad = [t for t in settings.get("topics", []) if t not in topic_keys]
            if bad:
                raise r.fail(f"未声明的必答题 {bad[0]!r}", r.loc.key("rule", "topics", i))
        for key in ("min", "max"):
            v = settings.get(key)
            if v is not None and not isinstance(v, dict) and _fraction(v) is None:
                raise r.fail(f'「{key}」必须是数字、分数（如 "1/3"）或百分比', r.loc.key("rule", key, i))
        out.append(Rule(rid, kind, severity, settings, str(item.get("message", ""))))
    return tuple(out)


def _grades(r: _Reader, raw: Any) -> tuple[Grade, ...]:
    out = []
    for i, item in enumerate(_array(r, raw, "grade")):
        where = ("grade", i)
        r.unknown(item, {"key", "name", "points"}, where)
        points = item.get("points")
        if points is not None and (isinstance(points, bool) or not isinstance(points, int | float)):
            raise r.fail("「points」必须是数字", r.loc.key("grade", "points", i))
        out.append(Grade(r.string(item, "key", where), r.string(item, "name", where), points))
    return tuple(out)


def _voter_groups(r: _Reader, raw: Any) -> tuple[VoterGroup, ...]:
    out = []
    for i, item in enumerate(_array(r, raw, "voter_group")):
        where = ("voter_group", i)
        r.unknown(item, {"key", "name", "weight"}, where)
        weight = _fraction(item.get("weight"))
        if weight is None or not 0 < weight <= 1:
            raise r.fail("「weight」必须是 0 到 1 之间的数或百分比", r.loc.key("voter_group", "weight", i))
        out.append(VoterGroup(r.string(item, "key", where), r.string(item, "name", where), weight))
    if out and sum(g.weight for g in out) != 1:
        raise r.fail("各投票人类别的权重之和必须等于 100%", r.loc.table("voter_group"))
    return tuple(out)


def _stages(r: _Reader, raw: Any, known_clause: Any) -> tuple[Stage, ...]:
    out = []
    for i, item in enumerate(_array(r, raw, "stage")):
        where = ("stage", i)
        r.unknown(item, {"key", "name", "clause", "deadline", "reminders", "level"}, where)
        deadline = item.get("deadline")
        if isinstance(deadline, date):
            deadline = deadline.isoformat()
        elif deadline is not None and not (isinstance(deadline, str) and RELATIVE_DEADLINE.match(deadline)):
            raise r.fail(
                "「deadline」必须是日期（2024-01-22）或相对写法（meeting+1m）",
                r.loc.key("stage", "deadline", i),
            )
        reminders = item.get("reminders", [])
        if not isinstance(reminders, list) or not all(isinstance(x, int) and x >= 0 for x in reminders):
            raise r.fail("「reminders」必须是提前天数的列表，如 [7, 1]", r.loc.key("stage", "reminders", i))
        level = item.get("level")
        if level is not None and not (isinstance(level, int) and level >= 1):
            raise r.fail("「level」必须是从 1 开始的层级", r.loc.key("stage", "level", i))
        out.append(
            Stage(
                key=r.string(item, "key", where),
                name=r.string(item, "name", where),
                clause=known_clause(item.get("clause", ""), "stage", i),
                deadline=deadline,
                reminders=tuple(sorted(reminders, reverse=True)),
                level=level,
            )
        )
    return tuple(out)
