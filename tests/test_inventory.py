"""Loading and validating inventory.yaml (checks/inventory.py); `patrol inventory` (cli_inventory).

Each error kind is asserted as the exact located line an operator reads:
`file:line: field.path: message`.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from agent.cli_inventory import inventory_app
from checks.inventory import (
    InventoryError,
    Secret,
    SecretError,
    SnmpV2cCredential,
    SnmpV3Credential,
    SshCredential,
    load_inventory,
    parse_inventory,
)

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "inventory.yaml"
DEMO_ENV = {
    "PATROL_LAB_COMMUNITY": "lab-community",
    "PATROL_LAB_V3_AUTH": "lab-auth-key-0001",
    "PATROL_LAB_V3_PRIV": "lab-priv-key-0001",
    "PATROL_LAB_SSH_PASSWORD": "lab-ssh-password",
}

HEAD = """\
credentials:
  v2: {type: snmp_v2c, community: {env: T_COMMUNITY}}
  v3: {type: snmp_v3, user: patrol, auth: sha, auth_key: {env: T_AUTH},
       priv: aes, priv_key: {env: T_PRIV}}
  pw: {type: ssh, username: patrol, password: {env: T_PASSWORD}}
customers:
  - id: bank
    sites:
      - id: hq
        zone: urban
        devices:
"""
FIRST_DEVICE_LINE = 12  # the line of the first device's first field
SW1 = "customers.bank.sites.hq.devices.sw1"
GOOD_DEVICE = """\
name: sw1
address: 10.0.0.1
snmp: {credential: v2}
"""


def with_devices(*devices: str, head: str = HEAD) -> str:
    """HEAD followed by the given devices (each a dedented block of fields)."""
    out = [head]
    for device in devices:
        lines = textwrap.dedent(device).strip("\n").splitlines()
        out.append("          - " + lines[0] + "\n")
        out.extend("            " + line + "\n" for line in lines[1:])
    return "".join(out)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in tmp_path so issues carry the short relative name `inventory.yaml`."""
    monkeypatch.chdir(tmp_path)
    for name in ("T_COMMUNITY", "T_AUTH", "T_PRIV", "T_PASSWORD", "PATROL_INVENTORY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def write(text: str, name: str = "inventory.yaml") -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8")
    return path


def issues(text: str, check_secrets: bool = False) -> list[str]:
    write(text)
    with pytest.raises(InventoryError) as caught:
        load_inventory("inventory.yaml", check_secrets=check_secrets)
    return [str(issue) for issue in caught.value.issues]


def one_issue(text: str, check_secrets: bool = False) -> str:
    found = issues(text, check_secrets)
    assert len(found) == 1, found
    return found[0]


def device_issue(*fields: str) -> str:
    """The single issue of a one-device inventory whose device has these extra field lines."""
    return one_issue(with_devices(GOOD_DEVICE + "".join(f + "\n" for f in fields)))


# --- the demo and valid files -------------------------------------------------------------------


def test_demo_inventory_loads_clean_with_secrets_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in DEMO_ENV.items():
        monkeypatch.setenv(name, value)
    inventory = load_inventory(DEMO, check_secrets=True)
    assert [c.id for c in inventory.customers] == ["fzbank"]
    assert [s.id for s in inventory.sites] == ["fz-hq", "fz-minhou"]
    assert len(inventory.devices) == 9
    assert sorted(inventory.credentials) == ["lab-v2c", "lab-v3", "noc-pw"]
    core = inventory.device("fz-hq-core-01")
    assert (core.address, core.platform, core.criticality, core.zone) == (
        "127.0.1.1",
        "huawei_vrp",
        "high",
        "urban",
    )
    assert (core.customer, core.site, core.role, core.tags) == (
        "fzbank",
        "fz-hq",
        "core-switch",
        ("core",),
    )
    assert core.snmp is not None and core.snmp.port == 1161
    assert core.snmp.timeout == 2.0 and core.snmp.retries == 1
    v3 = core.snmp.credential
    assert isinstance(v3, SnmpV3Credential)
    assert (v3.user, v3.auth, v3.priv) == ("patrol", "sha256", "aes128")  # `aes` means AES-128
    assert v3.auth_key.reveal() == "lab-auth-key-0001"
    assert inventory.device("fz-hq-core-02").platform is None  # detected at poll time
    assert inventory.device("fz-mh-acc-01").zone == "suburban"
    assert inventory.device("fz-hq-app-01").thresholds.get("storage.usage").source == (
        "device fz-hq-app-01"
    )


def test_demo_inventory_loads_without_secrets_when_not_checking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in DEMO_ENV:
        monkeypatch.delenv(name, raising=False)
    inventory = load_inventory(DEMO)
    with pytest.raises(SecretError) as caught:
        inventory.credentials["lab-v2c"].community.reveal()  # type: ignore[union-attr]
    assert str(caught.value) == (
        f"{DEMO}:4: credentials.lab-v2c.community: "
        "environment variable PATROL_LAB_COMMUNITY is not set"
    )


