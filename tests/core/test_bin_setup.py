"""`bin/setup` (sourced by bin/run and bin/test) when a system package is missing and apt cannot
install it, because apt is busy (another install holds the lock) or absent: it says what to
install and carries on; the run is never aborted (only what needs the package degrades).

The script runs from a copy of the repository's bin/setup beside one app listing a package that
does not exist, with the real .venv (requirements unchanged, so nothing is reinstalled).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MISSING = "postloom-test-package-that-does-not-exist"
# `apt-get update` works; `apt-get install` finds dpkg's lock held, as apt says it then.
BUSY_APT = """#!/bin/sh
case " $* " in *" install "*)
    echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
    exit 100 ;;
esac
exit 0
"""


@pytest.fixture
def repo(tmp_path) -> Path:
    copy = tmp_path / "repo"
    (copy / "bin").mkdir(parents=True)
    (copy / "backend" / "posters").mkdir(parents=True)
    shutil.copy(ROOT / "bin" / "setup", copy / "bin" / "setup")
    shutil.copy(ROOT / "requirements.txt", copy / "requirements.txt")
    (copy / "backend" / "posters" / "SYSTEM_PACKAGES").write_text(f"# fonts\n{MISSING}\n")
    return copy


def source_setup(repo: Path, path: str) -> subprocess.CompletedProcess:
    venv = Path(sys.executable).parents[1]
    env = {**os.environ, "PATH": path, "POSTLOOM_VENV": str(venv), "TMPDIR": str(repo), "POSTLOOM_APT_LOCK_TIMEOUT": "1"}
    return subprocess.run(
        [shutil.which("bash"), "-c", 'source bin/setup && echo "setup carried on"'],
        cwd=repo, env=env, capture_output=True, text=True, timeout=120,
    )


def test_a_busy_apt_does_not_abort_the_run(repo, tmp_path):
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    (fake / "apt-get").write_text(BUSY_APT)
    (fake / "apt-get").chmod(0o755)
    done = source_setup(repo, f"{fake}:{os.environ['PATH']}")
    assert done.returncode == 0, done.stderr
    assert "setup carried on" in done.stdout
    assert f"please install these system packages: {MISSING}" in done.stderr


def test_an_absent_apt_does_not_abort_the_run(repo, tmp_path):
    # A PATH with only what a shell script needs: no apt-get, no dpkg.
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("bash", "cat", "sha256sum", "cut", "dirname", "basename", "id"):
        (tools / tool).symlink_to(shutil.which(tool))
    done = source_setup(repo, str(tools))
    assert done.returncode == 0, done.stderr
    assert "setup carried on" in done.stdout
    assert f"please install these system packages: {MISSING}" in done.stderr
