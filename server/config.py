"""server.yaml: the server's configuration, loaded with every mistake located (file:line: field).

PUBLIC API:
    ServerConfig        database_url, inventory (path), policy, notifications
                        (server.notify.NotificationsConfig), max_batch, scheduler_interval_s,
                        send_interval_s, inventory_check_s, agent_schedule, base_url, path (the
                        file read, or None)
    load_config(path=None, *, inventory=None, database_url=None, environ=os.environ)
                        -> ServerConfig; raises ConfigError listing every problem
    parse_config(text, file="server.yaml", *, base_dir=None, environ=os.environ) -> ServerConfig
    ConfigError.issues  each str()s as "server.yaml:14: ingest.max_batch: expected ..."
    DEFAULT_CONFIG, DEFAULT_DATABASE_URL, CONFIG_ENV, DATABASE_ENV

The file is optional (`./server.yaml` by default, `$PATROL_SERVER_CONFIG`, or `--config`); every
key has a default. Precedence: command-line option > environment > file > default, so
`PATROL_DATABASE_URL` overrides `database_url` and `PATROL_INVENTORY` overrides `inventory`.
Secrets are never inline: `database_url` may be `{env: VAR}` or `{file: path}` (mode 0600) like
inventory.yaml's credentials (read at load time); the `notifications:` section is parsed by
server.notify.parse_notifications, whose secrets are read when a message is sent.

    database_url: postgresql+psycopg://patrol@db.example/patrol    # or {env: PATROL_DB_URL}
    inventory: inventory.yaml            # relative to this file's folder
    base_url: https://patrol.example     # links in notifications
    ingest: {max_batch: 5000}            # results per POST /api/v1/results
    scheduler: {interval_s: 30, send_interval_s: 5, inventory_check_s: 10}
    agents: {poll_interval_s: 300, push_interval_s: 60}   # handed to agents (agents/me/config)
    policy: ...                          # server/policy.py, docs/tickets.md
    notifications: ...                   # server/notify.py
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks import yamlnodes as yn
from checks.secrets import Secret, SecretError
from checks.yamlcheck import Issue, IssueError, NodeReader
from checks.yamlcheck import join as _join
from server.notify import NotificationsConfig, NotificationsError, parse_notifications
from server.policy import Policy, PolicyError, policy_from_node

CONFIG_ENV = "PATROL_SERVER_CONFIG"
DATABASE_ENV = "PATROL_DATABASE_URL"
INVENTORY_ENV = "PATROL_INVENTORY"
DEFAULT_CONFIG = Path("server.yaml")
DEFAULT_DATABASE_URL = "sqlite:///./var/patrol.db"
DEFAULT_INVENTORY = Path("inventory.yaml")

TOP_KEYS = (
    "database_url",
    "inventory",
    "base_url",
    "ingest",
    "scheduler",
    "agents",
    "policy",
    "notifications",
)
INGEST_KEYS = ("max_batch",)
SCHEDULER_KEYS = ("interval_s", "send_interval_s", "inventory_check_s")
AGENT_KEYS = ("poll_interval_s", "push_interval_s")
MAX_BATCH_LIMIT = 100_000


@dataclass(frozen=True)
class AgentSchedule:
    """What an agent is told to do (GET /api/v1/agents/me/config)."""

    poll_interval_s: int = 300
    push_interval_s: int = 60

    def to_dict(self) -> dict[str, int]:
        return {"poll_interval_s": self.poll_interval_s, "push_interval_s": self.push_interval_s}


@dataclass(frozen=True)
class ServerConfig:
    database_url: str = DEFAULT_DATABASE_URL
    inventory: Path = DEFAULT_INVENTORY
    policy: Policy = field(default_factory=Policy)
    notifications: NotificationsConfig = field(default_factory=NotificationsConfig)
    max_batch: int = 5000
    scheduler_interval_s: float = 30.0
    send_interval_s: float = 5.0
    inventory_check_s: float = 10.0  # how often each serving process looks at inventory.yaml
    agent_schedule: AgentSchedule = field(default_factory=AgentSchedule)
    base_url: str | None = None
    path: Path | None = None  # the file this came from (None: defaults only)


@dataclass(frozen=True)
class ConfigIssue(Issue):
    """One problem of server.yaml; line 0: the file itself."""


class ConfigError(IssueError[ConfigIssue]):
    pass


def load_config(
    path: str | Path | None = None,
    *,
    inventory: str | Path | None = None,
    database_url: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> ServerConfig:
    """The server configuration: `path` (else $PATROL_SERVER_CONFIG, else ./server.yaml when it
    exists, else defaults), then the environment and the explicit options on top."""
    explicit = path is not None or bool(environ.get(CONFIG_ENV))
    file = Path(path) if path is not None else Path(environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
    if file.exists() or explicit:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ConfigError([ConfigIssue(str(file), 0, "", "file not found")]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError([ConfigIssue(str(file), 0, "", f"cannot read: {exc}")]) from None
        config = parse_config(text, str(file), base_dir=file.absolute().parent, environ=environ)
        config = _replace(config, path=file)
    else:
        config = parse_config("", str(file), environ=environ)
    if inventory is not None:
        config = _replace(config, inventory=Path(inventory))
    if database_url is not None:
        config = _replace(config, database_url=database_url)
    return config


def _replace(config: ServerConfig, **changes: Any) -> ServerConfig:
    from dataclasses import replace

    return replace(config, **changes)


def parse_config(
    text: str,
    file: str = "server.yaml",
    *,
    base_dir: Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> ServerConfig:
    """server.yaml text -> ServerConfig (environment overrides applied)."""
    reader = _Reader(file, base_dir or Path.cwd())
    try:
        root = yn.compose(text)
    except yn.YamlSyntaxError as exc:
        raise ConfigError(
            [ConfigIssue(file, exc.line, "", f"invalid YAML: {exc.message}")]
        ) from None
    config = reader.config(root)
    env_url = environ.get(DATABASE_ENV)
    env_inventory = environ.get(INVENTORY_ENV)
    if reader.issues:
        raise ConfigError(reader.sorted_issues())
    if env_url:
        config = _replace(config, database_url=env_url)
    if env_inventory:
        config = _replace(config, inventory=Path(env_inventory))
    return config


class _Reader(NodeReader[ConfigIssue]):
    issue_type = ConfigIssue

    def fields(self, node: yn.Node, path: str, allowed: Sequence[str]) -> dict[str, yn.Node]:
        """A section left empty (`ingest:`) is the defaults."""
        if yn.is_null(node):
            return {}
        return super().fields(node, path, allowed)

    def number(
        self, node: yn.Node, path: str, low: float, high: float, integer: bool = True
    ) -> Any:
        try:
            value = yn.scalar(node) if isinstance(node, yn.ScalarNode) else None
        except ValueError:
            value = None
        kinds: tuple[type, ...] = (int,) if integer else (int, float)
        if isinstance(value, kinds) and not isinstance(value, bool) and low <= value <= high:
            return value
        what = "a whole number" if integer else "a number"
        self.add(node, path, f"expected {what} from {low:g} to {high:g}, got {yn.describe(node)}")
        return None

    def secret_text(self, node: yn.Node, path: str, what: str) -> str | None:
        """A plain string, or {env: VAR} / {file: path} read now (a database URL may hold a
        password)."""
        if isinstance(node, yn.ScalarNode):
            return self.text(node, path, what)
        found = self.fields(node, path, ("env", "file"))
        if isinstance(node, yn.MappingNode) and len(found) != 1:
            self.add(node, path, "expected exactly one of env or file")
            return None
        where = f"{self.file}:{yn.line(node)}: {path}"
        if "env" in found:
            name = self.text(found["env"], _join(path, "env"), "an environment variable name")
            secret = Secret(env=name, where=where) if name else None
        elif "file" in found:
            name = self.text(found["file"], _join(path, "file"), "a file path")
            secret = (
                Secret(file=str(self.base_dir / Path(name).expanduser()), where=where)
                if name
                else None
            )
        else:
            return None
        if secret is None:
            return None
        try:
            return secret.reveal()
        except SecretError as exc:
            self.add(node, path, str(exc).split(f"{path}: ", 1)[-1])
            return None

    def config(self, root: yn.Node | None) -> ServerConfig:
        defaults = ServerConfig()
        if root is None or yn.is_null(root):
            return defaults
        if not isinstance(root, yn.MappingNode):
            self.add(root, "", f"expected a mapping of settings, got {yn.describe(root)}")
            return defaults
        found = self.fields(root, "", TOP_KEYS)
        kwargs: dict[str, Any] = {}
        if "database_url" in found:
            url = self.secret_text(found["database_url"], "database_url", "a database URL")
            if url is not None:
                if "://" not in url:
                    self.add(
                        found["database_url"],
                        "database_url",
                        "expected a URL such as sqlite:///./var/patrol.db or "
                        "postgresql+psycopg://user@host/db",
                    )
                else:
                    kwargs["database_url"] = url
        if "inventory" in found:
            name = self.text(found["inventory"], "inventory", "a file path")
            if name is not None:
                path = Path(name).expanduser()
                kwargs["inventory"] = path if path.is_absolute() else self.base_dir / path
        if "base_url" in found:
            base = self.text(found["base_url"], "base_url", "a URL such as https://patrol.example")
            if base is not None:
                if base.startswith(("http://", "https://")):
                    kwargs["base_url"] = base.rstrip("/")
                else:
                    self.add(found["base_url"], "base_url", "expected an http:// or https:// URL")
        if "ingest" in found:
            section = self.fields(found["ingest"], "ingest", INGEST_KEYS)
            if "max_batch" in section:
                value = self.number(section["max_batch"], "ingest.max_batch", 1, MAX_BATCH_LIMIT)
                if value is not None:
                    kwargs["max_batch"] = value
        if "scheduler" in found:
            section = self.fields(found["scheduler"], "scheduler", SCHEDULER_KEYS)
            for key, target in (
                ("interval_s", "scheduler_interval_s"),
                ("send_interval_s", "send_interval_s"),
                ("inventory_check_s", "inventory_check_s"),
            ):
                if key in section:
                    value = self.number(section[key], f"scheduler.{key}", 0.1, 86400, False)
                    if value is not None:
                        kwargs[target] = float(value)
        if "agents" in found:
            section = self.fields(found["agents"], "agents", AGENT_KEYS)
            schedule: dict[str, int] = {}
            for key in AGENT_KEYS:
                if key in section:
                    value = self.number(section[key], f"agents.{key}", 10, 86400)
                    if value is not None:
                        schedule[key] = value
            kwargs["agent_schedule"] = AgentSchedule(**schedule)
        if "policy" in found:
            try:
                kwargs["policy"] = policy_from_node(found["policy"], self.file)
            except PolicyError as exc:
                for issue in exc.issues:
                    self.issues.append(
                        ConfigIssue(issue.file, issue.line, issue.path, issue.message)
                    )
        if "notifications" in found:
            try:
                kwargs["notifications"] = parse_notifications(
                    found["notifications"], self.file, base_dir=self.base_dir
                )
            except NotificationsError as exc:
                for n in exc.issues:
                    self.issues.append(ConfigIssue(n.file, n.line, n.path, n.message))
        return ServerConfig(**kwargs)
