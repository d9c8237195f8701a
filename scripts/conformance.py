"""Replicate's official Python client (replicate==1.0.7), unchanged, against the simulator at REPLICATE_BASE_URL.

Run by scripts/test-conformance. Prints one ok/FAIL line per check and 'N passed, N failed'.
"""
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import replicate
from replicate.exceptions import ModelError, ReplicateError
from harness import check, finish

client = replicate.Client(api_token="r8_conformance", base_url=os.environ["REPLICATE_BASE_URL"])
SDXL_VERSION = os.environ["SDXL_VERSION"]




def attempt(name, body):
    try:
        body()
    except Exception as error:  # a client exception is a conformance failure, reported with its message
        check(name, False, f"{type(error).__name__}: {error}")


def run_official():
    output = client.run("black-forest-labs/flux-schnell", input={"prompt": "a lighthouse", "num_outputs": 2})
    check("run(official owner/name) returns the model's output list", isinstance(output, list) and len(output) == 2, repr(output))


def run_versioned():
    output = client.run(f"stability-ai/sdxl:{SDXL_VERSION}", input={"prompt": "a fox", "width": 512, "height": 512})
    check("run(owner/name:version) returns output (version metadata served)", isinstance(output, list) and len(output) == 1, repr(output))


def create_and_wait():
    model = client.models.get("google/imagen-4-fast")
    check("models.get parses the model", model.owner == "google" and model.name == "imagen-4-fast")
    prediction = client.predictions.create(model="google/imagen-4-fast", input={"prompt": "a cat"})
    check("predictions.create starts a prediction", prediction.status in ("starting", "processing", "succeeded"), prediction.status)
    prediction.wait()
    check("wait() polls to succeeded", prediction.status == "succeeded" and prediction.output, f"{prediction.status} {prediction.output}")
    check("metrics carry predict_time as Replicate names it", isinstance((prediction.metrics or {}).get("predict_time"), float), prediction.metrics)
    check("logs carry a progress bar the client parses", prediction.progress is not None and prediction.progress.percentage == 1.0,
          repr(prediction.progress))
    fetched = client.predictions.get(prediction.id)
    check("predictions.get returns the same prediction", fetched.id == prediction.id and fetched.status == "succeeded")
    page = client.predictions.list()
    check("predictions.list parses a page", any(p.id == prediction.id for p in page.results))


def cancel():
    prediction = client.predictions.create(model="bytedance/seedream-4", input={"prompt": "slow"})
    prediction.cancel()
    prediction.reload()
    check("cancel() ends canceled", prediction.status == "canceled", prediction.status)


def invalid_input():
    try:
        client.predictions.create(model="black-forest-labs/flux-schnell", input={"prompt": "x", "aspect_ratio": "7:4"})
        check("a schema violation raises ReplicateError 422", False, "no error")
    except ReplicateError as error:
        check("a schema violation raises ReplicateError 422", error.status == 422 and "aspect_ratio" in (error.detail or ""), str(error))


def model_error():
    try:
        client.run("black-forest-labs/flux-schnell", input={"prompt": "[nsfw] x"})
        check("a failed prediction raises ModelError", False, "no error")
    except ModelError as error:
        check("a failed prediction raises ModelError", "NSFW" in (error.prediction.error or ""), str(error))


def webhook():
    received = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(({k: v for k, v in self.headers.items()}, body.decode()))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client.predictions.create(model="google/imagen-4-fast", input={"prompt": "x"},
                                  webhook=f"http://127.0.0.1:{server.server_port}/hook", webhook_events_filter=["completed"])
        deadline = time.time() + 10
        while not received and time.time() < deadline:
            time.sleep(0.05)
        check("the completed webhook is delivered", bool(received))
        if received:
            headers, body = received[0]
            secret = client.webhooks.default.secret()
            # validate() returns nothing and raises on a bad signature.
            replicate.webhooks.validate(headers=headers, body=body, secret=secret, tolerance=300)
            check("webhooks.validate accepts the simulator's signature", True)
            try:
                replicate.webhooks.validate(headers=headers, body=body + " ", secret=secret)
                check("webhooks.validate rejects a tampered body", False)
            except replicate.webhook.InvalidSignatureError:
                check("webhooks.validate rejects a tampered body", True)
            check("the webhook body is the prediction", json.loads(body)["status"] == "succeeded")
    finally:
        server.shutdown()


for name, body in [("run official", run_official), ("run versioned", run_versioned), ("create and wait", create_and_wait),
                   ("cancel", cancel), ("invalid input", invalid_input), ("model error", model_error), ("webhook", webhook)]:
    attempt(name, body)

finish("conformance")
