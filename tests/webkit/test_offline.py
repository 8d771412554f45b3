"""On WebKit, with the server stopped after the first visit: every page a worker can reach reads from the
service worker's copy, and the journal unlocks, saves and restores with no connection."""
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from .conftest import (
    PASSPHRASE,
    REAL_PACK,
    By,
    click,
    fill,
    journal,
    load,
    unlock_in_page,
    wait_for_text,
    wait_offline_ready,
    wait_until,
)

PEOPLE = ["Morag on nights", "Dev", "Aunt Sìne"]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.h1, self._in_h1 = [], "", False

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.hrefs.append(dict(attrs)["href"])
        self._in_h1 = self._in_h1 or tag == "h1"

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def worker_pages(url: str) -> dict[str, str]:
    """Every page a worker can reach by following links from the contents page, with its heading:
    found from the server's own HTML, not from the service worker's list, so a page it forgot shows up."""
    pages, todo = {}, ["/"]
    while todo:
        path = todo.pop()
        if path in pages:
            continue
        with urllib.request.urlopen(url + path, timeout=10) as response:
            parser = Links()
            parser.feed(response.read().decode())
        pages[path] = " ".join(parser.h1.split())
        for href in parser.hrefs:
            target = urlsplit(urldefrag(href)[0])
            if target.scheme or target.netloc or not target.path.startswith("/"):
                continue  # another site (the reading list), or an in-page anchor
            if target.path.startswith(("/supervise", "/api/")) or "." in target.path.rsplit("/", 1)[-1]:
                continue  # the supervisor's pages, the API, files
            todo.append(target.path)
    return pages


def test_server_stopped_every_worker_page_and_the_journal_work(browser, make_server):
    driver, server = browser, make_server(content=REAL_PACK)
    base = server.wire.url
    load(driver, base + "/")
    wait_offline_ready(driver)
    journal(driver, "createJournal", PASSPHRASE)
    journal(driver, "saveAnswer", {"activity": "2.0", "field": "people", "value": PEOPLE, "revision": 1})
    pages = worker_pages(server.url)
    assert {"/", "/journal", "/support", "/share", "/print"} <= set(pages)
    assert sum(path.startswith("/section/") for path in pages) >= 6, f"the crawl found too few sections: {pages}"

    server.stop()  # no signal from here on
    for path, heading in pages.items():
        load(driver, base + path)
        shown = wait_until(driver, "document.querySelector('h1')?.innerText", message=f"{path} showed no heading offline")
        assert " ".join(shown.split()) == heading, f"{path} offline shows {shown!r}, not {heading!r}"
    load(driver, base + "/no-such-page")
    wait_for_text(driver, "You are offline", "h1")

    load(driver, base + "/journal")  # unlock on the journal page
    wait_until(driver, "!document.querySelector('#unlock').closest('section').hidden")
    fill(driver.find_element(By.ID, "u-secret"), PASSPHRASE)
    click(driver.find_element(By.CSS_SELECTOR, "#unlock button"))
    wait_until(driver, "!document.querySelector('#change').closest('section').hidden", timeout=20,
               message="the journal did not unlock offline")

    load(driver, base + "/support")  # a new page load locks again; the names come back offline
    unlock_in_page(driver)
    for name in PEOPLE:
        wait_for_text(driver, name, "main")

    load(driver, base + "/section/introduction")  # write offline, then read it back after a reload
    unlock_in_page(driver)
    first = "#activity-2-0 input[type=text]"
    wait_until(driver, "document.querySelector(args[0]).value === args[1]", first, PEOPLE[0])
    fill(driver.find_element(By.CSS_SELECTOR, first), "Morag, written with no signal")
    wait_until(driver, """!document.querySelector("form[data-activity='2.0']").hasAttribute('data-pending')
        && /^Saved/.test(document.querySelector("form[data-activity='2.0'] [data-save-status]").textContent)""",
               message="an answer typed offline never said Saved")
    load(driver)
    unlock_in_page(driver)
    wait_until(driver, "document.querySelector(args[0]).value === args[1]", first, "Morag, written with no signal",
               message="the answer saved offline did not come back")
    assert server.process.poll() is not None, "the server was running after all"
