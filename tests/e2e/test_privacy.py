"""What a worker writes stays encrypted on the phone: it comes back after a reload, and it is never in
IndexedDB in clear, Cache Storage, localStorage, a URL, the console or any request."""
import base64
import json
import re
import secrets

from playwright.sync_api import expect

from .conftest import create_journal, journal, unlock_in_page
from .live import DUMP_STORAGE
from .test_journal_forms import draw_stroke, unlock, wait_saved


def watch(context, page) -> list[str]:
    """Every request (method, URL, headers, body as text and base64) and console line, as they happen."""
    seen = []

    def record(request):
        body = request.post_data_buffer or b""
        seen.append(f"{request.method} {request.url} {json.dumps(request.headers)} "
                    f"{body.decode('latin-1')} {base64.b64encode(body).decode()}")

    context.on("request", record)
    page.on("console", lambda message: seen.append("console " + message.text))
    return seen


def test_every_field_type_survives_reload_and_never_leaves_encrypted(make_server, context, page):
    mark = "qz" + secrets.token_hex(5)  # in every typed answer; must never appear outside the page
    seen = watch(context, page)
    server = make_server()
    typed = {
        "#f-1-1-name": f"name {mark}",
        "#f-1-1-story": f"a longer story\nabout {mark}",
        "#f-1-1-people-0": f"first {mark}",
        "#f-1-1-people-1": f"second {mark}",
        "#f-1-1-people-2": f"third {mark}",
    }
    pairs = {f"#f-1-2-moves-{row}-{side}": f"{side} {row} {mark}" for row in (0, 1) for side in ("from", "to")}

    page.goto(server.url + "/section/first")
    create_journal(page)
    for selector, text in typed.items():
        page.locator(selector).fill(text)
    page.locator("#f-1-1-name").press("Enter")  # implicit submission must not put answers in a URL
    wait_saved(page, "1.1")

    page.goto(server.url + "/section/second")
    unlock(page)
    for selector, text in pairs.items():
        page.locator(selector).fill(text)
    page.get_by_label("Green").check()
    page.get_by_label("Blue").check()
    page.locator("#f-1-2-confidence-7").check()
    canvas = page.locator(".drawing-pad canvas")
    expect(canvas).to_have_attribute("aria-label", "Drawing area: Draw a landscape. You can describe it in words below instead.")
    draw_stroke(page, canvas)
    draw_stroke(page, canvas)
    page.get_by_role("button", name="Undo").click()
    draw_stroke(page, canvas)
    page.get_by_role("button", name="Clear drawing").click()
    expect(page.locator("[data-drawing-pad]")).to_have_attribute("data-strokes", "0")
    page.get_by_role("button", name="Undo").click()  # brings back what Clear took away
    page.locator("#f-1-2-landscape-alt").fill(f"hills and a river {mark}")
    wait_saved(page, "1.2")
    assert page.locator("[data-drawing-pad]").get_attribute("data-strokes") == "2"

    page.reload()
    unlock(page)
    for selector, text in pairs.items():
        expect(page.locator(selector)).to_have_value(text)
    expect(page.get_by_label("Green")).to_be_checked()
    expect(page.get_by_label("Blue")).to_be_checked()
    expect(page.get_by_label("Red")).not_to_be_checked()
    expect(page.locator("#f-1-2-confidence-7")).to_be_checked()
    expect(page.locator("[data-drawing-pad]")).to_have_attribute("data-strokes", "2")
    assert page.evaluate("""() => {  // the strokes are drawn, not only counted
        const c = document.querySelector('.drawing-pad canvas');
        return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v);
    }""")
    expect(page.locator("#f-1-2-landscape-alt")).to_have_value(f"hills and a river {mark}")
    page.goto(server.url + "/section/first")
    unlock(page)
    for selector, text in typed.items():
        expect(page.locator(selector)).to_have_value(text)

    dump = page.evaluate(DUMP_STORAGE)
    assert '"alongside/entries"' in dump and '"alongside/settings"' in dump, "the dump missed the journal"
    assert mark not in dump, "an answer is stored in clear"
    requests = "\n".join(seen)
    assert "/section/second" in requests, "requests were not recorded"
    assert mark not in requests, "an answer left the page (request, URL or console)"
    assert mark not in page.url


