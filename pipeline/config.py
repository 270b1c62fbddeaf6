"""Settings from the environment (``SIAGA_*``), with defaults that run on one machine.

Secrets (SASL password, TLS key password) can come from a file named by ``..._FILE`` instead of the variable
itself, and never appear in ``repr()`` or logs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

__all__ = ["EXAMPLE_WATCHLIST", "KafkaSettings", "Settings", "TopicNames"]

#: The example watchlist shipped with the package (the demo's subjects).
EXAMPLE_WATCHLIST = Path(__file__).parent / "data" / "watchlist.example.toml"


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _secret(name: str) -> str | None:
    """Read ``name`` or the file named by ``name_FILE`` (the Docker/Kubernetes secrets convention)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name) or None


class _Redacted(str):
    """A secret handed to a Kafka client: the client reads it as the plain string, but its ``repr`` is ``'***'``,
    so a client that logs its configuration (kafka-python's admin client does, at DEBUG) does not print it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


def _redacted(secret: str | None) -> str | None:
    return None if secret is None else _Redacted(secret)


@dataclass(frozen=True)
class TopicNames:
    """Siaga's topic names; a deployment may prefix them all (``SIAGA_TOPIC_PREFIX``)."""

    posts: str = "siaga.posts"
    posts_dlq: str = "siaga.posts.dlq"
    mentions: str = "siaga.mentions"
    crisis_events: str = "siaga.crisis-events"
    sentiment_feedback: str = "siaga.sentiment-feedback"

    @classmethod
    def from_env(cls) -> TopicNames:
        """Apply ``SIAGA_TOPIC_PREFIX`` to every default name."""
        prefix = _env("SIAGA_TOPIC_PREFIX", "")
        return cls(**{f.name: prefix + f.default for f in fields(cls)})  # type: ignore[operator]

    def all(self) -> list[str]:
        """Every topic name."""
        return [getattr(self, f.name) for f in fields(self)]


@dataclass(frozen=True)
class KafkaSettings:
    """How every Kafka client connects: bootstrap servers and security."""

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls) -> KafkaSettings:
        """Read ``KAFKA_BOOTSTRAP_SERVERS`` and ``SIAGA_KAFKA_*``."""
        return cls(
            bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
            or _env("SIAGA_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            security_protocol=_env("SIAGA_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper(),
            sasl_mechanism=os.environ.get("SIAGA_KAFKA_SASL_MECHANISM") or None,
            sasl_username=os.environ.get("SIAGA_KAFKA_SASL_USERNAME") or None,
            sasl_password=_secret("SIAGA_KAFKA_SASL_PASSWORD"),
            ssl_cafile=os.environ.get("SIAGA_KAFKA_SSL_CAFILE") or None,
            ssl_certfile=os.environ.get("SIAGA_KAFKA_SSL_CERTFILE") or None,
            ssl_keyfile=os.environ.get("SIAGA_KAFKA_SSL_KEYFILE") or None,
            ssl_password=_secret("SIAGA_KAFKA_SSL_PASSWORD"),
        )

    def kafka_python(self) -> dict[str, Any]:
        """Keyword arguments for kafka-python clients (producer, consumer, admin)."""
        options: dict[str, Any] = {"bootstrap_servers": self.bootstrap_servers.split(","),
                                   "security_protocol": self.security_protocol}
        if self.sasl_mechanism:
            options.update(sasl_mechanism=self.sasl_mechanism, sasl_plain_username=self.sasl_username,
                           sasl_plain_password=_redacted(self.sasl_password))
        if self.security_protocol.endswith("SSL"):
            options.update(ssl_cafile=self.ssl_cafile, ssl_certfile=self.ssl_certfile, ssl_keyfile=self.ssl_keyfile,
                           ssl_password=_redacted(self.ssl_password), ssl_check_hostname=True)
        return options

    def ssl_context(self) -> Any:
        """The TLS context for an ``SSL`` or ``SASL_SSL`` protocol (None otherwise): the CA, and a client cert."""
        if not self.security_protocol.endswith("SSL"):
            return None
        import ssl

        context = ssl.create_default_context(cafile=self.ssl_cafile)
        if self.ssl_certfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile, self.ssl_password)
        return context

    def aiokafka(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka clients (the ingest producer)."""
        options: dict[str, Any] = {"bootstrap_servers": self.bootstrap_servers.split(","),
                                   "security_protocol": self.security_protocol, "ssl_context": self.ssl_context()}
        if self.sasl_mechanism:
            options.update(sasl_mechanism=self.sasl_mechanism, sasl_plain_username=self.sasl_username,
                           sasl_plain_password=_redacted(self.sasl_password))
        return options

    def faust_credentials(self) -> Any:
        """Faust/aiokafka credentials for the configured security protocol (None for PLAINTEXT)."""
        import faust

        context = self.ssl_context()
        if self.security_protocol.startswith("SASL"):
            return faust.SASLCredentials(username=self.sasl_username, password=_redacted(self.sasl_password),
                                         mechanism=self.sasl_mechanism or "PLAIN", ssl_context=context)
        if context is not None:
            return faust.SSLCredentials(context)
        return None

    def faust_url(self) -> str:
        """The broker URL for a Faust app."""
        return ";".join(f"kafka://{server.strip()}" for server in self.bootstrap_servers.split(","))


@dataclass(frozen=True)
class Settings:
    """Everything a Siaga process needs to know, read from the environment."""

    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    topics: TopicNames = field(default_factory=TopicNames)
    app_id: str = "siaga"
    watchlist: Path = EXAMPLE_WATCHLIST
    partitions: int = 4
    replication_factor: int = 1
    min_insync_replicas: int = 1
    window_seconds: float = 60.0
    allowed_lateness_seconds: float = 60.0
    idle_close_seconds: float = 30.0
    stop_timeout_seconds: float = 20.0
    sentiment_model_dir: Path | None = None
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9400
    state_dir: Path = Path(".siaga/worker")
    source_name: str = "urn:siaga:detector"

    @classmethod
    def from_env(cls) -> Settings:
        """Read every ``SIAGA_*`` variable; unset ones keep their defaults."""
        model_dir = os.environ.get("SIAGA_SENTIMENT_MODEL_DIR")
        return cls(
            kafka=KafkaSettings.from_env(),
            topics=TopicNames.from_env(),
            app_id=_env("SIAGA_APP_ID", "siaga"),
            watchlist=Path(_env("SIAGA_WATCHLIST", str(EXAMPLE_WATCHLIST))),
            partitions=int(_env("SIAGA_PARTITIONS", "4")),
            replication_factor=int(_env("SIAGA_REPLICATION_FACTOR", "1")),
            min_insync_replicas=int(_env("SIAGA_MIN_INSYNC_REPLICAS", "1")),
            window_seconds=float(_env("SIAGA_WINDOW_SECONDS", "60")),
            allowed_lateness_seconds=float(_env("SIAGA_ALLOWED_LATENESS_SECONDS", "60")),
            idle_close_seconds=float(_env("SIAGA_IDLE_CLOSE_SECONDS", "30")),
            stop_timeout_seconds=float(_env("SIAGA_STOP_TIMEOUT_SECONDS", "20")),
            sentiment_model_dir=Path(model_dir) if model_dir else None,
            metrics_host=_env("SIAGA_METRICS_HOST", "127.0.0.1"),
            metrics_port=int(_env("SIAGA_METRICS_PORT", "9400")),
            state_dir=Path(_env("SIAGA_STATE_DIR", ".siaga/worker")),
            source_name=_env("SIAGA_EVENT_SOURCE", "urn:siaga:detector"),
        )
