"""End-to-end checks against a running stack (started by scripts/test-e2e). Standard library only."""
import hashlib
import json
import os
import struct
import subprocess
import time
import urllib.error
import urllib.request
import harness
from harness import check, finish, png

GATEWAY = os.environ["GATEWAY_URL"]
SIMULATOR = os.environ["SIMULATOR_URL"]
TOKEN = os.environ["E2E_TOKEN"]
OTHER = os.environ["E2E_OTHER_TOKEN"]
# Where the stored bytes are: a directory (E2E_STORAGE), or a bucket (E2E_BUCKET_URL and E2E_BUCKET_PREFIX on the
# test's S3-compatible server, which lists keys to anyone; the bytes are read through the gateway's signed link).
STORAGE = os.environ.get("E2E_STORAGE")
BUCKET_URL = os.environ.get("E2E_BUCKET_URL")
BUCKET_PREFIX = os.environ.get("E2E_BUCKET_PREFIX", "")
DATABASE_URL = os.environ["DATABASE_URL"]


def call(method, path, body=None, token=TOKEN, headers=None, base=GATEWAY):
    return harness.call(method, base + path, body, token, headers)


def sql(statement):
    return subprocess.run(["psql", DATABASE_URL, "-tAc", statement], check=True, capture_output=True, text=True).stdout.strip()


def wait_terminal(generation_id, timeout=60, token=TOKEN):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body, _ = call("GET", f"/v1/generations/{generation_id}", token=token)
        assert status == 200, (status, body)
        if body["status"] in ("completed", "failed", "cancelled"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"generation {generation_id} not terminal after {timeout}s")




def stored_bytes(image):
    """The bytes stored for `image`, or None when nothing is there."""
    if STORAGE:
        full = os.path.join(STORAGE, image["storage_path"])
        return open(full, "rb").read() if os.path.exists(full) else None
    key = f"{BUCKET_PREFIX}/{image['storage_path']}" if BUCKET_PREFIX else image["storage_path"]
    listing = urllib.request.urlopen(f"{BUCKET_URL}?list-type=2&prefix={key}", timeout=10).read().decode()
    if f"<Key>{key}</Key>" not in listing:
        return None
    try:
        return urllib.request.urlopen(image["public_url"], timeout=10).read()
    except urllib.error.HTTPError as error:
        if error.code == 404:  # removed between the listing and the read
            return None
        raise


def image_size(data):
    head = data[:4096]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return struct.unpack(">II", head[16:24])
    if b"<svg" in head:
        text = head.decode()
        width = int(text.split('width="')[1].split('"')[0])
        height = int(text.split('height="')[1].split('"')[0])
        return width, height
    return None


def check_images(name, generation, count):
    images = generation["images"]
    check(f"{name}: {count} image row(s)", len(images) == count, json.dumps(images)[:300])
    for image in images:
        data = stored_bytes(image)
        check(f"{name}: file {image['storage_path']} stored", data is not None)
        if data is None:
            continue
        check(f"{name}: sha256 matches the bytes", hashlib.sha256(data).hexdigest() == image["sha256"])
        check(f"{name}: measured size matches the file", image_size(data) == (image["width"], image["height"]),
              f"{image_size(data)} vs {(image['width'], image['height'])}")
        with urllib.request.urlopen(image["public_url"], timeout=10) as response:
            check(f"{name}: served at its public URL", response.status == 200 and response.read() == data)
        check(f"{name}: the path names no user", image["user_id"] not in image["storage_path"] and image["user_id"] not in image["public_url"])
        try:
            urllib.request.urlopen(image["public_url"].split("?")[0], timeout=10)
            check(f"{name}: the unsigned link is refused", False)
        except urllib.error.HTTPError as error:
            check(f"{name}: the unsigned link is refused", error.code == 403, error.code)


# Input files: an upload is stored without its metadata and served by its link, to no one else by id.
secret = "GPS 51.5007N 0.1246W"
status, source, headers = call("POST", "/v1/files", png(96, 64, secret), headers={"Content-Type": "image/png"})
check("files: an upload is stored (201) and measured", status == 201 and (source["width"], source["height"]) == (96, 64), f"{status} {source}")
with urllib.request.urlopen(source["url"], timeout=10) as response:
    served = response.read()
