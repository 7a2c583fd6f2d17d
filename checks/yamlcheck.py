"""Validating a composed YAML tree (checks/yamlnodes.py) with every mistake located.

What the readers of inventory.yaml and server.yaml (policy, notifications, the rest) share:
    Issue(file, line, path, message)   str()s as "file:line: field.path: message"
                                       (line 0: the file itself, or a line that means nothing)
    IssueError(issues)                 an exception listing every issue, one a line
    join(path, key)                    "a.b" field paths
    unknown_key(key, allowed)          "unknown key; did you mean 'x'? allowed keys: ..."
    NodeReader                         a base class collecting issues while a file's own reader
                                       walks the tree: add, mapping, fields, value, text,
                                       path_value, secret
    BAD                                what `value()` returns for a node that is not a usable scalar
Each file keeps its own issue and error subclasses, its sections and its own value rules (how
numbers are bounded, whether text is stripped); only the mechanism lives here.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from checks import yamlnodes as yn
from checks.secrets import Secret

BAD = object()  # a node that is not a usable scalar (a bad tag is already reported)
SECRET_EXPECTED = "{env: VARIABLE} or {file: path} (a file of mode 0600)"
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SECRET_KEYS = ("env", "file")


@dataclass(frozen=True)
class Issue:
    file: str
    line: int  # 1-based; 0 when the problem is the file itself or the line is unknown
    path: str  # dotted field path, e.g. "policy.deadlines.urban.1.onsite"
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


IssueT = TypeVar("IssueT", bound=Issue)


class IssueError(Exception, Generic[IssueT]):
    """Every problem of one file; str() lists them, one a line."""

    def __init__(self, issues: list[IssueT]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def unknown_key(key: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key; {hint}allowed keys: {', '.join(allowed)}"


class NodeReader(Generic[IssueT]):
    """Walks a node tree once, collecting every issue on the way (subclasses read the sections).

    `located=False`: the tree was composed from a dumped dict, whose lines mean nothing to the
    person who wrote the dict, so issues carry line 0. Relative file paths are taken from
    `base_dir`. `check_secrets=True` reads every secret now and reports the unusable ones.
    """

    issue_type: type[IssueT]
    inline_secret = "secrets are never inline"  # the start of the message for `password: hunter2`

    def __init__(
        self,
        file: str,
        base_dir: Path | None = None,
        *,
        located: bool = True,
        check_secrets: bool = False,
    ):
        self.file = file
        self.base_dir = base_dir  # None: the current folder, when a path is read
        self.located = located
        self.check_secrets = check_secrets
        self.issues: list[IssueT] = []

    def add(self, at: yn.Node | int | None, path: str, message: str) -> None:
        line = 0 if at is None else at if isinstance(at, int) else yn.line(at)
        self.issues.append(self.issue_type(self.file, line if self.located else 0, path, message))

    def sorted_issues(self) -> list[IssueT]:
        return sorted(self.issues, key=lambda issue: issue.line)

    def where(self, node: yn.Node, path: str) -> str:
        """Where a secret is referenced, for the messages of Secret.reveal()."""
        return f"{self.file}:{yn.line(node)}: {path}" if self.located else f"{self.file}: {path}"

    # --- shapes ---

    def mapping(
        self, node: yn.Node, path: str, expected: str = "a mapping"
    ) -> list[yn.Entry] | None:
        """A mapping's entries (duplicate keys and bad merges reported), None when not one."""
        if not isinstance(node, yn.MappingNode):
            self.add(node, path, f"expected {expected}, got {yn.describe(node)}")
            return None
        entries, problems = yn.entries(node)
        for problem in problems:
            self.add(problem.line, join(path, problem.key), problem.message)
        return entries

    def known(
        self, entries: Sequence[yn.Entry], path: str, allowed: Sequence[str]
    ) -> dict[str, yn.Node]:
        """The entries whose key is allowed; every other key reported with a suggestion."""
        found: dict[str, yn.Node] = {}
        for entry in entries:
            if entry.key in allowed:
                found[entry.key] = entry.value
            else:
                self.add(entry.key_node, join(path, entry.key), unknown_key(entry.key, allowed))
        return found

    def fields(self, node: yn.Node, path: str, allowed: Sequence[str]) -> dict[str, yn.Node]:
        """A mapping with a fixed set of keys ({} when it is not a mapping, reported)."""
        return self.known(self.mapping(node, path) or [], path, allowed)

    def value(self, node: yn.Node, path: str) -> object:
        """A scalar node's value, or BAD (a bad tag is reported here, other shapes by callers)."""
        if not isinstance(node, yn.ScalarNode):
            return BAD
        try:
            return yn.scalar(node)
        except ValueError as exc:
            self.add(node, path, str(exc))
            return BAD

    def text(self, node: yn.Node, path: str, what: str = "a string") -> str | None:
        """A non-blank string, stripped."""
        if isinstance(node, yn.ScalarNode) and node.tag == yn.STR_TAG and node.value.strip():
            return node.value.strip()
        self.add(node, path, f"expected {what}, got {yn.describe(node)}")
        return None

    def path_value(self, text: str) -> str:
        """A file path as written: `~` expanded, a relative one taken from base_dir."""
        path = Path(os.path.expanduser(text))
        return str(path if path.is_absolute() else (self.base_dir or Path.cwd()) / path)

    def secret(self, node: yn.Node, path: str) -> Secret | None:
        """`{env: VAR}` or `{file: path}`; never read here unless check_secrets is on."""
        expected = SECRET_EXPECTED
        if isinstance(node, yn.ScalarNode) and not yn.is_null(node):
            # Never echo the value: it is most likely the secret itself.
            self.add(node, path, f"{self.inline_secret}: write {expected}")
            return None
        if not isinstance(node, yn.MappingNode):
            self.add(node, path, f"expected {expected}, got {yn.describe(node, reveal=False)}")
            return None
        found = self.fields(node, path, SECRET_KEYS)
        if found is None:
            return None
        if ("env" in found) == ("file" in found):
            self.add(node, path, f"expected exactly one of env or file: {expected}")
            return None
        where = self.where(node, path)
        if "env" in found:
            env = found["env"]
            if not (
                isinstance(env, yn.ScalarNode)
                and env.tag == yn.STR_TAG
                and ENV_NAME.fullmatch(env.value)
            ):
                # Not echoed either: a secret pasted here by mistake must not reach a log.
                self.add(
                    env,
                    join(path, "env"),
                    "expected an environment variable name (letters, digits and _, "
                    "not starting with a digit)",
                )
                return None
            secret = Secret(env=env.value, where=where)
        else:
            text = self.text(found["file"], join(path, "file"), "a file path")
            if text is None:
                return None
            secret = Secret(file=self.path_value(text), where=where)
        if self.check_secrets:
            problem = secret.problem()
            if problem is not None:
                self.add(node, path, problem)
                return None
        return secret
