"""The read-only command allowlist: which CLI commands may ever be sent to a customer's device.

`check_command(platform, command)` returns the canonical, fully expanded command (the only text
the SSH transport sends) or raises `CommandRefused` with a precise reason. The knowledge is data,
in `allowlist.yaml` beside this file (its header documents the form notation); this module only
interprets it. Allow by match only: a command passes if, after the platform's abbreviations are
expanded token by token, it matches an allowed form; the deny tables only make refusals readable.

Pure: no I/O besides reading the YAML once, no network, nothing from agent/.

PUBLIC API
    check_command(platform, command) -> str          canonical command, or raises CommandRefused
    CommandRefused(reason)                           .reason, .platform, .command
    load_allowlist(path=None) -> Allowlist           the default file is read once and cached
    Allowlist.check(platform, command) -> str
    Allowlist.platform(platform) -> PlatformRules    session ("interactive" | "exec"),
                                                     session_writes, cli_errors, forms()
    AllowlistError                                   a malformed allowlist file
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).with_name("allowlist.yaml")

MAX_LENGTH = 256
SESSIONS = ("interactive", "exec")
SYNTAXES = ("keywords", "options")
FLAG = "flag"
# What an exec platform's canonical command may contain: it is handed to a shell as is.
SHELL_SAFE = re.compile(r"[A-Za-z0-9_ ,:/.=+-]+")
_TYPE_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_FORM_TOKEN = re.compile(r"\[[^\]]*\]|\([^)]*\)|\S+")


class CommandRefused(Exception):
    """A command that must not be sent; `reason` says why, precisely enough to fix it."""

    def __init__(self, reason: str, platform: str = "", command: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.platform = platform
        self.command = command


class AllowlistError(Exception):
    """The allowlist file itself is malformed (names the file and the key path)."""


# ---------------------------------------------------------------- the form notation


@dataclass(frozen=True)
class Lit:
    word: str


@dataclass(frozen=True)
class Arg:
    type: str


Atom = Lit | Arg
Seq = tuple[Atom, ...]


@dataclass(frozen=True)
class ArgType:
    name: str
    regex: re.Pattern[str]
    means: str

    def accepts(self, token: str) -> bool:
        return self.regex.fullmatch(token) is not None


def _parse_atom(text: str, types: dict[str, ArgType], where: str, lower: bool) -> Atom:
    if _TYPE_NAME.fullmatch(text):
        if text not in types:
            raise AllowlistError(f"{where}: unknown argument type {text!r}")
        return Arg(text)
    return Lit(text.lower() if lower else text)


def parse_form(text: str, types: dict[str, ArgType], where: str, lower: bool) -> list[Seq]:
    """Expand one form into every concrete sequence of atoms it allows."""
    choices: list[list[Seq]] = []
    for token in _FORM_TOKEN.findall(text):
        if token[0] in "[(":
            optional = token[0] == "["
            body = token[1:-1]
            if any(c in body for c in "[]()"):
                raise AllowlistError(f"{where}: groups do not nest: {text!r}")
            alternatives = [
                tuple(_parse_atom(a, types, where, lower) for a in alt.split())
                for alt in body.split("|")
            ]
            if any(not alt for alt in alternatives):
                raise AllowlistError(f"{where}: empty alternative in {token!r}")
            choices.append(([()] if optional else []) + alternatives)
        else:
            if any(c in token for c in "[]()|"):
                raise AllowlistError(f"{where}: malformed token {token!r} in {text!r}")
            choices.append([(_parse_atom(token, types, where, lower),)])
    return [tuple(itertools.chain.from_iterable(combo)) for combo in itertools.product(*choices)]


def _describe_atoms(atoms: list[Atom], types: dict[str, ArgType]) -> str:
    words = sorted({a.word for a in atoms if isinstance(a, Lit)})
    args = sorted({a.type for a in atoms if isinstance(a, Arg)})
    parts = words + [f"{types[t].means} ({t})" for t in args]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " or " + parts[-1]


# ---------------------------------------------------------------- a platform's rules


@dataclass(frozen=True)
class OptionsCommand:
    name: str
    options: dict[str, Atom | None]  # option -> value atom, None for a flag; in canonical order
    operands: list[Seq]
    operands_text: str = ""


@dataclass
class PlatformRules:
    name: str
    session: str
    syntax: str
    types: dict[str, ArgType]
    abbreviate: bool = False
    abbreviations: dict[str, dict[str, str]] = field(default_factory=dict)
    sequences: list[Seq] = field(default_factory=list)  # syntax: keywords
    form_texts: list[str] = field(default_factory=list)
    commands: dict[str, OptionsCommand] = field(default_factory=dict)  # syntax: options
    combine_short_flags: bool = False
    prefixes: tuple[str, ...] = ()
    deny: dict[str, dict[str, str]] = field(default_factory=dict)
    filters: dict[str, list[Seq]] = field(default_factory=dict)
    deny_filters: dict[str, str] = field(default_factory=dict)
    session_writes: tuple[str, ...] = ()
    cli_errors: tuple[re.Pattern[str], ...] = ()

    def forms(self) -> list[str]:
        """The allowed forms, as written in the allowlist (for help texts)."""
        if self.syntax == "keywords":
            return list(self.form_texts)
        out = []
        for cmd in self.commands.values():
            opts = " ".join(
                f"[{o}]" if v is None else f"[{o} {_atom_text(v)}]" for o, v in cmd.options.items()
            )
            out.append(" ".join(p for p in (cmd.name, opts, cmd.operands_text) if p))
        return out

    def cli_error(self, output: str) -> str | None:
        """The vendor's own error line when `output` is a refusal by the device, else None."""
        lines = [line.strip() for line in output.splitlines() if line.strip()][:4]
        for line in lines:
            if any(p.search(line) for p in self.cli_errors):
                return line
        return None


