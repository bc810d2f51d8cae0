"""Progress of reviews, own and rolled up over their sub-reviews, with overdue counts.

Grouped queries only: a review's subtree is a range of ``review_path`` on the
(tenant_id, review_path, stage) index, counted by (level, stage); its own
reporters are counted by (review_id, stage). Overdue counts come from the
same groups: a reporter is overdue when a passed deadline guards a step it
has not reached, unless an admin extended that step for it (CO-06).
Deadlines that depend on one review (a meeting date, a receiving org's kind)
are worked out per review, for the reviews where they have passed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from shuzhi.cycles.models import Extension, Reporter, Review, Scope
from shuzhi.cycles.stages import RANK, Step, at_least
from shuzhi.cycles.timeline import StagePlan, Timeline
from shuzhi.orgs.service import path_upper


@dataclass
class Progress:
    """Counts for a review: its reporters by stage, and how many are overdue."""

    by_stage: Counter[str] = field(default_factory=Counter)
    overdue: int = 0
    #: Reviews (in a subtree: sub-reviews too) past a deadline of their own.
    reviews_overdue: int = 0
    reviews: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())

    def reached(self, step: Step) -> int:
        return sum(self.by_stage[s] for s in at_least(step))

    @property
    def submitted(self) -> int:
        return self.reached(Step.SUBMITTED)

    @property
    def reviewed(self) -> int:
        """述职评议 held: on site at the meeting, or a written report past the meeting step."""
        return self.reached(Step.MEETING)

    @property
    def evaluated(self) -> int:
        return self.reached(Step.EVALUATED)

    @property
    def graded(self) -> int:
        return self.reached(Step.GRADED)

    @property
    def plans_in(self) -> int:
        """Rectification plans handed in."""
        return self.reached(Step.FILED)

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "submitted": self.submitted,
            "reviewed": self.reviewed,
            "evaluated": self.evaluated,
            "graded": self.graded,
            "plans_in": self.plans_in,
            "overdue": self.overdue,
            "reviews": self.reviews,
            "reviews_overdue": self.reviews_overdue,
        }


def _passed(due: date | None, today: date) -> bool:
    return due is not None and due < today


class Rollup:
    """Counts for some reviews of one campaign, as of ``today``."""

    def __init__(self, session: Session, campaign_id: int, timeline: Timeline, today: date) -> None:
        self.session = session
        self.campaign_id = campaign_id
        self.timeline = timeline
        self.today = today
        reporter_stages = [s for s in timeline.stages if s.step is not None and s.scope is Scope.REPORTER]
        #: Deadlines the same for every review of a level: counted from (level, stage) groups.
        self.level_wide = [
            s for s in reporter_stages if s.receiver_kinds is None and s.parsed and s.parsed.base != "meeting"
        ]
        #: Deadlines that depend on the review: its meeting date or its receiving org's kind.
        self.per_review = [s for s in reporter_stages if s not in self.level_wide]

    # --- thresholds ------------------------------------------------------------

    def _threshold(
        self, stages: Iterable[StagePlan], level: int, kind: str | None, meeting: date | None
    ) -> int:
        """Rank of the furthest step a passed deadline demands of this review's reporters (-1: none)."""
        bases = self.timeline.bases(meeting)
        top = -1
        for s in stages:
            if s.levels is not None and level not in s.levels:
                continue
            if s.receiver_kinds is not None and (kind is None or kind not in s.receiver_kinds):
                continue
            if _passed(s.due(bases), self.today):
                top = max(top, RANK[s.step])  # type: ignore[index]
        return top

    def _level_threshold(self, level: int) -> int:
        return self._threshold(self.level_wide, level, None, None)

    # --- queries -----------------------------------------------------------------

    def own(self, reviews: Sequence[Review]) -> dict[int, Progress]:
        """Each review's own reporters (not its sub-reviews')."""
        out = {r.id: Progress(reviews=1) for r in reviews}
        if not reviews:
            return out
        rows = self.session.execute(
            select(Reporter.review_id, Reporter.stage, func.count())
            .where(Reporter.review_id.in_([r.id for r in reviews]))
            .group_by(Reporter.review_id, Reporter.stage)
        )
        by_review = {r.id: r for r in reviews}
        for review_id, stage, n in rows:
            p = out[review_id]
            p.by_stage[stage.value] += n
            r = by_review[review_id]
            thr = max(
                self._level_threshold(r.level),
                self._threshold(self.per_review, r.level, r.receiver_kind, r.meeting_date),
            )
            if RANK[stage] < thr:
                p.overdue += n
        self._extensions(out, {r.id: (r.path, r.id) for r in reviews}, subtree=False)
        for r in reviews:
            out[r.id].reviews_overdue = int(self._review_overdue(r))
        return out

    def subtree(self, reviews: Sequence[Review]) -> dict[int, Progress]:
        """Each review with everything under it: one range scan per review, unioned."""
        out = {r.id: Progress() for r in reviews}
        if not reviews:
            return out
        parts = [
            select(literal(r.id).label("rid"), Reporter.level, Reporter.stage, func.count().label("n"))
            .where(Reporter.review_path >= r.path, Reporter.review_path < path_upper(r.path))
            .group_by(Reporter.level, Reporter.stage)
            for r in reviews
        ]
        stmt = parts[0] if len(parts) == 1 else union_all(*parts)
        for rid, level, stage, n in self.session.execute(stmt):
            p = out[rid]
            p.by_stage[Step(stage).value] += n
            if RANK[Step(stage)] < self._level_threshold(level):
                p.overdue += n
        self._per_review_overdue(reviews, out)
        self._extensions(out, {r.id: (r.path, None) for r in reviews}, subtree=True)
        self._reviews_in_subtree(reviews, out)
        return out

    def _per_review_overdue(self, reviews: Sequence[Review], out: dict[int, Progress]) -> None:
        """Deadlines that depend on each review: only the reviews where one has passed."""
        if not self.per_review:
            return
        for chunk in _chunks(self._dated_reviews(reviews), 2000):
            extra: dict[int, int] = {}  # review id -> its threshold rank
            for rid, level, kind, meeting in chunk:
                thr = self._threshold(self.per_review, level, kind, meeting)
                if thr > self._level_threshold(level):
                    extra[rid] = thr
            if not extra:
                continue
            paths = {
                rid: path
                for rid, path in self.session.execute(
                    select(Review.id, Review.path).where(Review.id.in_(list(extra)))
                )
            }
            rows = self.session.execute(
                select(Reporter.review_id, Reporter.level, Reporter.stage, func.count())
                .where(Reporter.review_id.in_(list(extra)))
                .group_by(Reporter.review_id, Reporter.level, Reporter.stage)
            )
            for rid, level, stage, n in rows:
                rank = RANK[stage]
                if self._level_threshold(level) <= rank < extra[rid]:  # not counted yet
                    for shown in reviews:
                        if paths[rid].startswith(shown.path):
                            out[shown.id].overdue += n

    def _dated_reviews(self, reviews: Sequence[Review]) -> list[tuple[int, int, str, date | None]]:
        conds = [and_(Review.path >= r.path, Review.path < path_upper(r.path)) for r in reviews]
        needs_meeting = any(s.parsed and s.parsed.base == "meeting" for s in self.per_review)
        stmt = select(Review.id, Review.level, Review.receiver_kind, Review.meeting_date).where(
            Review.campaign_id == self.campaign_id, or_(*conds)
        )
        if needs_meeting and not any(s.receiver_kinds for s in self.per_review):
            stmt = stmt.where(Review.meeting_date.is_not(None))
        return list(self.session.execute(stmt))

    def _extensions(
        self, out: dict[int, Progress], shown: dict[int, tuple[str, int | None]], *, subtree: bool
    ) -> None:
        """Take back the reporters counted overdue whose every missed step was extended."""
        rows = list(
            self.session.execute(
                select(
                    Extension.reporter_id,
                    Extension.step,
                    Extension.until,
                    Reporter.stage,
                    Reporter.level,
                    Reporter.review_id,
                    Reporter.review_path,
                    Review.receiver_kind,
                    Review.meeting_date,
                )
                .join(Reporter, Reporter.id == Extension.reporter_id)
                .join(Review, Review.id == Reporter.review_id)
                .where(Extension.campaign_id == self.campaign_id, Extension.until >= self.today)
            )
        )
        extended: dict[int, set[Step]] = {}
        info = {}
        for rid, step, _until, stage, level, review_id, path, kind, meeting in rows:
            extended.setdefault(rid, set()).add(step)
            info[rid] = (stage, level, review_id, path, kind, meeting)
        for rid, steps in extended.items():
            stage, level, review_id, path, kind, meeting = info[rid]
            bases = self.timeline.bases(meeting)
            missed = {
                s.step
                for s in self.level_wide + self.per_review
                if s.applies(level, kind) and _passed(s.due(bases), self.today) and RANK[stage] < RANK[s.step]  # type: ignore[index]
            }
            if missed and missed <= steps:
                for shown_id, (shown_path, own_id) in shown.items():
                    if (subtree and path.startswith(shown_path)) or (not subtree and review_id == own_id):
                        out[shown_id].overdue -= 1

    # --- reviews' own deadlines --------------------------------------------------

    def _review_overdue(self, review: Review) -> bool:
        for d in self.timeline.for_class(review.level, review.receiver_kind, review.meeting_date):
            s = d.stage
            if (
                s.scope is Scope.REVIEW
                and s.step is not None
                and _passed(d.due, self.today)
                and RANK[review.stage] < RANK[s.step]
            ):
                return True
        return False

    def _reviews_in_subtree(self, reviews: Sequence[Review], out: dict[int, Progress]) -> None:
        review_stages = [s for s in self.timeline.stages if s.scope is Scope.REVIEW and s.step is not None]
        parts = [
            select(
                literal(r.id).label("rid"),
                Review.level,
                Review.receiver_kind,
                Review.stage,
                Review.meeting_date,
                func.count().label("n"),
            )
            .where(Review.path >= r.path, Review.path < path_upper(r.path))
            .group_by(Review.level, Review.receiver_kind, Review.stage, Review.meeting_date)
            for r in reviews
        ]
        stmt = parts[0] if len(parts) == 1 else union_all(*parts)
        for rid, level, kind, stage, meeting, n in self.session.execute(stmt):
            out[rid].reviews += n
            bases = self.timeline.bases(meeting)
            for s in review_stages:
                if (
                    s.applies(level, kind)
                    and _passed(s.due(bases), self.today)
                    and RANK[Step(stage)] < RANK[s.step]
                ):  # type: ignore[index]
                    out[rid].reviews_overdue += n
                    break


def _chunks(items: list, size: int) -> Iterable[list]:  # type: ignore[type-arg]
    for i in range(0, len(items), size):
        yield items[i : i + size]
