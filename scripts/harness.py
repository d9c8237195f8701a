"""What every black-box check in scripts/ shares: a named check that prints `ok` or `FAIL`, the closing tally
(`<what>: N passed, N failed`, the line CI reads) with a non-zero exit when anything failed, one JSON HTTP call, and a
real PNG to upload.

    from harness import call, check, finish
    status, body, headers = call("GET", f"{gateway}/v1/generations/{id}", token=token)
    check("the generation completes", body["status"] == "completed", body)
    finish("e2e")
"""
import json
import struct
import sys
import urllib.error
import urllib.request
import zlib

_passed = 0
failures = []


def call(method, url, body=None, token=None, headers=None, timeout=60):
    """One HTTP call with a JSON body (when given; bytes are sent as they are, with the Content-Type in `headers`) and a
    bearer token (when given); returns the status, the body (parsed when it is JSON, else the bytes, None when empty)
    and the headers, whatever the status."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, method=method, data=data)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        raw = response.read()
        kind = (response.headers.get("Content-Type") or "").split(";")[0].strip()
        parsed = json.loads(raw) if raw and (kind == "application/json" or kind.endswith("+json")) else (raw or None)
        return response.status, parsed, response.headers


def png(width, height, text=None):
    """A real PNG (8-bit RGB, a gradient), with a tEXt chunk saying `text` when given."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + b"".join(bytes((x * 255 // width, y * 255 // height, 90)) for x in range(width)) for y in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    if text:
        body += chunk(b"tEXt", b"Comment\0" + text.encode())
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def check(name, condition, detail=""):
    """Records one check; `detail` is printed when it fails."""
    global _passed
    print(("ok   " if condition else "FAIL ") + name + ("" if condition or detail == "" else f": {detail}"), flush=True)
    if condition:
        _passed += 1
    else:
        failures.append(name)
    return bool(condition)


def finish(what, note=""):
    """Prints the tally of the checks so far and exits (1 when any failed)."""
    if note:
        print(note)
    if failures:
        print("failed: " + "; ".join(failures))
    print(f"{what}: {_passed} passed, {len(failures)} failed", flush=True)
    sys.exit(1 if failures else 0)
