"""docker-compose.yml agrees with the code: images pinned, files present, ports and variables as the code reads them.

``docker compose config`` validates the file where the compose plugin exists; the other tests read the YAML
directly, so they run everywhere (CI has no Docker engine).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.cli.ingest import ingest_file
from pipeline.config import Settings, TopicNames
from schemas.crisis_event import EVENT_TYPES

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
SIAGA_SERVICES = {"topics", "ingest", "worker"}
SERVICES = SIAGA_SERVICES | {"kafka", "prometheus", "alertmanager", "grafana"}


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _yaml(COMPOSE_FILE)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _ingest_metrics_option() -> Any:
    return next(param for param in ingest_file.params if param.name == "metrics_port")


def _published(service: dict[str, Any]) -> dict[int, str]:
    """Container port -> host address for every published port ("host_ip:host_port:container_port")."""
    ports = {}
    for spec in service.get("ports", []):
        *host, container = str(spec).split(":")
        ports[int(container)] = ":".join(host)
    return ports


def _scrape_ports(job_name: str) -> set[int]:
    prometheus = _yaml(REPO / "deploy" / "prometheus" / "prometheus.yml")
    (job,) = [job for job in prometheus["scrape_configs"] if job["job_name"] == job_name]
    ports = {int(target.rsplit(":", 1)[1]) for config in job.get("static_configs", []) for target in config["targets"]}
    ports |= {config["port"] for config in job.get("dns_sd_configs", [])}
    return ports


def test_docker_compose_config_is_valid() -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode:
        pytest.skip("no docker compose plugin here; the other tests read docker-compose.yml directly")
    result = subprocess.run([docker, "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"], capture_output=True,
                            text=True, cwd=REPO, check=False, timeout=60)
    assert result.returncode == 0, result.stderr


def test_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == SERVICES
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown service {dependency}"
    for name in ("ingest", "worker"):
        assert services[name]["depends_on"] == {"topics": {"condition": "service_completed_successfully"}}
    assert services["topics"]["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    assert services["topics"]["command"] == ["topics", "create"]
    assert services["worker"]["command"] == ["worker"]


def test_every_image_tag_is_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: image {image!r} has no tag"
        assert tag != "latest" and re.fullmatch(r"v?\d+(\.\d+)+", tag), f"{name}: {image!r} is not a pinned version"


def test_siaga_image_is_built_from_the_repository_at_its_version(services: dict[str, dict[str, Any]]) -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    for name in SIAGA_SERVICES:
        assert services[name]["image"] == f"siaga:{version}", name
        assert (REPO / services[name]["build"]["context"] / services[name]["build"]["dockerfile"]) == DOCKERFILE


def test_kafka_is_the_version_siaga_runs_locally(services: dict[str, dict[str, Any]]) -> None:
    """The compose broker and `siaga local` (deploy/kafka/pom.xml) run the same Apache Kafka release."""
    pom = (REPO / "deploy" / "kafka" / "pom.xml").read_text(encoding="utf-8")
    version = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", pom)
    assert version, "deploy/kafka/pom.xml has no kafka.version"
    assert services["kafka"]["image"] == f"apache/kafka:{version.group(1)}"


def test_dockerfile_copies_files_that_exist() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11\.\d+-slim", text, re.MULTILINE), "base image: a pinned python:3.11 slim"
    copies = re.findall(r"^COPY (.+)$", text, re.MULTILINE)
    assert copies
    for line in copies:
        for source in line.split()[:-1]:
            assert (REPO / source).exists(), f"Dockerfile copies {source}, which is not in the repository"


def test_bind_mounts_exist(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            # ${VARIABLE:-default}: the default is what the repository provides.
            source = re.sub(r"^\$\{\w+:-(.*)\}$", r"\1", source)
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name} mounts {source}, which does not exist"


def test_watchlist_is_mounted_where_siaga_watchlist_points(services: dict[str, dict[str, Any]]) -> None:
    for name in SIAGA_SERVICES:
        service = services[name]
        mounts = {target: source for source, target, *_ in (volume.split(":") for volume in service["volumes"])}
        watchlist = service["environment"]["SIAGA_WATCHLIST"]
        assert watchlist in mounts, f"{name}: SIAGA_WATCHLIST={watchlist} is not mounted"
        # The example watchlist the code falls back to, so the demo posts match its subjects.
        assert (REPO / mounts[watchlist]).read_bytes() == Settings().watchlist.read_bytes()


def test_environment_variables_are_ones_the_code_reads(services: dict[str, dict[str, Any]]) -> None:
    """A misspelt SIAGA_* variable is silently ignored, so every one set here must appear in the code."""
    code = "\n".join(path.read_text(encoding="utf-8") for path in (REPO / "pipeline").rglob("*.py"))
    for name in SIAGA_SERVICES:
        environment = services[name]["environment"]
        assert environment["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:19092"
        assert environment["SIAGA_METRICS_HOST"] == "0.0.0.0"
        for variable in environment:
            assert f'"{variable}"' in code, f"{name} sets {variable}, which pipeline/ never reads"


def test_kafka_advertises_the_address_the_services_use(services: dict[str, dict[str, Any]]) -> None:
    environment = services["kafka"]["environment"]
    advertised = dict(item.split("://") for item in environment["KAFKA_ADVERTISED_LISTENERS"].split(","))
    assert advertised["INTERNAL"] == "kafka:19092"
    # Host clients use the code's default bootstrap address through the published port.
    default_port = int(Settings().kafka.bootstrap_servers.rsplit(":", 1)[1])
    assert advertised["EXTERNAL"] == f"localhost:{default_port}"
    assert default_port in _published(services["kafka"])


def test_metrics_ports_agree_with_the_code_and_prometheus(services: dict[str, dict[str, Any]]) -> None:
    worker_port = int(services["worker"]["environment"]["SIAGA_METRICS_PORT"])
    assert worker_port == Settings().metrics_port == 9400
    assert _scrape_ports("siaga-worker") == {worker_port}
    assert str(worker_port) in services["worker"]["expose"]

    option = _ingest_metrics_option()
    assert option.envvar in services["ingest"]["environment"], f"ingest reads its port from {option.envvar}"
    ingest_port = int(services["ingest"]["environment"][option.envvar])
    assert ingest_port == option.default == 9401
    assert _scrape_ports("siaga-ingest") == {ingest_port}
    assert ingest_port in _published(services["ingest"])


def test_ingest_replays_the_shipped_demo_file(services: dict[str, dict[str, Any]]) -> None:
    command = services["ingest"]["command"]
    assert command[:2] == ["ingest", "file"] and "--follow" in command
    (path,) = [argument for argument in command[2:] if not argument.startswith("--")]
    assert path.startswith("/app/"), "the image installs the repository under /app"
    assert (REPO / path.removeprefix("/app/")).is_file(), f"{path} is not in the repository"


def test_observability_services_find_each_other(services: dict[str, dict[str, Any]]) -> None:
    prometheus = _yaml(REPO / "deploy" / "prometheus" / "prometheus.yml")
    alertmanagers = prometheus["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert alertmanagers == ["alertmanager:9093"] and 9093 in _published(services["alertmanager"])
    datasources = _yaml(REPO / "deploy" / "grafana" / "provisioning" / "datasources" / "prometheus.yml")
    assert datasources["datasources"][0]["url"] == "http://prometheus:9090"
    assert 9090 in _published(services["prometheus"])
    # The crisis alert links Grafana where compose publishes it.
    assert 3000 in _published(services["grafana"])
    crisis_rules = (REPO / "deploy" / "prometheus" / "rules" / "siaga-crisis.yml").read_text(encoding="utf-8")
    assert "http://localhost:3000/d/siaga-subject/" in crisis_rules
    # Prometheus loads the rules from the directory compose mounts next to its config.
    assert prometheus["rule_files"] == ["rules/*.yml"]
    assert "./deploy/prometheus/rules:/etc/prometheus/rules:ro" in services["prometheus"]["volumes"]


def test_grafana_loads_the_dashboards_compose_mounts(services: dict[str, dict[str, Any]]) -> None:
    provider = _yaml(REPO / "deploy" / "grafana" / "provisioning" / "dashboards" / "siaga.yml")["providers"][0]
    assert f"./deploy/grafana/dashboards:{provider['options']['path']}:ro" in services["grafana"]["volumes"]
    home = services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (REPO / "deploy" / "grafana" / "dashboards" / Path(home).name).is_file()


def test_alertmanager_secret_files_match_the_config(services: dict[str, dict[str, Any]]) -> None:
    """Every *_file the Alertmanager config reads has a placeholder in secrets.example, and nothing more."""
    config = (REPO / "deploy" / "alertmanager" / "alertmanager.yml").read_text(encoding="utf-8")
    wanted = set(re.findall(r"_file: /etc/alertmanager/secrets/(\S+)", config))
    assert wanted
    assert {path.name for path in (REPO / "deploy" / "alertmanager" / "secrets.example").iterdir()} == wanted
    assert any(volume.endswith(":/etc/alertmanager/secrets:ro") for volume in services["alertmanager"]["volumes"])


def test_topic_and_event_names_in_the_deployment_exist() -> None:
    """Topics and crisis event types named in compose, alert texts and dashboards are ones Siaga has."""
    files = [COMPOSE_FILE, *(REPO / "deploy").glob("prometheus/rules/*.yml"),
             *(REPO / "deploy").glob("grafana/**/*.json")]
    text = "\n".join(path.read_text(encoding="utf-8") for path in files)
    topics = set(re.findall(r"\bsiaga\.(?:posts|mentions|crisis-|sentiment)[a-z.-]*[a-z]", text))
    assert topics, "expected the deployment files to name Siaga's topics"
    assert topics <= set(TopicNames().all()), f"unknown topics: {sorted(topics - set(TopicNames().all()))}"
    event_types = set(re.findall(r"\bsiaga\.crisis\.[a-z]+", text))
    assert event_types <= set(EVENT_TYPES), f"unknown crisis event types: {sorted(event_types - set(EVENT_TYPES))}"
    compose_text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert all(topic in compose_text for topic in TopicNames().all()), "the topics service comment lists every topic"
