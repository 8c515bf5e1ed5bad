"""The README stays true: every command, setting and page the code has is documented there."""

from __future__ import annotations

import re

from svd.cli import build_parser
from svd.config import repo_root

README = (repo_root() / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"python -m svd {name}" in README, name


def test_every_environment_setting_is_documented():
    code = "\n".join(
        p.read_text(encoding="utf-8") for p in [*repo_root().glob("svd/*.py"), *repo_root().glob("ui/*.py")]
    )
    settings = set(re.findall(r"\b(SVD_[A-Z_]+)\b", code)) - {"SVD_BENCH_ROWS"}
    for name in settings:
        assert f"`{name}" in README, name


def test_every_page_path_is_documented():
    app = (repo_root() / "app.py").read_text(encoding="utf-8")
    for path in re.findall(r'url_path="([^"]*)"', app):
        assert f"| `/{path}` |" in README, path


def test_the_two_setup_commands_come_first():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert first_block.strip().splitlines()[0].startswith("make run")
    assert first_block.strip().splitlines()[1].startswith("make test")
    ci = (repo_root() / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