check("files: its link serves it without a bearer token, metadata removed",
      served.startswith(b"\x89PNG") and secret.encode() not in served and len(served) == source["size_bytes"])
check("files: another user gets 404 by its id", call("GET", f"/v1/files/{source['id']}", token=OTHER)[0] == 404)
status, refused, _ = call("POST", "/v1/generations", {"prompt": "mine now", "model_id": "black-forest-labs/flux-dev",
                                                       "source_image_url": source["id"]}, token=OTHER)
check("files: another user's file id is refused (422 naming source_image_url)",
      status == 422 and [e["field"] for e in refused["errors"]] == ["source_image_url"], f"{status} {refused}")

# Direct uploads: with a bucket, a presigned PUT and a completion that checks what arrived; with a directory, a 409.
status, upload, _ = call("POST", "/v1/files/uploads")
if BUCKET_URL:
    check("direct upload: 201 with a presigned PUT", status == 201 and upload["method"] == "PUT" and "X-Amz-Signature" in upload["upload_url"],
          f"{status} {upload}")
    status, _, _ = call("POST", upload["complete_url"])
    check("direct upload: completing before the PUT is a 409", status == 409, status)
    # With its type (urllib would otherwise say form-urlencoded, which moto's server tries to parse as a form).
    put = urllib.request.Request(upload["upload_url"], data=png(40, 30, secret), method="PUT", headers={"Content-Type": "image/png"})
    with urllib.request.urlopen(put, timeout=10) as response:
        check("direct upload: the bucket takes the PUT (no bearer token)", response.status == 200, response.status)
    check("direct upload: another user cannot complete it", call("POST", upload["complete_url"], token=OTHER)[0] == 404)
    status, direct, _ = call("POST", upload["complete_url"])
    check("direct upload: completing makes it an input file with the upload's id",
          status == 201 and direct["id"] == upload["id"] and (direct["width"], direct["height"]) == (40, 30), f"{status} {direct}")
    with urllib.request.urlopen(direct["url"], timeout=10) as response:
        check("direct upload: served by its link without its metadata", secret.encode() not in response.read())
    check("direct upload: completing twice is a 404", call("POST", upload["complete_url"])[0] == 404)
    key = f"{BUCKET_PREFIX}/uploads/{upload['id']}.upload" if BUCKET_PREFIX else f"uploads/{upload['id']}.upload"
    listing = urllib.request.urlopen(f"{BUCKET_URL}?list-type=2&prefix={key}", timeout=10).read().decode()
    check("direct upload: its object is gone from the bucket", f"<Key>{key}</Key>" not in listing, listing[:300])
else:
    check("direct upload: with files on disk, a 409 pointing at POST /v1/files", status == 409 and "POST /v1/files" in upload["detail"],
          f"{status} {upload}")
fetched_before = call("GET", "/_simulator/stats", token=None, base=SIMULATOR)[1]["counters"].get("inputs.fetched", 0)

# Happy paths: an official model, a version-pinned multi-output model, an SVG model, img2img from an uploaded file.
requests = {
    "flux-schnell 16:9": {"prompt": "a lighthouse at dusk", "model_id": "black-forest-labs/flux-schnell", "width": 1344, "height": 768},
    "sdxl-lightning x2": {"prompt": "a red fox", "model_id": "bytedance/sdxl-lightning-4step", "width": 768, "height": 512, "num_outputs": 2},
    "recraft svg": {"prompt": "a logo", "model_id": "recraft-ai/recraft-v3-svg"},
    "flux-dev img2img": {"prompt": "as a watercolour", "model_id": "black-forest-labs/flux-dev",
                         "source_image_url": source["id"], "strength": 0.6},
}
ids = {}
for name, body in requests.items():
    status, created, _ = call("POST", "/v1/generations", body)
    check(f"{name}: accepted with 202", status == 202 and created["status"] == "queued", f"{status} {created}")
    ids[name] = created["id"]