def _atom_text(atom: Atom) -> str:
    return atom.word if isinstance(atom, Lit) else atom.type


# ---------------------------------------------------------------- loading


class _UniqueKeyLoader(yaml.SafeLoader):
    pass


def _no_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise AllowlistError(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)

_PLATFORM_KEYS = {
    "extends",
    "session",
    "syntax",
    "abbreviate",
    "abbreviations",
    "forms",
    "commands",
    "combine_short_flags",
    "prefixes",
    "common_options",
    "deny",
    "filters",
    "deny_filters",
    "session_writes",
    "cli_errors",
}


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise AllowlistError(f"{where}: expected a mapping with text keys")
    return value


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AllowlistError(f"{where}: expected a list of strings")
    return value


def _text_map(value: Any, where: str) -> dict[str, str]:
    out = _mapping(value, where)
    for key, text in out.items():
        if not isinstance(text, str):
            raise AllowlistError(f"{where}.{key}: expected text")
    return out


class Allowlist:
    """The parsed allowlist file: per platform, its rules."""

    def __init__(self, data: Any, source: str):
        self.source = source
        root = _mapping(data, source)
        unknown = set(root) - {"version", "types", "platforms"}
        if unknown:
            raise AllowlistError(f"{source}: unknown keys {sorted(unknown)}")
        if root.get("version") != 1:
            raise AllowlistError(f"{source}: version must be 1")
        self.types: dict[str, ArgType] = {}
        for name, spec in _mapping(root.get("types"), f"{source}: types").items():
            where = f"{source}: types.{name}"
            spec = _mapping(spec, where)
            if set(spec) != {"pattern", "means"} or not _TYPE_NAME.fullmatch(name):
                raise AllowlistError(f"{where}: needs exactly pattern and means, an UPPER name")
            try:
                regex = re.compile(spec["pattern"])
            except re.error as exc:
                raise AllowlistError(f"{where}.pattern: {exc}") from None
            self.types[name] = ArgType(name, regex, str(spec["means"]))
        raw = _mapping(root.get("platforms"), f"{source}: platforms")
        self._platforms: dict[str, PlatformRules] = {}
        for name in raw:
            self._platforms[name] = self._build(name, self._resolve(name, raw, ()))

    def _resolve(self, name: str, raw: dict[str, Any], chain: tuple[str, ...]) -> dict[str, Any]:
        where = f"{self.source}: platforms.{name}"
        if name in chain:
            raise AllowlistError(f"{where}: extends loops through {' -> '.join(chain)}")
        spec = _mapping(raw[name], where)
        unknown = set(spec) - _PLATFORM_KEYS
        if unknown:
            raise AllowlistError(f"{where}: unknown keys {sorted(unknown)}")
        parent = spec.get("extends")
        if parent is None:
            return spec
        if parent not in raw:
            raise AllowlistError(f"{where}.extends: no platform {parent!r}")
        merged = dict(self._resolve(parent, raw, (*chain, name)))
        merged.update({k: v for k, v in spec.items() if k != "extends"})
        return merged

    def _build(self, name: str, spec: dict[str, Any]) -> PlatformRules:
        where = f"{self.source}: platforms.{name}"
        session, syntax = spec.get("session"), spec.get("syntax")
        if session not in SESSIONS:
            raise AllowlistError(f"{where}.session: one of {', '.join(SESSIONS)}")
        if syntax not in SYNTAXES:
            raise AllowlistError(f"{where}.syntax: one of {', '.join(SYNTAXES)}")
        lower = syntax == "keywords"
        rules = PlatformRules(name=name, session=session, syntax=syntax, types=self.types)
        rules.deny = {
            ctx: {
                k.lower() if lower else k: v for k, v in _text_map(table, f"{where}.deny").items()
            }
            for ctx, table in _mapping(spec.get("deny"), f"{where}.deny").items()
        }
        rules.filters = {
            fname.lower(): parse_form(text, self.types, f"{where}.filters.{fname}", lower=False)
            for fname, text in _text_map(spec.get("filters"), f"{where}.filters").items()
        }
        rules.deny_filters = {
            k.lower(): v for k, v in _text_map(spec.get("deny_filters"), where).items()
        }
        rules.session_writes = tuple(_strings(spec.get("session_writes"), where))
        try:
            rules.cli_errors = tuple(
                re.compile(p) for p in _strings(spec.get("cli_errors"), f"{where}.cli_errors")
            )
        except re.error as exc:
            raise AllowlistError(f"{where}.cli_errors: {exc}") from None
        if syntax == "keywords":
            if spec.get("abbreviate", "none") not in ("prefix", "none"):
                raise AllowlistError(f"{where}.abbreviate: prefix or none")
            rules.abbreviate = spec.get("abbreviate") == "prefix"
            rules.abbreviations = {
                ctx.lower(): {k.lower(): v.lower() for k, v in _text_map(t, where).items()}
                for ctx, t in _mapping(spec.get("abbreviations"), where).items()
            }
            rules.form_texts = _strings(spec.get("forms"), f"{where}.forms")
            for i, text in enumerate(rules.form_texts):
                rules.sequences += parse_form(text, self.types, f"{where}.forms[{i}]", lower)
            if not rules.sequences:
                raise AllowlistError(f"{where}.forms: no forms")
        else:
            rules.combine_short_flags = bool(spec.get("combine_short_flags", False))
            rules.prefixes = tuple(_strings(spec.get("prefixes"), f"{where}.prefixes"))
            common = _text_map(spec.get("common_options"), f"{where}.common_options")
            commands = _mapping(spec.get("commands"), f"{where}.commands")
            if not commands:
                raise AllowlistError(f"{where}.commands: no commands")
            for cname, cspec in commands.items():
                cwhere = f"{where}.commands.{cname}"
                cspec = _mapping(cspec, cwhere)
                if set(cspec) - {"options", "operands"}:
                    raise AllowlistError(f"{cwhere}: only options and operands")
                options: dict[str, Atom | None] = {}
                for opt, value in {**_text_map(cspec.get("options"), cwhere), **common}.items():
                    if not re.fullmatch(r"-[A-Za-z][A-Za-z0-9]*", opt):
                        raise AllowlistError(f"{cwhere}.options: bad option name {opt!r}")
                    if rules.combine_short_flags and len(opt) != 2:
                        raise AllowlistError(f"{cwhere}.options: {opt!r} is not a short option")
                    options[opt] = None if value == FLAG else self._value(value, cwhere, opt)
                operands_text = cspec.get("operands") or ""
                if not isinstance(operands_text, str):
                    raise AllowlistError(f"{cwhere}.operands: expected text")
                operands = parse_form(operands_text, self.types, cwhere, lower=False)
                for atom in [*options.values(), *(a for s in operands for a in s)]:
                    if isinstance(atom, Arg) and self._option_like(atom.type):
                        raise AllowlistError(
                            f"{cwhere}: type {atom.type} accepts a word starting with '-', "
                            "which the command would read as an option"
                        )
                rules.commands[cname] = OptionsCommand(cname, options, operands, operands_text)
        return rules

    def _option_like(self, type_name: str) -> bool:
        probes = ("-", "--", "-a", "-A", "-1", "-a1", "-/", "-:")
        return any(self.types[type_name].accepts(probe) for probe in probes)

    def _value(self, text: str, where: str, opt: str) -> Atom:
        seqs = parse_form(text, self.types, f"{where}.options.{opt}", lower=False)
        if len(seqs) == 1 and len(seqs[0]) == 1:
            return seqs[0][0]
        # An enumeration such as (yes|no): represented as a synthetic argument type.
        words = [s[0].word for s in seqs if len(s) == 1 and isinstance(s[0], Lit)]
        if len(words) != len(seqs):
            raise AllowlistError(f"{where}.options.{opt}: one TYPE or (a|b|...) of words")
        tname = "ONE_OF_" + "_".join(re.sub(r"\W", "_", w).upper() for w in words)
        if tname not in self.types:
            regex = re.compile("|".join(re.escape(w) for w in words))
            self.types[tname] = ArgType(tname, regex, "one of " + ", ".join(words))
        return Arg(tname)

    @property
    def platforms(self) -> list[str]:
        return sorted(self._platforms)

    def platform(self, name: str) -> PlatformRules:
        try:
            return self._platforms[name]
        except KeyError:
            raise CommandRefused(
                f"no read-only allowlist for platform {name!r} "
                f"(allowlists exist for {', '.join(self.platforms)})",
                name,
            ) from None

    def check(self, platform: str, command: str) -> str:
        rules = self.platform(platform)
        try:
            return _check(rules, command)
        except CommandRefused as exc:
            raise CommandRefused(exc.reason, platform, command) from None


