"""One generation, one trace (scripts/test-tracing): with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a local OTLP/HTTP
receiver, a generation created at the gateway yields spans from the gateway, the dispatcher, the generator and the
downloader in one trace, each parented as the work flowed; the services' log lines about it carry its trace id."""
import json
import os
import time
import urllib.parse
import urllib.request
import harness
from harness import check, finish

GATEWAY = os.environ["GATEWAY_URL"]
TOKEN = os.environ["API_TOKEN"]
SPANS = os.environ["SPANS_FILE"]
LOGS = os.environ["LOG_DIR"]




def call(method, path, body=None, headers=None):
    return harness.call(method, GATEWAY + path, body, TOKEN, headers)[1]


def spans():
    try:
        with open(SPANS) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


# A caller's own trace context is continued: the generation's spans belong to the caller's trace.
caller_trace = os.urandom(16).hex()
caller_span = os.urandom(8).hex()
created = call("POST", "/v1/generations", {"prompt": "a traced lighthouse", "model_id": "black-forest-labs/flux-schnell"},
               headers={"traceparent": f"00-{caller_trace}-{caller_span}-01"})
generation = created["id"]
deadline = time.time() + 60
while time.time() < deadline and call("GET", f"/v1/generations/{generation}")["status"] not in ("completed", "failed", "cancelled"):
    time.sleep(0.2)
check("the generation completes", call("GET", f"/v1/generations/{generation}")["status"] == "completed")

# Spans are exported in batches, each process on its own schedule, and a parent span ends (and is exported) after its
# children: wait until every service's job span has arrived (a loaded machine may export the generator's after the
# downloader's) and the dispatcher's push to the downloader.
def arrived():
    mine = [s for s in spans() if s["trace_id"] == caller_trace]
    return (all(any(s["service"] == service and s["kind"] == "SERVER" for s in mine) for service in ("generator", "downloader"))
            and any(s["service"] == "dispatcher" and "push download-image" in s["name"] for s in mine))


deadline = time.time() + 30
while time.time() < deadline and not arrived():
    time.sleep(0.25)
trace = [s for s in spans() if s["trace_id"] == caller_trace]
by_id = {s["span_id"]: s for s in trace}
services = {s["service"] for s in trace}
check("one trace has spans from the gateway, dispatcher, generator and downloader",
      {"gateway", "dispatcher", "generator", "downloader"} <= services, sorted(services))


def find(service, kind, name_part):
    return [s for s in trace if s["service"] == service and s["kind"] == kind and name_part in s["name"]]


def parent(span):
    return by_id.get(span["parent_span_id"])


def caller(span):
    """The span that made the call `span` serves: its parent, past the HTTP client's own span of the request."""
    up = parent(span)
    return parent(up) if up and up["kind"] == "CLIENT" and up["name"] in ("POST", "GET") else up


post = find("gateway", "SERVER", "/v1/generations")
check("the gateway's request span continues the caller's span", len(post) >= 1 and post[0]["parent_span_id"] == caller_span,
      [(s["name"], s["parent_span_id"]) for s in post])
push_generate = find("dispatcher", "PRODUCER", "push generate-image")
check("the dispatcher's push of generate-image is a child of the gateway's request",
      push_generate and all(parent(s) is post[0] for s in push_generate), [(s["name"], s["parent_span_id"]) for s in push_generate])
generator = find("generator", "SERVER", "")
check("the generator's job span continues a dispatcher push (through the HTTP client's span)",
      generator and all(caller(s) in push_generate for s in generator),
      [(s["name"], s["parent_span_id"]) for s in generator])
creates = find("generator", "CLIENT", "replicate create")
check("Replicate's create is called in the generator's job span", len(creates) == 1 and parent(creates[0]) in generator,
      [(s["name"], s["parent_span_id"]) for s in creates])
push_download = find("dispatcher", "PRODUCER", "push download-image")
check("the download's push continues from the generator's job (where it was handed over)",
      len(push_download) == 1 and parent(push_download[0]) in generator, [(s["name"], s["parent_span_id"]) for s in push_download])
downloader = find("downloader", "SERVER", "")
check("the downloader's job span continues that push", len(downloader) == 1 and caller(downloader[0]) is push_download[0],
      [(s["name"], s["parent_span_id"]) for s in downloader])
fetches = find("downloader", "CLIENT", "download output")
check("the output's fetch and store is a span in the downloader's job", len(fetches) == 1 and parent(fetches[0]) is downloader[0],
      [(s["name"], s["parent_span_id"]) for s in fetches])
check("every span of the trace has its parent in the trace (or is the caller's child)",
      all(s["parent_span_id"] in by_id or s["parent_span_id"] == caller_span for s in trace),
      [(s["service"], s["name"]) for s in trace if s["parent_span_id"] not in by_id and s["parent_span_id"] != caller_span])

# Secrets stay out of spans: a stream token (in the events URL) and a file link's signature are recorded as REDACTED.
stream = call("POST", f"/v1/generations/{generation}/stream-token")
token = stream["token"]
with urllib.request.urlopen(GATEWAY + stream["events_url"]) as response:
    response.read()
image_url = call("GET", f"/v1/generations/{generation}")["images"][0]["public_url"]
signature = urllib.parse.parse_qs(urllib.parse.urlsplit(image_url).query)["sig"][0]
with urllib.request.urlopen(image_url) as response:
    response.read()


def query_spans():
    return [s for s in spans() if s["service"] == "gateway" and "url.query" in s["attributes"]
            and ("token=" in s["attributes"]["url.query"] or "sig=" in s["attributes"]["url.query"])]


deadline = time.time() + 30
while time.time() < deadline and len(query_spans()) < 2:
    time.sleep(0.25)
queries = [s["attributes"]["url.query"] for s in query_spans()]
check("the events and file requests' spans record their query with the token and signature REDACTED",
      any("token=REDACTED" in q for q in queries) and any("sig=REDACTED" in q for q in queries), queries)
exported = open(SPANS).read()
check("no exported span contains a stream token or a link signature", token not in exported and signature not in exported)
logged = "".join(open(os.path.join(LOGS, name)).read() for name in os.listdir(LOGS))
check("no service's log contains a stream token or a link signature", token not in logged and signature not in logged)

# Logs: every line the generator and downloader write about this generation names it and its trace.
for service in ("generator", "downloader"):
    with open(os.path.join(LOGS, f"{service}.log")) as f:
        lines = [line for line in f if f"generation.id={generation}" in line]
    check(f"the {service}'s lines about the generation carry its trace id",
          lines and all(f"trace_id={caller_trace}" in line for line in lines), lines[:2])

finish("tracing", note=f"{len(trace)} spans in the trace: " + ", ".join(sorted(f"{s['service']}:{s['name']}" for s in trace)))
