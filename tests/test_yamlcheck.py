"""checks/yamlcheck.py: the located-issue mechanism the inventory and server.yaml readers share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from checks import yamlnodes as yn
from checks.yamlcheck import Issue, IssueError, NodeReader, join, unknown_key


@dataclass(frozen=True)
class _Issue(Issue):
    pass


class _Reader(NodeReader[_Issue]):
    issue_type = _Issue


def _node(text: str) -> yn.Node:
    node = yn.compose(text)
    assert node is not None
    return node


def test_issue_str_with_and_without_line_and_path() -> None:
    assert str(Issue("a.yaml", 3, "x.y", "bad")) == "a.yaml:3: x.y: bad"
    assert str(Issue("a.yaml", 0, "", "file not found")) == "a.yaml: file not found"
    error = IssueError([Issue("a.yaml", 1, "a", "one"), Issue("a.yaml", 2, "", "two")])
    assert str(error) == "a.yaml:1: a: one\na.yaml:2: two"


def test_join_and_unknown_key() -> None:
    assert join("", "a") == "a"
    assert join("a", 1) == "a.1"
    assert unknown_key("prot", ("port", "timeout")) == (
        "unknown key; did you mean 'port'? allowed keys: port, timeout"
    )
    assert unknown_key("zzz", ("port",)) == "unknown key; allowed keys: port"


def test_fields_report_duplicates_and_unknown_keys_with_lines() -> None:
    reader = _Reader("f.yaml")
    found = reader.fields(_node("a: 1\nb: 2\na: 3\n"), "top", ("a",))
    assert list(found) == ["a"]
    assert [str(i) for i in reader.sorted_issues()] == [
        "f.yaml:2: top.b: unknown key; allowed keys: a",
        "f.yaml:3: top.a: duplicate key 'a' (first written at line 1)",
    ]


def test_unlocated_reader_gives_line_zero() -> None:
    reader = _Reader("f.yaml", located=False)
    assert reader.fields(_node("- 1\n"), "x", ("a",)) == {}
    assert [str(i) for i in reader.issues] == ["f.yaml: x: expected a mapping, got a list"]


def test_secret_references(tmp_path: Path) -> None:
    reader = _Reader("f.yaml", tmp_path)
    secret = reader.secret(_node("{file: s.txt}"), "pw")
    assert secret is not None and secret.file == str(tmp_path / "s.txt")
    assert secret.where == "f.yaml:1: pw"
    assert reader.secret(_node("hunter2"), "pw") is None
    assert reader.secret(_node("{env: 1BAD}"), "pw") is None
    assert reader.secret(_node("{env: A, file: b}"), "pw") is None
    messages = [i.message for i in reader.issues]
    assert messages[0].startswith("secrets are never inline: write {env: VARIABLE}")
    assert "hunter2" not in " ".join(messages)
    assert messages[1].startswith("expected an environment variable name")
    assert messages[2].startswith("expected exactly one of env or file")
