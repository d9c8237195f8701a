"""The web console in a real browser (headless Chromium driven by Selenium) against the running stack
(scripts/test-console): sign in, the model form, validation beside the fields, two generations watched to 100 %,
cancel, delete, gallery paging, a phone-sized layout, and no errors in the browser's console. A screenshot per step
goes to $CONSOLE_SHOTS."""
import json
import os
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait
from harness import check, finish, png

BASE = os.environ["GATEWAY_URL"]
TOKEN = os.environ["API_TOKEN"]
SHOTS = os.environ["CONSOLE_SHOTS"]


START = time.time()




def api(method, path, body=None, token=None):
    request = urllib.request.Request(BASE + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {token or TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


options = webdriver.ChromeOptions()
options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--disable-gpu"]:
    options.add_argument(flag)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
wait = WebDriverWait(driver, 30)
step = 0


def shot(name):
    global step
    step += 1
    driver.save_screenshot(os.path.join(SHOTS, f"{step:02d}-{name}.png"))


def visible(css):
    return wait.until(lambda d: d.find_element(By.CSS_SELECTOR, css) if d.find_element(By.CSS_SELECTOR, css).is_displayed() else None)


def click(element):
    """Clicks like a user who scrolled the element to the middle of the window (clear of the sticky header)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def card(generation_id):
    return driver.find_element(By.CSS_SELECTOR, f'article[data-id="{generation_id}"]')


def newest_card_id(container):
    return wait.until(lambda d: (d.find_elements(By.CSS_SELECTOR, f"{container} article") or [None])[0]).get_attribute("data-id")


def generate(model, prompt, size=None, keyboard=False):
    Select(driver.find_element(By.ID, "model_id")).select_by_value(model)
    if size:
        Select(driver.find_element(By.ID, "size")).select_by_value(size)
    field = driver.find_element(By.ID, "prompt")
    field.clear()
    field.send_keys(prompt)
    before = {e.get_attribute("data-id") for e in driver.find_elements(By.CSS_SELECTOR, "article[data-id]")}
    if keyboard:
        field.send_keys(Keys.CONTROL, Keys.ENTER)
    else:
        driver.find_element(By.ID, "submit").click()
    return wait.until(lambda d: next((e.get_attribute("data-id") for e in d.find_elements(By.CSS_SELECTOR, "#running article[data-id]")
                                      if e.get_attribute("data-id") not in before), None))


def watch_progress(generation_id, timeout=60, screenshot=None, until=100):
    """The progress values the card shows until it completes or reaches `until` (with a screenshot once under way)."""
    seen, deadline = [], time.time() + timeout
    while time.time() < deadline:
        element = card(generation_id)
        value = int(element.find_element(By.CSS_SELECTOR, ".progress").get_attribute("aria-valuenow") or 0)
        if not seen or seen[-1] != value:
            seen.append(value)
            if screenshot and 30 <= value < 100:
                driver.execute_script("window.scrollTo(0, 0)")
                shot(screenshot)
                screenshot = None
        if element.get_attribute("data-status") in ("completed", "failed", "cancelled") or value >= until:
            break
        time.sleep(0.05)
    return seen


try:
    # Sign in: a refused token says so; the link scripts/run prints signs in and leaves no token in the address bar.
    driver.get(BASE + "/console")
    visible("#sign-in")
    shot("sign-in")
    driver.find_element(By.ID, "token").send_keys("not-a-token")
    driver.find_element(By.CSS_SELECTOR, "#sign-in-form button").click()
    error = wait.until(lambda d: d.find_element(By.ID, "sign-in-error").text)
    check("a refused token is reported on the sign-in form", "refused" in error, error)
    driver.get(BASE + "/console#token=" + TOKEN)
    visible("#app")
    check("the console link signs in and removes the token from the address", "#token" not in driver.current_url, driver.current_url)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#model_id option")) >= 16)
    shot("signed-in")

    # The form follows the model: flux-schnell takes steps but no negative prompt; SDXL takes both, and 4 outputs.
    Select(driver.find_element(By.ID, "model_id")).select_by_value("black-forest-labs/flux-schnell")
    names = {e.get_attribute("name") for e in driver.find_elements(By.CSS_SELECTOR, "#parameters [name]")}
    check("flux-schnell's form has steps and no negative prompt", "num_inference_steps" in names and "negative_prompt" not in names, names)
    sizes = [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#size option")]
    check("sizes are the model's own (16:9 is 1360x768 for flux)", "1360x768" in sizes, sizes)
    Select(driver.find_element(By.ID, "model_id")).select_by_value("stability-ai/sdxl")
    names = {e.get_attribute("name") for e in driver.find_elements(By.CSS_SELECTOR, "#parameters [name]")}
    check("SDXL's form has negative prompt, guidance and an image to start from",
          {"negative_prompt", "guidance_scale", "source_image_url"} <= names, names)
    check("SDXL's form takes a mask too", "mask_image_url" in names, names)

    # An image picked beside "start from image" is uploaded, and its file id fills the field.
    upload = os.path.abspath(os.path.join(SHOTS, "source.png"))
    with open(upload, "wb") as f:
        f.write(png(32, 24))
    driver.find_element(By.CSS_SELECTOR, '#parameters input[type="file"][aria-label$="source_image_url"]').send_keys(upload)
    note = wait.until(lambda d: (t := d.find_element(By.CSS_SELECTOR, '.field-error[data-for="source_image_url"]').text).startswith("Uploaded") and t)
    uploaded = driver.find_element(By.ID, "p-source_image_url").get_attribute("value")
    check("a picked image is uploaded and its file id fills the field", len(uploaded) == 36 and "32×24" in note, f"{uploaded} {note}")
    driver.find_element(By.ID, "p-source_image_url").clear()

    # The API's validation messages appear beside the fields.
    steps = driver.find_element(By.ID, "p-num_inference_steps")
    steps.send_keys("0")
    driver.find_element(By.ID, "prompt").clear()
    driver.find_element(By.ID, "submit").click()
    prompt_error = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '.field-error[data-for="prompt"]').text)
    steps_error = driver.find_element(By.CSS_SELECTOR, '.field-error[data-for="num_inference_steps"]').text
    check("validation messages show beside their fields", "required" in prompt_error or "empty" in prompt_error, prompt_error)
    check("a model parameter's message shows beside it", "between" in steps_error, steps_error)
    check("the invalid field is marked", steps.get_attribute("aria-invalid") == "true")
    shot("validation")
    steps.clear()

    # Two models, watched live to 100 %; the second submitted from the keyboard.
    first = generate("stability-ai/sdxl", "a lighthouse at dusk, oil painting")
    progress = watch_progress(first, screenshot="sdxl-progress")
    shot("sdxl-done")
    check("SDXL's progress is shown as it runs and reaches 100 %", progress[-1] == 100 and len(progress) >= 3, progress)
    check("SDXL completes", card(first).get_attribute("data-status") == "completed")
    second = generate("black-forest-labs/flux-schnell", "a fox in the snow", size="1360x768", keyboard=True)
    progress = watch_progress(second)
    check("flux-schnell (submitted with Ctrl+Enter) reaches 100 %", progress and progress[-1] == 100, progress)
    images = wait.until(lambda d: [i for i in card(second).find_elements(By.CSS_SELECTOR, "img") if d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", i)])
    check("the finished generation shows its image, loaded", len(images) == 1)
    check("a finished generation moves into the gallery", card(second).find_element(By.XPATH, "..").get_attribute("id") == "gallery")
    usage = driver.find_element(By.ID, "usage").text
    check("usage shows this month's images", "This month: 2 images" in usage, usage)
    shot("two-models")

    # While generation is paused, a new card shows its place in the queue and the pause; resuming lets it finish.
    admin = urllib.request.Request(os.environ["DISPATCHER_URL"] + "/v1/admin/pause", method="POST", data=b'{"job_type": "generate-image"}',
                                   headers={"Authorization": f"Bearer {os.environ['ADMIN_TOKEN']}", "Content-Type": "application/json"})
    urllib.request.urlopen(admin).read()
    held = generate("black-forest-labs/flux-schnell", "a lighthouse that waits")
    try:
        # The gateway reads the pauses at most a second late: the card may show the place a moment before the pause.
        wait.until(lambda d: {"ahead", "paused"} <= set(card(held).find_element(By.CSS_SELECTOR, ".status").text.replace("·", " ").split()))
        text = card(held).find_element(By.CSS_SELECTOR, ".status").text
    except Exception:
        text = card(held).find_element(By.CSS_SELECTOR, ".status").text
    check("a waiting generation's card shows its place in the queue and the pause", "ahead" in text and "paused" in text, text)
    shot("waiting")
    resume = urllib.request.Request(os.environ["DISPATCHER_URL"] + "/v1/admin/resume", method="POST", data=b'{"job_type": "generate-image"}',
                                    headers={"Authorization": f"Bearer {os.environ['ADMIN_TOKEN']}", "Content-Type": "application/json"})
    urllib.request.urlopen(resume).read()
    wait.until(lambda d: card(held).get_attribute("data-status") == "completed")
    check("once resumed it completes", card(held).get_attribute("data-status") == "completed")

    # Cancel a slow one.
    slow = generate("bytedance/seedream-4", "a slow cathedral")
    wait.until(lambda d: card(slow).get_attribute("data-status") == "processing")
    click(card(slow).find_element(By.CSS_SELECTOR, ".cancel"))
    wait.until(lambda d: card(slow).get_attribute("data-status") == "cancelled")
    check("cancel cancels (the API says so too)", api("GET", f"/v1/generations/{slow}")["status"] == "cancelled")
    shot("cancelled")

    # Delete asks once more on the same button, then removes the card and the generation.
    button = card(slow).find_element(By.CSS_SELECTOR, ".delete")
    click(button)
    check("delete asks before deleting", button.text == "Delete for good?", button.text)
    click(button)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, f'article[data-id="{slow}"]'))
    try:
        api("GET", f"/v1/generations/{slow}")
        check("a deleted generation is gone from the API", False)
    except urllib.error.HTTPError as error:
        check("a deleted generation is gone from the API", error.code == 404, error.code)


    # A batch from the console: prompts one per line, its progress, then a gallery of its images.
    click(driver.find_element(By.CSS_SELECTOR, "#batch-details summary"))
    Select(driver.find_element(By.ID, "model_id")).select_by_value("black-forest-labs/flux-schnell")
    driver.find_element(By.ID, "batch-prompts").send_keys("a red chair\na blue chair\n\na green chair")
    click(driver.find_element(By.ID, "batch-submit"))
    visible("#batch-view")
    wait.until(lambda d: d.find_element(By.ID, "batch-view").get_attribute("data-status") == "completed")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#batch-images img")) == 3)
    shot("batch")
    status = driver.find_element(By.CSS_SELECTOR, "#batch-view .status").text
    check("a batch from the console runs to 3/3 with its progress shown", "3/3 finished (3 completed)" in status, status)
    check("the batch view shows a gallery of its three images", len(driver.find_elements(By.CSS_SELECTOR, "#batch-images img")) == 3)
    check("the batch is listed with the others", len(driver.find_elements(By.CSS_SELECTOR, "#batches .batch")) == 1)
    click(driver.find_element(By.ID, "batch-close"))
    # A bad line is named by its number; nothing is created.
    driver.find_element(By.ID, "batch-prompts").send_keys("fine\n" + "x" * 2100)
    click(driver.find_element(By.ID, "batch-submit"))
    error = wait.until(lambda d: d.find_element(By.ID, "batch-error").text or None)
    check("a bad batch line is named by its number", "line 2" in error, error)
    check("a refused batch creates nothing", len(api("GET", "/v1/batches")["data"]) == 1)
    driver.find_element(By.ID, "batch-prompts").clear()

    # The gallery pages: 10 more made through the API (16 in all, with the batch's three); 12 cards, then "Load more"
    # for the rest, none twice.
    for n in range(10):
        api("POST", "/v1/generations", {"prompt": f"tile {n}", "model_id": "black-forest-labs/flux-schnell"})
    deadline = time.time() + 60
    while time.time() < deadline and any(g["status"] != "completed" for g in api("GET", "/v1/generations?limit=100")["data"]):
        time.sleep(0.5)
    driver.refresh()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#gallery article")) == 12)
    more = visible("#more-button")
    shot("gallery")
    click(more)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#gallery article")) == 16)
    ids = [e.get_attribute("data-id") for e in driver.find_elements(By.CSS_SELECTOR, "#gallery article")]
    check("Load more pages the gallery: 16 generations, none twice", len(set(ids)) == 16, len(set(ids)))
    check("the last page hides Load more", not driver.find_element(By.ID, "more-button").is_displayed())

    # The overview (README's screenshot): a generation running above the gallery.
    running = generate("bytedance/seedream-4", "a cathedral of glass in the fog")
    watch_progress(running, timeout=30, screenshot="overview", until=40)
    click(card(running).find_element(By.CSS_SELECTOR, ".cancel"))
    wait.until(lambda d: card(running).get_attribute("data-status") == "cancelled")

    # API keys: made in the console (shown once), listed without the key, working, revoked, refused at once.
    click(driver.find_element(By.CSS_SELECTOR, "#keys-details summary"))
    visible("#key-name").send_keys("console check")
    visible("#key-budget").send_keys("2.5")
    click(driver.find_element(By.CSS_SELECTOR, "#key-scopes input[value='generate']").find_element(By.XPATH, ".."))  # read only
    click(driver.find_element(By.ID, "key-submit"))
    wait.until(lambda d: d.find_element(By.ID, "key-value").text.startswith("igk_"))
    made = driver.find_element(By.ID, "key-value").text
    wait.until(lambda d: d.execute_script(
        "return [...document.querySelectorAll('#keys li')].some(li => li.textContent.includes('console check'))"))
    listed = next(li for li in driver.find_elements(By.CSS_SELECTOR, "#keys li") if "console check" in li.text)
    check("a key made in the console is shown once and listed by its hint, not itself",
          made.startswith("igk_") and made not in listed.text and made[:10] in listed.text and "read" in listed.text
          and "generate" not in listed.text, listed.text)
    check("its monthly budget is listed with this month's spend", "$0.00 of $2.50 this month" in listed.text, listed.text)
    check("the key reads through the API", "data" in api("GET", "/v1/generations?limit=1", token=made))
    shot("keys")
    revoke = listed.find_element(By.CSS_SELECTOR, ".revoke")
    click(revoke)
    check("revoke asks before revoking", revoke.text == "Revoke for good?", revoke.text)
    click(revoke)
    wait.until(lambda d: d.execute_script(
        "return [...document.querySelectorAll('#keys li')].some(li => li.dataset.state === 'revoked' && li.textContent.includes('console check'))"))
    try:
        api("GET", "/v1/generations?limit=1", token=made)
        check("a key revoked in the console is refused at once", False)
    except urllib.error.HTTPError as error:
        check("a key revoked in the console is refused at once", error.code == 401, error.code)
    click(driver.find_element(By.ID, "key-submit"))
    wait.until(lambda d: d.find_element(By.ID, "key-error").text)
    check("a key without a name is refused beside the form, naming the field", "name" in driver.find_element(By.ID, "key-error").text,
          driver.find_element(By.ID, "key-error").text)

    # A phone: one column.
    driver.set_window_size(420, 900)
    columns = driver.execute_script("return getComputedStyle(document.querySelector('.layout')).gridTemplateColumns")
    check("on a phone the layout is one column", len(columns.split()) == 1, columns)
    shot("phone")

    # The browser logs every 4xx it fetched: the refused token's 401 and the invalid form's 422 were provoked above.
    provoked = ("status of 401", "status of 422")
    errors = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")
              and not (entry["source"] == "network" and any(p in entry["message"] for p in provoked))]
    check("no errors or warnings in the browser's console (besides the provoked 401 and 422)", not errors, errors)
except TimeoutException as error:
    shot("timeout")
    check(f"no step timed out (see the last screenshot in {SHOTS})", False, error)
finally:
    driver.quit()

finish("console", note=f"screenshots in {SHOTS}")
