// The imagegen console: plain modules, no build step, the public API only (every call here is one a client makes).

const TOKEN_KEY = "imagegen.token";
const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const LABELS = {
  num_inference_steps: "Steps",
  guidance_scale: "Guidance",
  negative_prompt: "Negative prompt",
  style: "Style",
  seed: "Seed",
  source_image_url: "Start from image (upload, URL or file id)",
  mask_image_url: "Mask: white is repainted (upload, URL or file id)",
  strength: "Strength (how far from the image)",
};
const PAGE_SIZE = 12;

const $ = (selector, root = document) => root.querySelector(selector);

/** An API answer that was not 2xx: its status and problem details. */
class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

const api = {
  token: null,
  async call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
    const data = type === "application/json" || type.endsWith("+json") ? await response.json() : null;
    if (!response.ok) {
      if (response.status === 401 && this.token) signOut("Your token was refused (expired?): sign in again.");
      throw new ApiError(response.status, data);
    }
    return data;
  },
  /** Uploads an image (POST /v1/files, the file as the body); returns the stored file. */
  async upload(file) {
    const headers = { Accept: "application/json", "Content-Type": file.type || "application/octet-stream" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const response = await fetch("/v1/files", { method: "POST", headers, body: file });
    const data = (response.headers.get("Content-Type") || "").includes("json") ? await response.json() : null;
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  },
};

const state = {
  models: new Map(), aliases: new Map(), cursor: null, cards: new Map(), streams: new Map(), batches: new Map(), openBatch: null,
};

// ---- Signing in ------------------------------------------------------------------------------------------------

function tokenFromLink() {
  // scripts/run prints /console#token=…: the fragment never reaches a server; it is kept for this tab, then removed.
  const match = location.hash.match(/^#token=(.+)$/);
  if (!match) return null;
  history.replaceState(null, "", location.pathname);
  return decodeURIComponent(match[1]);
}

function subjectOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).sub || "";
  } catch {
    return "";
  }
}