@functools.cache
def _default() -> Allowlist:
    return load_allowlist(DEFAULT_PATH)


def load_allowlist(path: str | Path | None = None) -> Allowlist:
    """Parse an allowlist file (the bundled one, cached, when `path` is None)."""
    if path is None:
        return _default()
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise AllowlistError(f"{path}: {exc}") from None
    except AllowlistError as exc:
        raise AllowlistError(f"{path}: {exc}") from None
    return Allowlist(data, str(path))


def check_command(platform: str, command: str) -> str:
    """The canonical command to send for `command` on `platform`, or raise CommandRefused."""
    return _default().check(platform, command)


# ---------------------------------------------------------------- checking


_CHAINING = (("&&", "command chaining"), ("||", "command chaining"), (";", "command chaining"))
_SUBSTITUTION = (("`", "command substitution"), ("$(", "command substitution"))


def _check(rules: PlatformRules, command: str) -> str:
    p = rules.name
    if not command.strip():
        raise CommandRefused("empty command")
    if len(command) > MAX_LENGTH:
        raise CommandRefused(f"command longer than {MAX_LENGTH} characters")
    if "\n" in command or "\r" in command:
        raise CommandRefused("a newline in a command is refused (it would start a second command)")
    for ch in command:
        if ord(ch) > 126:
            raise CommandRefused(f"non-ASCII character {ch!r} is refused")
        if ord(ch) < 32 or ord(ch) == 127:
            raise CommandRefused(f"control character 0x{ord(ch):02x} is refused")
    for token, what in _CHAINING:
        if token in command:
            raise CommandRefused(f"{what} ({token!r}) is refused")
    for token, what in _SUBSTITUTION:
        if token in command:
            raise CommandRefused(f"{what} ({token!r}) is refused")
    if "${" in command:
        raise CommandRefused("variable expansion ('${') is refused")
    if "&" in command:
        raise CommandRefused("command chaining ('&') is refused")
    for ch in "<>":
        if ch in command:
            raise CommandRefused(f"redirection ({ch!r}) is refused")
    if "'" in command or '"' in command:
        raise CommandRefused("quotes are refused (arguments are plain words)")
    if "\\" in command:
        raise CommandRefused("backslashes are refused")
    if rules.session == "exec" and "$" in command:
        raise CommandRefused("shell expansion ('$') is refused")

    head, *pipes = command.split("|")
    if not head.strip():
        raise CommandRefused("no command before '|'")
    canonical = (_keywords if rules.syntax == "keywords" else _options)(rules, head.split())
    for segment in pipes:
        canonical += " | " + _filter(rules, segment)
    if len(pipes) > 1:
        raise CommandRefused(f"only one output filter is allowed on {p}")
    if rules.session == "exec" and not SHELL_SAFE.fullmatch(canonical):
        # Defence in depth: every type pattern should already have kept such characters out.
        raise CommandRefused(f"'{canonical}' contains characters unsafe for a shell")
    return canonical


