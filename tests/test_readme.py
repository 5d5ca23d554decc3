"""README.md promises only what runs: its pytest snippet is a file CI runs, its links work from PyPI."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from mockserver.cli import parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_pytest_snippet_is_the_example_file_verbatim():
    marker = re.search(r"<!-- pytest-snippet: (\S+) -->\n```python\n(.*?)```\n", README, re.S)
    assert marker is not None, "README.md lost its pytest-snippet marker"
    path, block = marker.groups()
    assert path.startswith("examples/")  # in testpaths: CI runs it with the README's test command
    assert (ROOT / path).read_text(encoding="utf-8") == block


def test_every_link_and_image_is_absolute():
    """A user who installed the wheel reads the README on PyPI, where relative links break."""
    targets = re.findall(r"\]\(([^)]+)\)", README)
    assert targets
    relative = [target for target in targets if not target.startswith(("https://", "http://", "#"))]
    assert relative == []


def test_project_urls_point_at_the_docs():
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert {"Homepage", "Documentation", "Source", "Changelog"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())


def test_help_names_no_file_the_wheel_lacks():
    """`infrai-mock --help` names no relative docs/ or spec/ file (the wheel ships neither folder);
    the absolute paths it names (the packaged control spec) exist."""
    text = parser().format_help()
    assert not re.search(r"(?<![/\w])(docs|spec)/\S+", text), text
    for path in re.findall(r"(?<![\w:/])/\S+\.(?:yaml|json|md)", text):
        assert Path(path).is_file(), path
