"""``shuzhi new-plugin`` and the plugin author's guide (issue 5 item 6).

The guide's worked example (docs/plugins/README.md) is run here command by
command, so the guide stays true: ``<!-- guide:run -->`` blocks are run in a
scratch checkout, ``<!-- guide:output -->`` blocks must appear in the last
command's output, ``<!-- guide:append FILE -->`` blocks are appended to FILE.
``pip install -e DIR`` is the one command not run literally: it would change
the shared environment, so it is replaced by what it leaves for the platform
to find (a dist-info with the pyproject's entry points, and DIR on the path).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from shuzhi.cli import main
from shuzhi.policy.lint import lint
from shuzhi.policy.loader import load_policy_toml
from shuzhi.scaffold import render

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "plugins" / "README.md"
BIN = Path(sys.executable).parent
STEP = re.compile(r"<!-- guide:(run|output|append)\s*([^>]*?)\s*-->\s*```\w*\n(.*?)```", re.S)


def _shuzhi(*args: str) -> list[str]:
    script = BIN / "shuzhi"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from shuzhi.cli import main; main()", *args]


def _squash(text: str) -> str:
    return " ".join(text.split())


def fake_install(plugin_dir: Path, site: Path) -> None:
    """What ``pip install -e plugin_dir`` leaves for entry-point discovery, without touching the venv."""
    project = tomllib.loads((plugin_dir / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dist = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n", encoding="utf-8"
    )
    lines = []
    for group, points in project["entry-points"].items():
        lines += [f"[{group}]", *(f"{k} = {v}" for k, v in points.items()), ""]
    (dist / "entry_points.txt").write_text("\n".join(lines), encoding="utf-8")


@dataclass
class GuideRun:
    folder: Path
    steps: list[tuple[str, str, str]]
    results: list[tuple[str, subprocess.CompletedProcess[str]]] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> GuideRun:
    """The guide's steps, run in a scratch checkout that has the real pytest configuration."""
    folder = tmp_path_factory.mktemp("checkout")
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")  # pytest config as at the root
    run = GuideRun(folder, STEP.findall(GUIDE.read_text(encoding="utf-8")))
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "SHUZHI_BLOCK_PLUGINS"}}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    site = folder / "site"
    installed: list[str] = []
    for kind, arg, body in run.steps:
        if kind == "append":
            with (folder / arg).open("a", encoding="utf-8") as fh:
                fh.write(body)
        elif kind == "output":
            last_cmd, last = run.results[-1]
            seen = _squash(last.stdout + last.stderr)
            run.mismatches += [
                f"{last_cmd!r} did not print {line!r}:\n{last.stdout}{last.stderr}"
                for line in body.splitlines()
                if line.strip() and _squash(line) not in seen
            ]
        else:
            for line in body.splitlines():
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                words = shlex.split(line)
                extra = {}
                while "=" in words[0] and words[0].split("=")[0].isupper():
                    key, _, value = words.pop(0).partition("=")
                    extra[key] = value
                if words[:3] == ["pip", "install", "-e"]:
                    fake_install(folder / words[3], site)
                    installed += [str(site), str(folder / words[3])]
                    run.results.append((line, subprocess.CompletedProcess(words, 0, "", "")))
                    continue
                cmd = {"shuzhi": _shuzhi(), "python": [sys.executable]}[words[0]] + words[1:]
                step_env = {**env, **extra}
                if installed:
                    step_env["PYTHONPATH"] = os.pathsep.join(installed)
                proc = subprocess.run(
                    cmd, cwd=folder, env=step_env, capture_output=True, text=True, timeout=300
                )
                run.results.append((line, proc))
    return run


def test_guide_has_the_worked_example() -> None:
    # the guide walks through scaffold, edit, test, install, lint, block (issue 5 item 6)
    kinds = [k for k, _, _ in STEP.findall(GUIDE.read_text(encoding="utf-8"))]
    assert kinds.count("run") >= 6 and kinds.count("append") == 2 and kinds.count("output") >= 5


def test_fresh_scaffold_passes_its_own_tests_before_install(guide: GuideRun) -> None:
    # issue 5 item 6: `shuzhi new-plugin` output passes its tests out of the box, not yet installed
    # (its tests/conftest.py registers it; only shuzhi.testing fixtures are used)
    (cmd0, made), (cmd1, tested) = guide.results[:2]
    assert cmd0.startswith("shuzhi new-plugin") and made.returncode == 0, made.stderr
    assert cmd1.startswith("python -m pytest") and tested.returncode == 0, tested.stdout + tested.stderr
    assert "10 passed" in tested.stdout and "failed" not in tested.stdout


def test_guide_commands_run_as_written(guide: GuideRun) -> None:
    # every command of the guide exits 0 and prints what the guide shows (extend, test, lint, block)
    failed = [f"{cmd}\n{p.stdout}{p.stderr}" for cmd, p in guide.results if p.returncode != 0]
    assert not failed, failed
    assert not guide.mismatches, guide.mismatches
    assert [cmd for cmd, _ in guide.results][-1] == "SHUZHI_BLOCK_PLUGINS=qinghe shuzhi plugins"