def test_minimal_device_gets_defaults(here: Path) -> None:
    inventory = load_inventory(write(with_devices(GOOD_DEVICE)))
    device = inventory.device("sw1")
    assert device.criticality == "medium"
    assert device.platform is None and device.role is None and device.tags == ()
    assert device.ssh is None
    assert device.snmp is not None
    assert (device.snmp.port, device.snmp.timeout, device.snmp.retries) == (161, 2.0, 1)
    assert isinstance(device.snmp.credential, SnmpV2cCredential)
    assert inventory.path == Path("inventory.yaml")


def test_ssh_access_and_key_file_relative_to_inventory_folder(here: Path) -> None:
    text = with_devices(
        """\
        name: host1
        address: aix01.bank.example
        ssh: {credential: key, port: 2222, timeout: 30}
        """
    ).replace(
        "credentials:\n", "credentials:\n  key: {type: ssh, username: ops, key_file: keys/id}\n"
    )
    inventory = load_inventory(write(text))
    ssh = inventory.device("host1").ssh
    assert ssh is not None and (ssh.port, ssh.timeout) == (2222, 30.0)
    assert isinstance(ssh.credential, SshCredential)
    assert ssh.credential.key_file == str(here / "keys" / "id")


def test_defaults_snmp_timeout_and_retries_apply_unless_the_device_sets_them(here: Path) -> None:
    head = HEAD.replace("customers:\n", "defaults:\n  snmp: {timeout: 5, retries: 3}\ncustomers:\n")
    text = with_devices(
        GOOD_DEVICE,
        """\
        name: sw2
        address: 10.0.0.2
        snmp: {credential: v3, port: 1161, timeout: 0.5, retries: 0}
        """,
        head=head,
    )
    inventory = load_inventory(write(text))
    sw1, sw2 = inventory.device("sw1").snmp, inventory.device("sw2").snmp
    assert sw1 is not None and (sw1.port, sw1.timeout, sw1.retries) == (161, 5.0, 3)
    assert sw2 is not None and (sw2.port, sw2.timeout, sw2.retries) == (1161, 0.5, 0)


def test_threshold_inheritance_defaults_customer_site_device(here: Path) -> None:
    text = """\
credentials:
  v2: {type: snmp_v2c, community: {env: T_COMMUNITY}}
defaults:
  thresholds: {cpu.usage: {warn: 70, crit: 80}, temperature: {warn: 50}}
customers:
  - id: bank
    thresholds: {cpu.usage: {warn: 75}, memory.usage: {crit: "@0:10"}}
    sites:
      - id: hq
        zone: urban
        thresholds: {cpu.usage: {crit: 85}}
        devices:
          - name: sw1
            address: 10.0.0.1
            snmp: {credential: v2}
            thresholds: {cpu.usage: {warn: "~:60"}, storage.usage: {warn: 70, crit: 80}}
          - name: sw2
            address: 10.0.0.2
            snmp: {credential: v2}
"""
    inventory = load_inventory(write(text))
    sw1, sw2 = inventory.device("sw1").thresholds, inventory.device("sw2").thresholds
    # Fields inherit one by one: sw1 sets only cpu warn, keeps the site's crit.
    # "~:60" alerts above 60: shown as the bare number, like `warn: 60`.
    assert (sw1.get("cpu.usage").warn_display, sw1.get("cpu.usage").crit_display) == (60, 85)
    assert sw1.get("cpu.usage").source == "device sw1"
    assert (sw2.get("cpu.usage").warn_display, sw2.get("cpu.usage").crit_display) == (75, 85)
    assert sw2.get("cpu.usage").source == "site hq"
    assert sw2.get("memory.usage").source == "customer bank"
    assert sw2.get("memory.usage").crit_display == "@0:10"
    assert sw2.get("memory.usage").warn_display == 85  # catalog
    assert (sw2.get("temperature").warn_display, sw2.get("temperature").source) == (50, "defaults")
    assert sw2.get("interface.errors").source == "catalog"
    assert sw1.get("storage.usage").crit_display == 80 and "storage.usage" not in {
        m for m in sw2.by_metric if sw2.by_metric[m].source != "catalog"
    }


def test_select_by_customer_site_and_tag(here: Path) -> None:
    text = """\
credentials:
  v2: {type: snmp_v2c, community: {env: T_COMMUNITY}}
customers:
  - id: a
    sites:
      - id: a1
        zone: urban
        devices:
          - {name: d1, address: 10.0.0.1, snmp: {credential: v2}, tags: [core]}
          - {name: d2, address: 10.0.0.2, snmp: {credential: v2}, tags: [wan, core]}
      - id: a2
        zone: suburban
        devices:
          - {name: d3, address: 10.0.0.3, snmp: {credential: v2}, tags: [wan]}
  - id: b
    sites:
      - id: b1
        zone: urban
        devices: []
"""
    inventory = load_inventory(write(text))

    def names(**wanted: str) -> list[str]:
        return [d.name for d in inventory.select(**wanted)]

    assert names() == ["d1", "d2", "d3"]
    assert names(customer="a") == ["d1", "d2", "d3"]
    assert names(customer="b") == []
    assert names(site="a2") == ["d3"]
    assert names(tag="wan") == ["d2", "d3"]
    assert names(customer="a", site="a1", tag="wan") == ["d2"]
    assert inventory.device("d3").zone == "suburban"
    with pytest.raises(KeyError):
        inventory.device("nope")


