"""The journal vault: setting up, unlocking, recovery, changing the passphrase, and what is stored."""
import json
import re

from playwright.sync_api import expect

from .conftest import PASSPHRASE, create_journal, journal

DUMP_STORAGE = """async () => {
    const db = await new Promise((ok, no) => { const r = indexedDB.open("alongside"); r.onsuccess = () => ok(r.result); r.onerror = no; });
    const stores = {};
    for (const name of db.objectStoreNames) {
        stores[name] = await new Promise((ok) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => ok(r.result); });
    }
    db.close();
    const cached = [];
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) cached.push(request.url + " " + await (await cache.match(request)).text());
    }
    return JSON.stringify({ stores, cached, local: { ...localStorage }, session: { ...sessionStorage } });
}"""


def dump_storage(page) -> str:
    """Everything this origin keeps on the device: IndexedDB, Cache Storage, localStorage, sessionStorage."""
    return page.evaluate(DUMP_STORAGE)


def journal_page(page, url):
    page.goto(url + "/journal")
    page.locator(".jp:not([hidden]) h2").first.wait_for()


def set_up(page, passphrase=PASSPHRASE, again=None):
    form = page.locator("#setup")
    form.get_by_label("Choose a passphrase").fill(passphrase)
    form.get_by_label("Type it again").fill(again or passphrase)
    form.get_by_role("button", name="Create my journal").click()


def unlock_with(page, secret):
    form = page.locator("#unlock")
    form.get_by_label("Passphrase or recovery code").fill(secret)
    form.get_by_role("button", name="Unlock", exact=True).click()


def change_passphrase(page, new, current=None):
    form = page.locator("#change")
    if current is not None:
        form.get_by_label("Current passphrase").fill(current)
    form.get_by_label("New passphrase").fill(new)
    form.get_by_label("Type it again").fill(new)
    form.get_by_role("button", name="Change passphrase").click()


def test_first_use_refuses_short_and_common_passphrases_and_says_nobody_can_reset_it(live_server, page):
    journal_page(page, live_server.url)
    assert "Nobody can reset it" in page.locator("main").inner_text()
    alert = page.locator("#setup [role=alert]")
    for weak, reason in [("short one", "at least 10 characters"), ("password123", "anyone would guess"),
                         ("Qwertyuiop", "anyone would guess")]:
        set_up(page, weak)
        alert.filter(has_text=reason).wait_for()
    assert journal(page, "hasJournal") is False
    set_up(page, "one passphrase here", again="another one here")
    alert.filter(has_text="not the same").wait_for()
    assert journal(page, "hasJournal") is False


def test_setting_up_shows_a_recovery_code_once(live_server, page):
    journal_page(page, live_server.url)
    set_up(page)
    code = page.locator("#code")
    code.filter(has_text=re.compile(r"^([0-9A-Z]{4}-){5}[0-9A-Z]{4}$")).wait_for()
    assert page.evaluate("document.activeElement.id") == "h-code"
    page.get_by_role("button", name="I have written it down").click()
    page.get_by_role("heading", name="Change your passphrase").wait_for()
    assert code.inner_text() == ""
    assert journal(page, "isUnlocked") is True
    vault = json.loads(dump_storage(page))["stores"]["vault"][0]
    assert vault["kdf"] == {"name": "PBKDF2", "hash": "SHA-256", "iterations": 600000, "salt": vault["kdf"]["salt"]}
    assert [slot["kind"] for slot in vault["slots"]] == ["passphrase", "recovery"]


def test_wrong_passphrase_says_so_and_changes_nothing(live_server, page):
    page.goto(live_server.url + "/journal")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.1", "field": "gender", "value": "kept safe", "revision": 1})
    before = json.loads(dump_storage(page))["stores"]
    journal_page(page, live_server.url)
    unlock_with(page, "not my passphrase at all")
    page.locator("#unlock [role=alert]").filter(has_text="not right").wait_for()
    assert "Nothing has changed" in page.locator("#unlock [role=alert]").inner_text()
    assert journal(page, "isUnlocked") is False
    assert json.loads(dump_storage(page))["stores"] == before
    unlock_with(page, PASSPHRASE)
    page.get_by_role("heading", name="Change your passphrase").wait_for()
    assert journal(page, "loadAnswers")[0]["value"] == "kept safe"