# Follow one over Server-Sent Events until the terminal event.
stream = urllib.request.Request(f"{GATEWAY}/v1/generations/{ids['flux-schnell 16:9']}/events")
stream.add_header("Authorization", "Bearer " + TOKEN)
statuses, places, last_id, name = [], [], 0, ""
with urllib.request.urlopen(stream, timeout=60) as response:
    for line in response:
        line = line.decode().strip()
        if line.startswith("id: "):
            last_id = int(line[4:])
        if line.startswith("event: "):
            name = line[7:]
        if line.startswith("data: "):
            (statuses if name == "status" else places).append(json.loads(line[6:]))
statuses = [event["status"] for event in statuses]
check("SSE: ordered statuses end in completed", statuses[0] == "queued" and statuses[-1] == "completed", str(statuses))
check("SSE: queue events (sent while it is unfinished) are told apart from status events and carry where it stands",
      all("paused" in p and "status" not in p for p in places), str(places))
replay = urllib.request.Request(f"{GATEWAY}/v1/generations/{ids['flux-schnell 16:9']}/events", headers={
    "Authorization": "Bearer " + TOKEN, "Last-Event-ID": str(last_id - 1)})
with urllib.request.urlopen(replay, timeout=30) as response:
    replayed = [line for line in response.read().decode().splitlines() if line.startswith("event: status")]
check("SSE: reconnect with Last-Event-ID replays only what followed", len(replayed) == 1, str(replayed))

results = {name: wait_terminal(generation_id) for name, generation_id in ids.items()}
for name, generation in results.items():
    check(f"{name}: completed", generation["status"] == "completed", f"{generation['status']} {generation.get('error_message')}")
check_images("flux-schnell 16:9", results["flux-schnell 16:9"], 1)
schnell = results["flux-schnell 16:9"]["images"]
if schnell:
    check("flux-schnell: 16:9 output", abs(schnell[0]["width"] / schnell[0]["height"] - 16 / 9) < 0.02, str(schnell[0]))
check_images("sdxl-lightning x2", results["sdxl-lightning x2"], 2)
if len(results["sdxl-lightning x2"]["images"]) == 2:
    check("sdxl-lightning: exact requested size", all((i["width"], i["height"]) == (768, 512) for i in results["sdxl-lightning x2"]["images"]))
check_images("recraft svg", results["recraft svg"], 1)
if results["recraft svg"]["images"]:
    check("recraft svg: stored as SVG", results["recraft svg"]["images"][0]["format"] == "svg")
check_images("flux-dev img2img", results["flux-dev img2img"], 1)
check("flux-dev img2img: the file id became its link", results["flux-dev img2img"]["source_image_url"] == source["url"])
fetched = call("GET", "/_simulator/stats", token=None, base=SIMULATOR)[1]["counters"].get("inputs.fetched", 0)
check("flux-dev img2img: Replicate (the simulator) fetched the uploaded image by its link", fetched == fetched_before + 1, fetched)

# Delete: the generation is gone from the API and its images from the store.
doomed = results["sdxl-lightning x2"]
status, _, _ = call("DELETE", f"/v1/generations/{doomed['id']}")
check("delete: 204", status == 204, status)
check("delete: the generation is not found", call("GET", f"/v1/generations/{doomed['id']}")[0] == 404)
# The rows go at once; the files go with the delete-files job the delete enqueued, run by the downloader.
deadline = time.time() + 20
while time.time() < deadline and not all(stored_bytes(image) is None for image in doomed["images"]):
    time.sleep(0.2)
check("delete: its images are gone from the store (removed by the downloader)", all(stored_bytes(image) is None for image in doomed["images"]))

# Exactly one prediction per generation.
_, stats, _ = call("GET", "/_simulator/stats", token=None, base=SIMULATOR)
created = stats["counters"].get("predictions.created", 0)
check("one Replicate prediction per generation", created == len(requests), f"{created} predictions for {len(requests)} generations")

