"""Reading YAML as a tree of PyYAML nodes, so every value keeps the line it came from.

`yaml.safe_load` forgets where a value was written and silently keeps the last of two duplicate
keys; a validator that names the file and line of each mistake needs the composed node tree
instead. These helpers compose a document, list a mapping's entries (flagging duplicate keys and
applying `<<` merge keys the way the YAML merge spec does) and turn scalar nodes into Python
values with PyYAML's safe rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = [
    "Entry",
    "MappingNode",
    "Node",
    "NodeProblem",
    "ScalarNode",
    "SequenceNode",
    "YamlSyntaxError",
    "compose",
    "describe",
    "entries",
    "is_null",
    "line",
    "scalar",
]

NULL_TAG = "tag:yaml.org,2002:null"
STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlSyntaxError(Exception):
    """A document PyYAML cannot parse, with the 1-based line it reports (0 when unknown)."""

    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class Entry:
    key: str  # the key as written (a plain scalar's text)
    key_node: Node
    value: Node


@dataclass(frozen=True)
class NodeProblem:
    line: int
    key: str
    message: str


def compose(text: str) -> Node | None:
    """The node tree of a single-document YAML text (None for an empty document).

    libyaml composes about three times faster (it matters for inventories of thousands of
    devices); on any error the pure-Python parser runs again, so the message an operator reads
    is the same whether or not PyYAML was built with libyaml.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "cannot parse"
        if mark is not None:
            message += f" (column {mark.column + 1})"
        if exc.context and exc.problem and exc.context_mark is not None:
            # The context names where the broken structure began, often lines above.
            at = f"line {exc.context_mark.line + 1}"
            if exc.context.startswith("while"):
                message = f"{message}, {exc.context} at {at}"
            else:
                message = f"{exc.context} ({at}), {message}"
        if "\\t" in (exc.problem or ""):  # PyYAML shows the tab escaped: '\t'
            message += "; YAML indents with spaces, not tabs"
        elif "<block" in (exc.problem or ""):
            message += "; check the indentation"
        raise YamlSyntaxError(mark.line + 1 if mark else 0, message) from None
    except yaml.reader.ReaderError as exc:
        where = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else 0
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        raise YamlSyntaxError(where, f"control character U+{code:04X} is not allowed") from None
    except yaml.YAMLError as exc:  # any other PyYAML complaint, reported rather than raised raw
        raise YamlSyntaxError(0, str(exc)) from None


def line(node: Node) -> int:
    """The 1-based line where a node starts."""
    return node.start_mark.line + 1


def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG)


_constructor = SafeConstructor()


def scalar(node: ScalarNode) -> object:
    """The Python value of a scalar node (str, int, float, bool, None, date...).

    Raises ValueError for a tag the safe loader does not know (`!secret`, `!!python/...`).
    """
    try:
        return _constructor.construct_object(node, deep=True)
    except ConstructorError:
        raise ValueError(f"unsupported YAML tag {node.tag!r}") from None


def describe(node: Node, *, reveal: bool = True) -> str:
    """How a node reads in an "expected X, got Y" message; `reveal=False` keeps its text out."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if is_null(node):
        return "nothing"
    if not reveal:
        return "a plain value"
    text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return repr(text) if node.tag == STR_TAG else text


def entries(
    node: MappingNode,
    _within: frozenset[int] = frozenset(),
    _memo: dict[int, list[Entry]] | None = None,
) -> tuple[list[Entry], list[NodeProblem]]:
    """A mapping's entries in order, with `<<` merges applied, and the problems found.

    Problems: a key written twice (PyYAML would silently keep the last one), a key that is not a
    plain scalar, a merge key whose value is not a mapping or a list of mappings.
    Keys written in the mapping itself win over merged ones; among several merged mappings the
    first wins (YAML merge key spec).
    """
    # An anchor may be merged into itself (`&a {<<: *a}`) or merged many times over through
    # layers of anchors: remember what is being expanded and what was expanded already.
    within = _within | {id(node)}
    memo = {} if _memo is None else _memo
    own: dict[str, Entry] = {}
    merged: list[Entry] = []
    problems: list[NodeProblem] = []
    for key_node, value in node.value:
        if key_node.tag == MERGE_TAG:
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for source in sources:
                if not isinstance(source, MappingNode):
                    problems.append(
                        NodeProblem(
                            line(source),
                            "<<",
                            f"a merge key needs a mapping or a list of mappings, "
                            f"got {describe(source)}",
                        )
                    )
                    continue
                if id(source) in within:
                    problems.append(
                        NodeProblem(line(source), "<<", "a mapping cannot be merged into itself")
                    )
                    continue
                if id(source) not in memo:
                    # The merged mapping's own problems are reported where it is defined.
                    memo[id(source)] = entries(source, within, memo)[0]
                merged.extend(memo[id(source)])
            continue
        if not isinstance(key_node, ScalarNode):
            problems.append(
                NodeProblem(
                    line(key_node), "?", f"a key must be a plain name, got {describe(key_node)}"
                )
            )
            continue
        key = key_node.value
        if key in own:
            problems.append(
                NodeProblem(
                    line(key_node),
                    key,
                    f"duplicate key {key!r} (first written at line {line(own[key].key_node)})",
                )
            )
            continue
        own[key] = Entry(key, key_node, value)
    result = list(own.values())
    seen = set(own)
    for entry in merged:
        if entry.key not in seen:
            seen.add(entry.key)
            result.append(entry)
    return result, problems