def test_merge_keys_share_settings_between_devices(here: Path) -> None:
    text = """\
credentials:
  v2: {type: snmp_v2c, community: {env: T_COMMUNITY}}
customers:
  - id: bank
    sites:
      - id: hq
        zone: urban
        devices:
          - &switch {name: sw1, address: 10.0.0.1, snmp: {credential: v2, port: 1161}, role: access}
          - <<: *switch
            name: sw2
            address: 10.0.0.2
"""
    sw2 = load_inventory(write(text)).device("sw2")
    assert (sw2.address, sw2.role) == ("10.0.0.2", "access")
    assert sw2.snmp is not None and sw2.snmp.port == 1161


def test_a_mapping_merged_into_itself_is_an_issue_not_a_crash(here: Path) -> None:
    assert issues("customers: [&c {<<: *c}]\n") == [
        "inventory.yaml:1: customers[0].<<: a mapping cannot be merged into itself",
        "inventory.yaml:1: customers[0].id: required field is missing",
        "inventory.yaml:1: customers[0].sites: required field is missing",
    ]


SHAPES = [" []", " {x: 1}", " 3", " yes", "", " !foo x", " 99999999999999999999", " 2020-01-01"]


def test_any_value_of_any_shape_gives_issues_never_an_exception() -> None:
    """Every field of the demo replaced by values of other shapes: InventoryError, nothing else."""
    lines = DEMO.read_text().splitlines()
    tried = 0
    for number, line in enumerate(lines):
        key, colon, _ = line.partition(":")
        if not colon or line.lstrip().startswith("#"):
            continue
        for shape in SHAPES:
            text = "\n".join([*lines[:number], f"{key}:{shape}", *lines[number + 1 :]]) + "\n"
            try:
                parse_inventory(text)
            except InventoryError as exc:
                assert exc.issues and all(issue.message for issue in exc.issues)
            tried += 1
    assert tried > 400


def test_parse_inventory_from_text() -> None:
    inventory = parse_inventory(with_devices(GOOD_DEVICE), "memory.yaml")
    assert inventory.path == Path("memory.yaml") and inventory.device("sw1").address == "10.0.0.1"
    with pytest.raises(InventoryError) as caught:
        parse_inventory("customers: 3\n", "memory.yaml")
    assert str(caught.value) == "memory.yaml:1: customers: expected a list of customers, got 3"


# --- one test per error kind --------------------------------------------------------------------


def test_bad_yaml_gives_the_line_pyyaml_reports(here: Path) -> None:
    text = with_devices(GOOD_DEVICE) + "            tags: [core\n"
    assert one_issue(text) == (
        "inventory.yaml:16: invalid YAML: expected ',' or ']', but got '<stream end>' (column 1), "
        "while parsing a flow sequence at line 15"
    )


def test_bad_yaml_indentation_and_tabs(here: Path) -> None:
    assert one_issue("customers:\n  - id: x\n   name: y\n") == (
        "inventory.yaml:3: invalid YAML: expected <block end>, but found '<block mapping start>' "
        "(column 4), while parsing a block collection at line 2; check the indentation"
    )
    assert one_issue("customers:\n\t- id: x\n") == (
        "inventory.yaml:2: invalid YAML: found character '\\t' that cannot start any token "
        "(column 1); YAML indents with spaces, not tabs"
    )


def test_empty_file_and_wrong_root(here: Path) -> None:
    assert one_issue("") == (
        "inventory.yaml:1: the file is empty; expected a mapping with credentials, customers"
    )
    assert one_issue("- a\n") == (
        "inventory.yaml:1: expected a mapping (keys: credentials, defaults, customers), got a list"
    )


def test_unknown_key_says_which_keys_are_allowed(here: Path) -> None:
    assert device_issue("platfrom: linux") == (
        f"inventory.yaml:15: {SW1}.platfrom: unknown key; did you mean 'platform'? "
        "allowed keys: name, address, platform, role, criticality, snmp, ssh, thresholds, tags, "
        "timezone"
    )
    assert one_issue(with_devices(GOOD_DEVICE) + "agents: []\n") == (
        "inventory.yaml:15: agents: unknown key; allowed keys: credentials, defaults, customers"
    )


def test_missing_required_field(here: Path) -> None:
    assert one_issue(with_devices("name: sw1\nsnmp: {credential: v2}\n")) == (
        f"inventory.yaml:12: {SW1}.address: required field is missing"
    )
    # Without a usable name, the device is named by its index.
    assert one_issue(with_devices("address: 10.0.0.1\nsnmp: {credential: v2}\n")) == (
        "inventory.yaml:12: customers.bank.sites.hq.devices[0].name: required field is missing"
    )
    assert (
        one_issue("credentials: {}\n") == "inventory.yaml:1: customers: required field is missing"
    )


