"""The Python examples of python/README.md and of the main README's "Use it
from Python" section run as they are written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def python_blocks(path: Path, section: str | None = None) -> list[str]:
    text = path.read_text()
    if section is not None:
        start = text.index(f"\n## {section}\n")
        end = text.find("\n## ", start + 1)
        text = text[start : end if end >= 0 else len(text)]
    return re.findall(r"```python\n(.*?)```", text, re.S)


@pytest.mark.parametrize(
    "path, section",
    [(ROOT / "python" / "README.md", None), (ROOT / "README.md", "Use it from Python")],
    ids=["python/README.md", "README.md"],
)
def test_readme_example(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, mockserver_binary: str, path: Path, section: str | None
) -> None:
    blocks = python_blocks(path, section)
    assert len(blocks) == 1, f"{path.name}: want one python example, found {len(blocks)}"
    monkeypatch.delenv("TOKENMOCK_URL", raising=False)
    monkeypatch.setenv("TOKENMOCK_BINARY", mockserver_binary)
    pytester.makepyfile(test_readme_example=blocks[0])
    tests = len(re.findall(r"^def test_", blocks[0], re.M))
    assert tests > 0
    pytester.runpytest().assert_outcomes(passed=tests)