# --- the generated files ----------------------------------------------------------------


def _new(tmp_path: Path, *args: str):
    return CliRunner().invoke(main, ["new-plugin", *args, "--dir", str(tmp_path)])


def test_scaffold_writes_a_complete_distribution(tmp_path: Path) -> None:
    # pyproject with entry point and package data, package, policy, hooks, tests, README
    result = _new(tmp_path, "lianhe", "--jurisdiction", "中共联合乡委员会", "--year", "2025")
    assert result.exit_code == 0, result.output
    assert "已创建插件 lianhe（条款前缀 LI）" in result.output
    root = tmp_path / "lianhe"
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "__init__.py",
        "pyproject.toml",
        "shuzhi_lianhe/__init__.py",
        "shuzhi_lianhe/plan.txt",
        "shuzhi_lianhe/plugin.py",
        "shuzhi_lianhe/policy.toml",
        "tests/__init__.py",
        "tests/conftest.py",
        "tests/test_policy.py",
    ]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "shuzhi-lianhe"
    assert project["project"]["entry-points"]["shuzhi"] == {"lianhe": "shuzhi_lianhe.plugin"}
    assert project["tool"]["setuptools"]["package-data"]["shuzhi_lianhe"] == ["policy.toml", "*.txt"]
    test_src = (root / "tests" / "test_policy.py").read_text(encoding="utf-8")
    assert re.findall(r"^from (\S+) import", test_src, re.M) == ["__future__", "shuzhi.testing"]


def test_generated_policy_loads_and_lints_clean(tmp_path: Path) -> None:
    # the generated policy.toml is valid format 1 and its figures are satisfiable together
    assert _new(tmp_path, "qinghe", "--prefix", "QH", "--title", "清河镇述职评议考核方案").exit_code == 0
    policy = load_policy_toml(tmp_path / "qinghe" / "shuzhi_qinghe" / "policy.toml", plugin="qinghe")
    assert policy.title == "清河镇述职评议考核方案"
    assert policy.clause_ids == tuple(f"QH-{i:02d}" for i in range(1, 8))
    assert {r.kind.value for r in policy.rules} == {
        "length",
        "required_sections",
        "section_order",
        "section_share",
    }
    assert [g.name for g in policy.grades] == ["好", "较好", "一般", "差"]
    assert "清河镇述职评议考核方案" in policy.seed_text
    result = lint(policy)
    assert result.ok and not result.contradictions


def test_generated_code_is_ruff_clean(tmp_path: Path) -> None:
    # the scaffold's Python passes the checkout's own lint and format rules
    ruff = shutil.which("ruff", path=str(BIN)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff not installed")
    assert _new(tmp_path, "qinghe").exit_code == 0
    config = ["--config", str(ROOT / "pyproject.toml")]
    for args in (["check", *config], ["format", "--check", *config]):
        proc = subprocess.run([ruff, *args, str(tmp_path / "qinghe")], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_render_fills_every_field() -> None:
    # no template field is left unfilled (string.Template.substitute would raise)
    from shuzhi.scaffold import Spec

    files = render(Spec("abc", "标题", "中共某委员会", "AB", 2024))
    assert all("${" not in text for text in files.values())
    assert 'name = "abc"' in files["shuzhi_abc/policy.toml"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Qinghe"], "只能用小写字母"),
        (["1qinghe"], "只能用小写字母"),
        (["q"], "只能用小写字母"),
        (["qing-he"], "只能用小写字母"),
        (["class"], "关键字或标准库模块同名"),
        (["json"], "关键字或标准库模块同名"),
        (["core"], "已被平台保留"),
        (["tongjia"], "已经安装了同名插件包 shuzhi_tongjia"),
        (["a1b"], "请用 --prefix 指定"),
        (["qinghe", "--prefix", "Q1"], "应为两个大写字母"),
        (["cozhen"], "条款前缀 CO 已被方案 common 使用"),
        (["qinghe", "--prefix", "TJ"], "条款前缀 TJ 已被方案 tongjia 使用"),
        (["qinghe", "--title", 'A"B'], "不能包含英文双引号"),
        (["qinghe", "--jurisdiction", " "], "不能为空"),
        (["qinghe", "--year", "1949"], "不合理"),
    ],
)
def test_bad_input_is_refused_with_exit_code_2(tmp_path: Path, args: list[str], message: str) -> None:
    # bad names and options: a clear Chinese message, exit code 2, nothing written
    result = _new(tmp_path, *args)
    assert result.exit_code == 2, result.output
    assert "错误：" in result.stderr and message in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_existing_folder_is_not_overwritten(tmp_path: Path) -> None:
    # a second run with the same name refuses and leaves the first plugin as it was
    assert _new(tmp_path, "qinghe").exit_code == 0
    policy = tmp_path / "qinghe" / "shuzhi_qinghe" / "policy.toml"
    policy.write_text("# mine\n", encoding="utf-8")
    result = _new(tmp_path, "qinghe")
    assert result.exit_code == 2 and "已经存在，不会覆盖" in result.stderr
    assert policy.read_text(encoding="utf-8") == "# mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["qinghe"]  # no staging folder left