def _filter(rules: PlatformRules, segment: str) -> str:
    p = rules.name
    words = segment.split()
    if not words:
        raise CommandRefused("an empty output filter after '|' is refused")
    typed = words[0]
    name = typed.lower()
    if not rules.filters:
        raise CommandRefused(
            f"pipe into {typed!r} is not an allowed output filter on {p} "
            f"(it allows none: Patrol filters the output itself)"
        )
    allowed = sorted(rules.filters)
    candidates = [f for f in (*allowed, *rules.deny_filters) if f.startswith(name)]
    if name in rules.filters or name in rules.deny_filters:
        candidates = [name]
    if len(candidates) > 1:
        raise CommandRefused(
            f"ambiguous output filter {typed!r} on {p}: {', '.join(sorted(candidates))}"
        )
    if not candidates:
        raise CommandRefused(
            f"pipe into {typed!r} is not an allowed output filter on {p} "
            f"(allowed: {', '.join(allowed)})"
        )
    name = candidates[0]
    if name in rules.deny_filters:
        raise CommandRefused(
            f"pipe into {name!r} is not an allowed output filter on {p}: {rules.deny_filters[name]}"
        )
    # The pattern is the rest of the segment, inner spacing kept: it is a regular expression.
    pattern = segment.strip()[len(typed) :].strip()
    for seq in rules.filters[name]:
        if not seq and not pattern:
            return name
        if len(seq) == 1 and isinstance(seq[0], Arg) and rules.types[seq[0].type].accepts(pattern):
            return f"{name} {pattern}"
    if not pattern:
        raise CommandRefused(f"output filter {name!r} needs a pattern")
    means = _describe_atoms([a for s in rules.filters[name] for a in s], rules.types)
    raise CommandRefused(f"{pattern!r} is not a valid pattern for '| {name}' on {p}: {means}")