# Model failures fail the generation with Replicate's message, once.
for name, prompt, needle, code in [("model error", "[fail] a cat", "CUDA", "model_failed"),
                                   ("nsfw", "[nsfw] a cat", "NSFW content detected", "content_filtered")]:
    status, created, _ = call("POST", "/v1/generations", {"prompt": prompt, "model_id": "black-forest-labs/flux-schnell"})
    generation = wait_terminal(created["id"])
    check(f"{name}: generation failed with Replicate's message, as {code}",
          generation["status"] == "failed" and needle in (generation["error_message"] or "") and generation["error_code"] == code,
          f"{generation.get('error_code')} {generation.get('error_message')}")
status, refused, _ = call("POST", "/v1/generations", {"prompt": "x", "model_id": "black-forest-labs/flux-schnell", "safety_level": "relaxed"})
check("safety: relaxed beyond the operator's ceiling (standard) is a 422 naming safety_level",
      status == 422 and [e["field"] for e in refused["errors"]] == ["safety_level"], f"{status} {refused}")

# Replicate down for a while with generations in flight: nothing fails; each runs once Replicate answers again.
call("POST", "/_simulator/scenario", {"outage": True}, token=None, base=SIMULATOR)
through = [call("POST", "/v1/generations", {"prompt": f"through an outage {n}", "model_id": "black-forest-labs/flux-schnell"})[1]["id"]
           for n in range(6)]
time.sleep(8)
during = [call("GET", f"/v1/generations/{g}")[1]["status"] for g in through]
check("outage: nothing fails while Replicate answers 503", all(s in ("queued", "processing") for s in during), during)
call("POST", "/_simulator/scenario", {"outage": False}, token=None, base=SIMULATOR)
after = [wait_terminal(g, timeout=120) for g in through]
check("outage: every generation completes once Replicate answers again", all(g["status"] == "completed" for g in after),
      [(g["status"], g.get("error_code")) for g in after])

# Cancel mid-run: the prediction is cancelled upstream too.
call("POST", "/_simulator/scenario", {"latency_overrides": {"bytedance/seedream-4": 30}, "time_scale": 0.05}, token=None, base=SIMULATOR)
status, created, _ = call("POST", "/v1/generations", {"prompt": "slow one", "model_id": "bytedance/seedream-4"})
deadline = time.time() + 20
while time.time() < deadline and call("GET", f"/v1/generations/{created['id']}")[1]["status"] != "processing":
    time.sleep(0.05)
status, cancelled, _ = call("POST", f"/v1/generations/{created['id']}/cancel")
check("cancel: 200 and cancelled", status == 200 and cancelled["status"] == "cancelled", f"{status} {cancelled}")
status, _, _ = call("POST", f"/v1/generations/{created['id']}/cancel")
check("cancel again: 409", status == 409)
deadline = time.time() + 20
while time.time() < deadline and call("GET", "/_simulator/stats", token=None, base=SIMULATOR)[1]["counters"].get("predictions.cancel", 0) < 1:
    time.sleep(0.1)
check("cancel: prediction cancelled at Replicate",
      call("GET", "/_simulator/stats", token=None, base=SIMULATOR)[1]["counters"].get("predictions.cancel", 0) >= 1)

# SSRF: an output URL pointing at a private address fails without fetching.
user = "11111111-1111-4111-8111-111111111111"
generation_id = sql(f"""INSERT INTO image_generations (user_id, prompt, model, model_id, width, height, steps, guidance_scale, status, output_urls)
    VALUES ('{user}', 'ssrf', 'flux-schnell', 'black-forest-labs/flux-schnell', 1024, 1024, 4, 0, 'downloading',
            '["http://169.254.169.254/latest/meta-data/"]') RETURNING id""").splitlines()[0]
sql(f"""SELECT enqueue_job('download-image', '{{"generation_id": "{generation_id}", "user_id": "{user}"}}'::jsonb)""")
generation = wait_terminal(generation_id)
check("SSRF: private output URL refused", generation["status"] == "failed" and generation["error_code"] == "output_unusable"
      and "may not be fetched" in generation["error_message"], generation["error_message"])

