"""A Python client generated from the gateway's own OpenAPI document (openapi-python-client), used unchanged: create a
generation, poll it to completion, read its image, list, cancel another, open its event stream with a stream token,
and read a validation error. Every answer must parse into the generated models: none left as None or a bare dict.
Run by scripts/test-api with the generated package on PYTHONPATH."""

import io
import os
import time

import httpx
from harness import check, finish, png
from imagegen_client import AuthenticatedClient, Client
from imagegen_client.types import File
from imagegen_client.api.catalog import list_models
from imagegen_client.api.files import get_file, get_image, upload_file
from imagegen_client.api.generations import (
    cancel_generation,
    create_generation,
    create_stream_token,
    get_generation,
    list_generations,
)
from imagegen_client.models import (
    Generation,
    GenerationPage,
    GenerationRequest,
    GenerationStatus,
    Image,
    InputFile,
    ModelList,
    Problem,
    StreamToken,
)

base = os.environ["GATEWAY_URL"]
client = AuthenticatedClient(base_url=base, token=os.environ["API_TOKEN"])




def parsed(response, model, status):
    """The response's parsed body, which must be an instance of `model`, with HTTP `status`."""
    if response.status_code != status or not isinstance(response.parsed, model):
        raise SystemExit(f"expected {status} {model.__name__}, got {response.status_code} {type(response.parsed).__name__}: {response.content[:300]!r}")
    return response.parsed


models = parsed(list_models.sync_detailed(client=Client(base_url=base)), ModelList, 200)
check("the catalog parses into Model objects", len(models.models) >= 15 and models.models[0].id, f"{len(models.models)} models")

request = GenerationRequest(prompt="a lighthouse at dusk", model_id="black-forest-labs/flux-schnell", num_outputs=2)
created = parsed(create_generation.sync_detailed(client=client, body=request), Generation, 202)
check("create answers a Generation with a lowercase id", str(created.id) == str(created.id).lower())
deadline = time.time() + 60
generation = created
while generation.status not in (GenerationStatus.COMPLETED, GenerationStatus.FAILED, GenerationStatus.CANCELLED):
    if time.time() > deadline:
        raise SystemExit(f"generation {created.id} did not finish: {generation.status}")
    time.sleep(0.2)
    generation = parsed(get_generation.sync_detailed(id=created.id, client=client), Generation, 200)
check("polling reaches completed", generation.status == GenerationStatus.COMPLETED, generation.status)
check("the completed generation carries two Image objects", len(generation.images) == 2 and all(isinstance(i, Image) for i in generation.images))
image = parsed(get_image.sync_detailed(id=generation.images[0].id, client=client), Image, 200)
check("an image reads back", image.generation_id == created.id and image.width > 0 and image.public_url)
file = httpx.get(image.public_url if image.public_url.startswith("http") else base + image.public_url)
check("its bytes are served", file.status_code == 200 and file.headers["content-type"].startswith("image/"), file.status_code)

page = parsed(list_generations.sync_detailed(client=client, limit=10), GenerationPage, 200)
check("list parses into Generation objects", any(g.id == created.id for g in page.data) and all(isinstance(g, Generation) for g in page.data))

slow = GenerationRequest(prompt="to be cancelled", model_id="bytedance/seedream-4")
other = parsed(create_generation.sync_detailed(client=client, body=slow), Generation, 202)
cancelled = parsed(cancel_generation.sync_detailed(id=other.id, client=client), Generation, 200)
check("cancel answers the cancelled Generation", cancelled.status == GenerationStatus.CANCELLED)
again = parsed(cancel_generation.sync_detailed(id=other.id, client=client), Problem, 409)
check("cancelling again is a 409 Problem", again.status == 409 and "cancelled" in again.detail)

token = parsed(create_stream_token.sync_detailed(id=created.id, client=client), StreamToken, 201)
with httpx.stream("GET", base + token.events_url, timeout=10) as stream:
    body = stream.read().decode()
check("the stream token opens the event stream without a header", stream.status_code == 200 and '"status":"completed"' in body, stream.status_code)

bad = GenerationRequest(prompt="x", model_id="black-forest-labs/flux-schnell", num_outputs=9)
problem = parsed(create_generation.sync_detailed(client=client, body=bad), Problem, 422)
check("a validation error is a Problem naming the field", any(e.field == "num_outputs" for e in problem.errors), problem.errors)

# An input image uploaded with the generated client, then named by its id.
uploaded = parsed(upload_file.sync_detailed(client=client, body=File(payload=io.BytesIO(png(16, 12)), file_name="a.png")), InputFile, 201)
check("an upload answers an InputFile", (uploaded.width, uploaded.height, uploaded.content_type) == (16, 12, "image/png"), uploaded)
check("it reads back", parsed(get_file.sync_detailed(id=uploaded.id, client=client), InputFile, 200).sha256 == uploaded.sha256)
edit = GenerationRequest(prompt="as a watercolour", model_id="black-forest-labs/flux-dev", source_image_url=str(uploaded.id), strength=0.5)
started = parsed(create_generation.sync_detailed(client=client, body=edit), Generation, 202)
check("a generation starts from its id, which became its link", started.source_image_url == uploaded.url, started.source_image_url)

finish("client")
