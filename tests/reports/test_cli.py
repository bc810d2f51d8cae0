"""``shuzhi count`` and ``shuzhi check`` (issue 6 item 5): Word's figures, the outline and
findings in Chinese, exit codes 0 / 1 (an error-level finding) / 2 (bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from shuzhi.cli import main
from shuzhi.reports.cli import check_cmd, count_cmd
from shuzhi.reports.counting import count_words
from shuzhi.reports.uploads import read_upload
from tests.reports.samples import organ_report, village_report
from tests.reports.test_parse import THEMED


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    good = organ_report(practices=800, problems=1000, measures=420)
    bad = organ_report(practices=1300, problems=800, measures=500)
    out = {
        "yz_good": tmp_path / "达标.docx",
        "yz_bad": tmp_path / "超字数.docx",
        "tj_txt": tmp_path / "童家.txt",
        "themed": tmp_path / "主题式.txt",
        "png": tmp_path / "照片.docx",
        "speech": tmp_path / "发言稿.txt",
    }
    out["yz_good"].write_bytes(good.docx())
    out["yz_bad"].write_bytes(bad.docx())
    out["tj_txt"].write_text(
        village_report(practices=1175, problems=225, plans=300).text(), encoding="gb18030"
    )
    out["themed"].write_text(THEMED, encoding="utf-8")
    out["png"].write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    out["speech"].write_text("我们坚持党建引领。" * 200, encoding="utf-8")
    return out


def test_commands_are_registered() -> None:  # issue 6 item 5
    assert main.get_command(None, "count") is count_cmd  # type: ignore[arg-type]
    assert main.get_command(None, "check") is check_cmd  # type: ignore[arg-type]


def test_count_docx_and_json(runner: CliRunner, files) -> None:  # issue 6 item 5; COUNTING
    c = read_upload("x.docx", files["yz_good"].read_bytes()).count()
    res = runner.invoke(count_cmd, [str(files["yz_good"])])
    assert res.exit_code == 0 and res.output == f"字数 {c.words}\n字符数(不计空格) {c.chars_no_spaces}\n"
    res = runner.invoke(count_cmd, [str(files["yz_good"]), "--json"])
    assert res.output == json.dumps({"words": c.words, "chars_no_spaces": c.chars_no_spaces}) + "\n"


def test_count_stdin(runner: CliRunner) -> None:  # issue 6 item 5: stdin; COUNTING examples
    res = runner.invoke(count_cmd, ["--json"], input="Hello 世界\n東京2024オリンピック\n".encode())
    assert res.exit_code == 0 and res.output == '{"words": 12, "chars_no_spaces": 19}\n'
    res = runner.invoke(count_cmd, ["-", "--json"], input="①②③④⑤".encode())
    assert json.loads(res.output) == {"words": 1, "chars_no_spaces": 5}


def test_count_bad_input_exits_2(runner: CliRunner, files, tmp_path: Path) -> None:  # issue 6: bad input
    res = runner.invoke(count_cmd, [str(files["png"])])
    assert res.exit_code == 2 and "另存为" in res.stderr and "PNG" in res.stderr
    res = runner.invoke(count_cmd, [str(tmp_path / "没有这个文件.docx")])
    assert res.exit_code == 2 and "无法读取文件" in res.stderr


def test_check_passing_report_exits_0(runner: CliRunner, files) -> None:  # clause YZ-04; issue 6 item 5
    res = runner.invoke(check_cmd, [str(files["yz_good"]), "--policy", "yongzhou"])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "[0] 做法和成效" in out and "→ 做法和成效，把握 100%" in out
    assert "[4] 存在的问题及原因" in out and "→ 存在的问题及原因" in out
    assert "标题：2023年度履行抓基层党建工作责任述职报告" in out
    assert "共 0 项须修改" in out  # the editor's word for what blocks


def test_check_failing_report_exits_1(runner: CliRunner, files) -> None:  # clause YZ-04; issue 6 item 5
    res = runner.invoke(check_cmd, [str(files["yz_bad"]), "--policy", "yongzhou"])
    assert res.exit_code == 1
    assert "✗ 须修改 [YZ-04] 「做法和成效」部分" in res.output and "要求不超过1000字" in res.output
    assert "计算方法：按 Word 字数规则统计" in res.output


def test_check_set_overrides_a_parameter(runner: CliRunner, files) -> None:  # issue 6 item 5: --set
    args = [str(files["yz_bad"]), "--policy", "yongzhou", "--json"]
    before = json.loads(runner.invoke(check_cmd, args).output)
    after = json.loads(
        runner.invoke(
            check_cmd,
            [*args, "--set", "practices_max=2000", "--set", "problems_min=500", "--set", "max_total=3000"],
        ).output
    )
    assert any(f["rule_id"] == "YZ-04" and f["severity"] == "error" for f in before["findings"])
    assert not any(f["rule_id"] == "YZ-04" and f["severity"] == "error" for f in after["findings"])
    assert after["ok"] is True


def test_check_json_shape(runner: CliRunner, files) -> None:  # issue 6 item 5: --json
    res = runner.invoke(check_cmd, [str(files["tj_txt"]), "--policy", "tongjia", "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    assert body["policy"]["name"] == "tongjia"
    assert [row["part"] for row in body["outline"]] == [None, "practices", "problems", "plans"]
    assert {"rule_id", "severity", "message", "figure", "limit", "how"} <= set(body["findings"][0])
    assert any(f["rule_id"] == "TJ-06" for f in body["findings"])  # clause TJ-06


def test_check_topics_and_speech(runner: CliRunner, files, tmp_path: Path) -> None:  # clause SX-05, SX-06
    sample = organ_report(
        practices=1500,
        problems=700,
        measures=500,
        headings=("一、主要工作", "二、存在问题", "三、认识体会和努力方向"),
        intro=("今年以来，我坚持把抓基层党建作为最根本的政治责任，现将履职情况报告如下。",),
    )
    path = tmp_path / "遂溪.docx"
    path.write_bytes(sample.docx())
    base = [str(path), "--policy", "suixi"]
    res = runner.invoke(check_cmd, base)
    assert res.exit_code == 1 and "本组织还没有确定必答题" in res.output  # clause SX-05
    res = runner.invoke(check_cmd, [*base, "--topic", "党建与业务融合"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(check_cmd, [*base, "--topic", "党建与业务融合", "--speech", str(files["speech"])])
    speech = count_words(files["speech"].read_text(encoding="utf-8"))
    assert res.exit_code == 1 and f"发言稿 {speech}字，要求不超过1200字" in res.output  # clause SX-06


def test_check_unsure_outline_and_map(runner: CliRunner, files) -> None:  # issue 6 item 3: corrections
    base = [str(files["themed"]), "--policy", "tongjia"]
    res = runner.invoke(check_cmd, base)
    assert "结构识别可能不准" in res.output and "[1] 直面短板不足，深挖问题根源" in res.output
    res = runner.invoke(
        check_cmd, [*base, "--json", "--map", "0=practices", "--map", "1=problems", "--map", "3=plans"]
    )
    body = json.loads(res.output)
    assert [row["part"] for row in body["outline"]] == ["practices", "problems", "plans"]
    assert body["unsure"] is False


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--policy", "nowhere"], "没有名为 nowhere 的方案"),
        (["--policy", "yongzhou", "--set", "nonsense=1"], "方案中没有这个参数"),
        (["--policy", "yongzhou", "--set", "max_total=abc"], "格式不正确"),
        (["--policy", "yongzhou", "--set", "max_total"], "应写作 名称=值"),
        (["--policy", "yongzhou", "--map", "x=practices"], "标题序号应为数字"),
        (["--policy", "yongzhou", "--map", "99=practices"], "不存在"),
        (["--policy", "yongzhou", "--map", "0=nonsense"], "不是本方案的部分"),
    ],
)
def test_check_bad_input_exits_2(runner: CliRunner, files, args, says: str) -> None:  # issue 6 item 5: exit 2
    res = runner.invoke(check_cmd, [str(files["yz_good"]), *args])
    assert res.exit_code == 2, res.output
    assert says in res.stderr


def test_check_unreadable_file_exits_2(runner: CliRunner, files) -> None:  # issue 6 item 2 via the CLI
    res = runner.invoke(check_cmd, [str(files["png"]), "--policy", "yongzhou"])
    assert res.exit_code == 2 and "另存为" in res.stderr