# The API's edges: auth, validation, isolation, idempotency, the seed's endpoint.
check("no token: 401", call("POST", "/v1/generations", {"prompt": "x", "model_id": "x"}, token=None)[0] == 401)
check("bad token: 401", call("GET", "/v1/generations", token="not.a.jwt")[0] == 401)
status, problem, _ = call("POST", "/v1/generations", {"prompt": "", "model_id": "nope/nope", "width": 9000, "colour": 1})
fields = sorted(error["field"] for error in (problem or {}).get("errors", []))
check("validation: 422 naming every field", status == 422 and fields == ["colour", "model_id", "prompt", "width"], f"{status} {fields}")
check("another user's generation: 404", call("GET", f"/v1/generations/{ids['recraft svg']}", token=OTHER)[0] == 404)
body = {"prompt": "idempotent", "model_id": "black-forest-labs/flux-schnell"}
first = call("POST", "/v1/generations", body, headers={"Idempotency-Key": "k-1"})
second = call("POST", "/v1/generations", body, headers={"Idempotency-Key": "k-1"})
check("idempotency: same key and body, same generation", first[1]["id"] == second[1]["id"] and second[0] == 200)
check("idempotency: same key, other body, 409",
      call("POST", "/v1/generations", {**body, "prompt": "other"}, headers={"Idempotency-Key": "k-1"})[0] == 409)
status, legacy, _ = call("POST", "/functions/v1/start-generation", {"prompt": "seed client", "model_id": "black-forest-labs/flux-schnell"})
check("seed start-generation shape", status == 200 and legacy["success"] and legacy["status"] == "queued" and legacy["job_id"], str(legacy))
status, waited, _ = call("POST", "/v1/generations", {"prompt": "wait for me", "model_id": "black-forest-labs/flux-schnell"},
                         headers={"Prefer": "wait=30"})
check("Prefer: wait returns the finished generation", status == 200 and waited["status"] == "completed", f"{status} {waited.get('status')}")
status, page, _ = call("GET", "/v1/generations?limit=2")
status2, page2, _ = call("GET", f"/v1/generations?limit=2&cursor={page['next_cursor']}")
check("list: cursor pages do not overlap", not {g["id"] for g in page["data"]} & {g["id"] for g in page2["data"]})

# The seed's monitoring query sees the completed jobs.
completed_jobs = int(sql("SELECT COUNT(*) FROM job_queue WHERE status = 'completed'"))
check("seed monitoring: completed jobs counted", completed_jobs >= 2 * len(requests), str(completed_jobs))
# Generations created just above (idempotency, seed endpoint) may still be finishing: each gets the time a healthy stack
# needs; one still running after that is stuck, and is named with its jobs.
running = "SELECT count(*) FROM image_generations WHERE status IN ('queued','processing','downloading')"
deadline = time.time() + 10
while time.time() < deadline and sql(running) != "0":
    time.sleep(0.1)
check("no generation left running", sql(running) == "0", sql(
    """SELECT g.id, g.prompt, g.status, now() - g.created_at, string_agg(j.job_type || ':' || j.status || '@' || j.attempt_number, ' ')
       FROM image_generations g LEFT JOIN job_queue j ON lower(j.payload->>'generation_id') = g.id::text
       WHERE g.status IN ('queued','processing','downloading') GROUP BY g.id"""))


# Metrics tell the truth: values after known work, not just names (the gateway's on its internal port).
def scrape(url):
    with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
        samples = {}
        for line in response.read().decode().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                samples[name] = float(value)
        return samples


def sample(samples, name, **labels):
    """The sum of `name`'s samples whose labels include `labels`."""
    wanted = [f'{k}="{v}"' for k, v in labels.items()]
    return sum(v for k, v in samples.items() if k.split("{")[0] == name and all(w in k for w in wanted))


