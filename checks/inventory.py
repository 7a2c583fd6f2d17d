"""inventory.yaml: the model of customers, sites, devices and credentials, and its loader.

PUBLIC API (used by agent/, lab/ and tests; keep it stable):
    load_inventory(path, *, check_secrets=False) -> Inventory
                                                 raises InventoryError listing every problem
    parse_inventory(text, file="inventory.yaml", *, base_dir=None, check_secrets=False)
                                                 the same from a string (secret file paths are
                                                 relative to base_dir, default the current dir)
    default_inventory_path() -> Path             $PATROL_INVENTORY, else ./inventory.yaml
    InventoryError.issues: list[InventoryIssue]  each str()s as "file:line: field.path: message",
                                                 sorted by line
    Inventory.devices, .sites, .device(name), .select(customer=, site=, tag=), .customers,
            .credentials, .path
    Device: name, address, platform, role, criticality, snmp, ssh, tags, customer, site, zone,
            thresholds (resolved Thresholds: device > site > customer > defaults > catalog),
            timezone (IANA name of its clock's zone: device > site > customer > defaults; None)
    Secret.reveal() -> str  (raises SecretError, located, when the env var/file is unusable)
    Secret.problem() -> str | None  (why reveal() would fail, without the value)
    CRITICALITIES, ZONES, CREDENTIAL_TYPES, AUTH_PROTOCOLS, PRIV_PROTOCOLS

Field paths in issues name list items by their id (customers, sites) or name (devices) when
they have a usable one, else by index:
`customers.fzbank.sites.fz-hq.devices.fz-hq-core-01.platform`,
`customers.fzbank.sites.fz-hq.devices[3].name`. Mapping keys are joined with dots.

Secrets are never inline: a credential names an environment variable (`{env: VAR}`) or a file
readable by its owner only (`{file: path}`, mode 0600 or 0400; a relative path is relative to the
inventory's folder, `~` is expanded). Loading never reads them unless `check_secrets=True`
(what `patrol inventory check` does); a transport calls `Secret.reveal()` when it connects.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import os
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from checks import yamlnodes as yn
from checks.metrics import THRESHOLD_KEYS
from checks.platforms import PLATFORMS
from checks.secrets import Secret
from checks.secrets import SecretError as SecretError  # re-exported: transports catch it
from checks.secrets import file_problem as _file_problem
from checks.thresholds import Range, RawThreshold, Thresholds, resolve
from checks.yamlcheck import BAD as _BAD
from checks.yamlcheck import Issue, IssueError, NodeReader
from checks.yamlcheck import join as _join

CRITICALITIES = ("high", "medium", "low")
ZONES = ("urban", "suburban")
CREDENTIAL_TYPES = ("snmp_v2c", "snmp_v3", "ssh")
AUTH_PROTOCOLS = ("md5", "sha", "sha224", "sha256", "sha384", "sha512")
# Canonical names; `aes` in a file is stored as `aes128` (what every vendor means by plain AES).
PRIV_PROTOCOLS = ("des", "3des", "aes128", "aes192", "aes256")
PRIV_ALIASES = {"aes": "aes128"}
INVENTORY_ENV = "PATROL_INVENTORY"
# RFC 3414 (USM) passphrases shorter than this are refused by net-snmp and most agents.
SNMPV3_MIN_KEY_LENGTH = 8


@dataclass(frozen=True)
class SnmpV2cCredential:
    name: str
    community: Secret


@dataclass(frozen=True)
class SnmpV3Credential:
    name: str
    user: str
    auth: str  # md5 | sha | sha224 | sha256 | sha384 | sha512
    auth_key: Secret
    priv: str | None  # des | 3des | aes128 | aes192 | aes256 | None (authNoPriv); `aes` -> aes128
    priv_key: Secret | None


@dataclass(frozen=True)
class SshCredential:
    name: str
    username: str
    password: Secret | None = None
    key_file: str | None = None  # absolute path (`~` expanded, relative to the inventory's folder)


Credential = SnmpV2cCredential | SnmpV3Credential | SshCredential


@dataclass(frozen=True)
class SnmpAccess:
    credential: SnmpV2cCredential | SnmpV3Credential
    port: int = 161
    timeout: float = 2.0  # seconds per request
    retries: int = 1


@dataclass(frozen=True)
class SshAccess:
    credential: SshCredential
    port: int = 22
    timeout: float = 15.0


@dataclass(frozen=True)
class Device:
    name: str
    address: str
    customer: str
    site: str
    zone: str
    platform: str | None = None
    role: str | None = None
    criticality: str = "medium"
    snmp: SnmpAccess | None = None
    ssh: SshAccess | None = None
    tags: tuple[str, ...] = ()
    thresholds: Thresholds = field(default_factory=Thresholds)
    timezone: str | None = None  # IANA name of the device's clock zone (None: UTC)


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    zone: str
    devices: tuple[Device, ...]


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    sites: tuple[Site, ...]


@dataclass(frozen=True)
class InventoryIssue(Issue):
    """One problem of an inventory file; path is dotted, e.g.
    "customers.fzbank.sites.fz-hq.devices.fz-hq-core-01.platform"."""


class InventoryError(IssueError[InventoryIssue]):
    pass


@dataclass(frozen=True)
class Inventory:
    path: Path
    credentials: dict[str, Credential]
    customers: tuple[Customer, ...]

    @property
    def sites(self) -> list[Site]:
        return [s for c in self.customers for s in c.sites]

    @property
    def devices(self) -> list[Device]:
        return [d for c in self.customers for s in c.sites for d in s.devices]

    def device(self, name: str) -> Device:
        for device in self.devices:
            if device.name == name:
                return device
        raise KeyError(name)

    def select(
        self, customer: str | None = None, site: str | None = None, tag: str | None = None
    ) -> list[Device]:
        return [
            d
            for d in self.devices
            if (customer is None or d.customer == customer)
            and (site is None or d.site == site)
            and (tag is None or tag in d.tags)
        ]


def default_inventory_path() -> Path:
    """The inventory a command uses when none is given: $PATROL_INVENTORY, else ./inventory.yaml."""
    return Path(os.environ.get(INVENTORY_ENV) or "inventory.yaml")


def load_inventory(path: str | Path, *, check_secrets: bool = False) -> Inventory:
    """Read and validate an inventory file; raise InventoryError with every problem found.

    `check_secrets=True` also reads every secret (and checks SSH key files) and reports the
    ones that cannot be used now; without it nothing outside the file itself is looked at.
    """
    path = Path(path)
    text = _read_text(path)
    return parse_inventory(
        text, str(path), base_dir=path.absolute().parent, check_secrets=check_secrets
    )


def parse_inventory(
    text: str,
    file: str = "inventory.yaml",
    *,
    base_dir: Path | None = None,
    check_secrets: bool = False,
) -> Inventory:
    """Validate inventory YAML text; `file` is the name issues carry and Inventory.path."""
    try:
        root = yn.compose(text)
    except yn.YamlSyntaxError as exc:
        raise InventoryError(
            [InventoryIssue(file, exc.line, "", f"invalid YAML: {exc.message}")]
        ) from None
    loader = _Loader(file, base_dir or Path.cwd(), check_secrets)
    inventory = loader.inventory(root)
    if loader.issues:
        raise InventoryError(loader.sorted_issues())
    return inventory


def _read_text(path: Path) -> str:
    def fail(message: str, line: int = 0) -> InventoryError:
        return InventoryError([InventoryIssue(str(path), line, "", message)])

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise fail("file not found") from None
    except IsADirectoryError:
        raise fail("is a directory; expected an inventory file such as inventory.yaml") from None
    except PermissionError:
        raise fail("cannot read the file: permission denied") from None
    except OSError as exc:
        raise fail(f"cannot read the file: {(exc.strerror or str(exc)).lower()}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise fail(f"not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8", line) from None


# --- validation -------------------------------------------------------------------------------

TOP_KEYS = ("credentials", "defaults", "customers")
DEFAULTS_KEYS = ("thresholds", "snmp", "ssh", "timezone")
DEFAULT_SNMP_KEYS = ("port", "timeout", "retries")
DEFAULT_SSH_KEYS = ("port", "timeout")
CUSTOMER_KEYS = ("id", "name", "thresholds", "timezone", "sites")
SITE_KEYS = ("id", "name", "zone", "thresholds", "timezone", "devices")
DEVICE_KEYS = (
    "name",
    "address",
    "platform",
    "role",
    "criticality",
    "snmp",
    "ssh",
    "thresholds",
    "tags",
    "timezone",
)
SNMP_KEYS = ("credential", "port", "timeout", "retries")
SSH_KEYS = ("credential", "port", "timeout")
CREDENTIAL_KEYS = {
    "snmp_v2c": ("type", "community"),
    "snmp_v3": ("type", "user", "auth", "auth_key", "priv", "priv_key"),
    "ssh": ("type", "username", "password", "key_file"),
}
CREDENTIAL_REQUIRED = {
    "snmp_v2c": ("community",),
    "snmp_v3": ("user", "auth", "auth_key"),
    "ssh": ("username",),
}
THRESHOLD_FIELDS = ("warn", "crit")
MAX_TIMEOUT = 300.0  # seconds; larger values are nearly always milliseconds written by mistake
MAX_RETRIES = 10

_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")


def _one_of(values: Sequence[str]) -> str:
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def _unknown(what: str, value: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown {what} {value!r}; {hint}expected one of: {', '.join(allowed)}"


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        pass
    if len(text) > 253 or not _HOSTNAME.fullmatch(text):
        return False
    # An all-numeric last label is a mistyped IPv4 address (10.1.1.300), not a hostname.
    return not text.rstrip(".").rsplit(".", 1)[-1].isdigit()


@dataclass
class _Defaults:
    thresholds: dict[str, dict[str, RawThreshold]] = field(default_factory=dict)
    snmp: dict[str, int | float] = field(default_factory=dict)
    ssh: dict[str, int | float] = field(default_factory=dict)
    timezone: str | None = None


class _Loader(NodeReader[InventoryIssue]):
    """Walks the node tree once, building the model and collecting every issue on the way."""

    issue_type = InventoryIssue

    def __init__(self, file: str, base_dir: Path, check_secrets: bool):
        super().__init__(file, base_dir, check_secrets=check_secrets)
        # name -> (credential type or None when the type itself is wrong, built credential or
        # None when it has problems); devices referring to a broken one get no second issue.
        self.credentials: dict[str, tuple[str | None, Credential | None]] = {}
        self.device_lines: dict[str, int] = {}
        self.customer_lines: dict[str, int] = {}
        self.site_lines: dict[str, int] = {}

    # --- generic shapes ---

    def fields(  # type: ignore[override]  # None when not a mapping; required keys reported
        self,
        node: yn.Node,
        path: str,
        allowed: Sequence[str],
        required: Sequence[str] = (),
    ) -> dict[str, yn.Node] | None:
        """The entries of a mapping with a fixed set of keys; None when it is not a mapping."""
        entries = self.mapping(node, path, f"a mapping (keys: {', '.join(allowed)})")
        if entries is None:
            return None
        found = self.known(entries, path, allowed)
        for key in required:
            if key not in found:
                self.add(node, _join(path, key), "required field is missing")
        return found

    def text(self, node: yn.Node, path: str, what: str = "a string") -> str | None:
        """A non-blank string as written (not stripped); a bad tag is reported once."""
        if isinstance(node, yn.ScalarNode) and self.value(node, path) is _BAD:
            return None
        if isinstance(node, yn.ScalarNode) and node.tag == yn.STR_TAG and node.value.strip():
            return node.value
        self.add(node, path, f"expected {what}, got {yn.describe(node)}")
        return None

    def name(self, node: yn.Node, path: str, what: str) -> str | None:
        """An id or device name: typed on command lines, so a non-empty word without spaces."""
        value = self.text(node, path, what)
        if value is not None and any(c.isspace() for c in value):
            self.add(node, path, f"expected {what} without spaces, got {value!r}")
            return None
        return value

    def choice(
        self, node: yn.Node, path: str, what: str, allowed: Sequence[str], fold: bool = False
    ) -> str | None:
        value = self.text(node, path, f"{what} ({_one_of(allowed)})")
        if value is None:
            return None
        if fold:
            value = value.lower()
        if value not in allowed:
            self.add(node, path, _unknown(what, value, allowed))
            return None
        return value

    def integer(self, node: yn.Node, path: str, low: int, high: int, what: str) -> int | None:
        value = self.value(node, path)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        if value is not _BAD or not isinstance(node, yn.ScalarNode):
            self.add(node, path, f"expected {what} from {low} to {high}, got {yn.describe(node)}")
        return None

    def seconds(self, node: yn.Node, path: str) -> float | None:
        value = self.value(node, path)
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and 0 < value <= MAX_TIMEOUT
        ):
            return float(value)
        if value is not _BAD or not isinstance(node, yn.ScalarNode):
            self.add(
                node,
                path,
                f"expected a number of seconds above 0 and at most {MAX_TIMEOUT:g}, "
                f"got {yn.describe(node)}",
            )
        return None

    def port(self, node: yn.Node, path: str) -> int | None:
        return self.integer(node, path, 1, 65535, "a port number")

    def string_list(self, node: yn.Node, path: str, what: str) -> list[str]:
        if not isinstance(node, yn.SequenceNode):
            self.add(node, path, f"expected a list of {what}, got {yn.describe(node)}")
            return []
        values = []
        for index, item in enumerate(node.value):
            value = self.text(item, f"{path}[{index}]", f"a {what.removesuffix('s')}")
            if value is not None and value not in values:
                values.append(value)
        return values

    def items(self, node: yn.Node, path: str, what: str, key: str) -> list[tuple[yn.Node, str]]:
        """A list's items with their path: named by their `key` when usable, else by index."""
        if not isinstance(node, yn.SequenceNode):
            self.add(node, path, f"expected a list of {what}, got {yn.describe(node)}")
            return []
        result = []
        for index, item in enumerate(node.value):
            label = f"{path}[{index}]"
            if isinstance(item, yn.MappingNode):
                for entry in yn.entries(item)[0]:
                    value = entry.value
                    if (
                        entry.key == key
                        and isinstance(value, yn.ScalarNode)
                        and value.tag == yn.STR_TAG
                        and value.value
                        and not any(c.isspace() for c in value.value)
                    ):
                        label = f"{path}.{value.value}"
            result.append((item, label))
        return result

    @staticmethod
    def given(fields: dict[str, yn.Node], key: str) -> yn.Node | None:
        """An optional field's node; `key:` with nothing after it counts as not given."""
        node = fields.get(key)
        return None if yn.is_null(node) else node

    # --- secrets and credentials ---

    def credential_section(self, node: yn.Node | None) -> None:
        if node is None:
            return
        entries = self.mapping(node, "credentials", "a mapping of credential names to credentials")
        for entry in entries or []:
            before = len(self.issues)
            kind, credential = self.credential(entry.key, entry.value, f"credentials.{entry.key}")
            self.credentials[entry.key] = (
                kind,
                credential if len(self.issues) == before else None,
            )

    def credential(
        self, name: str, node: yn.Node, path: str
    ) -> tuple[str | None, Credential | None]:
        if not isinstance(node, yn.MappingNode):
            self.add(
                node,
                path,
                f"expected a mapping with type: {_one_of(CREDENTIAL_TYPES)}, "
                f"got {yn.describe(node, reveal=False)}",
            )
            return None, None
        type_node = next((e.value for e in yn.entries(node)[0] if e.key == "type"), None)
        if type_node is None:
            self.add(
                node,
                _join(path, "type"),
                f"required field is missing; expected {_one_of(CREDENTIAL_TYPES)}",
            )
            return None, None
        kind = self.choice(type_node, _join(path, "type"), "credential type", CREDENTIAL_TYPES)
        if kind is None:
            return None, None
        fields = self.fields(node, path, CREDENTIAL_KEYS[kind], CREDENTIAL_REQUIRED[kind])
        if fields is None:
            return kind, None
        if kind == "snmp_v2c":
            if "community" not in fields:
                return kind, None
            community = self.secret(fields["community"], _join(path, "community"))
            return kind, SnmpV2cCredential(name, community) if community else None
        if kind == "snmp_v3":
            return kind, self.snmp_v3(name, fields, path)
        return kind, self.ssh_credential(name, fields, path)

    def snmp_v3(self, name: str, fields: dict[str, yn.Node], path: str) -> SnmpV3Credential | None:
        user = auth = auth_key = None
        if "user" in fields:
            user = self.text(fields["user"], _join(path, "user"), "a user name")
        if "auth" in fields:
            auth = self.choice(
                fields["auth"], _join(path, "auth"), "auth protocol", AUTH_PROTOCOLS, fold=True
            )
        if "auth_key" in fields:
            auth_key = self.v3_key(fields["auth_key"], _join(path, "auth_key"))
        priv: str | None = None
        priv_key: Secret | None = None
        priv_node = self.given(fields, "priv")
        if priv_node is not None:
            raw = self.text(
                priv_node, _join(path, "priv"), f"a priv protocol ({_one_of(PRIV_PROTOCOLS)})"
            )
            if raw is not None:
                folded = PRIV_ALIASES.get(raw.lower(), raw.lower())
                if folded in PRIV_PROTOCOLS:
                    priv = folded
                else:
                    allowed = ("des", "3des", "aes", "aes128", "aes192", "aes256")
                    self.add(
                        priv_node, _join(path, "priv"), _unknown("priv protocol", raw, allowed)
                    )
            if "priv_key" in fields:
                priv_key = self.v3_key(fields["priv_key"], _join(path, "priv_key"))
            else:
                self.add(
                    priv_node,
                    _join(path, "priv_key"),
                    "required field is missing (priv is set, so the privacy key is needed)",
                )
        elif "priv_key" in fields:
            self.add(
                fields["priv_key"],
                _join(path, "priv_key"),
                "priv_key is set but priv is not; add priv: aes, or remove priv_key for authNoPriv",
            )
        if user is None or auth is None or auth_key is None:
            return None
        return SnmpV3Credential(name, user, auth, auth_key, priv, priv_key)

    def v3_key(self, node: yn.Node, path: str) -> Secret | None:
        secret = self.secret(node, path)
        if (
            secret is not None
            and self.check_secrets
            and len(secret.reveal()) < SNMPV3_MIN_KEY_LENGTH
        ):
            self.add(
                node,
                path,
                f"SNMPv3 keys must be at least {SNMPV3_MIN_KEY_LENGTH} characters (RFC 3414); "
                f"this one is shorter",
            )
            return None
        return secret

    def ssh_credential(
        self, name: str, fields: dict[str, yn.Node], path: str
    ) -> SshCredential | None:
        username = None
        if "username" in fields:
            username = self.text(fields["username"], _join(path, "username"), "a user name")
        password: Secret | None = None
        if (password_node := self.given(fields, "password")) is not None:
            password = self.secret(password_node, _join(path, "password"))
        key_file: str | None = None
        if (node := self.given(fields, "key_file")) is not None:
            text = self.text(node, _join(path, "key_file"), "a file path")
            if text is not None:
                key_file = self.path_value(text)
                if self.check_secrets and (problem := _file_problem(key_file, "key file")):
                    self.add(node, _join(path, "key_file"), problem)
        if username is None:
            return None
        return SshCredential(name, username, password, key_file)

    def credential_ref(
        self, node: yn.Node, path: str, use: str, kinds: Sequence[str]
    ) -> Credential | None:
        name = self.text(node, path, "a credential name")
        if name is None:
            return None
        if name not in self.credentials:
            defined = ", ".join(self.credentials) or "none (add a credentials: section)"
            self.add(node, path, f"unknown credential {name!r}; defined credentials: {defined}")
            return None
        kind, credential = self.credentials[name]
        if kind is not None and kind not in kinds:
            self.add(
                node,
                path,
                f"credential {name!r} is of type {kind}; {use} needs a credential of type "
                f"{_one_of(kinds)}",
            )
            return None
        return credential

    # --- thresholds and defaults ---

    def thresholds(self, node: yn.Node | None, path: str) -> dict[str, dict[str, RawThreshold]]:
        layer: dict[str, dict[str, RawThreshold]] = {}
        if node is None:
            return layer
        entries = self.mapping(node, path, "a mapping of metric names to {warn, crit}")
        if entries is None:
            return layer
        metrics = sorted(THRESHOLD_KEYS)
        for entry in entries:
            metric_path = _join(path, entry.key)
            if entry.key not in THRESHOLD_KEYS:
                self.add(
                    entry.key_node, metric_path, _unknown("threshold metric", entry.key, metrics)
                )
                continue
            spec = self.fields(entry.value, metric_path, THRESHOLD_FIELDS)
            if spec is None:
                continue
            parsed: dict[str, RawThreshold] = {}
            for key, value_node in spec.items():
                value = self.threshold(value_node, _join(metric_path, key))
                if value is not None:
                    parsed[key] = value
            layer[entry.key] = parsed
        return layer

    def threshold(self, node: yn.Node, path: str) -> RawThreshold | None:
        value = self.value(node, path)
        if value is _BAD and isinstance(node, yn.ScalarNode):
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str) or value == "":
            self.add(
                node,
                path,
                "expected a number or a range like '10:', '~:50', '10:20' or '@10:20', "
                f"got {yn.describe(node)}",
            )
            return None
        try:
            Range.parse(value)
        except ValueError as exc:
            self.add(node, path, str(exc))
            return None
        return value

    def access_defaults(
        self, node: yn.Node | None, path: str, keys: Sequence[str]
    ) -> dict[str, int | float]:
        found: dict[str, int | float] = {}
        if node is None:
            return found
        fields = self.fields(node, path, keys)
        for key, value_node in (fields or {}).items():
            value = self.access_value(key, value_node, _join(path, key))
            if value is not None:
                found[key] = value
        return found

    def access_value(self, key: str, node: yn.Node, path: str) -> int | float | None:
        if key == "port":
            return self.port(node, path)
        if key == "timeout":
            return self.seconds(node, path)
        return self.integer(node, path, 0, MAX_RETRIES, "a number of retries")

    def defaults(self, node: yn.Node | None) -> _Defaults:
        result = _Defaults()
        if node is None:
            return result
        fields = self.fields(node, "defaults", DEFAULTS_KEYS)
        if fields is None:
            return result
        result.thresholds = self.thresholds(self.given(fields, "thresholds"), "defaults.thresholds")
        result.snmp = self.access_defaults(
            self.given(fields, "snmp"), "defaults.snmp", DEFAULT_SNMP_KEYS
        )
        result.ssh = self.access_defaults(
            self.given(fields, "ssh"), "defaults.ssh", DEFAULT_SSH_KEYS
        )
        result.timezone = self.time_zone(fields, "defaults", None)
        return result

    def time_zone(self, fields: dict[str, yn.Node], path: str, inherited: str | None) -> str | None:
        """`timezone:` of this level (an IANA name such as Asia/Shanghai), else the inherited."""
        node = self.given(fields, "timezone")
        if node is None:
            return inherited
        value = self.text(node, _join(path, "timezone"), "a time zone such as Asia/Shanghai")
        if value is None:
            return inherited
        if not _known_zone(value):
            close = difflib.get_close_matches(value, _zone_names(), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            self.add(
                node,
                _join(path, "timezone"),
                f"unknown time zone {value!r}; {hint}expected an IANA name such as "
                "Asia/Shanghai or UTC",
            )
            return inherited
        return value

    # --- the tree ---

    def inventory(self, root: yn.Node | None) -> Inventory:
        if root is None:
            self.add(1, "", "the file is empty; expected a mapping with credentials, customers")
            return Inventory(Path(self.file), {}, ())
        fields = self.fields(root, "", TOP_KEYS, ("customers",))
        if fields is None:
            return Inventory(Path(self.file), {}, ())
        self.credential_section(self.given(fields, "credentials"))
        defaults = self.defaults(self.given(fields, "defaults"))
        customers: list[Customer] = []
        if (node := fields.get("customers")) is not None:
            for item, path in self.items(node, "customers", "customers", "id"):
                customer = self.customer(item, path, defaults)
                if customer is not None:
                    customers.append(customer)
        credentials = {
            name: credential
            for name, (_, credential) in self.credentials.items()
            if credential is not None
        }
        return Inventory(Path(self.file), credentials, tuple(customers))

    def unique(self, seen: dict[str, int], value: str, node: yn.Node, path: str, what: str) -> None:
        if value in seen:
            self.add(
                node, path, f"duplicate {what} {value!r} (first defined at line {seen[value]})"
            )
        else:
            seen[value] = yn.line(node)

    def customer(self, node: yn.Node, path: str, defaults: _Defaults) -> Customer | None:
        fields = self.fields(node, path, CUSTOMER_KEYS, ("id", "sites"))
        if fields is None:
            return None
        customer_id = (
            self.name(fields["id"], _join(path, "id"), "a customer id") if "id" in fields else None
        )
        if customer_id is not None:
            self.unique(
                self.customer_lines, customer_id, fields["id"], _join(path, "id"), "customer id"
            )
        name = customer_id or ""
        if (name_node := self.given(fields, "name")) is not None:
            name = self.text(name_node, _join(path, "name"), "a customer name") or name
        layer = self.thresholds(self.given(fields, "thresholds"), _join(path, "thresholds"))
        tz = self.time_zone(fields, path, defaults.timezone)
        sites: list[Site] = []
        if (sites_node := fields.get("sites")) is not None:
            for item, site_path in self.items(sites_node, _join(path, "sites"), "sites", "id"):
                site = self.site(item, site_path, customer_id or "", defaults, layer, tz)
                if site is not None:
                    sites.append(site)
        return Customer(customer_id or "", name, tuple(sites))

    def site(
        self,
        node: yn.Node,
        path: str,
        customer_id: str,
        defaults: _Defaults,
        customer_layer: dict[str, dict[str, RawThreshold]],
        customer_tz: str | None,
    ) -> Site | None:
        fields = self.fields(node, path, SITE_KEYS, ("id", "zone", "devices"))
        if fields is None:
            return None
        site_id = (
            self.name(fields["id"], _join(path, "id"), "a site id") if "id" in fields else None
        )
        if site_id is not None:
            self.unique(self.site_lines, site_id, fields["id"], _join(path, "id"), "site id")
        name = site_id or ""
        if (name_node := self.given(fields, "name")) is not None:
            name = self.text(name_node, _join(path, "name"), "a site name") or name
        zone = None
        if "zone" in fields:
            zone = self.choice(fields["zone"], _join(path, "zone"), "zone", ZONES)
        layers = [
            ("defaults", defaults.thresholds),
            (f"customer {customer_id}", customer_layer),
            (
                f"site {site_id}",
                self.thresholds(self.given(fields, "thresholds"), _join(path, "thresholds")),
            ),
        ]
        devices: list[Device] = []
        if (devices_node := fields.get("devices")) is not None:
            for item, device_path in self.items(
                devices_node, _join(path, "devices"), "devices", "name"
            ):
                device = self.device(
                    item,
                    device_path,
                    customer_id,
                    site_id or "",
                    zone or "",
                    defaults,
                    layers,
                    self.time_zone(fields, path, customer_tz),
                )
                if device is not None:
                    devices.append(device)
        return Site(site_id or "", name, zone or "", tuple(devices))

    def device(
        self,
        node: yn.Node,
        path: str,
        customer_id: str,
        site_id: str,
        zone: str,
        defaults: _Defaults,
        layers: list[tuple[str, dict[str, dict[str, RawThreshold]]]],
        site_tz: str | None,
    ) -> Device | None:
        fields = self.fields(node, path, DEVICE_KEYS, ("name", "address"))
        if fields is None:
            return None
        name = None
        if "name" in fields:
            name = self.name(fields["name"], _join(path, "name"), "a device name")
            if name is not None:
                self.unique(
                    self.device_lines, name, fields["name"], _join(path, "name"), "device name"
                )
        address = None
        if "address" in fields:
            address = self.text(
                fields["address"], _join(path, "address"), "an IP address or hostname"
            )
            if address is not None and not _is_address(address):
                self.add(
                    fields["address"],
                    _join(path, "address"),
                    f"{address!r} is not an IP address or a hostname"
                    + (
                        "; give the port under snmp: or ssh:"
                        if ":" in address and "." in address
                        else ""
                    ),
                )
        platform = None
        if (platform_node := self.given(fields, "platform")) is not None:
            platform = self.text(platform_node, _join(path, "platform"), "a platform id")
            if platform is not None and platform not in PLATFORMS:
                self.add(
                    platform_node,
                    _join(path, "platform"),
                    _unknown("platform", platform, PLATFORMS)
                    + " (or leave platform out to detect it)",
                )
        role = None
        if (role_node := self.given(fields, "role")) is not None:
            role = self.text(role_node, _join(path, "role"), "a role such as core-switch")
        criticality = "medium"
        if (criticality_node := self.given(fields, "criticality")) is not None:
            criticality = (
                self.choice(
                    criticality_node, _join(path, "criticality"), "criticality", CRITICALITIES
                )
                or criticality
            )
        snmp = ssh = None
        snmp_node, ssh_node = self.given(fields, "snmp"), self.given(fields, "ssh")
        if snmp_node is None and ssh_node is None:
            self.add(node, path, "a device needs snmp: or ssh: (how Patrol reaches it), or both")
        if snmp_node is not None:
            snmp = self.snmp_access(snmp_node, _join(path, "snmp"), defaults)
        if ssh_node is not None:
            ssh = self.ssh_access(ssh_node, _join(path, "ssh"), defaults)
        device_layer = self.thresholds(self.given(fields, "thresholds"), _join(path, "thresholds"))
        tags: list[str] = []
        if (tags_node := self.given(fields, "tags")) is not None:
            tags = self.string_list(tags_node, _join(path, "tags"), "tags")
        return Device(
            name=name or "",
            address=address or "",
            customer=customer_id,
            site=site_id,
            zone=zone,
            platform=platform,
            role=role,
            criticality=criticality,
            snmp=snmp,
            ssh=ssh,
            tags=tuple(tags),
            thresholds=resolve([*layers, (f"device {name}", device_layer)]),
            timezone=self.time_zone(fields, path, site_tz),
        )

    def access_fields(
        self, node: yn.Node, path: str, keys: Sequence[str], use: str, kinds: Sequence[str]
    ) -> tuple[Credential | None, dict[str, int | float]] | None:
        fields = self.fields(node, path, keys, ("credential",))
        if fields is None:
            return None
        credential = None
        if "credential" in fields:
            credential = self.credential_ref(
                fields["credential"], _join(path, "credential"), use, kinds
            )
        values: dict[str, int | float] = {}
        for key in keys[1:]:
            if (value_node := self.given(fields, key)) is not None:
                value = self.access_value(key, value_node, _join(path, key))
                if value is not None:
                    values[key] = value
        return credential, values

    def snmp_access(self, node: yn.Node, path: str, defaults: _Defaults) -> SnmpAccess | None:
        parsed = self.access_fields(node, path, SNMP_KEYS, "snmp", ("snmp_v2c", "snmp_v3"))
        if parsed is None or not isinstance(parsed[0], SnmpV2cCredential | SnmpV3Credential):
            return None
        values = {**defaults.snmp, **parsed[1]}
        return SnmpAccess(
            parsed[0],
            port=int(values.get("port", 161)),
            timeout=float(values.get("timeout", 2.0)),
            retries=int(values.get("retries", 1)),
        )

    def ssh_access(self, node: yn.Node, path: str, defaults: _Defaults) -> SshAccess | None:
        parsed = self.access_fields(node, path, SSH_KEYS, "ssh", ("ssh",))
        if parsed is None or not isinstance(parsed[0], SshCredential):
            return None
        values = {**defaults.ssh, **parsed[1]}
        return SshAccess(
            parsed[0],
            port=int(values.get("port", 22)),
            timeout=float(values.get("timeout", 15.0)),
        )


@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
