"""What a cluster would do with a rendered overlay (scripts/test-deploy; no cluster runs here).

    python3 scripts/k8s_meaning.py RENDERED.yaml BIN_DIR

Checks, each printed ok/FAIL: every selector (NetworkPolicy, Service, PodDisruptionBudget, HPA and ScaledObject
targets, the Prometheus scrape job's keep rule) selects at least one pod template; a small NetworkPolicy evaluator
(Kubernetes semantics: a pod selected by no policy of a direction is open in it; otherwise a flow needs one rule of one
selecting policy, on both ends) allows every flow a service needs and denies flows nobody needs; every setting a
service's own `--help` marks required is provided; every volume a service writes to is writable; probes hit the port and
path that serve them.
"""
import ipaddress
import re
import subprocess
import sys

import yaml
from harness import check, finish





rendered_path, bin_dir = sys.argv[1], sys.argv[2]
documents = [d for d in yaml.safe_load_all(open(rendered_path)) if d]
namespace = next((d["metadata"]["name"] for d in documents if d["kind"] == "Namespace"), "imagegen")
by_kind = {}
for d in documents:
    by_kind.setdefault(d["kind"], []).append(d)
workloads = [d for d in documents if d["kind"] in ("Deployment", "StatefulSet", "Job")]


class Pod:
    """A pod as a cluster would run it from a template (or a stand-in outside the overlay: DNS, Prometheus, the internet)."""

    def __init__(self, name, labels, namespace_labels, ports=None, ip=None, workload=None):
        self.name, self.labels, self.namespace_labels = name, labels, namespace_labels
        self.ports = ports or {}  # name -> (number, protocol)
        self.ip = ip
        self.workload = workload

    def port(self, port):
        """A NetworkPolicy port (number or name) as (number, protocol), resolved against this pod's container ports."""
        if isinstance(port, int):
            return port
        return self.ports.get(port, (None,))[0]


def pod_of(workload):
    template = workload["spec"]["template"]
    ports = {}
    for container in template["spec"]["containers"]:
        for port in container.get("ports", []):
            if "name" in port:
                ports[port["name"]] = (port["containerPort"], port.get("protocol", "TCP"))
    return Pod(workload["metadata"]["name"], template["metadata"].get("labels", {}),
               {"kubernetes.io/metadata.name": namespace}, ports, workload=workload)


pods = {w["metadata"]["name"]: pod_of(w) for w in workloads}
dns = Pod("kube-dns", {"k8s-app": "kube-dns"}, {"kubernetes.io/metadata.name": "kube-system"}, {"dns": (53, "UDP")})
prometheus = Pod("prometheus", {"app.kubernetes.io/name": "prometheus"}, {"kubernetes.io/metadata.name": "monitoring"})
ingress_controller = Pod("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}, {"kubernetes.io/metadata.name": "ingress-nginx"})
replicate = Pod("api.replicate.com", {}, None, ip="34.120.1.1")
metadata_service = Pod("cloud metadata", {}, None, ip="169.254.169.254")
managed_postgres = Pod("managed PostgreSQL", {}, None, ip="10.20.0.5")


def matches(selector, labels):
    if selector is None:
        return False
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def peer_matches(peer, other, policy_namespace_labels):
    """Whether a NetworkPolicy peer (`to` or `from` entry) names pod `other`."""
    if "ipBlock" in peer:
        if other.ip is None:
            return False  # pod-to-pod traffic is matched by selectors, not by ipBlock, in this evaluator
        address = ipaddress.ip_address(other.ip)
        block = peer["ipBlock"]
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(e) for e in block.get("except", []))
    if other.namespace_labels is None:
        return False
    if "namespaceSelector" in peer:
        if not matches(peer["namespaceSelector"], other.namespace_labels):
            return False
    elif other.namespace_labels != policy_namespace_labels:
        return False
    return matches(peer.get("podSelector", {}), other.labels)


def port_matches(rule_ports, target, number, protocol):
    if not rule_ports:
        return True
    for port in rule_ports:
        wanted = port.get("port")
        if port.get("protocol", "TCP") != protocol:
            continue
        if wanted is None or (target.port(wanted) if isinstance(wanted, str) else wanted) == number:
            return True
    return False


policies = by_kind.get("NetworkPolicy", [])
own_namespace = {"kubernetes.io/metadata.name": namespace}


def direction_allows(pod, other, number, protocol, direction):
    """Whether `pod`'s policies of `direction` (Ingress from `other` / Egress to `other`) let the flow through."""
    if pod.workload is None:
        return True  # outside the overlay: not ours to restrict
    selecting = [p for p in policies if direction in p["spec"].get("policyTypes", ["Ingress"])
                 and matches(p["spec"]["podSelector"], pod.labels)]
    if not selecting:
        return True
    target = other if direction == "Egress" else pod
    key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    for policy in selecting:
        for rule in policy["spec"].get(key, []):
            peers = rule.get(peers_key)
            if (not peers or any(peer_matches(peer, other, own_namespace) for peer in peers)) and \
                    port_matches(rule.get("ports"), target, number, protocol):
                return True
    return False