gateway_metrics = scrape(os.environ["GATEWAY_INTERNAL_URL"])
posted = sample(gateway_metrics, "imagegen_gateway_request_duration_seconds_count", route="/v1/generations", method="POST", status="202")
check("metrics: the gateway counted its accepted POSTs", posted >= len(requests), f"{posted}")
check("metrics: the gateway counted the 401s", sample(gateway_metrics, "imagegen_gateway_request_duration_seconds_count", status="401") >= 2)
# The gauges are written every five seconds: the pass after the last job finished shows the queue drained.
deadline = time.time() + 12
while True:
    dispatcher_metrics = scrape(os.environ["DISPATCHER_URL"])
    pending = [k for k in dispatcher_metrics if k.startswith("imagegen_queue_jobs{") and 'status="pending"' in k]
    if time.time() > deadline or (len(pending) >= 3 and all(dispatcher_metrics[k] == 0 for k in pending)):
        break
    time.sleep(0.5)
check("metrics: queue gauges for every routed type, drained to 0",
      len(pending) >= 3 and all(dispatcher_metrics[k] == 0 for k in pending), str({k: dispatcher_metrics[k] for k in pending}))
claimed = sample(dispatcher_metrics, "imagegen_dispatcher_jobs_claimed_total", job_type="generate-image")
check("metrics: the dispatcher counted its generate-image claims", claimed >= len(requests), f"{claimed}")


# The generator: every prediction the simulator holds was created (or adopted) by it, each counted once; each hand-over
# recorded its prediction's time by model.
predictions, page = 0, SIMULATOR + "/v1/predictions"
while page:
    listing = json.loads(urllib.request.urlopen(urllib.request.Request(page, headers={"Authorization": "Bearer r8_simulator"})).read())
    predictions += len(listing["results"])
    page = listing.get("next")
generator_metrics = scrape(os.environ["GENERATOR_URL"])
made = sample(generator_metrics, "imagegen_generator_predictions_created_total") + sample(generator_metrics, "imagegen_generator_predictions_adopted_total")
check("metrics: the generator counted every prediction it made (the simulator's count)", made == predictions, f"{made} vs {predictions}")
timed = sample(generator_metrics, "imagegen_generator_prediction_duration_seconds_count")
handed = int(sql("SELECT count(*) FROM image_generations WHERE predict_time IS NOT NULL"))
check("metrics: a prediction time per hand-over", timed == handed and handed > 0, f"{timed} vs {handed}")
creates = sample(generator_metrics, "imagegen_generator_replicate_calls_total", endpoint="create")
check("metrics: Replicate calls by endpoint and status include every create", creates >= predictions, f"{creates} vs {predictions}")

# The downloader: the bytes of every stored image, and its refusals by reason (the SSRF case above is one).
downloader_metrics = scrape(os.environ["DOWNLOADER_URL"])
stored = int(sql("SELECT coalesce(sum(file_size), 0) FROM images"))
counted = sample(downloader_metrics, "imagegen_downloader_bytes_total")
check("metrics: the downloader counted at least the bytes of every stored image", counted >= stored > 0, f"{counted} vs {stored}")
refused = sample(downloader_metrics, "imagegen_downloader_refusals_total")
unusable = int(sql("SELECT count(*) FROM image_generations WHERE error_code = 'output_unusable'"))
check("metrics: one refusal counted per output refused", refused == unusable and unusable >= 1, f"{refused} vs {unusable}")
check("metrics: the private address refused as such", sample(downloader_metrics, "imagegen_downloader_refusals_total", reason="private_address")
      + sample(downloader_metrics, "imagegen_downloader_refusals_total", reason="not_allowed") >= 1, str({k: v for k, v in downloader_metrics.items() if "refusals" in k}))

# Learned durations: the generators write what each prediction took (every 5 s), and /v1/models shows it.
handed_runs = int(sql("SELECT count(*) FROM image_generations WHERE predict_time IS NOT NULL"))
deadline, learned = time.time() + 15, 0
while time.time() < deadline:
    learned = int(sql("SELECT coalesce(sum(run_samples), 0) FROM model_timings"))
    if learned >= 1:
        break
    time.sleep(0.5)
# Every hand-over is sampled (here the generators' polls; the gateway samples those Replicate's webhooks make).
check("timings: the generators' run times reached model_timings", 1 <= learned <= handed_runs, f"{learned} vs {handed_runs}")
_, models, _ = call("GET", "/v1/models")
sampled = [m for m in models["models"] if m["timing_samples"] > 0]
check("timings: /v1/models shows the learned samples and percentiles",
      sampled and all(m["run_seconds_p90"] >= m["run_seconds_p50"] > 0 for m in models["models"]), str(sampled[:1]))

