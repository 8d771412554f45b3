"""On WebKit: a new worker's first visit, setting up the journal, writing every field type, and getting it
all back after a reload, with nothing readable kept in the browser or sent over the wire."""
import json
import re
import secrets

from .conftest import (
    By,
    click,
    dump_storage,
    fill,
    into_view,
    journal,
    load,
    set_up_journal,
    unlock_in_page,
    wait_offline_ready,
    wait_until,
)


def wait_saved(driver, activity):
    """Wait until every change in the activity has committed and the form says Saved; return what it says."""
    form = f"form.activity-form[data-activity='{activity}']"
    return wait_until(driver, f"!document.querySelector(\"{form}\").hasAttribute('data-pending')"
                      f" && /^Saved/.test(document.querySelector(\"{form} [data-save-status]\").textContent)"
                      f" && document.querySelector(\"{form} [data-save-status]\").textContent", timeout=20,
                      message=f"activity {activity} never said Saved")


def draw_stroke(driver, canvas):
    from selenium.webdriver.common.action_chains import ActionChains

    into_view(canvas)
    width, height = canvas.size["width"], canvas.size["height"]
    actions = ActionChains(driver, duration=0)
    actions.move_to_element_with_offset(canvas, int(-width * 0.3), int(-height * 0.2)).click_and_hold()
    for _ in range(6):
        actions.move_by_offset(int(width * 0.08), int(height * 0.05))
    actions.release().perform()


def test_first_visit_set_up_write_every_field_reload_restored_and_nothing_in_clear(browser, make_server):
    driver, server = browser, make_server()
    base = server.wire.url
    mark = "qz" + secrets.token_hex(5)  # in every typed answer; must never be anywhere but the page

    load(driver, base + "/")
    wait_offline_ready(driver)
    precached = driver.execute_async_script("""const done = arguments[0];
        caches.keys().then(async (names) => done((await Promise.all(names.map(async (n) =>
          (await (await caches.open(n)).keys()).length))).reduce((a, b) => a + b, 0)));""")
    assert precached >= 20, f"the service worker precached only {precached} URLs"

    code = set_up_journal(driver, base)
    vault = json.loads(dump_storage(driver))["idb"]["alongside/vault"]["values"][0]
    assert vault["kdf"] == {"name": "PBKDF2", "hash": "SHA-256", "iterations": 600000, "salt": vault["kdf"]["salt"]}
    assert [slot["kind"] for slot in vault["slots"]] == ["passphrase", "recovery"]

    typed = {"f-1-1-name": f"name {mark}", "f-1-1-story": f"a longer story\nabout {mark}",
             "f-1-1-people-0": f"first {mark}", "f-1-1-people-1": f"second {mark}", "f-1-1-people-2": f"third {mark}",
             "activity-1-1-supervision": f"for supervision {mark}"}
    pairs = {f"f-1-2-moves-{row}-{side}": f"{side} {row} {mark}" for row in (0, 1) for side in ("from", "to")}

    load(driver, base + "/section/first")  # a new page load: locked until the worker unlocks
    unlock_in_page(driver)
    for element_id, text in typed.items():
        fill(driver.find_element(By.ID, element_id), text)
    said = [wait_saved(driver, "1.1")]

    load(driver, base + "/section/second")
    unlock_in_page(driver)
    for element_id, text in pairs.items():
        fill(driver.find_element(By.ID, element_id), text)
    for choice in ("f-1-2-colours-2", "f-1-2-colours-3", "f-1-2-confidence-7"):  # Green, Blue; 7 on the scale
        click(driver.find_element(By.CSS_SELECTOR, f"label[for='{choice}']"))
    canvas = driver.find_element(By.CSS_SELECTOR, ".drawing-pad canvas")
    draw_stroke(driver, canvas)
    wait_until(driver, "document.querySelector('[data-drawing-pad]').dataset.strokes === '1'",
               message="a pointer stroke on the canvas drew nothing")
    fill(driver.find_element(By.ID, "f-1-2-landscape-alt"), f"hills and a river {mark}")
    said.append(wait_saved(driver, "1.2"))

    load(driver)
    unlock_in_page(driver)
    for element_id, text in pairs.items():
        wait_until(driver, "document.getElementById(args[0]).value === args[1]", element_id, text,
                   message=f"#{element_id} did not come back after the reload")
    checked = driver.execute_script("return [...document.querySelectorAll('[data-field=colours] input')]"
                                    ".map((el) => el.checked)")
    assert checked == [False, True, True]
    assert driver.find_element(By.ID, "f-1-2-confidence-7").is_selected()
    wait_until(driver, "document.querySelector('[data-drawing-pad]').dataset.strokes === '1'")
    assert driver.execute_script("""const c = document.querySelector('.drawing-pad canvas');
        return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v);"""), \
        "the stroke is counted but not drawn"
    assert driver.find_element(By.ID, "f-1-2-landscape-alt").get_attribute("value") == f"hills and a river {mark}"

    load(driver, base + "/section/first")
    unlock_in_page(driver, code)  # the recovery code opens it too
    for element_id, text in typed.items():
        wait_until(driver, "document.getElementById(args[0]).value === args[1]", element_id, text,
                   message=f"#{element_id} did not come back after the reload")
    assert journal(driver, "isUnlocked") is True

    stored = dump_storage(driver)
    assert '"alongside/entries"' in stored and '"alongside/settings"' in stored, "the dump missed the journal"
    assert "/section/second" in stored, "the dump missed Cache Storage"
    assert mark not in stored, "an answer is kept in the browser in clear"
    sent = server.wire.sent()
    assert "GET /section/second " in sent and "GET /sw.js " in sent, "the wire recorded nothing, so this proves nothing"
    assert mark not in sent, "an answer left the phone"
    assert mark not in driver.current_url
    kept = [p for p in server.instance.rglob("*") if p.is_file() and mark.encode() in p.read_bytes()]
    assert not kept and mark not in server.log.read_text(errors="replace"), f"the server holds an answer: {kept}"
    # Chromium says "Saved at 20:22"; WebKit on a phone set to US English said "Saved at 08:22 PM". The app
    # must pick the worker's (UK) 24-hour clock itself, not leave it to the engine and the phone's language.
    for status in said:
        assert re.fullmatch(r"Saved at [0-2]\d:[0-5]\d", status), f"WebKit shows {status!r}, not the ward's 24-hour time"
