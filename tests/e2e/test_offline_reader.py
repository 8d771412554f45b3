"""A worker who opened the app once can read every section with no signal."""
from datetime import datetime, timedelta

from playwright.sync_api import expect

from pwa.content import load_pack
from pwa.reader import page_url

from .conftest import REAL_PACK, wait_app_started, wait_offline_ready

MODULE = load_pack(REAL_PACK)


def test_every_section_reads_offline_after_first_visit(live_server, context, page):
    page.goto(live_server.url + "/")
    wait_offline_ready(page)
    context.set_offline(True)
    for section, part in MODULE.pages():  # every part of every section
        page.goto(live_server.url + page_url(section, part))
        title = section.title if len(section.parts) == 1 else part.title
        assert page.locator("h1").inner_text().endswith(title)
        for activity in part.activities:
            assert page.locator(f"[data-activity='{activity['id']}']").count() == 1
    page.goto(live_server.url + "/")
    assert page.locator(".section-link").count() == len(MODULE.sections)


def test_a_first_visit_starts_the_app_from_the_install_without_sending_its_scripts_twice(live_server, context, page):
    """On a first visit only offline.js crosses the wire on its own: the app's other scripts come with the
    service worker's install and the page starts them from there (the 64 KB budget, bench/first_load.py)."""
    scripts = []
    page.on("response", lambda r: "/js/" in r.url and scripts.append((r.url.rsplit("/js/", 1)[1], r.from_service_worker)))
    page.goto(live_server.url + "/support")
    wait_app_started(page)
    start = page.get_by_role("button", name="Start one minute")
    expect(start).to_be_visible()
    start.click()
    expect(page.locator("#cue")).to_have_text("Breathe in")
    from_network = sorted(name for name, from_worker in scripts if not from_worker)
    assert from_network == ["offline.js"]
    assert {"main.js", "nav.js", "lock.js", "session.js", "support.js"} <= {name for name, _ in scripts}


def test_a_worker_that_cannot_install_still_lets_the_first_visit_start_the_app(browser, live_server):
    """The first visit waits for the install to start the app; an install that fails must not leave the page
    without it. The clock is frozen, so the 10 s fallback cannot be what starts it."""
    context = browser.new_context(service_workers="allow")
    context.route("**/sw.js", lambda route: route.fulfill(content_type="application/javascript", body=(
        'self.addEventListener("install", (event) => event.waitUntil(Promise.reject(new Error("no room"))));')))
    page = context.new_page()
    page.clock.install()
    page.clock.pause_at(datetime.now() + timedelta(minutes=1))  # page timers stand still from here
    page.goto(live_server.url + "/support")
    wait_app_started(page)
    expect(page.get_by_role("button", name="Start one minute")).to_be_visible()
    assert page.evaluate("navigator.serviceWorker.controller") is None
    context.close()


def test_a_control_only_the_app_can_run_stays_out_of_sight_until_it_has_started(browser, live_server):
    context = browser.new_context(java_script_enabled=False)  # as before the app starts: it never will here
    page = context.new_page()
    page.goto(live_server.url + "/support")
    assert page.get_by_role("heading", name="Take a breather").is_visible()
    assert page.locator("#breathe").is_hidden() and page.locator("#breathe").bounding_box()["height"] >= 44  # room kept
    page.goto(live_server.url + "/print")
    assert page.locator("#print-now").count() == 1 and page.locator("#print-now").is_hidden()
    context.close()


def test_unknown_page_offline_shows_offline_page(live_server, context, page):
    page.goto(live_server.url + "/")
    wait_offline_ready(page)
    context.set_offline(True)
    page.goto(live_server.url + "/no-such-page")
    assert page.locator("h1").inner_text() == "You are offline"


def test_new_version_waits_until_the_worker_taps_reload(make_server, context, page):
    server = make_server(copy_content=True)
    page.goto(server.url + "/section/first")
    wait_offline_ready(page)
    page.evaluate("window.__sameDocument = true")
    module_yaml = server.content / "module.yaml"
    module_yaml.write_text(module_yaml.read_text().replace('version: "0.1.0"', 'version: "0.2.0"'))
    server.restart()
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    toast = page.locator("#sw-status")
    toast.get_by_text("Update available").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded before the worker asked"
    assert "0.1.0" in page.locator(".foot").inner_text()
    with page.expect_navigation():
        toast.get_by_role("button", name="Reload").click()
    assert page.evaluate("window.__sameDocument") is None
    assert "0.2.0" in page.locator(".foot").inner_text()


def test_ready_to_work_offline_goes_by_itself_but_an_update_offer_stays(live_server, context, page):
    page.clock.install()
    page.goto(live_server.url + "/")
    wait_offline_ready(page)
    toast = page.locator("#sw-status")
    page.clock.run_for(5_000)
    expect(toast).to_be_visible()
    page.clock.run_for(6_000)
    expect(toast).to_be_hidden()
    page.evaluate("""async () => (await import(document.querySelector("script[src*='/js/offline.js']").src))
        .showStatus(document.getElementById("sw-status"), "Update available", { label: "Reload", onClick() {} })""")
    page.clock.run_for(60_000)
    expect(toast).to_contain_text("Update available")