# The notifier: nothing was asked of it here, and it says so (its counters exist once it delivered; absent is zero).
notifier_metrics = scrape(os.environ["NOTIFIER_URL"])
check("metrics: the notifier delivered nothing unasked", sample(notifier_metrics, "imagegen_notifier_deliveries_total") == 0,
      str({k: v for k, v in notifier_metrics.items() if "deliveries" in k}))

# Batches: 10,000 items as JSON Lines through the real stack; another user's single request is served meanwhile; a
# cancel in the middle keeps what finished and stops the rest; every item's result streams as JSON Lines.
lines = "".join(json.dumps({"prompt": f"catalogue item {n}", "model_id": "black-forest-labs/flux-schnell", "seed": n}) + "\n"
                for n in range(10000))
status, batch, _ = call("POST", "/v1/batches", lines.encode(), headers={"Content-Type": "application/x-ndjson"})
check("batch: 10,000 JSON Lines items accepted at once (202)", status == 202 and batch["item_count"] == 10000, f"{status} {str(batch)[:300]}")
batch_id = batch["id"]
_, single, _ = call("POST", "/v1/generations", {"prompt": "meanwhile", "model_id": "black-forest-labs/flux-schnell"}, token=OTHER)
# On a loaded 2-core machine the single request's download can queue behind the batch's downloads for a while; what
# is checked is that it finishes while most of the batch still waits, not how fast.
single = wait_terminal(single["id"], timeout=150, token=OTHER)
_, during, _ = call("GET", f"/v1/batches/{batch_id}")
check("batch: another user's single request completes while most of the batch still waits",
      single["status"] == "completed" and during["counts"]["queued"] > 5000, f"{single['status']} {during['counts']}")
deadline = time.time() + 120
while time.time() < deadline and during["counts"]["completed"] < 20:
    time.sleep(0.5)
    _, during, _ = call("GET", f"/v1/batches/{batch_id}")
status, cancelled, _ = call("POST", f"/v1/batches/{batch_id}/cancel")
counts = cancelled["counts"]
check("batch: cancel in the middle keeps the finished items and stops the rest",
      status == 200 and cancelled["status"] == "cancelled" and counts["completed"] >= 20 and counts["cancelled"] > 5000
      and counts["completed"] + counts["failed"] + counts["cancelled"] == 10000, f"{status} {counts}")
live_jobs = f"""SELECT count(*) FROM job_queue j JOIN image_generations g ON j.dedupe_key = 'generate:' || g.id
               WHERE g.batch_id = '{batch_id}' AND j.status IN ('pending', 'processing')"""
deadline = time.time() + 60
while time.time() < deadline and sql(live_jobs) != "0":
    time.sleep(0.5)
check("batch: no job of a cancelled item is left to run", sql(live_jobs) == "0", sql(live_jobs))
status, raw, headers = call("GET", f"/v1/batches/{batch_id}/results")
results = [json.loads(line) for line in (raw or b"").splitlines()]
check("batch: results stream every item in order as JSON Lines",
      status == 200 and headers.get("Content-Type", "").startswith("application/x-ndjson") and [r["index"] for r in results] == list(range(10000)),
      f"{status} {len(results)}")
done = [r for r in results if r["status"] == "completed"]
check("batch: each completed item's line links its image", done and all(len(r["images"]) == 1 and r["images"][0]["public_url"] for r in done),
      str(done[:1]))
check("batch: the other user cannot read it", call("GET", f"/v1/batches/{batch_id}", token=OTHER)[0] == 404)
status, _, _ = call("DELETE", f"/v1/batches/{batch_id}")
check("batch: DELETE removes it and every item", status == 204 and call("GET", f"/v1/batches/{batch_id}")[0] == 404
      and sql(f"SELECT count(*) FROM image_generations WHERE batch_id = '{batch_id}' AND deleted_at IS NULL") == "0")

finish("e2e")
