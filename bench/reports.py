"""Report import and checks: our full path against python-docx reading paragraphs.

    python bench/reports.py [--reps 30]

For a generated ~3,000字 report with tables and one of ~30,000字 (both as .docx
bytes), times in the same run, interleaved repetition by repetition in
alternating order:

- ours: the upload checks (size, type, zip directory, XML prologs, paragraph
  cap), python-docx open, the walk of body, tables, text boxes and notes,
  Word's count, sectioning and mapping to the yongzhou policy, and every check
  of that policy (declared rules and plugin rules) — what an upload costs;
- anchor: ``docx.Document(...)`` and ``[p.text for p in doc.paragraphs]`` —
  what the least a .docx reader does costs (it skips tables, so it reads less).

Prints both medians and the ratio (goal: ≤ 2×), and where our time goes.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time
from collections.abc import Callable

import docx
from _common import median_ms, quiet_gc, table

from shuzhi.plugins import hooks
from shuzhi.policy.params import resolve
from shuzhi.reports import docx_text, uploads
from shuzhi.reports.check import check_text
from shuzhi.reports.counting import count_words
from shuzhi.reports.parse import parse_report

SENTENCES = [
    "全年主持召开党组会议研究党建工作9次，专题听取机关党委工作汇报4次，推动党建责任层层落实。",
    "坚持把党的政治建设摆在首位，严格落实“第一议题”制度，组织理论学习中心组集中学习14次。",
    "例如，针对群众反映办事来回跑的问题，我们推行“一窗受理、集成服务”，将23个事项的办理时限压缩一半以上。",
    "所属6个党支部全部完成按期换届，新建党员活动室2个，评选“五星支部”2个，支部标准化建设全面达标。",
    "严格党员发展和教育管理，全年发展党员3名，组织党员参加集中培训4期，开展谈心谈话56人次。",
    "自己在学习上存在“以干代学”的现象，满足于参加集中学习，运用理论解决实际问题的能力还有差距。",
    "究其原因，主要是自己对“抓好党建是最大政绩”的认识还不够深刻，主观上存在重业务轻党建的倾向。",
    "坚持每季度开展1次专题研讨，全年带头讲党课不少于2次，推动党建工作与业务工作同谋划、同部署、同考核。",
]
PARTS = ["做法和成效", "存在的问题及原因", "改进的措施和打算"]
CN = "一二三四五六七八九十"


def build_report(target: int, seed: int) -> bytes:
    """A report of about ``target`` 字: title, addressee, three parts with sub-headings,
    a table every few paragraphs, a signature."""
    rng = random.Random(seed)
    d = docx.Document()
    d.add_paragraph("2023年度履行抓基层党建工作责任述职报告").alignment = 1
    d.add_paragraph("各位领导、同志们：")
    d.add_paragraph("根据市直工委的统一安排，现将本人履行抓基层党建工作第一责任人职责情况报告如下。")
    per_part = target // len(PARTS)
    for k, part in enumerate(PARTS):
        d.add_paragraph().add_run(f"{CN[k]}、{part}").bold = True
        words = sub = 0
        while words < per_part:
            if words >= sub * 400:
                sub += 1
                d.add_paragraph(f"（{CN[(sub - 1) % 10]}）第{sub}方面的工作")
            text = "".join(rng.choice(SENTENCES) for _ in range(3))
            d.add_paragraph(text)
            words += count_words(text)
            if rng.random() < 0.15:
                t = d.add_table(rows=3, cols=3)
                for r in range(3):
                    for c in range(3):
                        t.cell(r, c).text = f"指标{r}{c}" if r == 0 else str(rng.randrange(1, 500))
                words += 30
    d.add_paragraph("2024年1月10日").alignment = 2
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--reps", type=int, default=30)
    args = ap.parse_args(argv)

    hooks.load()
    policy = hooks.policy("yongzhou")
    assert policy is not None, "the yongzhou plugin is not installed"
    params = resolve(policy)

    def ours(data: bytes) -> object:
        imported = uploads.read_upload("述职报告.docx", data)
        imported.count()
        parsed = parse_report(imported.doc, policy)
        return check_text(policy, params, parsed)

    def anchor(data: bytes) -> object:
        doc = docx.Document(io.BytesIO(data))
        return [p.text for p in doc.paragraphs]

    # two stages of ours, timed on their own: the zip/XML/type checks, python-docx open + our walk
    def stage_checks(data: bytes) -> object:
        return uploads.check_docx(data)

    def stage_open_walk(data: bytes) -> object:
        return docx_text.extract(docx_text.open_document(data))

    rows = []
    for label, target, seed in (("3,000字 + tables", 3000, 1), ("30,000字 + tables", 30000, 2)):
        data = build_report(target, seed)
        parsed = parse_report(uploads.read_upload("x.docx", data).doc, policy)
        fns: dict[str, Callable[[bytes], object]] = {
            "ours": ours,
            "anchor": anchor,
            "checks": stage_checks,
            "open+walk": stage_open_walk,
        }
        samples: dict[str, list[float]] = {k: [] for k in fns}
        for fn in fns.values():  # warm-up
            fn(data)
        ratios = []
        with quiet_gc():
            for rep in range(args.reps):
                order = list(fns) if rep % 2 == 0 else list(reversed(fns))
                times = {}
                for name in order:
                    t0 = time.perf_counter()
                    fns[name](data)
                    times[name] = time.perf_counter() - t0
                for name, t in times.items():
                    samples[name].append(t)
                ratios.append(times["ours"] / times["anchor"])
        rows.append(
            [
                label,
                f"{len(data) / 1024:.0f} KB",
                f"{parsed.total.words:,}",
                f"{len(parsed.paragraphs):,}",
                f"{median_ms(samples['anchor']):.1f}",
                f"{median_ms(samples['ours']):.1f}",
                f"{median_ms(samples['checks']):.1f}",
                f"{median_ms(samples['open+walk']):.1f}",
                f"{statistics.median(ratios):.2f}×",
            ]
        )
    print(
        table(
            [
                "document",
                "size",
                "字数",
                "paragraphs",
                "anchor ms",
                "ours ms",
                "of which: upload checks",
                "open+walk",
                "ratio",
            ],
            rows,
        )
    )
    print(
        "\nanchor: python-docx open + Document.paragraphs text; ours: upload checks, open, walk "
        "(tables, boxes, notes), count, parse, every yongzhou check. Ratio: median of per-repetition "
        "ratios (goal ≤ 2×)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