async function signIn(token) {
  api.token = token;
  try {
    await api.call("GET", "/v1/generations?limit=1");
  } catch (error) {
    api.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    return error.status === 401 ? "That token was refused: " + error.message : "Could not reach the API: " + error.message;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $("#sign-in").hidden = true;
  $("#app").hidden = false;
  $("#sign-out").hidden = false;
  $("#who").textContent = subjectOf(token).slice(0, 8);
  $("#who").title = subjectOf(token);
  await Promise.all([loadModels(), loadGallery(true), loadUsage(), loadBatches()]);
  $("#prompt").focus();
  return null;
}

function signOut(message) {
  for (const source of state.streams.values()) source.close();
  state.streams.clear();
  state.cards.clear();
  api.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("#app").hidden = true;
  $("#sign-out").hidden = true;
  $("#who").textContent = "";
  $("#usage").textContent = "";
  $("#gallery").replaceChildren();
  $("#running").replaceChildren();
  state.batches.clear();
  state.openBatch = null;
  $("#batches").replaceChildren();
  $("#batches-title").hidden = true;
  $("#batch-view").hidden = true;
  $("#sign-in").hidden = false;
  $("#sign-in-error").textContent = message || "";
  $("#token").focus();
}

// ---- The form, built from /v1/models ----------------------------------------------------------------------------

async function loadModels() {
  const { models, aliases } = await api.call("GET", "/v1/models");
  const select = $("#model_id");
  select.replaceChildren();
  const modelGroup = Object.assign(document.createElement("optgroup"), { label: "Models" });
  for (const model of models) {
    state.models.set(model.id, model);
    const price = model.price_per_image == null ? "" : ` · $${model.price_per_image.toFixed(3)}/image`;
    modelGroup.append(new Option(`${model.display_name}${price}`, model.id));
  }
  const aliasGroup = Object.assign(document.createElement("optgroup"), { label: "Experiments (a model chosen for you)" });
  for (const alias of aliases || []) {
    state.aliases.set(alias.name, alias);
    aliasGroup.append(new Option(alias.name, alias.name));
  }
  select.append(modelGroup);
  if (aliasGroup.children.length) select.append(aliasGroup);
  select.value = state.models.has("black-forest-labs/flux-schnell") ? "black-forest-labs/flux-schnell" : models[0].id;
  renderModelFields();
}

/** The model a form value runs: itself, or an alias's first variant (the form shows what every variant takes). */
function formModel(id) {
  if (state.models.has(id)) return { model: state.models.get(id), alias: null };
  const alias = state.aliases.get(id);
  return { model: state.models.get(alias.variants[0].model_id), alias };
}

function sizeLabel(size) {
  const [w, h] = size.split("x").map(Number);
  const shape = w === h ? "square" : w > h ? "landscape" : "portrait";
  return `${w} × ${h} · ${shape}`;
}

function renderModelFields() {
  const { model, alias } = formModel($("#model_id").value);
  const note = alias
    ? `Runs one of ${alias.variants.map((v) => state.models.get(v.model_id)?.display_name || v.model_id).join(", ")}, the same one for you each time.`
    : `About ${model.typical_seconds} s per image${model.supports_image_to_image ? " · can start from an image" : ""}.`;
  $("#model-note").textContent = note;

  const size = $("#size");
  const previous = size.value;
  const sizes = alias ? ["1024x1024", "1344x768", "768x1344"] : model.sizes;
  size.replaceChildren(...sizes.map((s) => new Option(sizeLabel(s), s)));
  size.value = sizes.includes(previous) ? previous : sizes.includes("1024x1024") ? "1024x1024" : sizes[0];

  const outputs = $("#num_outputs");
  const maxOutputs = alias ? 1 : model.max_outputs;
  outputs.max = String(maxOutputs);
  if (Number(outputs.value) > maxOutputs) outputs.value = String(maxOutputs);
  $("#outputs-field").hidden = maxOutputs <= 1;

  const container = $("#parameters");
  container.replaceChildren();
  const parameters = alias ? [] : model.parameters.filter((p) => p.name !== "num_outputs");
  $("#more").hidden = parameters.length === 0;
  for (const parameter of parameters) container.append(parameterField(parameter));
  clearErrors();
}

function parameterField(parameter) {
  const wrapper = document.createElement("div");
  const label = Object.assign(document.createElement("label"), { htmlFor: `p-${parameter.name}`, textContent: LABELS[parameter.name] || parameter.name });
  let input;
  if (parameter.choices) {
    input = document.createElement("select");
    const fallback = parameter.default == null ? "model default" : `model default (${parameter.default})`;
    input.append(new Option(fallback, ""), ...parameter.choices.map((c) => new Option(c, c)));
  } else {
    input = document.createElement("input");
    input.type = parameter.type === "uri" || parameter.type === "string" ? "text" : "number";
    if (parameter.minimum != null) input.min = String(parameter.minimum);
    if (parameter.maximum != null) input.max = String(parameter.maximum);
    if (parameter.type === "number") input.step = "any";
    const range = parameter.minimum != null && parameter.maximum != null ? ` (${parameter.minimum}–${parameter.maximum})` : "";
    input.placeholder = parameter.default != null ? `default ${parameter.default}${range}` : range.trim() || "optional";
  }
  input.id = `p-${parameter.name}`;
  input.name = parameter.name;
  input.dataset.type = parameter.type;
  const error = Object.assign(document.createElement("p"), { className: "field-error" });
  error.dataset.for = parameter.name;
  wrapper.append(label, input, error);
  if (parameter.type === "uri") wrapper.append(uploadPicker(input, error));
  return wrapper;
}

/** A file picker that uploads the chosen image and puts its id in `input` (the server checks and strips it). */
function uploadPicker(input, error) {
  const picker = Object.assign(document.createElement("input"), { type: "file", accept: "image/png,image/jpeg,image/webp,image/gif" });
  picker.className = "upload";
  picker.setAttribute("aria-label", `Upload an image for ${input.name}`);
  picker.addEventListener("change", async () => {
    const [file] = picker.files;
    if (!file) return;
    error.textContent = "Uploading…";
    try {
      const stored = await api.upload(file);
      input.value = stored.id;
      error.textContent = `Uploaded ${file.name}: ${stored.width}×${stored.height}, kept until ${new Date(stored.expires_at).toLocaleString()}`;
    } catch (failure) {
      const field = failure.problem?.errors?.[0];
      error.textContent = field ? `${file.name} ${field.message}` : failure.problem?.detail || failure.message;
    }
  });
  return picker;
}

function clearErrors() {
  for (const element of document.querySelectorAll("#generate-form .field-error")) element.textContent = "";
  for (const element of document.querySelectorAll("#generate-form [aria-invalid]")) element.removeAttribute("aria-invalid");
  $("#form-error").textContent = "";
}

/** Shows the API's problem: each field's message beside the field, anything else above the button. */
function showProblem(error) {
  const unplaced = [];
  for (const fieldError of error.problem.errors || []) {
    const slot = $(`#generate-form .field-error[data-for="${CSS.escape(fieldError.field)}"]`);
    if (!slot) {
      unplaced.push(`${fieldError.field}: ${fieldError.message}`);
      continue;
    }
    slot.textContent = fieldError.message;
    const input = $(`#generate-form [name="${CSS.escape(fieldError.field)}"]`) || (fieldError.field === "width" || fieldError.field === "height" ? $("#size") : null);
    input?.setAttribute("aria-invalid", "true");
  }
  const general = error.problem.errors?.length ? unplaced.join("; ") : [error.problem.title, error.problem.detail].filter(Boolean).join(": ");
  $("#form-error").textContent = general || (unplaced.length ? "" : error.message);
}

function requestBody() {
  const form = $("#generate-form");
  const [width, height] = $("#size").value.split("x").map(Number);
  const body = { prompt: form.prompt.value, model_id: form.model_id.value, width, height };
  if (!$("#outputs-field").hidden) body.num_outputs = Number(form.num_outputs.value);
  for (const input of $("#parameters").querySelectorAll("input[name], select[name]")) {
    const raw = input.value.trim();
    if (raw === "") continue;
    const type = input.dataset.type;
    body[input.name] = type === "integer" || type === "number" ? Number(raw) : raw;
  }
  return body;
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  const button = $("#submit");
  button.disabled = true;
  try {
    const generation = await api.call("POST", "/v1/generations", requestBody());
    const card = upsertCard(generation, $("#running"), true);
    $("#running-title").hidden = false;
    $("#gallery-empty").hidden = true;
    card.querySelector(".cancel").focus({ preventScroll: true });
    watch(generation.id);
  } catch (error) {
    if (error instanceof ApiError) showProblem(error);
    else $("#form-error").textContent = `Could not reach the API: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

// ---- Generation cards ------------------------------------------------------------------------------------------

function describe(generation) {
  if (generation.status === "completed") {
    const seconds = (new Date(generation.completed_at) - new Date(generation.created_at)) / 1000;
    return `completed in ${seconds.toFixed(1)} s`;
  }
  if (generation.status === "failed") return `failed: ${generation.error_message || "unknown error"}`;
  if (generation.status === "cancelled") return "cancelled";
  if (!WAITING.has(generation.status) || generation.queue_position == null) return `${generation.status} · ${generation.progress} %`;
  const parts = [generation.status, `${generation.queue_position} ahead`];
  if (generation.paused) parts.push("paused by an operator");
  else if (generation.estimated_start_at) parts.push(`starts ~${new Date(generation.estimated_start_at).toLocaleTimeString()}`);
  return parts.join(" · ");
}

const WAITING = new Set(["pending", "queued"]);

function upsertCard(generation, container, atTop) {
  let card = state.cards.get(generation.id);
  if (!card) {
    card = $("#card-template").content.firstElementChild.cloneNode(true);
    card.dataset.id = generation.id;
    card.querySelector(".cancel").addEventListener("click", () => cancel(generation.id));
    card.querySelector(".delete").addEventListener("click", (event) => remove(generation.id, event.currentTarget));
    state.cards.set(generation.id, card);
    if (atTop) container.prepend(card);
    else container.append(card);
  }
  render(card, generation);
  return card;
}

function render(card, generation) {
  const terminal = TERMINAL.has(generation.status);
  card.dataset.status = generation.status;
  const status = card.querySelector(".status");
  status.textContent = describe(generation);
  status.className = `status ${generation.status}`;
  const bar = card.querySelector(".progress");
  bar.hidden = terminal;
  bar.setAttribute("aria-valuenow", String(generation.progress));
  bar.firstElementChild.style.width = `${generation.progress}%`;
  if (generation.prompt !== undefined) {
    card.querySelector(".prompt").textContent = generation.prompt;
    const model = state.models.get(generation.model_id);
    const cost = generation.cost == null ? "" : ` · $${Number(generation.cost).toFixed(4)}`;
    card.querySelector(".meta").textContent = `${model?.display_name || generation.model_id} · ${generation.width} × ${generation.height}${cost}`;
  }
  if (generation.images) {
    const images = card.querySelector(".images");
    images.replaceChildren(
      ...generation.images.map((image) => {
        const link = Object.assign(document.createElement("a"), { href: image.public_url, target: "_blank", rel: "noopener" });
        const img = Object.assign(document.createElement("img"), {
          src: image.public_url, alt: generation.prompt || "generated image", loading: "lazy", width: image.width, height: image.height,
        });
        link.append(img);
        return link;
      }),
    );
  }
  card.querySelector(".cancel").hidden = terminal;
}

/** Follows a generation's events (EventSource with a stream token: it can send no header) until it finishes. */
async function watch(id) {
  if (state.streams.has(id)) return;
  let source;
  try {
    const { events_url } = await api.call("POST", `/v1/generations/${id}/stream-token`);
    source = new EventSource(events_url);
  } catch {
    return poll(id);
  }
  state.streams.set(id, source);
  // The last status event and the last queue event (where it waits, and when it should start) together describe it.
  let status = {};
  let place = {};
  const show = () => {
    const card = state.cards.get(id);
    if (card && status.status) render(card, { ...status, ...(WAITING.has(status.status) ? place : {}), id });
  };
  source.addEventListener("queue", (event) => {
    place = JSON.parse(event.data);
    show();
  });
  source.addEventListener("status", (event) => {
    const update = JSON.parse(event.data);
    status = update;
    show();
    if (TERMINAL.has(update.status)) {
      source.close();
      state.streams.delete(id);
      finished(id);
    }
  });
  source.addEventListener("error", () => {
    // EventSource reconnects by itself (sending Last-Event-ID); once it gives up, poll instead.
    if (source.readyState === EventSource.CLOSED) {
      state.streams.delete(id);
      poll(id);
    }
  });
}

async function poll(id) {
  for (;;) {
    const generation = await api.call("GET", `/v1/generations/${id}`).catch(() => null);
    if (generation && state.cards.has(id)) render(state.cards.get(id), generation);
    if (!generation || TERMINAL.has(generation.status)) return finished(id);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** A finished generation: its images (from the API), its card moved into the gallery, usage refreshed. */
async function finished(id) {
  const card = state.cards.get(id);
  if (!card) return;
  try {
    render(card, await api.call("GET", `/v1/generations/${id}`));
  } catch {
    // Deleted meanwhile: its card is gone or going.
  }
  if (card.parentElement === $("#running")) {
    $("#gallery").prepend(card);
    $("#gallery-empty").hidden = true;
    $("#running-title").hidden = $("#running").children.length === 0;
  }
  loadUsage();
}

async function cancel(id) {
  try {
    render(state.cards.get(id), await api.call("POST", `/v1/generations/${id}/cancel`));
  } catch (error) {
    if (error.status !== 409) alertOn(id, error);
  }
}

/** Delete asks once more on the same button (no modal dialog): a second press within 4 s deletes. */
async function remove(id, button) {
  if (button.dataset.armed !== "true") {
    button.dataset.armed = "true";
    button.textContent = "Delete for good?";
    setTimeout(() => {
      button.dataset.armed = "false";
      button.textContent = "Delete";
    }, 4000);
    return;
  }
  try {
    await api.call("DELETE", `/v1/generations/${id}`);
    state.streams.get(id)?.close();
    state.streams.delete(id);
    state.cards.get(id)?.remove();
    state.cards.delete(id);
    $("#running-title").hidden = $("#running").children.length === 0;
    $("#gallery-empty").hidden = $("#gallery").children.length > 0;
    loadUsage();
  } catch (error) {
    alertOn(id, error);
  }
}

function alertOn(id, error) {
  const card = state.cards.get(id);
  if (card) card.querySelector(".status").textContent = error.message;
}

// ---- Batches ---------------------------------------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function finishedOf(batch) {
  const counts = batch.counts;
  return counts.completed + counts.failed + counts.cancelled;
}

function describeBatch(batch) {
  const counts = batch.counts;
  const failed = counts.failed ? `, ${counts.failed} failed` : "";
  const cancelled = counts.cancelled ? `, ${counts.cancelled} cancelled` : "";
  const eta = batch.status === "running" && batch.estimated_completion_at
    ? ` · done ~${new Date(batch.estimated_completion_at).toLocaleTimeString()}` : "";
  return `${batch.status} · ${finishedOf(batch)}/${batch.item_count} finished (${counts.completed} completed${failed}${cancelled})${eta}`;
}

function showProgress(bar, batch) {
  const percent = Math.round((100 * finishedOf(batch)) / batch.item_count);
  bar.setAttribute("aria-valuenow", String(percent));
  bar.firstElementChild.style.width = `${percent}%`;
}

function upsertBatch(batch, atTop) {
  let row = state.batches.get(batch.id);
  if (!row) {
    row = $("#batch-template").content.firstElementChild.cloneNode(true);
    row.dataset.id = batch.id;
    row.querySelector(".open").addEventListener("click", () => openBatch(batch.id));
    state.batches.set(batch.id, row);
    if (atTop) $("#batches").prepend(row);
    else $("#batches").append(row);
    $("#batches-title").hidden = false;
  }
  row.dataset.status = batch.status;
  row.querySelector(".status").textContent = describeBatch(batch);
  showProgress(row.querySelector(".progress"), batch);
}

/** Polls a running batch every 2 s (its event stream needs a header EventSource cannot send) until it finishes. */
async function followBatch(id) {
  for (;;) {
    const batch = await api.call("GET", `/v1/batches/${id}`).catch(() => null);
    if (!batch) return;
    upsertBatch(batch);
    if (state.openBatch === id) await renderBatch(batch);
    if (batch.status === "running") await sleep(2000);
    else return;
  }
}

async function openBatch(id) {
  state.openBatch = id;
  const batch = await api.call("GET", `/v1/batches/${id}`);
  await renderBatch(batch);
  $("#batch-view").hidden = false;
  $("#batch-view").scrollIntoView({ block: "nearest" });
}

/** The open batch: its progress, and a gallery of its finished items' images (from its results, in order). */
async function renderBatch(batch) {
  const view = $("#batch-view");
  view.dataset.id = batch.id;
  view.dataset.status = batch.status;
  $("#batch-view-title").textContent = `Batch of ${batch.item_count}`;
  view.querySelector(".status").textContent = describeBatch(batch);
  showProgress(view.querySelector(".progress"), batch);
  $("#batch-cancel").hidden = batch.status !== "running";
  if (view.dataset.shown === `${batch.id}:${batch.counts.completed}`) return;
  const response = await fetch(`/v1/batches/${batch.id}/results`, { headers: { Authorization: `Bearer ${api.token}` } });
  if (!response.ok) return;
  const lines = (await response.text()).split("\n").filter(Boolean).map((line) => JSON.parse(line));
  $("#batch-images").replaceChildren(
    ...lines.flatMap((line) =>
      line.images.map((image) => {
        const link = Object.assign(document.createElement("a"), { href: image.public_url, target: "_blank", rel: "noopener" });
        link.append(Object.assign(document.createElement("img"), {
          src: image.public_url, alt: `item ${line.index + 1}`, loading: "lazy", width: image.width, height: image.height,
        }));
        return link;
      }),
    ),
  );
  view.dataset.shown = `${batch.id}:${batch.counts.completed}`;
}

async function submitBatch(event) {
  event.preventDefault();
  const prompts = $("#batch-prompts").value.split("\n").map((line) => line.trim()).filter(Boolean);
  if (prompts.length === 0) {
    $("#batch-error").textContent = "Write at least one prompt, one per line.";
    return;
  }
  const modelID = $("#model_id").value;
  $("#batch-submit").disabled = true;
  try {
    const batch = await api.call("POST", "/v1/batches", { items: prompts.map((prompt) => ({ prompt, model_id: modelID })) });
    $("#batch-prompts").value = "";
    $("#batch-error").textContent = "";
    upsertBatch(batch, true);
    openBatch(batch.id);
    followBatch(batch.id);
  } catch (error) {
    // A 422 names items by index: say which lines.
    const errors = error.problem?.errors || [];
    $("#batch-error").textContent = errors.length
      ? errors.map((e) => e.field.replace(/^items\[(\d+)\]\.?/, (_, n) => `line ${Number(n) + 1}: `) + " " + e.message).join("; ")
      : error.message;
  } finally {
    $("#batch-submit").disabled = false;
  }
}

async function loadBatches() {
  const page = await api.call("GET", "/v1/batches?limit=5").catch(() => ({ data: [] }));
  for (const batch of page.data) {
    upsertBatch(batch, false);
    if (batch.status === "running") followBatch(batch.id);
  }
}

// ---- Gallery and usage -----------------------------------------------------------------------------------------

async function loadGallery(fresh) {
  if (fresh) {
    state.cursor = null;
    $("#gallery").replaceChildren();
  }
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (state.cursor) query.set("cursor", state.cursor);
  const page = await api.call("GET", `/v1/generations?${query}`);
  for (const generation of page.data) {
    if (state.cards.has(generation.id)) continue;
    const running = !TERMINAL.has(generation.status);
    upsertCard(generation, running ? $("#running") : $("#gallery"), false);
    if (running) {
      $("#running-title").hidden = false;
      watch(generation.id);
    }
  }
  state.cursor = page.next_cursor || null;
  $("#more-button").hidden = !state.cursor;
  $("#gallery-empty").hidden = $("#gallery").children.length > 0 || $("#running").children.length > 0;
}

async function loadUsage() {
  try {
    const { total } = await api.call("GET", "/v1/usage");
    const cost = total.cost_usd == null ? "" : ` · $${total.cost_usd.toFixed(2)}`;
    $("#usage").textContent = `This month: ${total.images} image${total.images === 1 ? "" : "s"}${cost}`;
  } catch {
    $("#usage").textContent = "";
  }
}

// ---- API keys ---------------------------------------------------------------------------------------------------

function describeKey(key) {
  const state = key.revoked_at ? "revoked" : key.expires_at && new Date(key.expires_at) < new Date() ? "expired" : "live";
  const used = key.last_used_at ? `used ${new Date(key.last_used_at).toLocaleString()}` : "never used";
  const budget = key.monthly_budget_usd == null ? "" : ` · $${(key.spent_usd || 0).toFixed(2)} of $${key.monthly_budget_usd.toFixed(2)} this month`;
  return { state, text: `${key.name} · ${key.hint} · ${key.scopes.join(", ")} · ${used}${budget}` };
}

async function loadKeys() {
  const list = $("#keys");
  let keys;
  try {
    ({ data: keys } = await api.call("GET", "/v1/keys"));
  } catch (error) {
    $("#key-error").textContent = error.message;
    return;
  }
  list.replaceChildren(...keys.map((key) => {
    const item = document.createElement("li");
    const { state, text } = describeKey(key);
    item.dataset.id = key.id;
    item.dataset.state = state;
    const label = document.createElement("span");
    label.textContent = state === "live" ? text : `${text} · ${state}`;
    item.append(label);
    if (state === "live") {
      const revoke = document.createElement("button");
      revoke.type = "button";
      revoke.className = "quiet revoke";
      revoke.textContent = "Revoke";
      revoke.addEventListener("click", async () => {
        if (revoke.dataset.confirm !== "yes") {
          revoke.dataset.confirm = "yes";
          revoke.textContent = "Revoke for good?";
          return;
        }
        revoke.disabled = true;
        try {
          await api.call("DELETE", `/v1/keys/${key.id}`);
        } catch (error) {
          $("#key-error").textContent = error.message;
        }
        await loadKeys();
      });
      item.append(revoke);
    }
    return item;
  }));
}

async function submitKey(event) {
  event.preventDefault();
  $("#key-error").textContent = "";
  const scopes = [...document.querySelectorAll("#key-scopes input:checked")].map((box) => box.value);
  try {
    const body = { name: $("#key-name").value.trim(), scopes };
    const budget = $("#key-budget").value.trim();
    if (budget !== "") body.monthly_usd = Number(budget);
    const made = await api.call("POST", "/v1/keys", body);
    $("#key-value").textContent = made.key;
    $("#key-made").hidden = false;
    $("#key-name").value = "";
    $("#key-budget").value = "";
    await loadKeys();
  } catch (error) {
    const fields = (error.problem.errors || []).map((e) => `${e.field}: ${e.message}`);
    $("#key-error").textContent = fields.length ? fields.join("; ") : error.message;
  }
}

// ---- Start -----------------------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", async () => {
  $("#sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = await signIn($("#token").value.trim());
    $("#sign-in-error").textContent = message || "";
  });
  $("#sign-out").addEventListener("click", () => signOut());
  $("#generate-form").addEventListener("submit", submit);
  $("#generate-form").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("#generate-form").requestSubmit();
  });
  $("#model_id").addEventListener("change", renderModelFields);
  $("#more-button").addEventListener("click", () => loadGallery(false));
  $("#batch-form").addEventListener("submit", submitBatch);
  $("#key-form").addEventListener("submit", submitKey);
  $("#keys-details").addEventListener("toggle", () => {
    if ($("#keys-details").open) loadKeys();
  });
  $("#batch-close").addEventListener("click", () => {
    state.openBatch = null;
    $("#batch-view").hidden = true;
  });
  $("#batch-cancel").addEventListener("click", async () => {
    if (!state.openBatch) return;
    const batch = await api.call("POST", `/v1/batches/${state.openBatch}/cancel`).catch(() => null);
    if (batch) {
      upsertBatch(batch);
      await renderBatch(batch);
    }
  });

  // A console link opened in a tab already showing the console changes only the fragment.
  window.addEventListener("hashchange", async () => {
    const linked = tokenFromLink();
    if (linked) $("#sign-in-error").textContent = (await signIn(linked)) || "";
  });

  const token = tokenFromLink() || sessionStorage.getItem(TOKEN_KEY);
  const message = token ? await signIn(token) : null;
  if (!api.token) signOut(message);
});
