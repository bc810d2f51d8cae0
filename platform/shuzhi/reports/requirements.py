"""What a plan asks of a report's way to the meeting, read from its own wording.

The plans say it in words, not in fields, so the words decide (each seed as
the plugins carry it in their clauses and stages):

* a **pre-review** before the report counts as submitted: the campaign has the
  ``pre_review`` step and the timeline stage naming it — TJ-02 “述职报告电子档经
  包片领导审核后交党建办”, GH-01 “述职报告报党总支审核把关（会议召开前）”;
* **approval and seal** at submission: the clause guarding the submit step
  says 盖章 — YZ-05 “经党组（党委）讨论通过盖章后”: the body that approved it
  is named and someone attests the approval, with the scan of the stamped
  paper copy attached; SX-03 “党组织书记签字，并加盖党组织公章”: the signed
  and stamped copy's scan is attached;
* **verification guidance**: a workflow clause naming a 核查组 that guides the
  revision — YZ-06 — lets reviewers leave guidance notes (not only comments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shuzhi.policy.model import Policy

_APPROVED_BY = re.compile(r"经(?P<body>[^，。；、经]{2,12}?)(?:讨论)?(?:研究)?(?:审议)?通过")
_SIGNED = re.compile(r"签字")
_SEAL = re.compile(r"盖章|公章|加盖")
_VERIFY = re.compile(r"核查组")


@dataclass(frozen=True)
class Requirements:
    #: The pre-review step's name (None: the plan has none), and its clause.
    pre_review: str | None = None
    pre_review_clause: str = ""
    #: A scan of the signed/stamped copy must be attached before submitting.
    seal: bool = False
    seal_clause: str = ""
    seal_text: str = ""
    #: The body that approves the report before submission (YZ-05: 党组（党委）).
    approving_body: str | None = None
    #: The signature the copy carries (SX-03: the secretary's).
    signed: bool = False
    #: The clause of a 核查组 guiding the revision (YZ-06), if any.
    verification_clause: str = ""


def derive(policy: Policy, stages: list[Any], workflow_steps: list[str]) -> Requirements:
    """Requirements from the pinned policy and the campaign's timeline stages (cycles' StagePlans)."""
    clauses = {c.id: c for c in policy.clauses}
    pre_name, pre_clause = None, ""
    if "pre_review" in workflow_steps:
        for s in stages:
            if str(getattr(s, "step", "") or "") == "pre_review":
                pre_name, pre_clause = s.name, s.clause
                break
        pre_name = pre_name or "审核"
    seal = signed = False
    seal_clause = seal_text = ""
    body = None
    for s in stages:
        if str(getattr(s, "step", "") or "") != "submitted":
            continue
        clause = clauses.get(s.clause)
        words = f"{s.name}；{clause.text if clause else ''}"
        if _SEAL.search(words):
            seal, seal_clause, seal_text = True, s.clause, clause.text if clause else s.name
            m = _APPROVED_BY.search(words)
            body = m.group("body") if m else None
            signed = bool(_SIGNED.search(words))
            break
    verification = next((c.id for c in policy.clauses if _VERIFY.search(c.text) and "指导" in c.text), "")
    return Requirements(
        pre_review=pre_name,
        pre_review_clause=pre_clause,
        seal=seal,
        seal_clause=seal_clause,
        seal_text=seal_text,
        approving_body=body,
        signed=signed,
        verification_clause=verification,
    )
