"""Texts typed into the editor in the editor, export and browser tests (童家镇's outline)."""

from __future__ import annotations

from tests.reports.samples import village_report

#: A first draft: one part, no 必答题 (TJ-04), far below 1500字 (TJ-10).
SHORT = "2023年度抓基层党建工作述职报告\n一、主要做法和成效\n今年我们加强了党员教育管理，开展主题党日活动。"


def tongjia_report(
    *, total: int = 1800, problems_share: float = 0.2, problems_heading: str = "二、存在的问题及原因分析"
) -> str:
    """A 村书记's report of about ``total`` 字 with the problems part at ``problems_share``."""
    problems = int(total * problems_share)
    plans = int(total * 0.12)
    sample = village_report(
        practices=total - problems - plans,
        problems=problems,
        plans=plans,
        problems_heading=problems_heading,
    )
    return "\n".join(sample.lines())
