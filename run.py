#!/usr/bin/env python3
"""Set up and run Shuzhi from a fresh checkout: ``python3 run.py demo`` or ``python3 run.py test``.

Both create ``.venv`` (once, and again when a pyproject.toml changes) with the
core and every plugin installed editable, then run the demo or the test suite.
Needs only Python 3.11+ and the package index.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".shuzhi-installed"
ON_CI = os.environ.get("CI", "").lower() == "true"


def say(msg: str) -> None:
    print(f"[shuzhi] {msg}", flush=True)


def plugin_dirs() -> list[Path]:
    folder = ROOT / "plugins"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p / "pyproject.toml").exists())


def fingerprint() -> str:
    h = hashlib.sha256()
    for f in [ROOT / "pyproject.toml", *(p / "pyproject.toml" for p in plugin_dirs())]:
        h.update(f.read_bytes())
    return h.hexdigest()


def ensure_env() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - run.py may be started by an older python3
        sys.exit(f"Shuzhi needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        say(f"creating {VENV.name}/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    want = fingerprint()
    if STAMP.exists() and STAMP.read_text() == want:
        return
    say("installing Shuzhi and its plugins (editable) into .venv/ ...")
    pip = [str(PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    args = ["-e", f"{ROOT}[test,demo]"]
    for p in plugin_dirs():
        args += ["-e", str(p)]
    subprocess.run([*pip, *args], check=True)
    STAMP.write_text(want)


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), 1):
            return True
    except OSError:
        return False


def ensure_ci_services() -> None:
    """On CI the real PostgreSQL, Redis and Chromium are required, never skipped."""
    missing = [
        name
        for name, port in (("PostgreSQL", 5432), ("Redis", 6379))
        if not reachable("127.0.0.1", port)
    ]
    if missing:
        sys.exit(f"CI=true but not reachable on 127.0.0.1: {', '.join(missing)}")
    if not Path("/usr/bin/chromium").exists():
        say("installing Debian's chromium for the browser tests")
        apt = shutil.which("apt-get")
        if not apt:
            sys.exit("CI=true: chromium missing and apt-get not available")
        subprocess.run([apt, "update", "-qq"], check=True)
        subprocess.run(
            [apt, "install", "-y", "-qq", "chromium", "fonts-wqy-microhei"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )


def run_tests(extra: list[str]) -> int:
    if ON_CI:
        ensure_ci_services()
    say("ruff check")
    lint = subprocess.run([str(PY), "-m", "ruff", "check", "platform", "plugins", "tests", "bench", "run.py"], cwd=ROOT)
    if lint.returncode != 0:
        return lint.returncode
    say("pytest" + (" (CI: PostgreSQL, Redis and Chromium required)" if ON_CI else ""))
    code = subprocess.run([str(PY), "-m", "pytest", *extra], cwd=ROOT).returncode
    if code == 5:
        say("pytest collected no tests: that is a failure")
        return 1
    return code


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "setup"}:
        print(__doc__)
        print("usage: python3 run.py demo [--port N] | test [pytest args] | setup")
        return 2
    ensure_env()
    cmd, rest = argv[0], argv[1:]
    if cmd == "setup":
        return 0
    if cmd == "test":
        return run_tests(rest)
    os.chdir(ROOT)
    os.execv(str(BIN / "shuzhi"), [str(BIN / "shuzhi"), "demo", *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
