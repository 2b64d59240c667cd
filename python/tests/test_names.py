"""Session names: safe, distinct, tagged, within the mock's 64 characters."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import use_url

import tokenmock as tm


def short_hash(node_id: str) -> str:
    return hashlib.sha256(node_id.encode()).hexdigest()[:8]


@pytest.mark.parametrize(
    ("node_id", "want"),
    [
        ("test_login.py::test_refresh", "test_login.py..test_refresh-ab12cd"),
        ("test_a.py::TestX::test_y", "test_a.py..TestX..test_y-ab12cd"),
        ("tests/test_a.py::test_b", "tests.test_a.py..test_b-{h}-ab12cd"),
        ("test_a.py::test_b[x y/ü]", "test_a.py..test_b_x_y.__-{h}-ab12cd"),
        ("odd..name.py::test_b", "odd..name.py..test_b-{h}-ab12cd"),  # ".." is no longer only "::"
        ("..", "..-{h}-ab12cd"),
        ("", "-{h}-ab12cd"),
    ],
)
def test_session_name(node_id: str, want: str) -> None:
    assert tm.session_name(node_id, "ab12cd") == want.format(h=short_hash(node_id))


def test_session_name_without_tag() -> None:
    assert tm.session_name("test_a.py::test_b") == "test_a.py..test_b"
    assert tm.session_name("a" * 64) == "a" * 64
    assert tm.session_name("a" * 65) == "a" * 55 + "-" + short_hash("a" * 65)


def test_long_names_are_cut_and_hashed() -> None:
    base = "test_long.py::test_" + "x" * 60
    a, b = tm.session_name(base + "1", "ab12cd"), tm.session_name(base + "2", "ab12cd")
    assert len(a) == len(b) == tm.MAX_NAME_LEN
    assert a != b
    assert a == ("test_long.py..test_" + "x" * 60)[:48] + "-" + short_hash(base + "1") + "-ab12cd"


def test_session_rejects_bad_names(shared_server: tm.Server) -> None:
    for bad in ["", ".", "..", "a/b", "a b", "x" * 65, "é"]:
        with pytest.raises(ValueError, match="want 1 to 64 of"):
            shared_server.session(bad)
    assert shared_server.session("x" * 64).clock().session == "x" * 64


NAMED = """
import json, os, pytest

def record(name):
    with open(os.environ["NAMES_OUT"], "a") as f:
        f.write(json.dumps(name) + "\\n")

def test_plain(tokenmock):
    record(tokenmock.name)
    assert tokenmock.clock().session == tokenmock.name  # the mock takes the name
    assert tokenmock.base_url == tokenmock.url + "/s/" + tokenmock.name
    assert tokenmock.headers == {"X-Mock-Session": tokenmock.name}

@pytest.mark.parametrize("arg", ["a/b", "a b", "ü", "a_b", "a-b"])
def test_params(tokenmock, arg):
    record(tokenmock.name)
    assert tokenmock.clock().session == tokenmock.name

def test_a_very_long_name_that_goes_on_and_on_past_the_mocks_sixty_four_characters(tokenmock):
    record(tokenmock.name)
    assert tokenmock.clock().session == tokenmock.name

class TestGroup:
    def test_method(self, tokenmock):
        record(tokenmock.name)
        assert tokenmock.clock().session == tokenmock.name
"""


def run_named(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, out: Path) -> list[str]:
    monkeypatch.setenv("NAMES_OUT", str(out))
    inner.makepyfile(test_named=NAMED)
    inner.runpytest().assert_outcomes(passed=8)
    names = [json.loads(line) for line in out.read_text().splitlines()]
    out.unlink()
    return names


def test_names_of_real_tests(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, shared_server: tm.Server) -> None:
    use_url(monkeypatch, shared_server)
    out = inner.path / "names.jsonl"
    names = run_named(inner, monkeypatch, out)
    assert len(set(names)) == 8, names  # every test its own session
    tags = {name.rsplit("-", 1)[1] for name in names}
    assert len(tags) == 1, names  # one tag for the whole run
    tag = tags.pop()
    assert names[0] == f"test_named.py..test_plain-{tag}"
    assert names[-1] == f"test_named.py..TestGroup..test_method-{tag}"
    for name in names:
        assert len(name) <= tm.MAX_NAME_LEN
        tm.client.check_name(name)
    params = "test_named.py::test_params[{}]"
    assert names[1] == f"test_named.py..test_params_a.b_-{short_hash(params.format('a/b'))}-{tag}"
    # A second run (another process would be the same) gets another tag.
    again = run_named(inner, monkeypatch, out)
    assert {name.rsplit("-", 1)[1] for name in again} != {tag}
    assert [name.rsplit("-", 1)[0] for name in again] == [name.rsplit("-", 1)[0] for name in names]
