"""Webhooks to clients, end to end over real processes (run by scripts/test-webhooks with the stack up): every delivery
is verified with the Standard Webhooks reference library; events filter; retries keep the webhook-id; 410 stops;
refusals at request and at delivery time; budget thresholds on the account webhook; a kill -9 of the notifier mid-delivery still delivers, with the same id; a
hanging receiver does not hold up another; the delivery log."""

import os
import signal
import subprocess
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from standardwebhooks.webhooks import Webhook
from harness import check, finish

gateway = os.environ["GATEWAY_URL"]
headers = {"Authorization": f"Bearer {os.environ['API_TOKEN']}"}
port, hanging_port = int(os.environ["RECEIVER_PORT"]), int(os.environ["HANGING_PORT"])
received = defaultdict(list)  # path -> [(headers, body bytes)]
lock = threading.Lock()
behaviour = {}  # path -> list of (status, delay) to answer in turn; the last one repeats


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            received[self.path].append((dict(self.headers), body))
            plan = behaviour.get(self.path, [(200, 0)])
            status, delay = plan.pop(0) if len(plan) > 1 else plan[0]
        time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass

    def log_message(self, *args):
        pass


for p in (port, hanging_port):
    server = ThreadingHTTPServer(("127.0.0.1", p), Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()




def create(webhook, events=None, model="black-forest-labs/flux-schnell", expect=202):
    body = {"prompt": "webhooks", "model_id": model, "webhook": webhook}
    if events:
        body["webhook_events_filter"] = events
    response = httpx.post(f"{gateway}/v1/generations", json=body, headers=headers, timeout=10)
    if response.status_code != expect:
        raise SystemExit(f"create answered {response.status_code}: {response.text}")
    return response.json()


def wait_for(path, count, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with lock:
            if len(received[path]) >= count:
                return list(received[path])
        time.sleep(0.05)
    with lock:
        return list(received[path])


def verify(secret, delivery):
    header, body = delivery
    lowered = {k.lower(): v for k, v in header.items()}
    return Webhook(secret).verify(body, {k: lowered[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")})


secret = httpx.get(f"{gateway}/v1/webhook-secret", headers=headers).json()["secret"]
check("the secret is a Standard Webhooks secret", secret.startswith("whsec_"), secret)
hook = f"http://127.0.0.1:{port}"

# The events asked for, each verified, the generation as GET shows it.
generation = create(f"{hook}/both", ["start", "completed"])
deliveries = wait_for("/both", 2)
events = [verify(secret, d) for d in deliveries]
check("start and completed arrive, verified by the reference library", [e["type"] for e in events] == ["generation.start", "generation.completed"], [e.get("type") for e in events])
done = events[-1]
current = httpx.get(f"{gateway}/v1/generations/{generation['id']}", headers=headers).json()
# Image links are signed and expire on the minute: equal but for a link made in another minute.
def unsigned(images):
    return [{**image, "public_url": image["public_url"].split("?")[0]} for image in images]
check("the completed body is the generation resource with its images", done["id"] == generation["id"] and done["status"] == "completed"
      and unsigned(done["images"]) == unsigned(current["images"]) and len(done["images"]) == 1 and "timestamp" in done, done)
image_link = done["images"][0]["public_url"]
check("the body's image link is signed and fetches the image", "sig=" in image_link and httpx.get(image_link).status_code == 200, image_link)

create(f"{hook}/default")
only = wait_for("/default", 1)
time.sleep(1)
check("the default filter posts completed only", [verify(secret, d)["type"] for d in received["/default"]] == ["generation.completed"], len(received["/default"]))

# A 500 is retried (after the backoff) with the same webhook-id; the log lists both attempts.
behaviour["/flaky"] = [(500, 0), (200, 0)]
flaky = create(f"{hook}/flaky")
attempts = wait_for("/flaky", 2, timeout=30)
ids = {a[0].get("webhook-id") for a in attempts}
check("a 500 is retried with the same webhook-id", len(attempts) == 2 and len(ids) == 1, ids)
log = httpx.get(f"{gateway}/v1/generations/{flaky['id']}/webhook-deliveries", headers=headers).json()["data"]
check("the delivery log lists both attempts", [a["status_code"] for a in log] == [500, 200] and log[0]["next_attempt_at"] and log[0]["attempt"] == 1, log)

# 410 stops every later event of that generation.
behaviour["/gone"] = [(410, 0)]
gone = create(f"{hook}/gone", ["start", "progress", "completed"], model="bytedance/seedream-4")
wait_for("/gone", 1)
deadline = time.time() + 30
while httpx.get(f"{gateway}/v1/generations/{gone['id']}", headers=headers).json()["status"] != "completed" and time.time() < deadline:
    time.sleep(0.2)
time.sleep(2)
check("after a 410 nothing more is posted", len(received["/gone"]) == 1, len(received["/gone"]))

# Rotation: the next webhook verifies with the new secret and, for a day, with the old one.
rotated = httpx.post(f"{gateway}/v1/webhook-secret/rotate", headers=headers).json()
check("rotation gives a new secret and keeps the old one signing", rotated["secret"] != secret and rotated.get("previous_secret_valid_until"), rotated)
create(f"{hook}/rotated")
delivery = wait_for("/rotated", 1)[0]
check("after a rotation both the new and the old secret verify", verify(rotated["secret"], delivery)["type"] == "generation.completed"
      and verify(secret, delivery)["type"] == "generation.completed")

# Budget thresholds: a user whose monthly budget ($0.009, three FLUX Schnell images) is set through the dispatcher's
# admin API gets budget.threshold at 50, 80 and 100 % on their account webhook, each once, verified.
budget_user = "55555555-5555-4555-8555-555555555555"
budget_token = subprocess.run([".build/debug/gateway", "token", "--user", budget_user], capture_output=True, text=True, check=True).stdout.strip()
budget_headers = {"Authorization": f"Bearer {budget_token}"}
admin = {"Authorization": f"Bearer {os.environ['ADMIN_TOKEN']}"}
set_budget = httpx.put(f"{os.environ['DISPATCHER_URL']}/v1/admin/budgets/{budget_user}", json={"monthly_usd": 0.009}, headers=admin)
check("the admin API sets the user's budget", set_budget.status_code == 200, set_budget.text)
account = httpx.put(f"{gateway}/v1/account/webhook", json={"url": f"{hook}/budget"}, headers=budget_headers)
check("the account webhook is set", account.status_code == 200 and account.json()["events"] == ["budget.threshold"], account.text)
budget_ids = []
for _ in range(3):
    made = httpx.post(f"{gateway}/v1/generations", json={"prompt": "budget", "model_id": "black-forest-labs/flux-schnell"}, headers=budget_headers)
    check("a create within the budget is accepted", made.status_code == 202, made.text)
    budget_ids.append(made.json()["id"])
over = httpx.post(f"{gateway}/v1/generations", json={"prompt": "budget", "model_id": "black-forest-labs/flux-schnell"}, headers=budget_headers)
check("past the budget a create is 402 naming the user's budget", over.status_code == 402 and over.json().get("scope") == "user", over.text)
budget_secret = httpx.get(f"{gateway}/v1/webhook-secret", headers=budget_headers).json()["secret"]
alerts = wait_for("/budget", 3, timeout=60)
time.sleep(6)  # more rounds of the gateway's watch: nothing is posted twice
alerts = [verify(budget_secret, d) for d in received["/budget"]]
check("budget.threshold arrives at 50, 80 and 100 %, each once, verified",
      sorted(a["threshold_percent"] for a in alerts) == [50, 80, 100] and {a["type"] for a in alerts} == {"budget.threshold"}
      and all(a["user_id"] == budget_user and a["budget_usd"] == 0.009 for a in alerts), alerts)
logged = httpx.get(f"{gateway}/v1/account/webhook", headers=budget_headers).json()["deliveries"]
check("the account webhook lists its deliveries", sorted(d["status_code"] for d in logged) == [200, 200, 200], logged)
metrics = httpx.get(f"{os.environ['GATEWAY_INTERNAL_URL']}/metrics").text
spent = [float(line.split()[1]) for line in metrics.splitlines() if line.startswith("imagegen_account_spent_usd ")]
check("the gateway exports the account's spend beside its ceiling", spent and spent[0] >= 0.009 - 1e-9
      and "imagegen_account_monthly_ceiling_usd 1000" in metrics, spent)

# Refused when asked: plain http to an origin not allowed, private and local hosts, a filter without a webhook.
for bad in ("http://example.com/hook", "https://10.0.0.8/hook", "https://localhost/hook", "https://[::1]/hook", "ftp://example.com/x"):
    response = httpx.post(f"{gateway}/v1/generations", json={"prompt": "x", "model_id": "black-forest-labs/flux-schnell", "webhook": bad}, headers=headers)
    check(f"webhook {bad} refused with 422 naming the field", response.status_code == 422 and response.json()["errors"][0]["field"] == "webhook", response.text)
response = httpx.post(f"{gateway}/v1/generations", json={"prompt": "x", "model_id": "black-forest-labs/flux-schnell", "webhook_events_filter": ["completed"]}, headers=headers)
check("a filter without a webhook is refused", response.status_code == 422 and response.json()["errors"][0]["field"] == "webhook_events_filter", response.text)
response = httpx.post(f"{gateway}/v1/generations", json={"prompt": "x", "model_id": "black-forest-labs/flux-schnell", "webhook": f"{hook}/x", "webhook_events_filter": ["done"]}, headers=headers)
check("an unknown event is refused", response.status_code == 422 and response.json()["errors"][0]["field"] == "webhook_events_filter", response.text)

# Refused when delivering: a row that names a private address (written past the gateway) is never posted to.
user = "44444444-4444-4444-8444-444444444444"
sql = f"""WITH made AS (
  INSERT INTO image_generations (user_id, prompt, model, model_id, width, height, steps, guidance_scale, status, webhook, webhook_events_filter)
  VALUES ('{user}', 'past the gateway', 'flux-schnell', 'black-forest-labs/flux-schnell', 1024, 1024, 4, 0, 'pending', 'https://127.0.0.1:{port}/private', ARRAY['completed'])
  RETURNING id)
SELECT id FROM made"""
psql = lambda q: subprocess.run(["psql", os.environ["DATABASE_URL"], "-v", "ON_ERROR_STOP=1", "-tAc", q], capture_output=True, text=True)
made = psql(sql)
if made.returncode != 0:
    raise SystemExit(made.stderr)
private = made.stdout.split()[0]
cancelled = psql(f"UPDATE image_generations SET status = 'cancelled', completed_at = now() WHERE id = '{private}'")
if cancelled.returncode != 0:
    raise SystemExit(cancelled.stderr)
deadline = time.time() + 15
log = []
while time.time() < deadline and not log:
    log = httpx.get(f"{gateway}/v1/generations/{private}/webhook-deliveries", headers=headers).json()["data"]
    time.sleep(0.2)
check("a private address is refused at delivery, and logged", not received["/private"] and log and "public address" in (log[0]["error"] or ""), log)

# kill -9 of the notifier while a receiver holds the request: delivered again, with the same id.
behaviour["/slow"] = [(200, 2), (200, 0)]
create(f"{hook}/slow")
wait_for("/slow", 1)
pid = int(os.environ["NOTIFIER_PID"])
os.kill(pid, signal.SIGKILL)
notifier_port = os.environ["NOTIFIER_URL"].rsplit(":", 1)[1]
restarted = subprocess.Popen([".build/debug/notifier"], env={**os.environ, "HTTP_PORT": notifier_port},
                             stdout=open(os.environ["NOTIFIER_LOG"], "w"), stderr=subprocess.STDOUT)
try:
    slow = wait_for("/slow", 2, timeout=60)
    check("after kill -9 mid-delivery the event is delivered again with the same webhook-id",
          len(slow) >= 2 and len({s[0]["webhook-id"] for s in slow}) == 1, [s[0].get("webhook-id") for s in slow])

    # A receiver that hangs (past the notifier's timeout) holds only its own slots: another receiver is served at once.
    behaviour["/hang"] = [(200, 30)]
    for _ in range(20):
        create(f"http://127.0.0.1:{hanging_port}/hang")
    time.sleep(1.5)
    started = time.time()
    create(f"{hook}/prompt")
    wait_for("/prompt", 1, timeout=30)
    elapsed = time.time() - started
    check("a hanging receiver does not hold up another", received["/prompt"] and elapsed < 6, f"{elapsed:.1f} s")

    # A receiver URL's path and query (often a credential) reach no log and no job error; the user reads a plain reason.
    behaviour["/hang-secret?token=s3cr3t-in-query"] = [(200, 30)]
    secret_generation = create(f"http://127.0.0.1:{hanging_port}/hang-secret?token=s3cr3t-in-query")["id"]
    log = []
    deadline = time.time() + 30
    while time.time() < deadline and not log:
        log = httpx.get(f"{gateway}/v1/generations/{secret_generation}/webhook-deliveries", headers=headers).json()["data"]
        time.sleep(0.3)
    check("a timed-out delivery shows the user a plain reason", log and log[0]["error"] == "the receiver did not answer in time", log)
    job_errors = psql("SELECT coalesce(string_agg(error_message || errors::text, ' '), '') FROM job_queue WHERE job_type = 'deliver-webhook'")
    logs = "".join(open(os.environ[name]).read() for name in ("NOTIFIER_LOG", "DISPATCHER_LOG") if name in os.environ)
    check("the receiver's path and query appear in no job error or log",
          "s3cr3t" not in job_errors.stdout and "s3cr3t" not in logs and "hang-secret" not in job_errors.stdout,
          job_errors.stdout[-300:])
finally:
    restarted.send_signal(signal.SIGTERM)
    restarted.wait(timeout=30)

finish("webhooks")
