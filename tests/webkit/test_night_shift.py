"""On WebKit: a night shift. The worker unlocks once, then reads on through every page of the module and
visits the journal, support, share and print pages by the app's own links, without being asked for the
passphrase again: while unlocked the worker's pages are one document, so the key in page memory survives."""

from .conftest import PASSPHRASE, REAL_PACK, By, click, journal, load, unlock_in_page, wait_offline_ready, wait_until


def follow(driver, link, path):
    """Tap a link; wait until its page is on show, still in this document, still unlocked, nothing asked."""
    click(link)
    wait_until(driver, "location.pathname === args[0] && document.body.dataset.page !== undefined"
                       " && document.querySelector('main h1')", path, message=f"{path} did not come up")
    state = driver.execute_script("""return { same: window.__sameDocument === true, asked: !!document.querySelector(
        'dialog.unlock-dialog[open]'), locked: [...document.querySelectorAll('[data-locked-note]')]
        .some((note) => note.offsetParent !== null) }""")
    assert state["same"], f"going to {path} loaded a new document: the journal locked and asks again"
    assert not state["asked"] and not state["locked"], f"{path} asks for the passphrase again"
    assert journal(driver, "isUnlocked") is True, f"locked at {path}"


def test_night_shift_passphrase_asked_once(browser, make_server):
    driver, server = browser, make_server(content=REAL_PACK)
    base = server.wire.url
    load(driver, base + "/")
    wait_offline_ready(driver)
    journal(driver, "createJournal", PASSPHRASE)
    journal(driver, "saveAnswer", {"activity": "2.0", "field": "people", "value": ["Morag", "Dev", "Sìne"],
                                   "revision": 1})
    load(driver)  # the shift starts: the app is opened, locked
    unlock_in_page(driver)
    driver.execute_script("window.__sameDocument = true")

    follow(driver, driver.find_element(By.CSS_SELECTOR, ".section-link"), "/section/introduction")
    visited = ["/section/introduction"]
    while nexts := driver.find_elements(By.CSS_SELECTOR, "main a[rel=next]"):
        path = nexts[0].get_attribute("pathname")
        follow(driver, nexts[0], path)
        visited.append(path)
    assert len(visited) >= 6 and any(path.count("/") == 3 for path in visited), f"read on through only {visited}"
    wait_until(driver, "document.querySelector('#activity-2-0') === null")  # the last page is not the first

    app_bar = "//nav[@aria-label='App']//a[normalize-space()=$NAME]"
    for name, path in [("Contents", "/"), ("Journal", "/journal"), ("Support", "/support")]:
        follow(driver, driver.find_element(By.XPATH, app_bar.replace("$NAME", f"'{name}'")), path)
    wait_until(driver, "document.querySelector('main').innerText.includes('Morag')",
               message="support does not show the people named in 2.0")
    follow(driver, driver.find_element(By.XPATH, app_bar.replace("$NAME", "'Journal'")), "/journal")
    follow(driver, driver.find_element(By.CSS_SELECTOR, "main a[href='/print']"), "/print")
    wait_until(driver, "document.querySelector('main').innerText.includes('Dev')",
               message="print does not show the answers")
    follow(driver, driver.find_element(By.XPATH, app_bar.replace("$NAME", "'Share'")), "/share")
    wait_until(driver, "!document.querySelector('#pair-form').closest('[data-unpaired]').hidden")
