"""Resolve a policy's parameters: defaults, then a tenant's overrides within bounds."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from shuzhi.policy.model import Param, Policy

PARAM_REF = "param"


class ParamError(ValueError):
    """Overrides that cannot be applied; ``errors`` maps parameter name to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _coerce(param: Param, value: Any) -> Any:
    t = param.type
    if t == "int":
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, str):
            value = value.strip()
        return int(value)
    if t == "number":
        return float(value)
    if t == "fraction":
        from shuzhi.policy.loader import _fraction

        f = _fraction(value)
        if f is None:
            raise ValueError
        return f
    if t == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in {"true", "1", "yes", "on", "是"}:
            return True
        if str(value).lower() in {"false", "0", "no", "off", "否"}:
            return False
        raise ValueError
    if t == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if t == "list":
        if not isinstance(value, list):
            raise ValueError
        return value
    return str(value)


def resolve(policy: Policy, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults with ``overrides`` applied; every problem reported at once, in Chinese."""
    values = policy.defaults()
    errors: dict[str, str] = {}
    for name, raw in (overrides or {}).items():
        param = policy.param(name)
        if param is None:
            errors[name] = "方案中没有这个参数"
            continue
        if not param.overridable:
            errors[name] = f"「{param.label}」由方案规定，不能修改"
            continue
        try:
            value = _coerce(param, raw)
        except (TypeError, ValueError):
            errors[name] = f"「{param.label}」的值 {raw!r} 格式不正确"
            continue
        if param.min is not None and value < param.min:
            errors[name] = f"「{param.label}」不能小于 {show(param.min)}"
        elif param.max is not None and value > param.max:
            errors[name] = f"「{param.label}」不能大于 {show(param.max)}"
        elif param.choices and value not in param.choices:
            errors[name] = f"「{param.label}」只能是 {'、'.join(map(str, param.choices))} 之一"
        else:
            values[name] = value
    if errors:
        raise ParamError(errors)
    return values


def value_of(setting: Any, params: dict[str, Any]) -> Any:
    """A rule setting with a ``{param = "name"}`` reference replaced by its value."""
    if isinstance(setting, dict) and set(setting) == {PARAM_REF}:
        return params[setting[PARAM_REF]]
    return setting


def param_name(setting: Any) -> str | None:
    if isinstance(setting, dict) and set(setting) == {PARAM_REF}:
        return setting[PARAM_REF]
    return None


def show(value: Any) -> str:
    """A figure as a plan writes it: 1/3, 65%, 2500."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        pct = value * 100
        if pct.denominator == 1:
            return f"{pct.numerator}%"
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_params_json(values: dict[str, Any]) -> dict[str, Any]:
    """Resolved parameters in a JSON-storable form (fractions as "1/3", dates ISO)."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, Fraction):
            out[k] = f"{v.numerator}/{v.denominator}"
        elif isinstance(v, date):
            out[k] = v.isoformat()
        else:
            out[k] = v
    return out