def test_recovery_code_unlocks_then_offers_a_new_passphrase(live_server, page):
    page.goto(live_server.url + "/journal")
    code = create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.0", "field": "people", "value": ["Ann", "Bo", "Cy"], "revision": 1})
    journal_page(page, live_server.url)
    unlock_with(page, code.lower().replace("-", " "))
    page.get_by_text("You unlocked with your recovery code").wait_for()
    assert page.evaluate("document.activeElement.id") == "h-pass"
    expect(page.locator("#current")).to_have_count(1)
    expect(page.locator("#current")).to_be_hidden()  # after recovery the old passphrase is not asked for
    change_passphrase(page, "my brand new passphrase")
    page.get_by_text("Passphrase changed").wait_for()
    journal_page(page, live_server.url)
    unlock_with(page, PASSPHRASE)
    page.locator("#unlock [role=alert]").filter(has_text="not right").wait_for()
    unlock_with(page, "my brand new passphrase")
    page.get_by_role("heading", name="Change your passphrase").wait_for()
    assert journal(page, "loadAnswers")[0]["value"] == ["Ann", "Bo", "Cy"]
    journal(page, "lock")
    assert journal(page, "unlock", code) is True, "the recovery code still works after the change"


def test_passphrase_change_then_only_the_new_one_unlocks(live_server, page):
    page.goto(live_server.url + "/journal")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.1", "field": "age", "value": "forties", "revision": 1})
    entries_before = json.loads(dump_storage(page))["stores"]["entries"]
    journal_page(page, live_server.url)
    unlock_with(page, PASSPHRASE)
    change_passphrase(page, "second passphrase here", current="wrong current passphrase")
    page.locator("#change [role=alert]").filter(has_text="not right").wait_for()
    change_passphrase(page, "second passphrase here", current=PASSPHRASE)
    page.get_by_text("Passphrase changed").wait_for()
    assert json.loads(dump_storage(page))["stores"]["entries"] == entries_before, "entries are not re-encrypted"
    journal_page(page, live_server.url)
    unlock_with(page, PASSPHRASE)
    page.locator("#unlock [role=alert]").filter(has_text="not right").wait_for()
    assert journal(page, "isUnlocked") is False
    assert journal(page, "unlock", "second passphrase here") is True
    assert journal(page, "loadAnswers")[0]["value"] == "forties"


def test_entries_store_only_an_opaque_id_in_clear(unlocked_page):
    journal(unlocked_page, "saveAnswer", {"activity": "2.1", "field": "gender", "value": "x", "revision": 1})
    journal(unlocked_page, "saveAnswer", {"activity": "2.1", "field": "gender", "value": "y", "revision": 1})
    entries = json.loads(dump_storage(unlocked_page))["stores"]["entries"]
    assert len(entries) == 1, "saving a field again overwrites its entry"
    (entry,) = entries
    assert set(entry) == {"id", "iv", "data"}
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", entry["id"])
    assert "2.1" not in json.dumps(entry) and "gender" not in json.dumps(entry)


def test_written_answers_never_reach_storage_in_clear(unlocked_page):
    page = unlocked_page
    logged = []
    page.on("console", lambda message: logged.append(message.text))
    page.on("request", lambda request: logged.append(request.url + (request.post_data or "")))
    marker = "ZEBRA-MARKER-7731"
    values = {"gender": marker, "people": [marker, "b", "c"], "away_towards": [{"from": marker, "to": marker}],
              "landscape": {"strokes": [[0.1, 0.1, 0.2, 0.2]], "alt": marker}, "supervisor_honesty": 7}
    for field, value in values.items():
        journal(page, "saveAnswer", {"activity": "2.1", "field": field, "value": value, "revision": 1})
    journal(page, "setSetting", "idleMinutes", 5)
    assert marker in json.dumps(journal(page, "loadAnswers"))
    stored = dump_storage(page)
    assert '"entries"' in stored and marker not in stored
    assert marker.lower() not in stored.lower()
    assert not any(marker in line for line in logged)
