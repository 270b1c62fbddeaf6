"""A local Apache Kafka (KRaft) for development, demos, tests and CI, without Docker.

The broker jars come from Maven Central through ``deploy/kafka/pom.xml`` and are cached per Kafka version in
``$SIAGA_KAFKA_CACHE/<version>/libs`` (default ``~/.cache/siaga/kafka``). Each node runs as broker and controller
on loopback, in its own process group, with its files under a state directory (default ``.siaga/kafka``,
or ``$SIAGA_LOCAL_KAFKA_DIR``)::

    <state dir>/cluster.json            cluster id, Kafka version and the ports of every node
    <state dir>/node-<id>/server.properties, log4j2.properties
    <state dir>/node-<id>/data/         the KRaft log dirs
    <state dir>/node-<id>/kafka.pid     pid (= process group) of the running node
    <state dir>/node-<id>/server.log    the broker's own log (log4j 2)
    <state dir>/node-<id>/stdout.log    the JVM's stdout and stderr

Typical use::

    with LocalKafka(tmp_path, port=None) as kafka:     # port=None: free ports
        produce_to(kafka.bootstrap_servers)

A state directory describes one cluster; a second ``LocalKafka`` on the same directory (another process, such as
``siaga local kafka stop``) sees and controls the same nodes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType

from pipeline.process_guard import terminate_with_parent

__all__ = [
    "DEFAULT_PORT",
    "POM_PATH",
    "SCRAM_MECHANISMS",
    "KafkaNode",
    "KafkaStatus",
    "LocalKafka",
    "LocalKafkaError",
    "default_state_dir",
    "find_free_port",
    "kafka_version",
    "resolve_jars",
]

logger = logging.getLogger(__name__)

DEFAULT_PORT = 9092
DEFAULT_HOST = "127.0.0.1"
POM_PATH = Path(__file__).resolve().parents[1] / "deploy" / "kafka" / "pom.xml"
DEFAULT_JVM_OPTIONS: tuple[str, ...] = ("-Xms128m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true")

_STATE_FILE = "cluster.json"
#: Properties whose value in ``extra_properties`` is appended to the built-in one (comma-separated lists).
_LIST_PROPERTIES = ("listeners", "advertised.listeners", "listener.security.protocol.map")
SCRAM_MECHANISMS: tuple[str, ...] = ("SCRAM-SHA-256", "SCRAM-SHA-512")
_POLL_SECONDS = 0.2

_LOG4J2_TEMPLATE = """\
# Written by pipeline/local_kafka.py: the broker logs to a file in its node directory, never to the terminal.
status = warn
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = {log_file}
appender.file.filePattern = {log_file}.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 10MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


class LocalKafkaError(RuntimeError):
    """The local Kafka could not be provisioned, started or stopped; the message says why."""


@dataclass(frozen=True)
class KafkaNode:
    """One combined broker+controller node: its id and the loopback ports it listens on."""

    node_id: int
    port: int
    controller_port: int


@dataclass(frozen=True)
class KafkaStatus:
    """What ``LocalKafka.status`` found: which nodes run (node id -> pid or None) and where to connect."""

    bootstrap_servers: str
    pids: dict[int, int | None]

    @property
    def running(self) -> bool:
        """True when every node of the cluster has a live process."""
        return bool(self.pids) and all(pid is not None for pid in self.pids.values())

    @property
    def any_running(self) -> bool:
        """True when at least one node has a live process."""
        return any(pid is not None for pid in self.pids.values())


def default_state_dir() -> Path:
    """``$SIAGA_LOCAL_KAFKA_DIR``, else ``.siaga/kafka`` under the current directory."""
    return Path(os.environ.get("SIAGA_LOCAL_KAFKA_DIR") or Path.cwd() / ".siaga" / "kafka")