def test_locking_takes_every_answer_out_of_the_page(make_server, page):
    server = make_server()
    page.goto(server.url + "/section/second")
    create_journal(page)
    page.locator("#f-1-2-moves-0-from").fill("rushing")
    page.get_by_label("Red").check()
    page.locator("#f-1-2-confidence-3").check()
    draw_stroke(page, page.locator(".drawing-pad canvas"))
    page.locator("#f-1-2-landscape-alt").fill("a hill")
    wait_saved(page, "1.2")
    page.evaluate("""async () => {
        const main = document.querySelector("script[type=module][src*='/js/offline.js']").src;
        (await import(main.replace("/js/offline.js", "/js/session.js"))).lock();
    }""")
    expect(page.locator("#f-1-2-moves-0-from")).to_have_value("")
    assert page.evaluate("""() => [...document.querySelectorAll('.activity-form input, .activity-form textarea')]
        .every((el) => !el.checked && el.value === '' || (el.type === 'checkbox' || el.type === 'radio') && !el.checked)""")
    expect(page.locator("[data-drawing-pad]")).to_have_attribute("data-strokes", "0")
    assert not page.evaluate("""() => {
        const c = document.querySelector('.drawing-pad canvas');
        return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v) => v);
    }""")
    expect(page.locator("#f-1-2-landscape-alt")).to_be_disabled()
    expect(page.locator("[data-save-status]")).to_have_text("")


def test_every_revalidation_field_stays_encrypted_and_on_the_phone(make_server, context, page):
    """The marker typed into every field of the CPD record, two reflective accounts and the discussion record
    (printed too) is nowhere at rest, in a request, a URL or the console."""
    mark = "qz" + secrets.token_hex(5)
    seen = watch(context, page)
    server = make_server()
    page.goto(server.url + "/section/first")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "1.1", "field": "name", "value": "an answer", "revision": 1})
    page.evaluate("""() => { const a = document.createElement('a'); a.href = '/revalidation';
        document.getElementById('main').append(a); a.click(); window.print = () => {}; }""")
    page.locator("#new-account").get_by_label("1.1", exact=False).check()
    for _ in range(2):
        page.get_by_role("button", name="Start a reflective account").click()
    expect(page.locator(".account")).to_have_count(2)
    fields = page.locator("#reval input[type=text], #reval textarea")
    assert fields.count() == 5 + 2 * 4 + 2, "method, topic, two hours, code; four in each account; name, number"
    for i in range(fields.count()):
        fields.nth(i).fill(f"field {i} {mark}")
    page.get_by_label("Started").fill("2026-11-02")
    for box in page.locator("#reval input[type=checkbox]:visible").all():
        box.check()
    page.get_by_label("A general CPD record (another regulator, or not registered)").check()
    page.get_by_label("NMC revalidation").check()
    page.get_by_role("button", name="Check and print").click()
    page.get_by_role("button", name="It is fine, print").click()  # the hours are not numbers
    expect(page.locator("#reval-print")).to_contain_text(mark)
    for form in page.locator("#reval form.activity-form").all():
        expect(form.locator("[data-save-status]")).not_to_have_text(re.compile("Not saved"))
    page.goto(server.url + "/revalidation")  # a new document: locked; the records come back on unlock
    unlock_in_page(page)
    expect(page.locator(".account")).to_have_count(2)
    expect(page.locator("#reval textarea").last).to_have_value(re.compile(mark))

    dump = page.evaluate(DUMP_STORAGE)
    assert '"alongside/entries"' in dump, "the dump missed the journal"
    assert mark not in dump, "a revalidation record is stored in clear"
    requests = "\n".join(seen)
    assert "/revalidation" in requests, "requests were not recorded"
    assert mark not in requests, "a revalidation record left the page (request, URL or console)"
    assert mark not in page.url