def test_wrong_type(here: Path) -> None:
    assert device_issue("tags: core") == (
        f"inventory.yaml:15: {SW1}.tags: expected a list of tags, got 'core'"
    )
    assert device_issue("tags: [core, 3]") == (
        f"inventory.yaml:15: {SW1}.tags[1]: expected a tag, got 3"
    )
    assert device_issue("role: [a, b]") == (
        f"inventory.yaml:15: {SW1}.role: expected a role such as core-switch, got a list"
    )
    assert device_issue("ssh: pw") == (
        f"inventory.yaml:15: {SW1}.ssh: expected a mapping (keys: credential, port, timeout), "
        "got 'pw'"
    )
    assert one_issue(with_devices("name: 42\naddress: 10.0.0.1\nsnmp: {credential: v2}\n")) == (
        "inventory.yaml:12: customers.bank.sites.hq.devices[0].name: expected a device name, got 42"
    )
    assert device_issue("snmp_extra: 1").startswith(f"inventory.yaml:15: {SW1}.snmp_extra: unknown")


def test_wrong_type_of_timeout_and_retries(here: Path) -> None:
    text = with_devices(
        "name: sw1\naddress: 10.0.0.1\nsnmp: {credential: v2, timeout: 2000, retries: x}\n"
    )
    assert issues(text) == [
        f"inventory.yaml:14: {SW1}.snmp.timeout: expected a number of seconds above 0 and at most "
        "300, got 2000",
        f"inventory.yaml:14: {SW1}.snmp.retries: expected a number of retries from 0 to 10, "
        "got 'x'",
    ]


def test_unknown_credential_lists_the_defined_ones(here: Path) -> None:
    text = with_devices("name: sw1\naddress: 10.0.0.1\nsnmp: {credential: lab-v4}\n")
    assert one_issue(text) == (
        f"inventory.yaml:14: {SW1}.snmp.credential: unknown credential 'lab-v4'; "
        "defined credentials: v2, v3, pw"
    )


def test_credential_of_the_wrong_type_for_its_use(here: Path) -> None:
    text = with_devices(
        "name: sw1\naddress: 10.0.0.1\nsnmp: {credential: pw}\nssh: {credential: v3}\n"
    )
    assert issues(text) == [
        f"inventory.yaml:14: {SW1}.snmp.credential: credential 'pw' is of type ssh; "
        "snmp needs a credential of type snmp_v2c or snmp_v3",
        f"inventory.yaml:15: {SW1}.ssh.credential: credential 'v3' is of type snmp_v3; "
        "ssh needs a credential of type ssh",
    ]


def test_broken_credential_is_reported_once_not_at_every_use(here: Path) -> None:
    text = with_devices(GOOD_DEVICE).replace(
        "{type: snmp_v2c, community: {env: T_COMMUNITY}}", "{type: snmp_v2c}"
    )
    assert issues(text) == ["inventory.yaml:2: credentials.v2.community: required field is missing"]


def test_unknown_credential_type(here: Path) -> None:
    text = with_devices(GOOD_DEVICE).replace("  pw: {type: ssh,", "  pw: {type: telnet,")
    assert one_issue(text) == (
        "inventory.yaml:5: credentials.pw.type: unknown credential type 'telnet'; "
        "expected one of: snmp_v2c, snmp_v3, ssh"
    )


def test_duplicate_device_name_names_both_lines(here: Path) -> None:
    text = with_devices(GOOD_DEVICE, GOOD_DEVICE.replace("10.0.0.1", "10.0.0.2"))
    assert one_issue(text) == (
        f"inventory.yaml:15: {SW1}.name: duplicate device name 'sw1' (first defined at line 12)"
    )


def test_duplicate_device_name_across_sites_and_customers(here: Path) -> None:
    text = with_devices(GOOD_DEVICE) + (
        "  - id: other\n"
        "    sites:\n"
        "      - id: branch\n"
        "        zone: suburban\n"
        "        devices:\n"
        "          - {name: sw1, address: 10.9.0.1, snmp: {credential: v2}}\n"
    )
    assert one_issue(text) == (
        "inventory.yaml:20: customers.other.sites.branch.devices.sw1.name: "
        "duplicate device name 'sw1' (first defined at line 12)"
    )


def test_duplicate_customer_and_site_ids(here: Path) -> None:
    text = with_devices(GOOD_DEVICE) + (
        "  - id: bank\n    sites:\n      - id: hq\n        zone: urban\n        devices: []\n"
    )
    assert issues(text) == [
        "inventory.yaml:15: customers.bank.id: duplicate customer id 'bank' "
        "(first defined at line 7)",
        "inventory.yaml:17: customers.bank.sites.hq.id: duplicate site id 'hq' "
        "(first defined at line 9)",
    ]


def test_duplicate_mapping_key_is_an_error(here: Path) -> None:
    assert device_issue("address: 10.0.0.9") == (
        f"inventory.yaml:15: {SW1}.address: duplicate key 'address' (first written at line 13)"
    )