def find_free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port on ``host`` that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def kafka_version(pom: Path = POM_PATH) -> str:
    """The Kafka version the pom pins (its ``kafka.version`` property)."""
    match = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", pom.read_text())
    if match is None:
        raise LocalKafkaError(f"{pom} has no <kafka.version> property")
    return match.group(1)


def resolve_jars(pom: Path = POM_PATH, cache_root: Path | None = None) -> Path:
    """Return the directory holding the broker jars, running Maven once per pom to fill it.

    The jars land in ``<cache_root>/<kafka version>/libs`` (``cache_root``: ``$SIAGA_KAFKA_CACHE`` or
    ``~/.cache/siaga/kafka``). A marker with the pom's hash says the copy is complete and current; Maven writes to
    a temporary directory that is renamed into place, so concurrent callers never see half a classpath.
    """
    if not pom.is_file():
        raise LocalKafkaError(f"the Kafka pom is missing: {pom}")
    root = cache_root or Path(os.environ.get("SIAGA_KAFKA_CACHE") or Path.home() / ".cache" / "siaga" / "kafka")
    version_dir = root / kafka_version(pom)
    libs = version_dir / "libs"
    marker = version_dir / "libs.sha256"
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()

    def current() -> bool:
        return libs.is_dir() and marker.is_file() and marker.read_text().strip() == digest

    if current():
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LocalKafkaError("Maven (mvn) is needed once to download the Kafka jars: install maven")
    version_dir.mkdir(parents=True, exist_ok=True)
    staging = version_dir / f"libs.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    command = [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
               "-DincludeScope=runtime", f"-DoutputDirectory={staging}"]
    logger.info("downloading Kafka jars: %s", " ".join(command))
    started = time.monotonic()
    result = subprocess.run(command, cwd=version_dir, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not any(staging.glob("kafka_*.jar")):
        shutil.rmtree(staging, ignore_errors=True)
        output = (result.stdout + result.stderr).strip().splitlines()[-30:]
        raise LocalKafkaError("Maven could not fetch the Kafka jars:\n" + "\n".join(output))
    if current():  # another process finished first: keep its copy, which may be in use
        shutil.rmtree(staging, ignore_errors=True)
        return libs
    shutil.rmtree(libs, ignore_errors=True)
    try:
        staging.rename(libs)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another process renamed its copy in between
    marker.write_text(digest + "\n")
    logger.info("Kafka jars ready in %s (%.1f s)", libs, time.monotonic() - started)
    return libs


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise LocalKafkaError("Java 17+ is needed to run Kafka: install a JDK (default-jdk-headless)")
    return java


def _random_cluster_id() -> str:
    """A Kafka ``Uuid`` string like ``StorageTool random-uuid`` prints (22 url-safe base64 characters)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _tail(path: Path, lines: int) -> list[str]:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            return handle.read().decode(errors="replace").splitlines()[-lines:]
    except FileNotFoundError:
        return []


def _wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; return whether it held."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_SECONDS)


class LocalKafka:
    """A KRaft Kafka cluster of 1 or 3 combined nodes on loopback, its state kept in ``state_dir``.

    Parameters
    ----------
    state_dir
        Where the cluster lives (default: ``default_state_dir()``). An existing ``cluster.json`` there wins over
        ``brokers`` and ``port``: the cluster restarts with its data, ports and id.
    brokers
        1, or 3 for a replicated cluster (replication factor 3, min ISR 2 for internal and default topics).
    port
        Bootstrap port of node 1 (nodes 2 and 3 take the next ports); ``None`` picks free ports.
    host
        The loopback address to listen on and advertise.
    extra_properties
        Broker properties added to (or overriding) every node's ``server.properties``: the seam for extra
        listeners and security settings. ``listeners``, ``advertised.listeners`` and
        ``listener.security.protocol.map`` are appended to the built-in PLAINTEXT and CONTROLLER entries rather
        than replacing them (the readiness probe, the controllers and replication keep using those), so an extra
        listener is e.g. ``{"listeners": "SASL_SSL://127.0.0.1:9094", "advertised.listeners": "SASL_SSL://...",
        "listener.security.protocol.map": "SASL_SSL:SASL_SSL"}``. The same properties go to every node: give
        extra listeners explicit ports on a one-node cluster only.
    scram_users
        SCRAM users (name -> password) created when the storage is formatted, for both ``SCRAM_MECHANISMS``; KRaft
        has no other way to add the first users. Names and passwords may not contain ``,`` or ``"``. Only takes
        effect on a cluster's first start (formatting happens once).
    jvm_options
        Options for each node's JVM (heap size and so on).
    start_timeout
        Seconds ``start`` waits for the cluster to answer a metadata request.
    stop_with_parent
        Linux: the brokers get SIGTERM when the thread that started them ends or its process dies, even by
        SIGKILL, so an interrupted test session leaves no broker behind. Off by default: the CLI detaches them.
    """

    def __init__(
        self,
        state_dir: Path | str | None = None,
        *,
        brokers: int = 1,
        port: int | None = DEFAULT_PORT,
        host: str = DEFAULT_HOST,
        extra_properties: Mapping[str, str] | None = None,
        scram_users: Mapping[str, str] | None = None,
        jvm_options: Sequence[str] = DEFAULT_JVM_OPTIONS,
        start_timeout: float = 120.0,
        stop_with_parent: bool = False,
    ) -> None:
        if brokers not in (1, 3):
            raise ValueError(f"brokers must be 1 or 3, not {brokers}")
        self.state_dir = Path(state_dir) if state_dir is not None else default_state_dir()
        self.brokers = brokers
        self.port = port
        self.host = host
        self.extra_properties = dict(extra_properties or {})
        self.scram_users = dict(scram_users or {})
        for name, password in self.scram_users.items():
            if any(char in value for value in (name, password) for char in ',"') or not name or not password:
                raise ValueError(f"SCRAM user {name!r}: empty, or a name or password holding ',' or '\"'")
        self.jvm_options = tuple(jvm_options)
        self.start_timeout = start_timeout
        self.stop_with_parent = stop_with_parent
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self._cluster_id, self._nodes = self._load_state()

    # -- layout -------------------------------------------------------------------------------------------------

    @property
    def is_configured(self) -> bool:
        """True when the state directory already describes a cluster (it was started there before)."""
        return (self.state_dir / _STATE_FILE).is_file()

    @property
    def nodes(self) -> list[KafkaNode]:
        """The cluster's nodes (ports fixed at first start, then read from ``cluster.json``)."""
        if not self._nodes:
            self._nodes = self._plan_nodes()
        return list(self._nodes)

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` of every node, comma-separated, as Kafka clients take it."""
        return ",".join(f"{self.host}:{node.port}" for node in self.nodes)

    def node_dir(self, node_id: int) -> Path:
        """The directory of one node's configuration, data, pid and logs."""
        return self.state_dir / f"node-{node_id}"

    def _load_state(self) -> tuple[str | None, list[KafkaNode]]:
        path = self.state_dir / _STATE_FILE
        if not path.is_file():
            return None, []
        state = json.loads(path.read_text())
        nodes = [KafkaNode(**node) for node in state["nodes"]]
        self.brokers = len(nodes)
        self.host = state.get("host", self.host)
        return state["cluster_id"], nodes

    def _plan_nodes(self) -> list[KafkaNode]:
        ids = range(1, self.brokers + 1)
        ports = [find_free_port(self.host) for _ in ids] if self.port is None else [self.port + i - 1 for i in ids]
        controller_ports: list[int] = []
        while len(controller_ports) < self.brokers:
            candidate = find_free_port(self.host)
            if candidate not in ports and candidate not in controller_ports:
                controller_ports.append(candidate)
        return [KafkaNode(i, p, c) for i, p, c in zip(ids, ports, controller_ports, strict=True)]

    def server_properties(self, node: KafkaNode) -> dict[str, str]:
        """The ``server.properties`` of one node, ``extra_properties`` applied last."""
        replicas = str(self.brokers)
        min_isr = "2" if self.brokers == 3 else "1"
        voters = ",".join(f"{n.node_id}@{self.host}:{n.controller_port}" for n in self.nodes)
        properties = {
            "process.roles": "broker,controller",
            "node.id": str(node.node_id),
            "controller.quorum.voters": voters,
            "listeners": f"PLAINTEXT://{self.host}:{node.port},CONTROLLER://{self.host}:{node.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{self.host}:{node.port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.node_dir(node.node_id) / "data"),
            "num.partitions": "1",
            "default.replication.factor": replicas,
            "min.insync.replicas": min_isr,
            "offsets.topic.replication.factor": replicas,
            "transaction.state.log.replication.factor": replicas,
            "transaction.state.log.min.isr": min_isr,
            "share.coordinator.state.topic.replication.factor": replicas,
            "share.coordinator.state.topic.min.isr": min_isr,
            "group.initial.rebalance.delay.ms": "0",
        }
        for key, value in self.extra_properties.items():
            properties[key] = f"{properties[key]},{value}" if key in _LIST_PROPERTIES and value else value
        return properties

    def _write_config(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self._cluster_id is None:
            self._cluster_id = _random_cluster_id()
        state = {"cluster_id": self._cluster_id, "kafka_version": kafka_version(), "host": self.host,
                 "nodes": [asdict(node) for node in self.nodes]}
        (self.state_dir / _STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
        for node in self.nodes:
            directory = self.node_dir(node.node_id)
            directory.mkdir(exist_ok=True)
            lines = [f"{key}={value}" for key, value in self.server_properties(node).items()]
            (directory / "server.properties").write_text("\n".join(lines) + "\n")
            log4j = _LOG4J2_TEMPLATE.format(log_file=directory / "server.log")
            (directory / "log4j2.properties").write_text(log4j)

    def _scram_arguments(self) -> list[str]:
        """``--add-scram`` arguments of ``StorageTool format`` for every SCRAM user and mechanism."""
        arguments: list[str] = []
        for name, password in self.scram_users.items():
            for mechanism in SCRAM_MECHANISMS:
                arguments += ["--add-scram", f'{mechanism}=[name="{name}",password="{password}"]']
        return arguments

    def _format_storage(self, java: str, libs: Path) -> None:
        """Format the KRaft storage of every node not formatted yet (in parallel: one JVM each)."""
        pending = [n for n in self.nodes if not (self.node_dir(n.node_id) / "data" / "meta.properties").exists()]
        runs = {
            node.node_id: subprocess.Popen(
                [java, "-cp", f"{libs}/*", "kafka.tools.StorageTool", "format", "-t", str(self._cluster_id),
                 "-c", str(self.node_dir(node.node_id) / "server.properties"), *self._scram_arguments()],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
            for node in pending
        }
        for node_id, run in runs.items():
            output, _ = run.communicate()
            if run.returncode != 0:
                text = output.decode(errors="replace")
                for password in self.scram_users.values():
                    text = text.replace(password, "***")
                raise LocalKafkaError(f"formatting node {node_id} failed:\n{text}")

    # -- processes ----------------------------------------------------------------------------------------------

    def pid(self, node_id: int) -> int | None:
        """The pid of the node's live broker process, or None when it is not running."""
        proc = self._procs.get(node_id)
        if proc is not None:  # our own child: poll() is authoritative (and reaps it if it died)
            return proc.pid if proc.poll() is None else None
        pid_file = self.node_dir(node_id) / "kafka.pid"
        try:
            pid = int(pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return pid if self._is_our_broker(pid, node_id) else None

    def _is_our_broker(self, pid: int, node_id: int) -> bool:
        """True when ``pid`` is alive (not a zombie) and runs this node's properties file."""
        proc_dir = Path("/proc") / str(pid)
        if not proc_dir.exists():
            if Path("/proc/self").exists():
                return False
            try:  # no procfs: the best we can do is ask whether the pid exists
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
            return True
        try:
            stat = (proc_dir / "stat").read_text()
            cmdline = (proc_dir / "cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        if stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X"):
            return False
        expected = str(self.node_dir(node_id).resolve() / "server.properties").encode()
        return expected in cmdline

    def _check_ports(self, nodes: Sequence[KafkaNode]) -> None:
        """Fail fast, before any formatting, when another process listens on a port a node needs."""
        for node in nodes:
            for port in (node.port, node.controller_port):
                if not _port_is_free(self.host, port):
                    raise LocalKafkaError(
                        f"cannot start node {node.node_id}: {self.host}:{port} is in use by another process "
                        f"(pick another --port or --state-dir)"
                    )

    def _launch(self, node: KafkaNode, java: str, libs: Path) -> None:
        directory = self.node_dir(node.node_id).resolve()
        command = [
            java, *self.jvm_options,
            f"-Dlog4j2.configurationFile={directory / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={directory}",
            "-cp", f"{libs}/*", "kafka.Kafka", str(directory / "server.properties"),
        ]
        with (directory / "stdout.log").open("ab") as output:
            proc = subprocess.Popen(command, cwd=directory, stdin=subprocess.DEVNULL, stdout=output,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    preexec_fn=terminate_with_parent if self.stop_with_parent else None)
        self._procs[node.node_id] = proc
        (directory / "kafka.pid").write_text(f"{proc.pid}\n")
        logger.info("started Kafka node %d (pid %d) on %s:%d", node.node_id, proc.pid, self.host, node.port)

    def _registered_brokers(self, timeout_ms: int = 3000) -> set[int]:
        """The ids of the brokers that answer a metadata request (empty when none answers)."""
        from kafka import KafkaAdminClient  # imported here: `siaga local kafka status` needs no client
        from kafka.errors import KafkaError

        try:
            admin = KafkaAdminClient(bootstrap_servers=self.bootstrap_servers, request_timeout_ms=timeout_ms,
                                     bootstrap_timeout_ms=timeout_ms, client_id="siaga-local-kafka")
        except (KafkaError, OSError, ValueError):
            return set()
        try:
            brokers = admin.describe_cluster()["brokers"]
            return {int(broker["broker_id"]) for broker in brokers if not broker.get("is_fenced")}
        except (KafkaError, OSError, KeyError, ValueError):
            return set()
        finally:
            admin.close()

    def wait_ready(self, timeout: float | None = None, node_ids: Sequence[int] | None = None) -> None:
        """Block until the given nodes (default: all running ones) are registered brokers, or raise.

        Raises ``LocalKafkaError`` with the tail of the broker logs when a node exits or the timeout passes.
        """
        timeout = self.start_timeout if timeout is None else timeout
        wanted = set(node_ids) if node_ids is not None else {n.node_id for n in self.nodes}
        deadline = time.monotonic() + timeout
        while True:
            dead = sorted(node_id for node_id in wanted if self.pid(node_id) is None)
            if dead:
                raise LocalKafkaError(f"Kafka node(s) {dead} exited during start-up\n{self.log_tail()}")
            ports_open = all(_accepts(self.host, n.port) for n in self.nodes if n.node_id in wanted)
            if ports_open and wanted <= self._registered_brokers():
                return
            if time.monotonic() >= deadline:
                raise LocalKafkaError(
                    f"Kafka at {self.bootstrap_servers} did not answer within {timeout:.0f} s\n{self.log_tail()}"
                )
            time.sleep(_POLL_SECONDS)

    def start(self) -> str:
        """Provision, format and start every node that is not running; wait until all answer.

        Returns the bootstrap address. Starting a running cluster is a no-op.
        """
        missing = [n for n in self.nodes if self.pid(n.node_id) is None]
        if not missing:
            return self.bootstrap_servers
        self._check_ports(missing)
        java = _java()
        libs = resolve_jars()
        started = time.monotonic()
        self._write_config()
        self._format_storage(java, libs)
        try:
            for node in missing:
                self._launch(node, java, libs)
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        logger.info("Kafka ready at %s in %.1f s", self.bootstrap_servers, time.monotonic() - started)
        return self.bootstrap_servers

    def stop(self, timeout: float = 30.0) -> list[int]:
        """Stop every running node: SIGTERM, then SIGKILL whatever still runs after ``timeout`` seconds.

        Returns the ids of the nodes that were running. Stopping a stopped cluster is a no-op.
        """
        running = {n.node_id: pid for n in self.nodes if (pid := self.pid(n.node_id)) is not None}
        for node_id, pid in running.items():
            logger.info("stopping Kafka node %d (pid %d)", node_id, pid)
            self._signal(pid, signal.SIGTERM)
        if not _wait_until(lambda: all(self.pid(i) is None for i in running), timeout):
            for node_id in running:
                if (pid := self.pid(node_id)) is not None:
                    logger.warning("Kafka node %d did not stop in %.0f s: killing it", node_id, timeout)
                    self._signal(pid, signal.SIGKILL)
            if not _wait_until(lambda: all(self.pid(i) is None for i in running), 10.0):
                raise LocalKafkaError(f"Kafka node(s) {sorted(running)} survived SIGKILL")
        for node_id in running:
            self._forget(node_id)
        return sorted(running)

    def kill_node(self, node_id: int) -> None:
        """SIGKILL one node (a crash, for fault tests) and wait until its process is gone."""
        pid = self.pid(node_id)
        if pid is None:
            raise LocalKafkaError(f"Kafka node {node_id} is not running")
        self._signal(pid, signal.SIGKILL)
        if not _wait_until(lambda: self.pid(node_id) is None, 10.0):
            raise LocalKafkaError(f"Kafka node {node_id} (pid {pid}) survived SIGKILL")
        self._forget(node_id)

    def start_node(self, node_id: int, timeout: float | None = None) -> None:
        """Start one stopped node of a formatted cluster again and wait until it is a registered broker."""
        node = next((n for n in self.nodes if n.node_id == node_id), None)
        if node is None:
            raise LocalKafkaError(f"no Kafka node {node_id} in {self.state_dir}")
        if self.pid(node_id) is None:
            self._check_ports([node])
            self._launch(node, _java(), resolve_jars())
        self.wait_ready(timeout, node_ids=[node_id])

    def status(self) -> KafkaStatus:
        """Which nodes run, without touching them."""
        return KafkaStatus(self.bootstrap_servers, {n.node_id: self.pid(n.node_id) for n in self.nodes})

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of every node's JVM output and broker log, for error messages."""
        parts: list[str] = []
        for node in self.nodes:
            for name in ("stdout.log", "server.log"):
                path = self.node_dir(node.node_id) / name
                tail = _tail(path, lines)
                if tail:
                    parts.append(f"--- {path} (last {len(tail)} lines) ---")
                    parts.extend(tail)
        return "\n".join(parts) if parts else f"(no broker logs under {self.state_dir})"

    def purge(self) -> None:
        """Delete the state directory (data, config, logs); the cluster must be stopped."""
        if self.status().any_running:
            raise LocalKafkaError("stop the local Kafka before purging its state")
        shutil.rmtree(self.state_dir, ignore_errors=True)
        self._cluster_id, self._nodes = None, []

    @staticmethod
    def _signal(pid: int, signum: signal.Signals) -> None:
        """Signal the node's process group (it was started as a session leader: pgid == pid)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signum)

    def _forget(self, node_id: int) -> None:
        proc = self._procs.pop(node_id, None)
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        (self.node_dir(node_id) / "kafka.pid").unlink(missing_ok=True)

    # -- context manager ----------------------------------------------------------------------------------------

    def __enter__(self) -> LocalKafka:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
