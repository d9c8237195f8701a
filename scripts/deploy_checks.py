"""Cross-checks no single validator makes (used by scripts/test-deploy).

compose COMPOSE_JSON PACKAGE_JSON DOCKERFILE: build targets exist as Dockerfile stages and as executable products; every
  built service has its own image name; service_healthy targets have healthchecks; scalable services publish no host port.
split-crds RENDERED_YAML PREFIX: writes each custom resource (KEDA ScaledObject, CloudNativePG Cluster and Pooler) as
    PREFIX-<kind>-<name>.json, and checks each ScaledObject's postgresql trigger.
kubernetes RENDERED_YAML: every Deployment has both probes, resources, non-root security context and a Service/PDB.
"""
import json
import re
import sys

import yaml


def fail(message):
    print(message)
    sys.exit(1)


def compose(compose_path, package_path, dockerfile_path):
    config = json.load(open(compose_path))
    package = json.load(open(package_path))
    products = {p["name"] for p in package["products"] if "executable" in p["type"]}
    stages = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", open(dockerfile_path).read(), re.MULTILINE | re.IGNORECASE))
    problems = []
    images = {}
    for name, service in config["services"].items():
        build = service.get("build")
        if build:
            target = build.get("target")
            if target not in stages:
                problems.append(f"{name}: build target {target!r} is not a Dockerfile stage")
            if target not in products:
                problems.append(f"{name}: build target {target!r} is not an executable product ({sorted(products)})")
            image = service.get("image")
            if image in images and images[image] != target:
                problems.append(f"{name}: image {image} is also built from target {images[image]}")
            images[image] = target
        for dependency, spec in (service.get("depends_on") or {}).items():
            if spec.get("condition") == "service_healthy" and "healthcheck" not in config["services"][dependency]:
                problems.append(f"{name}: waits for {dependency} to be healthy, but {dependency} has no healthcheck")
        if name not in ("gateway", "postgres", "prometheus") and service.get("ports"):
            problems.append(f"{name}: publishes a host port, so it cannot be scaled")
        if service.get("container_name"):
            problems.append(f"{name}: container_name prevents scaling")
    for product in (p for p in products if not p.endswith("-benchmark")):
        if product not in stages:
            problems.append(f"executable product {product} has no Dockerfile stage")
    if problems:
        fail("\n".join(problems))


def documents(path):
    return [d for d in yaml.safe_load_all(open(path)) if d]


# The custom resources an overlay may render, each checked against its hand-written schema (deploy/kubernetes/schemas).
CUSTOM_KINDS = ("ScaledObject", "Cluster", "Pooler")


def split_crds(path, prefix):
    found = 0
    for document in documents(path):
        if document.get("kind") in CUSTOM_KINDS[1:]:
            json.dump(document, open(f"{prefix}-{document['kind'].lower()}-{document['metadata']['name']}.json", "w"))
            continue
        if document.get("kind") != "ScaledObject":
            continue
        found += 1
        for trigger in document["spec"]["triggers"]:
            if trigger["type"] != "postgresql":
                continue
            metadata = trigger["metadata"]
            connections = [k for k in ("connectionFromEnv", "connection", "host") if k in metadata]
            if "query" not in metadata or "COALESCE" not in metadata["query"]:
                fail(f"{document['metadata']['name']}: postgresql trigger needs a COALESCE'd query")
            if float(metadata.get("targetQueryValue", "0")) <= 0:
                fail(f"{document['metadata']['name']}: targetQueryValue must be a positive number")
            if len(connections) != 1:
                fail(f"{document['metadata']['name']}: exactly one connection method, got {connections}")
        json.dump(document, open(f"{prefix}-scaledobject-{document['metadata']['name']}.json", "w"))
    if found == 0:
        fail("no ScaledObject rendered")


def kubernetes(path):
    rendered = documents(path)
    services = {d["metadata"]["name"] for d in rendered if d["kind"] == "Service"}
    budgets = {d["metadata"]["name"] for d in rendered if d["kind"] == "PodDisruptionBudget"}
    problems = []
    for document in rendered:
        if document["kind"] != "Deployment":
            continue
        name = document["metadata"]["name"]
        pod = document["spec"]["template"]["spec"]
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            problems.append(f"{name}: pod is not runAsNonRoot")
        for container in pod["containers"]:
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in container:
                    problems.append(f"{name}: no {probe}")
            if "limits" not in container.get("resources", {}):
                problems.append(f"{name}: no resource limits")
        if name not in services:
            problems.append(f"{name}: no Service")
        if name in ("gateway", "dispatcher", "generator", "downloader", "notifier") and name not in budgets:
            problems.append(f"{name}: no PodDisruptionBudget")
    # The PrometheusRule carries exactly the rules promtool tests (deploy/prometheus/alerts.yml).
    alerts = yaml.safe_load(open("deploy/prometheus/alerts.yml"))["groups"]
    rules = [d for d in rendered if d["kind"] == "PrometheusRule"]
    if [r["spec"]["groups"] for r in rules] != [alerts]:
        problems.append("the PrometheusRule is missing or differs from deploy/prometheus/alerts.yml")
    if problems:
        fail("\n".join(problems))


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"compose": compose, "split-crds": split_crds, "kubernetes": kubernetes}[command](*arguments)
