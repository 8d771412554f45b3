"""Revalidation: a nurse turns her work on the module into a CPD record, reflective accounts and a note of her
reflective discussion, kept encrypted on the phone, and prints them in the order of the NMC's forms once the
de-identification check has had its say."""
import re

from playwright.sync_api import expect

from .conftest import create_journal, journal, unlock_in_page, wait_offline_ready

# About the page's own logic: no service worker to install first (conftest's context); offline: page_with_worker.
SERVICE_WORKER = False

STUB_PRINT = "() => { window.printed = 0; window.print = () => { window.printed += 1; }; }"


def go(page, name):
    """Follow a link as the worker does (the navigator keeps the journal open)."""
    page.get_by_role("link", name=name).first.click()


def complete_activities(page):
    for activity, field, value in [("2.0", "people", ["My sister", "", ""]), ("2.0", "__status", "done"),
                                   ("2.1", "values_now", "Fairness, and time for people."), ("2.1", "__status", "done"),
                                   ("2.4", "in_her_shoes", "Frightened, and wanting someone to listen."),
                                   ("2.4", "__status", "done")]:
        journal(page, "saveAnswer", {"activity": activity, "field": field, "value": value, "revision": 1})


def start_account(page, *activities):
    for activity in activities:
        page.locator("#new-account").get_by_label(re.compile(rf"^{re.escape(activity)} ")).check()
    n = page.locator(".account").count()
    page.get_by_role("button", name="Start a reflective account").click()
    account = page.locator(".account").nth(n)
    expect(account.locator("h3")).to_be_focused()
    return account


def write_account(account, texts, themes):
    for label, text in texts.items():
        account.get_by_label(label).fill(text)
    for theme in themes:
        account.get_by_label(theme).check()
    expect(account.locator("[data-save-status]")).to_contain_text("Saved")


ACCOUNT_1 = {"What was the learning, feedback or event?": "Module 2 of Realising Recovery, online, on shift.",
             "What did you learn from it?": "That Mr Smith in bed 4 needed time before he could talk.",
             "How has it changed or improved the way you work?": "I sit down and wait before I ask anything.",
             "How does it relate to the Code?": "Listening first respects the person's own view of recovery."}
ACCOUNT_2 = {"What was the learning, feedback or event?": "Naming the people who support me (activity 2.0).",
             "What did you learn from it?": "I had not asked for help in years.",
             "How has it changed or improved the way you work?": "I take my breaks and use supervision.",
             "How does it relate to the Code?": "Looking after myself keeps my practice safe."}


def sent_summary(page, text):
    """A summary already sent to the paired supervisor, as Share leaves it: the outbox keeps only its id, status
    and times (static/js/outbox.js), the journal its text and the supervisor's name."""
    page.evaluate("""async ([text]) => {
        const main = document.querySelector("script[type=module][src*='/js/offline.js']").src;
        const store = await import(main.replace("/js/offline.js", "/js/store.js"));
        const session = await import(main.replace("/js/offline.js", "/js/session.js"));
        const id = crypto.randomUUID(), created = new Date().toISOString();
        await session.saveAnswer({ activity: "__share", field: "pairing", value: { supervisorName: "Morag", displayName: "SJ" } });
        await session.saveAnswer({ activity: "__share", field: id, value: { text, created } });
        await store.outboxPut({ id, status: "sent", createdAt: created, sentAt: created });
    }""", [text])


