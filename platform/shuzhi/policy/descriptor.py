"""A policy's descriptor, as a plugin declares it in ``policy.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLAUSE_ID = re.compile(r"^[A-Z]{2}-\d{2}$")


class PolicyFileError(ValueError):
    """A policy.toml that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class PolicyDescriptor:
    name: str
    version: str
    title: str
    jurisdiction: str
    clauses: tuple[str, ...]
    seed_file: str = ""
    seed_text: str = ""
    plugin: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def load_policy_toml(path: Path, *, plugin: str = "", version: str = "") -> PolicyDescriptor:
    """Read a plugin's policy.toml (and the seed text it names, beside it)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyFileError(f"{path}: {exc}") from exc
    policy = data.get("policy")
    if not isinstance(policy, dict):
        raise PolicyFileError(f"{path}: missing [policy] table")
    for key in ("name", "title", "jurisdiction"):
        if not isinstance(policy.get(key), str) or not policy[key]:
            raise PolicyFileError(f"{path}: [policy].{key} must be a non-empty string")
    clauses = policy.get("clauses", [])
    if not isinstance(clauses, list) or not all(isinstance(c, str) for c in clauses):
        raise PolicyFileError(f"{path}: [policy].clauses must be a list of clause ids")
    bad = [c for c in clauses if not CLAUSE_ID.match(c)]
    if bad:
        raise PolicyFileError(f"{path}: clause ids must look like YZ-08, got {bad}")
    seed_file = policy.get("seed", "")
    seed_text = ""
    if seed_file:
        seed_path = path.parent / seed_file
        try:
            seed_text = seed_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyFileError(f"{path}: seed file {seed_file!r} unreadable: {exc}") from exc
    return PolicyDescriptor(
        name=policy["name"],
        version=str(policy.get("version") or version or "0"),
        title=policy["title"],
        jurisdiction=policy["jurisdiction"],
        clauses=tuple(clauses),
        seed_file=seed_file,
        seed_text=seed_text,
        plugin=plugin,
        extra={k: v for k, v in data.items() if k != "policy"},
    )
