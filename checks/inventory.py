"""inventory.yaml: the model of customers, sites, devices and credentials, and its loader.

PUBLIC API (used by agent/, lab/ and tests; keep it stable):
    load_inventory(path) -> Inventory            raises InventoryError listing every problem
    InventoryError.issues: list[InventoryIssue]  each str()s as "file:line: field.path: message"
    Inventory.devices, .device(name), .select(customer=, site=, tag=), .customers, .credentials
    Device: name, address, platform, role, criticality, snmp, ssh, tags, customer, site, zone,
            thresholds (resolved Thresholds: device > site > customer > defaults > catalog)
    Secret.reveal() -> str  (raises SecretError, located, when the env var/file is unusable)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from checks.thresholds import Thresholds

CRITICALITIES = ("high", "medium", "low")
ZONES = ("urban", "suburban")


class SecretError(Exception):
    """A secret that cannot be read; the message names where it is referenced, never its value."""


@dataclass(frozen=True)
class Secret:
    """A reference to a secret: an environment variable or a file of mode 0600."""

    env: str | None = None
    file: str | None = None
    where: str = ""  # "inventory.yaml:3: credentials.lab-v2c.community", for error messages

    def reveal(self) -> str:
        raise NotImplementedError  # filled in by the inventory loader work

    def __repr__(self) -> str:
        return f"Secret(env={self.env!r})" if self.env else f"Secret(file={self.file!r})"

    __str__ = __repr__


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
    priv: str | None  # des | aes | aes128 | aes192 | aes256 | None (authNoPriv)
    priv_key: Secret | None


@dataclass(frozen=True)
class SshCredential:
    name: str
    username: str
    password: Secret | None = None
    key_file: str | None = None


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
class InventoryIssue:
    file: str
    line: int
    path: str  # dotted field path, e.g. "customers[0].sites[1].devices[2].platform"
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class InventoryError(Exception):
    def __init__(self, issues: list[InventoryIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass(frozen=True)
class Inventory:
    path: Path
    credentials: dict[str, Credential]
    customers: tuple[Customer, ...]

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


def load_inventory(path: str | Path) -> Inventory:
    raise NotImplementedError  # filled in by the inventory loader work