def _keywords(rules: PlatformRules, tokens: list[str]) -> str:
    p = rules.name
    live = rules.sequences
    done: list[str] = []  # canonical tokens so far
    for i, typed in enumerate(tokens):
        context = " ".join(done)
        shown = f"after '{context}' " if done else ""
        nexts = [s[i] for s in live if len(s) > i]
        if not nexts:
            raise CommandRefused(f"unexpected {typed!r} after '{context}' on {p}")
        literals = sorted({a.word for a in nexts if isinstance(a, Lit)})
        denied = rules.deny.get(context, {})
        word = typed.lower()
        so_far = " ".join(tokens[: i + 1])
        resolved: str | None = None
        if word in literals:
            resolved = word
        elif word in denied:
            _refuse_denied(rules, done, word, so_far, denied[word])
        elif (abbr := rules.abbreviations.get(context, {}).get(word)) is not None and (
            abbr in literals or abbr in denied
        ):
            if abbr in denied:
                _refuse_denied(rules, done, abbr, so_far, denied[abbr])
            resolved = abbr
        elif rules.abbreviate:
            allowed_hits = [w for w in literals if w.startswith(word)]
            denied_hits = sorted(w for w in denied if w.startswith(word))
            hits = sorted({*allowed_hits, *denied_hits})
            if len(hits) == 1 and allowed_hits:
                resolved = allowed_hits[0]
            elif len(hits) == 1:
                _refuse_denied(rules, done, hits[0], so_far, denied[hits[0]])
            elif allowed_hits:
                raise CommandRefused(
                    f"ambiguous abbreviation {typed!r} {shown}on {p}: {', '.join(hits)}"
                )
            elif denied_hits:
                full = " or ".join(f"'{' '.join([*done, h])}'" for h in denied_hits)
                level = "is not a read-only command" if not done else "is not allowed"
                raise CommandRefused(f"{typed!r} ({full}) {level} on {p}")
        if resolved is not None:
            live = [s for s in live if len(s) > i and s[i] == Lit(resolved)]
            done.append(resolved)
            continue
        matching = [
            s
            for s in live
            if len(s) > i and isinstance(s[i], Arg) and rules.types[s[i].type].accepts(typed)
        ]
        if matching:
            live = matching
            done.append(typed)
            continue
        if not done:
            raise CommandRefused(
                f"'{typed}' is not a read-only command on {p} (not in its allowlist)"
            )
        raise CommandRefused(
            f"'{context} {typed}' is not in the read-only allowlist of {p} "
            f"(after '{context}': {_describe_atoms(nexts, rules.types)})"
        )
    if not any(len(s) == len(tokens) for s in live):
        nexts = [s[len(tokens)] for s in live if len(s) > len(tokens)]
        raise CommandRefused(
            f"'{' '.join(done)}' is incomplete on {p}: expected "
            f"{_describe_atoms(nexts, rules.types)}"
        )
    return " ".join(done)


