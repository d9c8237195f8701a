"""The `imagegen` CLI over real processes, against the running stack (scripts/test-cli): every command, its output,
its exit code per error class, the progress display with and without a terminal, and Ctrl-C's question."""
import base64
import json
import os
import pty
import re
import select
import subprocess
import time
import uuid
from harness import check, finish, png

CLI = os.environ["IMAGEGEN_CLI"]
OUT = os.environ["CLI_OUT"]
SLOW_MODEL = "bytedance/seedream-4"  # 14 s at the simulator's time scale 1: long enough to watch and cancel




def run(*args, env=None, timeout=120):
    merged = dict(os.environ, **(env or {}))
    result = subprocess.run([CLI, *args], capture_output=True, text=True, env=merged, timeout=timeout)
    return result.returncode, result.stdout, result.stderr


def in_terminal(args, until, then=None, timeout=90):
    """Runs the CLI in a pseudo-terminal; when `until` appears in its output, writes `then` (e.g. Ctrl-C) and keeps
    reading. Returns the exit code and everything it wrote."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(CLI, [CLI, *args])
    output, sent, deadline = b"", then is None, time.time() + timeout
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        text = output.decode(errors="replace")
        if not sent and until in text:
            for step in then:
                os.write(fd, step)
                time.sleep(0.5)
            sent = True
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


# Commands without a server.
code, token, _ = run("token", "--user", "55555555-5555-4555-8555-555555555555")
check("token mints a JWT", code == 0 and token.count(".") == 2, token)
os.environ["IMAGEGEN_TOKEN"] = token.strip()
code, _, err = run("token", "--secret", "too-short")
check("token refuses a secret the gateway would refuse (under 32 bytes): 64", code == 64 and "32" in err, (code, err))
code, claimed, _ = run("token", env={"AUTH_JWT_ISSUER": "https://id.example", "AUTH_JWT_AUDIENCE": "imagegen"})
payload = json.loads(base64.urlsafe_b64decode(claimed.strip().split(".")[1] + "=="))
check(
    "token names the issuer and audience the gateway requires (AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE)",
    payload.get("iss") == "https://id.example" and payload.get("aud") in ("imagegen", ["imagegen"]),
    payload,
)
code, _, err = run("generate", "x", env={"IMAGEGEN_TOKEN": ""})
check("no token: usage error 64 naming the variable", code == 64 and "IMAGEGEN_TOKEN" in err, (code, err))
code, _, err = run("generate", "x", "--size", "big")
check("a bad --size: usage error 64 naming the flag", code == 64 and "--size" in err, (code, err))

# The catalog.
code, out, _ = run("models")
check("models lists the catalog", code == 0 and len([l for l in out.splitlines() if "/" in l]) >= 15, out)
code, out, _ = run("models", "--json")
check("models --json is the API's document", code == 0 and "parameters" in json.loads(out)["models"][0], out[:200])

# Generate without a terminal: status lines on stderr, the saved paths on stdout.
code, out, err = run("generate", "a lighthouse at dusk", "--model", "black-forest-labs/flux-schnell", "--size", "1344x768",
                     "-n", "2", "--out", OUT)
paths = out.split()
check("generate exits 0", code == 0, (code, err))
check("generate saves two images and prints their paths", len(paths) == 2 and all(os.path.getsize(p) > 0 for p in paths), out)
MAGIC = {"png": b"\x89PNG", "webp": b"RIFF", "jpg": b"\xff\xd8\xff"}
check("the saved files are images of their extension", all(open(p, "rb").read(4) == MAGIC[p.rsplit(".", 1)[1]][:4] for p in paths), paths)
lines = err.splitlines()
check("without a terminal, progress is one status line per change", any(" queued " in l or " processing " in l for l in lines)
      and lines[-1].split()[1:4] == ["completed", "100", "%"], err)
first = os.path.basename(paths[0]).rsplit("-", 1)[0] if paths else ""

code, out, err = run("generate", "a fox", "--model", "stability-ai/sdxl", "--json", "--out", OUT)
body = json.loads(out) if code == 0 else {}
check("generate --json prints the generation and the files", body.get("generation", {}).get("status") == "completed"
      and len(body.get("files", [])) == 1 and err == "", (code, out[:300], err))

# Listing, showing, usage.
code, out, _ = run("list")
check("list shows the generations, newest first", code == 0 and first in out and out.index(body["generation"]["id"]) < out.index(first), out)
code, out, _ = run("list", "--limit", "1")
check("list pages with a cursor", code == 0 and "next: " in out, out)
cursor = out.split("next: ")[1].strip() if "next: " in out else ""
code, out, _ = run("list", "--limit", "1", "--cursor", cursor)
check("the next page continues", code == 0 and first in out, out)
code, out, _ = run("show", first)
check("show prints the generation and its images", code == 0 and "status:   completed" in out and out.count("image ") == 2, out)
code, out, _ = run("usage", "--group-by", "model")
check("usage shows a total", code == 0 and re.search(r"total\s+2 generations, 2 completed, 3 images", out), out)

# A local image as --image and --mask: uploaded first (POST /v1/files), then named by its file id.
source = os.path.join(OUT, "source.png")
with open(source, "wb") as f:
    f.write(png(32, 24))
code, out, err = run("generate", "as a watercolour", "--model", "stability-ai/sdxl", "--image", source, "--mask", source, "--json",
                     "--out", OUT)
edited = json.loads(out).get("generation", {}) if code == 0 else {}
check("generate --image FILE --mask FILE uploads both and starts from them", edited.get("status") == "completed"
      and "/v1/files/" in (edited.get("source_image_url") or "") and "/v1/files/" in (edited.get("mask_image_url") or ""),
      (code, out[:300], err))
code, _, err = run("generate", "x", "--model", "stability-ai/sdxl", "--image", os.path.join(OUT, "missing.png"))
check("a missing --image file: usage error 64 naming the flag", code == 64 and "--image" in err, (code, err))

# API keys: made once (printed, never shown again), used as IMAGEGEN_TOKEN within their scopes, revoked.
code, key, err = run("keys", "create", "--name", "cli check", "--scope", "read")
key = key.strip()
check("keys create prints an igk_ key once", code == 0 and key.startswith("igk_") and "not shown again" in err, (code, key[:8], err))
code, out, _ = run("list", "--limit", "1", env={"IMAGEGEN_TOKEN": key})
check("a read key lists generations", code == 0 and out.strip() != "", (code, out))
code, _, err = run("generate", "x", env={"IMAGEGEN_TOKEN": key})
check("a read key cannot generate: exit 77 naming the scope", code == 77 and "generate scope" in err, (code, err))
code, out, _ = run("keys", "list")
key_id = next((line.split()[0] for line in out.splitlines() if "cli check" in line), "")
check("keys list shows it (not the key)", code == 0 and key_id and key not in out, out)
code, _, _ = run("keys", "revoke", key_id)
code_after, _, _ = run("list", env={"IMAGEGEN_TOKEN": key})
check("a revoked key is refused at once: exit 77", code == 0 and code_after == 77, (code, code_after))

# The account webhook for budget alerts: none yet (66, not found), set, shown, refused when not https, removed.
code, _, err = run("account", "webhook")
check("account webhook with none set: 66 with the API's reason", code == 66 and "No account webhook" in err, (code, err))
code, out, _ = run("account", "webhook", "set", "https://hooks.example.com/budget")
check("account webhook set prints it with its events", code == 0 and "https://hooks.example.com/budget" in out and "budget.threshold" in out, (code, out))
code, out, _ = run("account", "webhook", "show")
check("account webhook show prints it", code == 0 and out.startswith("https://hooks.example.com/budget"), (code, out))
code, _, err = run("account", "webhook", "set", "http://hooks.example.com/budget")
check("a plain http account webhook: 65 naming url", code == 65 and "url" in err, (code, err))
code, out, _ = run("account", "webhook", "remove")
code_after, _, _ = run("account", "webhook")
check("account webhook remove removes it", code == 0 and "removed" in out and code_after == 66, (code, out, code_after))

# No wait, cancel, delete.
code, out, _ = run("generate", "slow", "--model", SLOW_MODEL, "--no-wait")
slow = out.strip()
check("--no-wait prints the id at once", code == 0 and uuid.UUID(slow) is not None, out)
code, out, _ = run("cancel", slow)
check("cancel cancels it", code == 0 and out.strip() == f"{slow} cancelled", out)
code, out, err = run("cancel", slow)
check("cancelling a finished generation: 65 with the API's reason", code == 65 and "cannot be cancelled" in err, (code, err))
code, out, _ = run("delete", first)
check("delete deletes", code == 0 and "deleted" in out, out)
code, _, err = run("show", first)
check("a deleted generation is not found: 66", code == 66 and "not found" in err, (code, err))

# Errors by class.
code, _, err = run("generate", "x", "--size", "10x10")
check("an invalid request: 65, each field and its reason", code == 65 and "width: must be between 64 and 4096" in err
      and "height:" in err, (code, err))
code, _, err = run("list", env={"IMAGEGEN_TOKEN": "not-a-token"})
check("a bad token: 77", code == 77 and "401" in err, (code, err))
code, _, err = run("list", "--url", "http://127.0.0.1:9")
check("an unreachable server: 69", code == 69 and "cannot reach" in err, (code, err))

# The operator's commands.
code, out, _ = run("admin", "queue")
check("admin queue answers", code == 0 and out.strip() != "", out)
code, out, _ = run("admin", "dead-jobs")
check("admin dead-jobs answers", code == 0 and "no dead jobs" in out, out)
code, _, err = run("admin", "requeue", str(uuid.uuid4()))
check("admin requeue of an unknown job: 66", code == 66, (code, err))
code, out, err = run("admin", "pause", "--model", "black-forest-labs/flux-schnell", "--reason", "cli check")
check("admin pause --model pauses the model", code == 0 and "paused model black-forest-labs/flux-schnell" in out, (code, out, err))
code, out, _ = run("admin", "pauses")
check("admin pauses lists it with its reason", code == 0 and "black-forest-labs/flux-schnell" in out and "cli check" in out, out)
code, _, err = run("admin", "pause", "--model", "nobody/nothing")
check("admin pause of an unknown model: 65 naming the field", code == 65 and "model" in err, (code, err))
# While the model is paused, generate shows the generation waiting with its place in the queue; resuming lets it finish.
waiting = subprocess.Popen([CLI, "generate", "paused for a while", "--model", "black-forest-labs/flux-schnell", "--out", OUT],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
seen, give_up = [], time.time() + 30
while time.time() < give_up:
    line = waiting.stderr.readline()
    if not line:
        break
    seen.append(line.strip())
    if " queued " in line and "ahead" in line:
        break
check("generate shows a waiting generation's place in the queue", any("ahead" in l for l in seen), seen)
code, out, err = run("admin", "resume", "--model", "black-forest-labs/flux-schnell")
check("admin resume resumes it", code == 0 and "resumed" in out, (code, out, err))
try:
    rest, _ = waiting.communicate(timeout=60)
    check("the waiting generation finishes once its model is resumed", waiting.returncode == 0 and rest.strip() != "", (waiting.returncode, rest))
except subprocess.TimeoutExpired:
    waiting.kill()
    check("the waiting generation finishes once its model is resumed", False, "still waiting after 60 s")
code, _, err = run("admin", "resume", "--model", "black-forest-labs/flux-schnell")
check("admin resume of what is not paused: 66", code == 66, (code, err))

# A model disabled through the admin API is refused by the gateway within seconds, with the reason; enabled again, it runs.
code, out, err = run("admin", "models", "disable", "stability-ai/sdxl", "--reason", "Replicate deprecated this version", "--by", "cli-check")
check("admin models disable records it", code == 0 and "disabled stability-ai/sdxl" in out, (code, out, err))
deadline, code, err = time.time() + 5, 0, ""
while time.time() < deadline:
    code, _, err = run("generate", "x", "--model", "stability-ai/sdxl", "--no-wait")
    if code == 65:
        break
    time.sleep(0.5)
check("the gateway refuses the disabled model within 5 s (65, naming the reason)", code == 65 and "deprecated" in err, (code, err))
code, out, _ = run("models", "--json")
sdxl = next((m for m in json.loads(out)["models"] if m["id"] == "stability-ai/sdxl"), {}) if code == 0 else {}
check("/v1/models shows it disabled with the reason", sdxl.get("enabled") is False and "deprecated" in sdxl.get("disabled_reason", ""), sdxl)
code, out, _ = run("admin", "models", "list")
check("admin models list shows it and who changed it", code == 0 and "stability-ai/sdxl" in out and "cli-check" in out, out)
code, out, _ = run("admin", "models", "enable", "stability-ai/sdxl")
deadline, accepted = time.time() + 5, 1
while time.time() < deadline and accepted != 0:
    accepted, _, _ = run("generate", "x", "--model", "stability-ai/sdxl", "--no-wait")
    time.sleep(0.2 if accepted else 0)
check("enabled again, it is accepted within 5 s", code == 0 and accepted == 0, (code, out, accepted))
code, _, err = run("admin", "models", "disable", "stability-ai/sdxl", "--reason", "")
check("admin models disable without a reason: 65 naming it", code == 65 and "reason" in err, (code, err))

# A price and alias weights changed through the admin API hold on the gateway within 5 s; reset, the catalog's again.
def flux_price():
    code, out, _ = run("models", "--json")
    return next((m.get("price_per_image") for m in json.loads(out)["models"] if m["id"] == "black-forest-labs/flux-schnell"), None) if code == 0 else None
code, out, err = run("admin", "models", "price", "black-forest-labs/flux-schnell", "0.005", "--reason", "Replicate raised it", "--by", "cli-check")
check("admin models price records it", code == 0 and "$0.005" in out, (code, out, err))
deadline = time.time() + 5
while time.time() < deadline and flux_price() != 0.005:
    time.sleep(0.3)
check("the gateway shows the new price within 5 s", flux_price() == 0.005, flux_price())
code, out, _ = run("admin", "models", "price", "black-forest-labs/flux-schnell", "--reset")
deadline = time.time() + 5
while time.time() < deadline and flux_price() != 0.003:
    time.sleep(0.3)
check("reset, the catalog's price is back within 5 s", code == 0 and flux_price() == 0.003, (out, flux_price()))
code, out, err = run("admin", "models", "weights", "fast", "black-forest-labs/flux-schnell=0", "bytedance/sdxl-lightning-4step=1")
check("admin models weights records them", code == 0 and "sdxl-lightning-4step" in out, (code, out, err))
deadline, variant = time.time() + 5, None
while time.time() < deadline and variant != "bytedance/sdxl-lightning-4step":
    code, out, _ = run("generate", "x", "--model", "fast", "--no-wait")
    code, shown, _ = run("show", out.strip(), "--json") if code == 0 else (code, "{}", "")
    variant = json.loads(shown or "{}").get("model_id")
check("the alias runs the reweighted variant within 5 s", variant == "bytedance/sdxl-lightning-4step", variant)
code, out, _ = run("admin", "models", "list")
check("admin models list shows the weights", "weights   fast" in out, out)
code, _, _ = run("admin", "models", "weights", "fast", "--reset")
code_v, _, err = run("admin", "models", "version", "stability-ai/sdxl", "v2")
check("admin models version of a bad id: 65 naming version", code == 0 and code_v == 65 and "version" in err, (code, code_v, err))

# A project through the admin API caps its members together: with at most one running, the member's second waiting
# generation is refused by the gateway (67, naming the project); removed from it, the user is on their own again.
code, out, err = run("admin", "projects", "create", "cli-check-app", "--max-running", "1", "--monthly-usd", "5")
project_id = out.split()[0] if code == 0 and out else ""
check("admin projects create prints it with its limits", code == 0 and "cli-check-app" in out and "at most 1 running" in out, (code, out, err))
me = "55555555-5555-4555-8555-555555555555"
code, out, _ = run("admin", "projects", "add", project_id, me)
check("admin projects add adds the member", code == 0 and "1 member" in out, (code, out))
code_a, first_slow, _ = run("generate", "slow", "--model", SLOW_MODEL, "--no-wait")
code_b, _, err = run("generate", "slow", "--model", SLOW_MODEL, "--no-wait")
check("the project's cap refuses the member's second at once (67, naming the project)", code_a == 0 and code_b == 67 and "project" in err,
      (code_a, code_b, err))
code, out, _ = run("admin", "projects")
check("admin projects lists it running one", code == 0 and "1 running" in out and "cli-check-app" in out, out)
run("cancel", first_slow.strip())
code, out, err = run("admin", "projects", "limits", project_id, "--no-cap", "--rate-per-minute", "100")
check("admin projects limits sets a rate and removes the cap", code == 0 and "100 creates a minute" in out and "no running cap" in out, (code, out, err))
# The project's own key, with a budget of nothing: the gateway refuses its first generation naming the key's budget.
code, project_key, err = run("admin", "projects", "keys", "create", project_id, "--name", "backend", "--monthly-usd", "0")
check("admin projects keys create prints the key once", code == 0 and project_key.strip().startswith("igk_"), (code, err))
code, _, err = run("generate", "x", "--no-wait", env={"IMAGEGEN_TOKEN": project_key.strip()})
check("a project key past its own budget is refused (naming the key's budget)", code != 0 and "API key's" in err, (code, err))
code, out, _ = run("admin", "projects", "keys", "list", project_id)
key_id = out.split()[0] if code == 0 and out else ""
check("admin projects keys list shows it with its budget", code == 0 and "backend" in out and "of $0.00 this month" in out, out)
code, _, _ = run("admin", "projects", "keys", "revoke", project_id, key_id)
code_r, _, err = run("list", env={"IMAGEGEN_TOKEN": project_key.strip()})
check("a revoked project key is refused (77)", code == 0 and code_r == 77, (code, code_r, err))
code, _, _ = run("admin", "projects", "remove", project_id, me)
code_d, _, _ = run("admin", "projects", "delete", project_id)
check("admin projects remove and delete", code == 0 and code_d == 0, (code, code_d))
code, _, err = run("admin", "queue", "--admin-token", "wrong-wrong-wrong-wrong-wrong-wrong")
check("admin with a wrong admin token: 77", code == 77, (code, err))
code, _, err = run("admin", "queue", "--admin-token", os.environ["INTERNAL_TOKEN"])
check("admin with the workers' internal token: 77", code == 77, (code, err))

# A batch: a prompt per line (and a JSON request line), images saved as they complete; the same file again is the same
# batch; --resume saves only what the folder lacks.
prompts = os.path.join(OUT, "prompts.txt")
with open(prompts, "w") as f:
    f.write("a red chair\n\na blue chair\n" + json.dumps({"prompt": "a green chair", "model_id": "stability-ai/sdxl"}) + "\n")
batch_out = os.path.join(OUT, "batch")
code, out, err = run("batch", prompts, "--out", batch_out)
files = sorted(os.listdir(batch_out)) if os.path.isdir(batch_out) else []
check("batch saves each item's images as <index>-<output>.<format> and exits 0",
      code == 0 and [f.split(".")[0] for f in files] == ["00000-0", "00001-0", "00002-0"] and all(os.path.getsize(os.path.join(batch_out, f)) > 0 for f in files),
      (code, files, err[-300:]))
check("batch shows its progress and a summary", "3/3 finished" in err and "3 completed, 0 failed" in out, (out, err[-300:]))
made = re.search(r"batch ([0-9a-f-]{36}): 3 items", err)
batch_id = made.group(1) if made else ""
os.remove(os.path.join(batch_out, files[0])) if files else None
code, _, again = run("batch", prompts, "--out", batch_out)
check("the same file again is the same batch, and saves what the folder lacks",
      code == 0 and batch_id and f"batch {batch_id}" in again and sorted(os.listdir(batch_out)) == files, (code, again[-300:]))
os.remove(os.path.join(batch_out, files[-1])) if files else None
code, out, _ = run("batch", "--resume", batch_id, "--out", batch_out)
check("batch --resume saves what the folder lacks", code == 0 and sorted(os.listdir(batch_out)) == files, (code, out))
code, _, err = run("batch", "--resume", str(uuid.uuid4()))
check("batch --resume of an unknown batch: 66", code == 66 and "not found" in err, (code, err))
code, _, err = run("batch", os.path.join(OUT, "no-such-file.txt"))
check("batch of a missing file: 64", code == 64 and "cannot read" in err, (code, err))
code, _, err = run("batch", prompts, "--resume", batch_id or "x")
check("batch with a file and --resume: 64", code == 64, (code, err))

# In a terminal: a live bar reaching 100 %.
code, text = in_terminal(["generate", "a bar", "--model", "stability-ai/sdxl", "--out", OUT], until="never")
check("in a terminal, a progress bar redrawn in place reaches 100 %", code == 0 and "\r" in text and "█" in text
      and re.search(r"completed\s+█+\s+100 %", text), repr(text[-300:]))

# Ctrl-C asks; "n" keeps waiting... then Ctrl-C and "y" cancels, exit 130.
code, text = in_terminal(["generate", "interrupted", "--model", SLOW_MODEL, "--out", OUT], until="processing",
                         then=[b"\x03", b"n\n", b"\x03", b"y\n"])
check("Ctrl-C asks whether to cancel", text.count("Cancel generation") == 2, repr(text[-400:]))
check("answering y cancels and exits 130", code == 130 and re.search(r"generation \S+ cancelled", text), (code, repr(text[-300:])))

finish("cli")