def test_unknown_platform_lists_the_valid_ids(here: Path) -> None:
    assert device_issue("platform: huawei_vr") == (
        f"inventory.yaml:15: {SW1}.platform: unknown platform 'huawei_vr'; did you mean "
        "'huawei_vrp'? expected one of: cisco_ios, cisco_xe, cisco_nxos, huawei_vrp, huawei_vrpv8, "
        "ibm_aix, ibm_imm, ibm_storwize, linux, generic (or leave platform out to detect it)"
    )


def test_bad_zone(here: Path) -> None:
    text = with_devices(GOOD_DEVICE).replace("zone: urban", "zone: city")
    assert one_issue(text) == (
        "inventory.yaml:10: customers.bank.sites.hq.zone: unknown zone 'city'; "
        "expected one of: urban, suburban"
    )
    text = with_devices(GOOD_DEVICE).replace("        zone: urban\n", "")
    assert one_issue(text) == (
        "inventory.yaml:9: customers.bank.sites.hq.zone: required field is missing"
    )


def test_bad_criticality(here: Path) -> None:
    assert device_issue("criticality: urgent") == (
        f"inventory.yaml:15: {SW1}.criticality: unknown criticality 'urgent'; "
        "expected one of: high, medium, low"
    )


def test_bad_threshold_key(here: Path) -> None:
    assert device_issue("thresholds: {cpu: {warn: 80}}") == (
        f"inventory.yaml:15: {SW1}.thresholds.cpu: unknown threshold metric 'cpu'; expected one "
        "of: cpu.usage, fan.speed, interface.errors, interface.utilization, memory.usage, "
        "paging.usage, storage.usage, temperature, uptime"
    )
    assert device_issue("thresholds: {cpu.usage: {warning: 80}}") == (
        f"inventory.yaml:15: {SW1}.thresholds.cpu.usage.warning: unknown key; did you mean "
        "'warn'? allowed keys: warn, crit"
    )


def test_bad_threshold_value(here: Path) -> None:
    text = with_devices(
        GOOD_DEVICE
        + "thresholds:\n  cpu.usage: {warn: abc, crit: '20:10'}\n  temperature: {warn: yes}\n"
    )
    assert issues(text) == [
        f"inventory.yaml:16: {SW1}.thresholds.cpu.usage.warn: bad threshold 'abc': expected a "
        "number or a range like '10:', '~:50', '10:20' or '@10:20'",
        f"inventory.yaml:16: {SW1}.thresholds.cpu.usage.crit: bad threshold '20:10': start is "
        "greater than end",
        f"inventory.yaml:17: {SW1}.thresholds.temperature.warn: expected a number or a range like "
        "'10:', '~:50', '10:20' or '@10:20', got yes",
    ]


def test_bad_port(here: Path) -> None:
    text = with_devices("name: sw1\naddress: 10.0.0.1\nsnmp: {credential: v2, port: 70000}\n")
    assert one_issue(text) == (
        f"inventory.yaml:14: {SW1}.snmp.port: expected a port number from 1 to 65535, got 70000"
    )
    text = with_devices("name: sw1\naddress: 10.0.0.1\nssh: {credential: pw, port: ssh}\n")
    assert one_issue(text) == (
        f"inventory.yaml:14: {SW1}.ssh.port: expected a port number from 1 to 65535, got 'ssh'"
    )


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("10.1.1.1", True),
        ("2001:db8::1", True),
        ("core-01.bank.example", True),
        ("core01", True),
        ("10.1.1.300", False),
        ("bad host", False),
        ("-lead.example", False),
        ("a_b.example", False),
    ],
)
def test_address_must_be_an_ip_or_hostname(here: Path, address: str, ok: bool) -> None:
    text = with_devices(f"name: sw1\naddress: '{address}'\nsnmp: {{credential: v2}}\n")
    if ok:
        assert load_inventory(write(text)).device("sw1").address == address
    else:
        assert one_issue(text) == (
            f"inventory.yaml:13: {SW1}.address: {address!r} is not an IP address or a hostname"
        )


def test_address_with_a_port_hints_where_the_port_goes(here: Path) -> None:
    text = with_devices("name: sw1\naddress: '10.0.0.1:161'\nsnmp: {credential: v2}\n")
    assert one_issue(text) == (
        f"inventory.yaml:13: {SW1}.address: '10.0.0.1:161' is not an IP address or a hostname; "
        "give the port under snmp: or ssh:"
    )


def test_snmpv3_protocols_not_supported(here: Path) -> None:
    text = (
        with_devices(GOOD_DEVICE)
        .replace("auth: sha,", "auth: sha1,")
        .replace("priv: aes,", "priv: blowfish,")
    )
    assert issues(text) == [
        "inventory.yaml:3: credentials.v3.auth: unknown auth protocol 'sha1'; did you mean 'sha'? "
        "expected one of: md5, sha, sha224, sha256, sha384, sha512",
        "inventory.yaml:4: credentials.v3.priv: unknown priv protocol 'blowfish'; "
        "expected one of: des, 3des, aes, aes128, aes192, aes256",
    ]


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("aes", "aes128"),
        ("AES256", "aes256"),
        ("3des", "3des"),
        ("des", "des"),
        ("aes192", "aes192"),
    ],
)
def test_snmpv3_priv_protocol_names(here: Path, written: str, stored: str) -> None:
    text = with_devices(GOOD_DEVICE).replace("priv: aes,", f"priv: {written},")
    credential = load_inventory(write(text)).credentials["v3"]
    assert isinstance(credential, SnmpV3Credential) and credential.priv == stored