def allowed(source, destination, port, protocol="TCP"):
    number = destination.port(port) if isinstance(port, str) else port
    if number is None:
        return False
    return direction_allows(source, destination, number, protocol, "Egress") and \
        direction_allows(destination, source, number, protocol, "Ingress")


# 1. Selectors select something.
def templates_matching(selector):
    return [p.name for p in pods.values() if matches(selector, p.labels)]


for policy in policies:
    check(f"NetworkPolicy {policy['metadata']['name']} selects a pod", templates_matching(policy["spec"]["podSelector"]),
          policy["spec"]["podSelector"])
for service in by_kind.get("Service", []):
    check(f"Service {service['metadata']['name']} selects a pod", templates_matching({"matchLabels": service["spec"]["selector"]}))
for budget in by_kind.get("PodDisruptionBudget", []):
    check(f"PodDisruptionBudget {budget['metadata']['name']} selects a pod", templates_matching(budget["spec"]["selector"]))
for scaler in by_kind.get("HorizontalPodAutoscaler", []) + by_kind.get("ScaledObject", []):
    target = scaler["spec"]["scaleTargetRef"]["name"]
    check(f"{scaler['kind']} {scaler['metadata']['name']} scales an existing workload", target in pods, target)
scrape = yaml.safe_load(open("deploy/prometheus/prometheus-kubernetes.yml"))
for job in scrape["scrape_configs"]:
    for rule in job.get("relabel_configs", []):
        if rule.get("action") == "keep" and rule["source_labels"][0].startswith("__meta_kubernetes_pod_label_"):
            label = rule["source_labels"][0][len("__meta_kubernetes_pod_label_"):]
            kept = [p.name for p in pods.values() if any(re.fullmatch(rule["regex"], v) and re.sub(r"[^a-zA-Z0-9]", "_", k) == label
                                                           for k, v in p.labels.items())]
            check(f"Prometheus job {job['job_name']} keeps the services' pods", {"gateway", "dispatcher", "generator", "downloader", "notifier"} <= set(kept), kept)

# 2. The flows each service needs, and flows nobody needs.
services = [n for n in ("gateway", "dispatcher", "generator", "downloader", "notifier") if n in pods]
postgres = pods.get("postgres", managed_postgres)
for name in services + ["imagegen-migrate"]:
    if name not in pods:
        continue
    pod = pods[name]
    check(f"{name} → DNS", allowed(pod, dns, 53, "UDP"))
    check(f"{name} → PostgreSQL ({postgres.name})", allowed(pod, postgres, 5432))
for worker in ("generator", "downloader", "notifier"):
    check(f"dispatcher → {worker}", allowed(pods["dispatcher"], pods[worker], "http"))
for name in ("generator", "downloader", "notifier", "gateway"):
    check(f"{name} → public https (Replicate, outputs, receivers, key sets)", allowed(pods[name], replicate, 443))
if "replicate-simulator" in pods:
    for name in ("generator", "downloader"):
        check(f"{name} → the bundled Replicate simulator", allowed(pods[name], pods["replicate-simulator"], 8090))
    check("the bundled Replicate simulator → gateway (it fetches uploaded input files, as Replicate does)",
          allowed(pods["replicate-simulator"], pods["gateway"], 8080))
check("an ingress controller → gateway", allowed(ingress_controller, pods["gateway"], "http"))
for name in services:
    port = "metrics" if name == "gateway" else "http"
    check(f"Prometheus → {name}'s metrics", allowed(prometheus, pods[name], port))
denied = [
    ("gateway", pods["generator"], "http"), ("generator", pods["dispatcher"], "http"), ("downloader", pods["generator"], "http"),
    ("notifier", pods["gateway"], "http"), ("generator", metadata_service, 80), ("downloader", metadata_service, 80),
    ("notifier", replicate, 80),
]
for source, destination, port in denied:
    check(f"{source} ↛ {destination.name}:{port}", not allowed(pods[source], destination, port))
check("an ingress controller ↛ generator", not allowed(ingress_controller, pods["generator"], "http"))
check("an ingress controller ↛ gateway's internal port", not allowed(ingress_controller, pods["gateway"], "metrics"))


# 3. Settings, volumes, probes.
config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in by_kind.get("ConfigMap", [])}