def _refuse_denied(rules: PlatformRules, done: list[str], word: str, typed: str, why: str) -> None:
    """`typed`: the tokens as the operator wrote them, up to and including the denied one."""
    full = " ".join([*done, word])
    as_typed = f" (typed {typed!r})" if typed.lower() != full else ""
    level = "is not a read-only command" if not done else "is not allowed"
    raise CommandRefused(f"'{full}'{as_typed} {level} on {rules.name}: {why}")


def _options(rules: PlatformRules, tokens: list[str]) -> str:
    p = rules.name
    prefix: list[str] = []
    if tokens and tokens[0] in rules.prefixes:
        prefix, tokens = [tokens[0]], tokens[1:]
        if not tokens:
            raise CommandRefused(f"'{prefix[0]}' needs a command on {p}")
    name, rest = tokens[0], tokens[1:]
    if name not in rules.commands:
        why = rules.deny.get("", {}).get(name)
        if why is not None:
            raise CommandRefused(f"'{name}' is not a read-only command on {p}: {why}")
        raise CommandRefused(f"'{name}' is not a read-only command on {p} (not in its allowlist)")
    spec = rules.commands[name]
    given: dict[str, str | None] = {}
    operands: list[str] = []
    queue = list(rest)
    while queue:
        token = queue.pop(0)
        if not token.startswith("-") or token == "-":
            operands.append(token)
            continue
        if operands:
            raise CommandRefused(
                f"options must come before operands ({token!r} after {operands[-1]!r})"
            )
        if token.startswith("--"):
            raise CommandRefused(f"long option {token!r} is not allowed for '{name}' on {p}")
        if rules.combine_short_flags:
            cluster = token[1:]
            while cluster:
                opt, cluster = "-" + cluster[0], cluster[1:]
                value = None
                if _takes_value(rules, spec, opt, name):
                    value = cluster or _next_value(queue, opt, name)
                    cluster = ""
                _record(rules, spec, given, opt, value, name)
        else:
            value = (
                _next_value(queue, token, name) if _takes_value(rules, spec, token, name) else None
            )
            _record(rules, spec, given, token, value, name)
    for seq in spec.operands:
        if len(seq) == len(operands) and all(
            _atom_accepts(rules, a, t) for a, t in zip(seq, operands, strict=True)
        ):
            break
    else:
        longest = max((len(s) for s in spec.operands), default=0)
        if not operands:
            raise CommandRefused(
                f"'{name}' needs an operand on {p}: "
                f"{_describe_atoms([s[0] for s in spec.operands if s], rules.types)}"
            )
        if longest == 0:
            raise CommandRefused(f"'{name}' takes no operands on {p} (got {operands[0]!r})")
        if len(operands) > longest:
            raise CommandRefused(f"too many operands for '{name}' on {p}: {' '.join(operands)}")
        atoms = [s[k] for s in spec.operands for k in range(len(s)) if len(s) > k]
        bad = next(
            (
                t
                for k, t in enumerate(operands)
                if not any(len(s) > k and _atom_accepts(rules, s[k], t) for s in spec.operands)
            ),
            operands[-1],
        )
        raise CommandRefused(
            f"{bad!r} is not a valid operand of '{name}' on {p}: "
            f"expected {_describe_atoms(atoms, rules.types)}"
        )
    parts = [*prefix, name]
    for opt in spec.options:
        if opt in given:
            parts.append(opt)
            if given[opt] is not None:
                parts.append(given[opt] or "")
    return " ".join(parts + operands)