def test_snmpv3_auth_no_priv_and_priv_without_key(here: Path) -> None:
    text = with_devices(GOOD_DEVICE).replace("\n       priv: aes, priv_key: {env: T_PRIV}", "")
    credential = load_inventory(write(text)).credentials["v3"]
    assert isinstance(credential, SnmpV3Credential)
    assert credential.priv is None and credential.priv_key is None
    text = with_devices(GOOD_DEVICE).replace(", priv_key: {env: T_PRIV}", "")
    assert one_issue(text) == (
        "inventory.yaml:4: credentials.v3.priv_key: required field is missing "
        "(priv is set, so the privacy key is needed)"
    )


def test_inline_secrets_are_refused_and_never_echoed(here: Path) -> None:
    text = """\
credentials:
  v2: {type: snmp_v2c, community: public-s3cret}
  v3: {type: snmp_v3, user: u, auth: sha, auth_key: auth-s3cret, priv: aes, priv_key: priv-s3cret}
  pw: {type: ssh, username: u, password: ssh-s3cret}
customers: []
"""
    found = issues(text)
    rule = "secrets are never inline: write {env: VARIABLE} or {file: path} (a file of mode 0600)"
    assert found == [
        f"inventory.yaml:2: credentials.v2.community: {rule}",
        f"inventory.yaml:3: credentials.v3.auth_key: {rule}",
        f"inventory.yaml:3: credentials.v3.priv_key: {rule}",
        f"inventory.yaml:4: credentials.pw.password: {rule}",
    ]
    assert "s3cret" not in "\n".join(found)


def test_secret_reference_shape(here: Path) -> None:
    text = with_devices(GOOD_DEVICE).replace(
        "community: {env: T_COMMUNITY}", "community: {env: T_COMMUNITY, file: x}"
    )
    assert one_issue(text) == (
        "inventory.yaml:2: credentials.v2.community: expected exactly one of env or file: "
        "{env: VARIABLE} or {file: path} (a file of mode 0600)"
    )
    text = with_devices(GOOD_DEVICE).replace("{env: T_COMMUNITY}", "{env: 'my secret'}")
    found = one_issue(text)
    assert found == (
        "inventory.yaml:2: credentials.v2.community.env: expected an environment variable name "
        "(letters, digits and _, not starting with a digit)"
    )
    assert "my secret" not in found