def environment(container):
    names = {e["name"]: e.get("value") for e in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            for key, value in config_maps.get(source["configMapRef"]["name"], {}).items():
                names.setdefault(key, value)
    return names


if "replicate-simulator" in pods:
    links = environment(pods["gateway"].workload["spec"]["template"]["spec"]["containers"][0]).get("FILES_PUBLIC_URL")
    check("with the bundled simulator, input files' links name the gateway's Service it reaches (FILES_PUBLIC_URL)",
          links == "http://gateway:8080", links)

for name in services:
    container = pods[name].workload["spec"]["template"]["spec"]["containers"][0]
    help_text = subprocess.run([f"{bin_dir}/{name}", "--help"], capture_output=True, text=True).stdout
    required = re.findall(r"^\s+([A-Z][A-Z0-9_]+) \(required\)", help_text, re.M)
    env = environment(container)
    check(f"{name}: every required setting is provided ({', '.join(required)})", required and all(k in env for k in required),
          [k for k in required if k not in env])
    mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
    if name == "downloader" and "STORAGE_URL" not in env:  # with STORAGE_URL images go to a bucket
        storage = env.get("STORAGE_DIR") or "/data/images"
        check(f"{name}: its image volume ({storage}) is mounted writable", storage in mounts and not mounts[storage].get("readOnly"),
              mounts.get(storage))
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", []) if "name" in p}
    http_port = int(env.get("HTTP_PORT") or 0)
    internal = int(env.get("GATEWAY_INTERNAL_PORT") or 0)
    for probe, path in (("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live")):
        get = container.get(probe, {}).get("httpGet", {})
        number = ports.get(get.get("port"), get.get("port"))
        # The gateway answers readiness only on its internal port; liveness on both.
        serving = {internal} if name == "gateway" and path == "/health/ready" else {http_port, internal} - {0}
        check(f"{name}: {probe} GET {get.get('path')} on port {number} is served there", get.get("path") == path and number in serving,
              f"served on {sorted(serving)} at {path}")


# 4. PostgreSQL run by CloudNativePG (the cloudnative-pg overlay): the pooler serves the cluster's primary in
# transaction mode, the synchronous standbys fit the instances, every service's pool at its most replicas fits the
# poolers' clients, and the poolers' server connections with the direct ones (LISTEN, migrations) fit the server.
if "Cluster" in by_kind:
    cluster = by_kind["Cluster"][0]
    instances = cluster["spec"]["instances"]
    sync = (cluster["spec"].get("minSyncReplicas", 0), cluster["spec"].get("maxSyncReplicas", 0))
    check("cloudnative-pg: three or more instances, with 1 ≤ min ≤ max synchronous standbys ≤ instances − 1",
          instances >= 3 and 1 <= sync[0] <= sync[1] <= instances - 1, (instances, sync))
    poolers = by_kind.get("Pooler", [])
    check("cloudnative-pg: a Pooler serves this Cluster's primary (type rw)",
          any(p["spec"]["cluster"]["name"] == cluster["metadata"]["name"] and p["spec"]["type"] == "rw" for p in poolers),
          [(p["spec"]["cluster"]["name"], p["spec"]["type"]) for p in poolers])
    pooler = poolers[0]
    pgbouncer = pooler["spec"]["pgbouncer"]
    check("cloudnative-pg: the pooler multiplexes transactions (the services run unnamed statements behind it)",
          pgbouncer.get("poolMode") == "transaction", pgbouncer.get("poolMode"))
    check("cloudnative-pg: the services know a pooler is in front (DATABASE_DIRECT_URL is read from the code's config)",
          "DATABASE_DIRECT_URL" in open("Shared/Database/DatabaseURL.swift").read())
    # Each service's pool (maxConnections in its Application.swift) through the pooler, and its LISTEN connections (and,
    # for the gateway, the migrator's pool at start) directly, at its most replicas.
    most = {d["metadata"]["name"]: d["spec"].get("replicas", 1) for d in by_kind.get("Deployment", [])}
    for scaler in by_kind.get("HorizontalPodAutoscaler", []):
        most[scaler["spec"]["scaleTargetRef"]["name"]] = scaler["spec"]["maxReplicas"]
    for scaler in by_kind.get("ScaledObject", []):
        most[scaler["spec"]["scaleTargetRef"]["name"]] = scaler["spec"]["maxReplicaCount"]
    migrator = int(re.search(r"maxConnections: Int = (\d+)", open("Shared/Database/ClientRunner.swift").read()).group(1))
    pooled, direct, detail = 0, 0, []
    for name in services:
        source = "\n".join(open(path).read() for path in subprocess.run(
            ["sh", "-c", f"ls Services/{name}/Sources/*Service/*.swift"], capture_output=True, text=True).stdout.split())
        pool = sum(int(n) for n in re.findall(r"maxConnections: (\d+)", source))
        own = source.count("NotificationListener(") + (migrator if "migrateDatabase(config.database" in source else 0)
        pooled += most.get(name, 1) * pool
        direct += most.get(name, 1) * own
        detail.append(f"{name} {most.get(name, 1)}×({pool}+{own})")
    clients = int(pgbouncer["parameters"]["max_client_conn"])
    servers = int(pgbouncer["parameters"]["default_pool_size"]) * pooler["spec"]["instances"]
    server_max = int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
    check(f"cloudnative-pg: every service's pool at its most replicas ({pooled}; pooled+direct: {', '.join(detail)}) fits the poolers' clients",
          pooled <= clients * pooler["spec"]["instances"], (pooled, clients))
    check(f"cloudnative-pg: the poolers' {servers} server connections and {direct} direct ones fit max_connections (less 10 for the operator and replication)",
          servers + direct <= server_max - 10, (servers, direct, server_max))
    check("cloudnative-pg: and the poolers share fewer server connections than they have clients (what transaction mode is for)",
          servers < pooled, (servers, pooled))

finish("kubernetes")