def _atom_accepts(rules: PlatformRules, atom: Atom, token: str) -> bool:
    if isinstance(atom, Lit):
        return atom.word == token
    return rules.types[atom.type].accepts(token)


def _takes_value(rules: PlatformRules, spec: OptionsCommand, opt: str, name: str) -> bool:
    if opt not in spec.options:
        allowed = ", ".join(sorted(spec.options, key=str.lower)) or "none"
        raise CommandRefused(
            f"option {opt!r} is not allowed for '{name}' on {rules.name} (allowed: {allowed})"
        )
    return spec.options[opt] is not None


def _next_value(queue: list[str], opt: str, name: str) -> str:
    if not queue:
        raise CommandRefused(f"option {opt!r} of '{name}' needs a value")
    return queue.pop(0)


def _record(
    rules: PlatformRules,
    spec: OptionsCommand,
    given: dict[str, str | None],
    opt: str,
    value: str | None,
    name: str,
) -> None:
    if opt in given:
        raise CommandRefused(f"option {opt!r} is given twice")
    atom = spec.options[opt]
    if atom is not None and (value is None or not _atom_accepts(rules, atom, value)):
        means = atom.word if isinstance(atom, Lit) else rules.types[atom.type].means
        raise CommandRefused(
            f"{value!r} is not a valid value for '{name} {opt}' on {rules.name}: expected {means}"
        )
    given[opt] = value