def test_a_nurse_drafts_two_accounts_records_her_discussion_and_prints_them_in_nmc_order(live_server, page):
    page.goto(live_server.url + "/journal")
    create_journal(page)
    complete_activities(page)
    sent_summary(page, "Ready to talk about two accounts.")

    go(page, "Journal")
    go(page, "Revalidation: your CPD record and reflective accounts")
    expect(page).to_have_url(live_server.url + "/revalidation")
    expect(page.get_by_role("heading", name="Revalidation", exact=True)).to_be_visible()
    expect(page.locator("[data-evidence]")).to_have_text(
        "2.0 Who could you talk to?; 2.1 Who am I?; 2.4 Meeting Louise")

    page.get_by_label("How you learned").fill("Self-directed online learning")
    page.get_by_label("What it covered, and how it connects to your work").fill("Using myself in recovery-focused work.")
    page.get_by_role("button", name="Use these dates").click()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", page.get_by_label("Started").input_value())
    page.get_by_label("Hours spent", exact=True).fill("6")
    page.get_by_label("Of those, hours spent learning with other people").fill("2")
    page.get_by_label("How it relates to the Code").fill("Recovery-focused care puts people first.")

    first = start_account(page, "2.1", "2.4")
    expect(first.locator("h3")).to_have_text("Reflective account 1")
    drawn = first.locator(".draw-on")  # her own answers beside the form, not pasted into it
    expect(drawn).to_contain_text("Frightened, and wanting someone to listen.")
    expect(drawn).to_contain_text("Fairness, and time for people.")
    write_account(first, ACCOUNT_1, ["Prioritise people", "Preserve safety"])
    assert "Frightened" not in first.get_by_label("What was the learning, feedback or event?").input_value()
    second = start_account(page, "2.0")
    write_account(second, ACCOUNT_2, ["Practise effectively"])

    talk = page.locator("form[aria-labelledby=h-talk]")
    expect(page.locator("#people option")).to_have_text("Morag")  # offered: the paired supervisor
    talk.get_by_label("Who you talked it over with").fill("Morag")
    talk.get_by_label("Their NMC registration number (optional)").fill("12A3456E")
    talk.get_by_label("When you talked").fill("2026-11-27")
    talk.get_by_label("Reflective account 1").check()
    talk.get_by_label("Reflective account 2").check()
    talk.get_by_label(re.compile("^Sent .*Ready to talk about two accounts")).check()
    expect(talk.locator("[data-save-status]")).to_contain_text("Saved")

    page.evaluate(STUB_PRINT)
    page.get_by_role("button", name="Check and print").click()
    check = page.locator("#reval-check")
    expect(check).to_be_visible()
    expect(check).to_contain_text("Reflective account 1, “What did you learn from it?”: “Mr Smith”")
    expect(check).to_contain_text("“bed 4”")
    assert page.evaluate("window.printed") == 0, "an identifier must stop the printout"
    check.get_by_role("link", name=re.compile("Mr Smith")).click()
    fix = first.get_by_label("What did you learn from it?")
    expect(fix).to_be_focused()
    fix.fill("That a man new to the ward needed time before he could talk.")
    page.get_by_role("button", name="Check and print").click()
    expect(check).to_be_hidden()
    assert page.evaluate("window.printed") == 1

    page.emulate_media(media="print")
    printed = page.locator("#reval-print")
    expect(printed).to_be_visible()
    expect(page.locator("#reval")).to_be_hidden()
    text = printed.inner_text()
    order = ["Revalidation records", "CPD log", "Self-directed online learning", "Hours spent", "6",
             "Reflective account 1", "Module 2 of Realising Recovery", "a man new to the ward", "Prioritise people",
             "Preserve safety", "Reflective account 2", "I had not asked for help", "Practise effectively",
             "Reflective discussion", "Morag", "12A3456E", "27 Nov 2026", "Reflective account 1",
             "Reflective account 2"]
    at = 0
    for part in order:
        at = text.index(part, at)
    assert "Mr Smith" not in text and "Frightened" not in text
    assert re.search(r"Sent \d+ \w+ 20\d\d \(ref [0-9a-f]{8}\)", text)
    breaks = printed.locator("section").evaluate_all("(s) => s.map((el) => getComputedStyle(el).breakBefore)")
    assert breaks == ["auto", "page", "page", "page"], "one page for each account, and the discussion on its own"
    page.emulate_media(media="screen")

    page.reload()  # everything is in the encrypted journal
    unlock_in_page(page)
    expect(page.locator(".account")).to_have_count(2)
    expect(page.locator(".account").last.get_by_label("What did you learn from it?")).to_have_value(
        ACCOUNT_2["What did you learn from it?"])
    expect(page.locator(".account").first.get_by_label("Preserve safety")).to_be_checked()
    expect(page.locator("form[aria-labelledby=h-talk]").get_by_label("Reflective account 2")).to_be_checked()


def test_hours_that_are_not_a_number_say_so_and_stop_the_printout(live_server, page):
    page.goto(live_server.url + "/revalidation")
    create_journal(page)
    page.get_by_label("Hours spent", exact=True).fill("six")
    expect(page.get_by_text("Write a number of hours, like 6 or 7.5.")).to_be_visible()
    page.get_by_label("Hours spent", exact=True).fill("6")
    page.get_by_label("Of those, hours spent learning with other people").fill("8")
    expect(page.get_by_text("This is more than the hours spent in all.")).to_be_visible()
    page.evaluate(STUB_PRINT)
    page.get_by_role("button", name="Check and print").click()
    expect(page.locator("#reval-check")).to_contain_text("CPD record, “Of those, hours spent learning with other people”")
    assert page.evaluate("window.printed") == 0
    page.get_by_role("button", name="It is fine, print").click()  # as on Share, the worker may go on
    assert page.evaluate("window.printed") == 1
    expect(page.get_by_label("Of those, hours spent learning with other people")).to_have_value("8")  # nothing lost


