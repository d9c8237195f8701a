"""Checks the stack `docker-compose up` started from the real compose.yaml (scripts/test-compose): every container healthy
by its own healthcheck; a generation end to end through the published gateway port; a generator killed mid-flight is
restarted by its policy and nothing is lost or paid twice; scaled replicas share the work, each generation done once;
`docker-compose stop` drains; each container runs as the non-root user with the file system compose.yaml promises."""
import json
import os
import subprocess
import time
import urllib.request
import uuid
import harness
from harness import check, finish

GATEWAY = os.environ["GATEWAY_URL"]
COMPOSE = ["/usr/bin/docker-compose", "-f", "compose.yaml", "-f", "Tests/compose/compose.test.yaml"]
SERVICES = ["gateway", "dispatcher", "generator", "downloader", "notifier", "replicate-simulator"]




def run(*arguments):
    return subprocess.run(list(arguments), check=True, capture_output=True, text=True).stdout.strip()


def compose(*arguments):
    return run(*COMPOSE, *arguments)


def containers(service):
    return [c for c in compose("ps", "-q", service).split() if c]


def inspect(container):
    return json.loads(run("/usr/bin/docker", "inspect", container))[0]


def wait(what, condition, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if condition():
                return True
        except Exception:
            pass
        time.sleep(1)
    print(f"     (waited {seconds} s for {what})", flush=True)
    return False


def healthy(service):
    found = containers(service)
    return bool(found) and all(inspect(c)["State"].get("Health", {}).get("Status") == "healthy" for c in found)


def call(method, path, body=None, token=None):
    return harness.call(method, GATEWAY + path, body, token, timeout=30)[:2]


def sql(statement):
    return compose("exec", "-T", "postgres", "sh", "-c", 'PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U imagegen -d imagegen -tAc "$0"',
                   statement)


# 1. Every service healthy by its own healthcheck.
for service in ["postgres"] + SERVICES:
    check(f"{service} is healthy by its own healthcheck", wait(f"{service} healthy", lambda s=service: healthy(s), 180))
migrate = [c for c in compose("ps", "-a", "-q", "migrate").split() if c]
check("migrate ran once and exited 0", len(migrate) == 1 and inspect(migrate[0])["State"]["ExitCode"] == 0)

token = compose("exec", "-T", "gateway", "/app/gateway", "token", "--user", str(uuid.uuid4()))


def create(n, model="black-forest-labs/flux-schnell"):
    return [call("POST", "/v1/generations", {"prompt": f"a lighthouse, take {i}", "model_id": model}, token)[1]["id"] for i in range(n)]


def statuses(ids):
    return [call("GET", f"/v1/generations/{i}", token=token)[1]["status"] for i in ids]


def all_completed(ids, seconds):
    return wait(f"{len(ids)} generations to complete", lambda: all(s == "completed" for s in statuses(ids)), seconds)


# 2. End to end through the published port: create, complete, read the image through its link.
first = create(1)
check("a generation completes through the published gateway port", all_completed(first, 120), statuses(first))
generation = call("GET", f"/v1/generations/{first[0]}", token=token)[1]
link = generation["images"][0]["public_url"] if generation.get("images") else ""
with urllib.request.urlopen(link, timeout=30) as response:
    body = response.read()
check("its image is served through its signed link", body[:8] == b"\x89PNG\r\n\x1a\n" or body.lstrip()[:4] == b"<svg", body[:16])


# 3. A generator killed mid-flight (as the kernel's OOM killer would: SIGKILL to its process) is restarted by its
# restart policy; nothing is lost and nothing is paid twice.
def predictions():
    return int(sql("SELECT count(DISTINCT replicate_prediction_id) FROM image_generations WHERE replicate_prediction_id IS NOT NULL"))


slow = create(6, model="bytedance/seedream-4")
wait("a prediction to start", lambda: any(s == "processing" for s in statuses(slow)), 60)
generator = containers("generator")[0]
restarts = inspect(generator)["RestartCount"]
run("kill", "-9", str(inspect(generator)["State"]["Pid"]))
check("the killed generator is restarted by its policy", wait("the restart", lambda: inspect(generator)["RestartCount"] > restarts
                                                             and inspect(generator)["State"]["Running"], 60))
check("every generation in flight completes after the crash", all_completed(slow, 240), statuses(slow))
ids = ",".join(f"'{i}'" for i in first + slow)
check("no generation was paid twice (one prediction each)",
      sql(f"SELECT count(*) FROM image_generations WHERE id IN ({ids}) AND replicate_prediction_id IS NOT NULL") == str(len(first + slow))
      and predictions() == len(first + slow), predictions())

# 4. Scaled out: replicas share the work, each generation done once.
compose("up", "-d", "--no-build", "--no-recreate", "--scale", "generator=3", "--scale", "downloader=2")
check("three generators and two downloaders run and are healthy",
      wait("replicas healthy", lambda: len(containers("generator")) == 3 and len(containers("downloader")) == 2
           and healthy("generator") and healthy("downloader"), 120))
batch = create(24)
check("24 generations complete on the scaled stack", all_completed(batch, 180), statuses(batch))
def logs(container):
    return subprocess.run(["/usr/bin/docker", "logs", container], check=True, capture_output=True, text=True).stderr


workers = {c[:12]: logs(c).count("Prediction succeeded") for c in containers("generator")}
check("the work spread over the generator replicas", sum(1 for n in workers.values() if n > 0) >= 2, workers)
check("each generation was done once: one prediction and one image row each",
      predictions() == len(first + slow + batch)
      and sql("SELECT count(*) FROM images") == sql("SELECT sum(num_outputs) FROM image_generations WHERE status = 'completed'"))

# 5. `docker-compose stop` drains in-flight work within the grace period; `up` again finishes it.
draining = create(4, model="bytedance/seedream-4")
wait("work in flight", lambda: any(s in ("processing", "downloading") for s in statuses(draining)), 60)
started = time.time()
compose("stop", "dispatcher", "generator", "downloader")
stopped = time.time() - started
codes = {c[:12]: inspect(c)["State"]["ExitCode"] for s in ("dispatcher", "generator", "downloader") for c in containers(s)}
check("stop drains within the stop grace period, every process exiting 0", stopped < 70 and all(v == 0 for v in codes.values()),
      f"{stopped:.0f} s, exit codes {codes}")
compose("up", "-d", "--no-build", "--no-recreate", "--scale", "generator=3", "--scale", "downloader=2")
check("after up again every drained generation completes", all_completed(draining, 240), statuses(draining))

# 6. Each container as compose.yaml promises: the image's non-root user, a read-only root file system, no capabilities,
# no privilege gain.
for service in ["gateway", "dispatcher", "generator", "downloader", "notifier"]:
    for container in containers(service):
        config, host = inspect(container)["Config"], inspect(container)["HostConfig"]
        check(f"{service} runs as the non-root user 10001", config["User"] == "10001:10001", config["User"])
        check(f"{service}: read-only root, all capabilities dropped, no new privileges, not privileged",
              host["ReadonlyRootfs"] and host["CapDrop"] in (["ALL"], ["all"]) and "no-new-privileges:true" in (host["SecurityOpt"] or [])
              and not host["Privileged"], {k: host[k] for k in ("ReadonlyRootfs", "CapDrop", "SecurityOpt", "Privileged")})
        written = compose("exec", "-T", "--index", str(containers(service).index(container) + 1), service,
                          "/bin/sh", "-c", "touch /app/x 2>/dev/null && echo writable || echo read-only")
        check(f"{service}: its root file system refuses writes", written == "read-only", written)

finish("compose")