def test_env_var_not_set_is_an_issue_only_when_checking_secrets(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_AUTH", "auth-key-0001")
    monkeypatch.setenv("T_PRIV", "priv-key-0001")
    monkeypatch.setenv("T_PASSWORD", "pw")
    text = with_devices(GOOD_DEVICE)
    load_inventory(write(text))  # no secrets read: fine
    assert one_issue(text, check_secrets=True) == (
        "inventory.yaml:2: credentials.v2.community: environment variable T_COMMUNITY is not set"
    )
    monkeypatch.setenv("T_COMMUNITY", "")
    assert one_issue(text, check_secrets=True) == (
        "inventory.yaml:2: credentials.v2.community: environment variable T_COMMUNITY is empty"
    )
    monkeypatch.setenv("T_COMMUNITY", "c")
    load_inventory("inventory.yaml", check_secrets=True)


def test_snmpv3_keys_shorter_than_8_characters(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "T_COMMUNITY": "c",
        "T_AUTH": "short",
        "T_PRIV": "p" * 8,
        "T_PASSWORD": "pw",
    }.items():
        monkeypatch.setenv(name, value)
    found = one_issue(with_devices(GOOD_DEVICE), check_secrets=True)
    assert found == (
        "inventory.yaml:3: credentials.v3.auth_key: SNMPv3 keys must be at least 8 characters "
        "(RFC 3414); this one is shorter"
    )
    assert "short" not in found.replace("shorter", "")


def secrets_file_inventory(path: str) -> str:
    return with_devices(GOOD_DEVICE).replace("{env: T_COMMUNITY}", f"{{file: {path}}}")


def test_secrets_file_read_relative_to_the_inventory_and_newline_stripped(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = here / "secrets" / "community"
    secret.parent.mkdir()
    secret.write_text("s3cret-community\n")
    secret.chmod(0o600)
    write(secrets_file_inventory("secrets/community"))
    monkeypatch.chdir("/")  # the file is found relative to the inventory, not the cwd
    inventory = load_inventory(here / "inventory.yaml")
    community = inventory.credentials["v2"].community  # type: ignore[union-attr]
    assert community == Secret(
        file=str(secret), where=f"{here / 'inventory.yaml'}:2: credentials.v2.community"
    )
    assert community.reveal() == "s3cret-community"
    secret.chmod(0o400)  # read-only for its owner is as private as 0600
    assert community.reveal() == "s3cret-community"


def test_secrets_file_that_is_not_mode_0600(here: Path) -> None:
    secret = here / "community"
    secret.write_text("s3cret\n")
    secret.chmod(0o644)
    found = issues(secrets_file_inventory("community"), check_secrets=True)
    assert found[0] == (
        f"inventory.yaml:2: credentials.v2.community: secrets file {secret} is mode 0644; "
        f"it must be 0600 (readable by its owner only): chmod 600 {secret}"
    )
    assert "s3cret" not in "\n".join(found)
    inventory = load_inventory("inventory.yaml")  # not checked: loads, reveal() refuses
    with pytest.raises(SecretError) as caught:
        inventory.credentials["v2"].community.reveal()  # type: ignore[union-attr]
    assert (
        str(caught.value)
        == f"inventory.yaml:2: credentials.v2.community: {found[0].split(': ', 2)[2]}"
    )


def test_secrets_file_that_does_not_exist(here: Path) -> None:
    found = issues(secrets_file_inventory("~/nowhere/community"), check_secrets=True)
    missing = Path("~/nowhere/community").expanduser()
    assert found[0] == (
        f"inventory.yaml:2: credentials.v2.community: secrets file {missing} does not exist"
    )


def test_ssh_key_file_missing_is_an_issue_when_checking_secrets(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("T_COMMUNITY", "T_PASSWORD"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("T_AUTH", "auth-key-0001")
    monkeypatch.setenv("T_PRIV", "priv-key-0001")
    text = with_devices(GOOD_DEVICE).replace(
        "password: {env: T_PASSWORD}}", "key_file: keys/patrol_ed25519}"
    )
    load_inventory(write(text))
    assert one_issue(text, check_secrets=True) == (
        f"inventory.yaml:5: credentials.pw.key_file: key file {here / 'keys/patrol_ed25519'} "
        "does not exist"
    )
    key = here / "keys" / "patrol_ed25519"
    key.parent.mkdir()
    key.write_text("key")
    key.chmod(0o600)
    load_inventory("inventory.yaml", check_secrets=True)


def test_secrets_never_print_their_value(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_COMMUNITY", "s3cret-value")
    inventory = load_inventory(write(with_devices(GOOD_DEVICE)))
    device = inventory.device("sw1")
    assert device.snmp is not None
    community = device.snmp.credential.community  # type: ignore[union-attr]
    assert community.reveal() == "s3cret-value"
    for text in (repr(community), str(community), repr(device), str(inventory), f"{community}"):
        assert "s3cret-value" not in text
    assert repr(community) == "Secret(env='T_COMMUNITY')"


def test_secret_error_is_located_and_never_holds_the_value(tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text("hunter2\n")
    secret_file.chmod(0o666)
    secret = Secret(file=str(secret_file), where="inventory.yaml:9: credentials.x.password")
    with pytest.raises(SecretError) as caught:
        secret.reveal()
    assert str(caught.value) == (
        f"inventory.yaml:9: credentials.x.password: secrets file {secret_file} is mode 0666; "
        f"it must be 0600 (readable by its owner only): chmod 600 {secret_file}"
    )
    assert "hunter2" not in str(caught.value) and "hunter2" not in repr(caught.value)
    secret_file.write_text("\n")
    secret_file.chmod(0o600)
    assert secret.problem() == f"secrets file {secret_file} is empty"


def test_device_needs_snmp_or_ssh(here: Path) -> None:
    assert one_issue(with_devices("name: sw1\naddress: 10.0.0.1\n")) == (
        f"inventory.yaml:12: {SW1}: a device needs snmp: or ssh: (how Patrol reaches it), or both"
    )


def test_unsupported_yaml_tag(here: Path) -> None:
    assert device_issue("role: !secret core") == (
        f"inventory.yaml:15: {SW1}.role: unsupported YAML tag '!secret'"
    )
    text = with_devices("name: sw1\naddress: 10.0.0.1\nsnmp: {credential: v2, port: !port 161}\n")
    assert one_issue(text) == f"inventory.yaml:14: {SW1}.snmp.port: unsupported YAML tag '!port'"


def test_every_problem_is_reported_at_once_sorted_by_line(here: Path) -> None:
    text = with_devices(
        "name: sw1\naddress: 10.0.0.300\nplatform: ios\nsnmp: {credential: nope}\n",
        "name: sw1\naddress: 10.0.0.2\ncriticality: urgent\nssh: {credential: v2}\n",
    ).replace("zone: urban", "zone: downtown")
    found = issues(text)
    assert [line.split(":")[1] for line in found] == ["10", "13", "14", "15", "16", "18", "19"]
    assert len(found) == 7


# --- file-level problems ------------------------------------------------------------------------


def test_file_not_found_directory_and_non_utf8(here: Path) -> None:
    for name, message in [
        ("missing.yaml", "missing.yaml: file not found"),
        (".", ".: is a directory; expected an inventory file such as inventory.yaml"),
    ]:
        with pytest.raises(InventoryError) as caught:
            load_inventory(name)
        assert str(caught.value) == message
    Path("latin1.yaml").write_bytes("customers: []\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(InventoryError) as caught:
        load_inventory("latin1.yaml")
    assert str(caught.value) == "latin1.yaml:2: not UTF-8 text (byte 0xe9); save the file as UTF-8"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(here: Path) -> None:
    write("customers: []\n").chmod(0)
    with pytest.raises(InventoryError) as caught:
        load_inventory("inventory.yaml")
    assert str(caught.value) == "inventory.yaml: cannot read the file: permission denied"


# --- patrol inventory check / list --------------------------------------------------------------

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    result = runner.invoke(inventory_app, list(args), env={"COLUMNS": "200", **(env or {})})
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_cli_check_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("check", str(DEMO), env=DEMO_ENV)
    assert result.exit_code == 0, result.output
    assert result.output == f"{DEMO}: OK — 1 customer, 2 sites, 9 devices, 3 credentials\n"


def test_cli_check_defaults_to_patrol_inventory_then_cwd(here: Path) -> None:
    write(with_devices(GOOD_DEVICE), "elsewhere.yaml")
    result = run("check", "--skip-secrets", env={"PATROL_INVENTORY": "elsewhere.yaml"})
    assert result.exit_code == 0
    assert result.output == "elsewhere.yaml: OK — 1 customer, 1 site, 1 device, 3 credentials\n"
    result = run("check")
    assert result.exit_code == 2
    assert result.output == "error: inventory.yaml: file not found\n1 error in inventory.yaml\n"


def test_cli_check_lists_every_issue_and_exits_2(here: Path) -> None:
    write(with_devices(GOOD_DEVICE + "platform: ios\ncriticality: urgent\n"))
    result = run("check")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == (
        "error: inventory.yaml:2: credentials.v2.community: "
        "environment variable T_COMMUNITY is not set"
    )
    assert lines[4].startswith(f"error: inventory.yaml:15: {SW1}.platform: unknown platform 'ios'")
    assert lines[5].startswith(f"error: inventory.yaml:16: {SW1}.criticality: unknown criticality")
    assert lines[6] == "6 errors in inventory.yaml"
    result = run("check", "--skip-secrets")
    assert result.exit_code == 2 and result.output.splitlines()[-1] == "2 errors in inventory.yaml"


def test_cli_check_marks_errors_in_red() -> None:
    result = runner.invoke(
        inventory_app, ["check", "nowhere.yaml"], env={"FORCE_COLOR": "1", "TERM": "xterm"}
    )
    assert result.exit_code == 2
    assert "\x1b[1;31merror\x1b[0m: nowhere.yaml: file not found" in result.output


def test_cli_check_bad_files_never_trace_back(here: Path) -> None:
    Path("bin.yaml").write_bytes(b"\xff\xfe\x00garbage")
    Path("folder").mkdir()
    cases = {
        "bin.yaml": "error: bin.yaml:1: not UTF-8 text (byte 0xff); save the file as UTF-8",
        "folder": "error: folder: is a directory; expected an inventory file such as "
        "inventory.yaml",
        "nope.yaml": "error: nope.yaml: file not found",
    }
    for name, first_line in cases.items():
        result = run("check", name)
        assert result.exit_code == 2
        assert result.output.splitlines()[0] == first_line


def test_cli_list_table_and_filters(here: Path) -> None:
    write(
        with_devices(
            GOOD_DEVICE + "tags: [core]\n",
            "name: wan1\naddress: 10.0.0.2\nplatform: cisco_xe\ncriticality: high\n"
            "snmp: {credential: v2}\ntags: [wan, '[edge]']\n",
        )
    )
    result = run("list")
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert lines[0] == "inventory.yaml: 2 devices"
    assert lines[1].split() == [
        "device",
        "address",
        "platform",
        "customer/site",
        "zone",
        "criticality",
        "tags",
    ]
    assert lines[2].split() == ["sw1", "10.0.0.1", "auto", "bank/hq", "urban", "medium", "core"]
    # Tags are the operator's text: `[edge]` is shown as written, not taken as rich markup.
    assert lines[3].split() == [
        "wan1",
        "10.0.0.2",
        "cisco_xe",
        "bank/hq",
        "urban",
        "high",
        "wan,",
        "[edge]",
    ]
    result = run("list", "--tag", "wan")
    assert [line.split()[0] for line in result.output.splitlines()[2:]] == ["wan1"]
    result = run("list", "--customer", "bank", "--site", "hq")
    assert len(result.output.splitlines()) == 4


def test_cli_list_unknown_filter_and_bad_inventory(here: Path) -> None:
    write(with_devices(GOOD_DEVICE))
    result = run("list", "--site", "branch")
    assert result.exit_code == 2
    assert result.output == "error: --site 'branch' is not in the inventory; known: hq\n"
    write("customers: 3\n")
    result = run("list")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: inventory.yaml:1: customers: expected a list of customers, got 3",
        "1 error in inventory.yaml",
    ]


def test_cli_module_imports_no_transport_libraries() -> None:
    import subprocess
    import sys

    code = (
        "import sys, agent.cli_inventory; "
        "print(sorted(m for m in ('pysnmp', 'paramiko', 'netmiko') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
