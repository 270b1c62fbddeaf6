"""Settings come from the environment; secrets may come from files and never show in repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Settings, TopicNames


def test_defaults_run_on_one_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "SIAGA_TOPIC_PREFIX", "SIAGA_KAFKA_SECURITY_PROTOCOL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    assert settings.kafka.bootstrap_servers == "127.0.0.1:9092"
    assert settings.topics.crisis_events == "siaga.crisis-events"
    assert settings.watchlist.is_file()
    assert settings.kafka.kafka_python() == {"bootstrap_servers": ["127.0.0.1:9092"], "security_protocol": "PLAINTEXT"}


def test_sasl_ssl_settings_reach_every_client_and_the_password_file_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "password"
    secret.write_text("s3cr3t-value\n")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "k1:9093,k2:9093")
    monkeypatch.setenv("SIAGA_KAFKA_SECURITY_PROTOCOL", "sasl_ssl")
    monkeypatch.setenv("SIAGA_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("SIAGA_KAFKA_SASL_USERNAME", "siaga")
    monkeypatch.setenv("SIAGA_KAFKA_SASL_PASSWORD_FILE", str(secret))
    monkeypatch.setenv("SIAGA_KAFKA_SSL_CAFILE", "/etc/ssl/ca.pem")
    kafka = Settings.from_env().kafka
    options = kafka.kafka_python()
    assert options["bootstrap_servers"] == ["k1:9093", "k2:9093"]
    assert (options["security_protocol"], options["sasl_mechanism"]) == ("SASL_SSL", "SCRAM-SHA-512")
    assert options["sasl_plain_password"] == "s3cr3t-value"
    assert options["ssl_cafile"] == "/etc/ssl/ca.pem"
    assert kafka.faust_url() == "kafka://k1:9093;kafka://k2:9093"
    assert "s3cr3t" not in repr(kafka) and "s3cr3t" not in repr(Settings.from_env())


def test_a_topic_prefix_applies_to_every_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIAGA_TOPIC_PREFIX", "staging.")
    names = TopicNames.from_env().all()
    assert len(names) == 5 and all(name.startswith("staging.siaga.") for name in names)
