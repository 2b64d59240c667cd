"""python/README.md's Python example runs as it is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, mockserver_binary: str) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) == 1, "python/README.md: want one python example"
    monkeypatch.delenv("TOKENMOCK_URL", raising=False)
    monkeypatch.setenv("TOKENMOCK_BINARY", mockserver_binary)
    pytester.makepyfile(test_readme_example=blocks[0])
    tests = len(re.findall(r"^def test_", blocks[0], re.M))
    assert tests > 0
    pytester.runpytest().assert_outcomes(passed=tests)
