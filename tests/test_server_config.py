"""server.yaml loading (every mistake with its line, environment overrides) and the
`patrol-server` command's answers to operator mistakes (exit 2, no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.config import DEFAULT_DATABASE_URL, ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parents[1]

GOOD = """\
database_url: sqlite:///./var/test.db
inventory: inv/inventory.yaml
base_url: https://patrol.example/
ingest: {max_batch: 500}
scheduler: {interval_s: 10, send_interval_s: 2}
agents: {poll_interval_s: 120, push_interval_s: 30}
policy:
  damping: {default: 3}
notifications:
  roles:
    engineer: [{webhook: "http://127.0.0.1:9/hook"}]
"""


def test_a_full_file(tmp_path: Path) -> None:
    (tmp_path / "server.yaml").write_text(GOOD)
    config = load_config(tmp_path / "server.yaml", environ={})
    assert config.database_url == "sqlite:///./var/test.db"
    assert config.inventory == tmp_path / "inv" / "inventory.yaml"
    assert config.base_url == "https://patrol.example"
    assert config.max_batch == 500
    assert (config.scheduler_interval_s, config.send_interval_s) == (10.0, 2.0)
    assert config.agent_schedule.to_dict() == {"poll_interval_s": 120, "push_interval_s": 30}
    assert config.policy.damping_default == 3
    assert list(config.notifications.roles) == ["engineer"]
    assert config.path == tmp_path / "server.yaml"


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    assert config.database_url == DEFAULT_DATABASE_URL
    assert config.max_batch == 5000 and config.scheduler_interval_s == 30
    assert config.path is None


def test_the_environment_overrides_the_file(tmp_path: Path) -> None:
    (tmp_path / "server.yaml").write_text(GOOD)
    env = {
        "PATROL_DATABASE_URL": "postgresql+psycopg://u@h/db",
        "PATROL_INVENTORY": "/etc/patrol/inventory.yaml",
    }
    config = load_config(tmp_path / "server.yaml", environ=env)
    assert config.database_url == "postgresql+psycopg://u@h/db"
    assert config.inventory == Path("/etc/patrol/inventory.yaml")
    explicit = load_config(tmp_path / "server.yaml", environ=env, inventory="x.yaml")
    assert explicit.inventory == Path("x.yaml")


def test_a_database_url_from_the_environment_by_reference() -> None:
    text = "database_url: {env: MY_DB}\n"
    os.environ["MY_DB"] = "sqlite:///x.db"
    try:
        config = parse_config(text, environ={})
    finally:
        del os.environ["MY_DB"]
    assert config.database_url == "sqlite:///x.db"
    with pytest.raises(ConfigError, match="MY_DB is not set"):
        parse_config(text, environ={})


def test_every_mistake_is_listed_with_its_line() -> None:
    text = """\
database_url: nowhere
ingest: {max_batch: 0}
schedular: {interval_s: 5}
policy:
  follow_up: soon
notifications:
  roles:
    engineer: [{webhook: "ftp://x"}]
"""
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "server.yaml", environ={})
    lines = [str(i) for i in caught.value.issues]
    assert lines[0].startswith("server.yaml:1: database_url: expected a URL")
    assert lines[1].startswith("server.yaml:2: ingest.max_batch: expected a whole number")
    assert "server.yaml:3: schedular: unknown key; did you mean 'scheduler'?" in lines[2]
    assert lines[3].startswith("server.yaml:5: policy.follow_up:")
    assert lines[4].startswith("server.yaml:8: notifications.roles.engineer[0]")


def test_invalid_yaml_is_located() -> None:
    with pytest.raises(ConfigError, match=r"server.yaml:3: invalid YAML: .* at line 2"):
        parse_config("ingest:\n  max_batch: [1\n", "server.yaml", environ={})


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_says_what_is_wrong_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "server.yaml").write_text("ingest: {max_batch: lots}\n")
    done = run_cli("serve", "--config", "server.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "server.yaml:1: ingest.max_batch" in done.stderr
    assert "Traceback" not in done.stderr
    missing = run_cli("db", "upgrade", "--config", "absent.yaml", cwd=tmp_path)
    assert missing.returncode == 2 and "absent.yaml: file not found" in missing.stderr


def test_serving_an_unmigrated_database_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "inventory.yaml").write_text((REPO / "inventory.yaml").read_text())
    env = {"PATROL_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    done = run_cli("serve", "--port", "1", cwd=tmp_path, env=env)
    assert done.returncode == 2
    assert "has no Patrol schema yet: run `patrol-server db upgrade`" in done.stderr
    assert "Traceback" not in done.stderr


def test_tokens_from_the_command_line(tmp_path: Path) -> None:
    env = {"PATROL_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'patrol.db'}"}
    assert run_cli("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    created = run_cli(
        "token", "create", "--role", "engineer", "--name", "wang", cwd=tmp_path, env=env
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("patrol_") and "shown once" in created.stderr
    bad = run_cli("token", "create", "--role", "boss", cwd=tmp_path, env=env)
    assert bad.returncode == 2 and "role must be one of" in bad.stderr
    agent = run_cli("token", "create", "--role", "agent", cwd=tmp_path, env=env)
    assert agent.returncode == 2 and "needs --customer" in agent.stderr
    listed = run_cli("token", "list", cwd=tmp_path, env=env)
    assert "engineer" in listed.stdout and "wang" in listed.stdout
    assert secret not in listed.stdout
    assert run_cli("token", "revoke", "1", cwd=tmp_path, env=env).returncode == 0
    assert "revoked" in run_cli("token", "revoke", "1", cwd=tmp_path, env=env).stdout
    assert run_cli("token", "revoke", "7", cwd=tmp_path, env=env).returncode == 2