def test_a_generic_record_leaves_out_the_nmc_specifics(live_server, page):
    page.goto(live_server.url + "/revalidation")
    create_journal(page)
    page.get_by_label("A general CPD record (another regulator, or not registered)").check()
    account = start_account(page)
    expect(account.get_by_label("How does it relate to your professional standards or your role?")).to_be_visible()
    expect(account.get_by_text("Which themes of the Code does it touch?")).to_be_hidden()
    expect(page.get_by_label("Their professional registration number (optional)")).to_be_visible()
    account.get_by_label("What did you learn from it?").fill("To wait.")
    expect(account.locator("[data-save-status]")).to_contain_text("Saved")
    page.evaluate(STUB_PRINT)
    page.get_by_role("button", name="Check and print").click()
    page.emulate_media(media="print")
    text = page.locator("#reval-print").inner_text()
    assert text.startswith("CPD record") and "Code" not in text and "NMC" not in text
    page.emulate_media(media="screen")
    page.reload()
    unlock_in_page(page)
    expect(page.get_by_label("A general CPD record (another regulator, or not registered)")).to_be_checked()
    expect(page.locator(".account").get_by_label("How does it relate to your professional standards or your role?")).to_be_visible()


def test_locked_the_page_says_so_and_locking_takes_every_record_out(live_server, page):
    page.goto(live_server.url + "/revalidation")
    expect(page.get_by_text("Your records are encrypted on this phone. Unlock your journal to see and write them.")).to_be_visible()
    expect(page.locator("#reval")).to_be_hidden()
    create_journal(page)
    sent_summary(page, "A private summary")
    page.reload()
    unlock_in_page(page)
    expect(page.locator("#people option")).to_have_text("Morag")
    account = start_account(page)
    account.get_by_label("What did you learn from it?").fill("Something private")  # not yet saved: lock saves it
    journal(page, "lock")
    expect(page.locator("#reval")).to_be_hidden()
    expect(page.locator(".account")).to_have_count(0)
    content = page.content()
    assert "Something private" not in content and "Morag" not in content and "A private summary" not in content
    unlock_in_page(page)
    expect(page.locator(".account").get_by_label("What did you learn from it?")).to_have_value("Something private")


def test_deleting_an_account_asks_first_and_renumbers_the_rest(live_server, page):
    page.goto(live_server.url + "/revalidation")
    create_journal(page)
    start_account(page).get_by_label("What did you learn from it?").fill("first")
    second = start_account(page)
    second.get_by_label("What did you learn from it?").fill("second")
    page.locator(".account").first.get_by_role("button", name="Delete this account").click()
    page.locator(".account").first.get_by_role("button", name="Keep it").click()
    expect(page.locator(".account")).to_have_count(2)
    page.locator(".account").first.get_by_role("button", name="Delete this account").click()
    page.locator(".account").first.get_by_role("button", name="Delete it").click()
    expect(page.locator(".account")).to_have_count(1)
    expect(page.locator(".account h3")).to_have_text("Reflective account 1")
    expect(page.locator(".account").get_by_label("What did you learn from it?")).to_have_value("second")
    assert not any(a["field"].endswith(".learned") and a["value"] == "first" for a in journal(page, "loadAnswers"))


def test_what_is_typed_is_kept_when_the_worker_leaves_the_page_at_once(live_server, page):
    page.goto(live_server.url + "/revalidation")
    create_journal(page)
    account = start_account(page)
    account.get_by_label("What did you learn from it?").fill("typed just before leaving")
    page.get_by_label("How you learned").fill("Group discussion")
    go(page, "Journal")  # the navigator unmounts the page, which saves first
    expect(page.get_by_role("heading", name="Your journal", exact=True)).to_be_visible()
    go(page, "Revalidation: your CPD record and reflective accounts")
    expect(page.locator(".account").get_by_label("What did you learn from it?")).to_have_value("typed just before leaving")
    expect(page.get_by_label("How you learned")).to_have_value("Group discussion")


def test_revalidation_works_offline_after_the_first_visit(live_server, page_with_worker):
    page = page_with_worker
    page.goto(live_server.url + "/")
    wait_offline_ready(page)
    page.context.set_offline(True)
    page.goto(live_server.url + "/revalidation")
    create_journal(page)
    account = start_account(page)
    account.get_by_label("What did you learn from it?").fill("written with no signal")
    expect(account.locator("[data-save-status]")).to_contain_text("Saved")
    page.reload()
    unlock_in_page(page)
    expect(page.locator(".account").get_by_label("What did you learn from it?")).to_have_value("written with no signal")
