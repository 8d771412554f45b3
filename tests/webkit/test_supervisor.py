"""On WebKit (a supervisor on a Mac or an iPad): the first sign-in makes the supervisor's key and shows its
recovery code once, the pairing code carries the key check worked out in the browser, and a summary sealed to
that key opens on the dashboard. The phone here is Python speaking the API (tests/e2e/test_supervisor_key.py)."""
import re
import subprocess
import sys

from tests.e2e.test_supervisor_key import Phone

from .conftest import REAL_PACK, By, click, fill, load, wait_for_text, wait_until

EMAIL, SUPERVISOR_PASSWORD = "morag@example.org", "a long supervisor password"


def test_a_supervisor_on_webkit_makes_their_key_and_reads_a_summary_sealed_to_it(browser, make_server):
    # Plain http on 127.0.0.1: WebKit drops a Secure cookie there (see test_share.py's server fixture).
    server = make_server(content=REAL_PACK, env={"ALONGSIDE_SECURE_COOKIES": "false"})
    subprocess.run([sys.executable, "-m", "pwa.cli", "supervisor", "add", EMAIL, "--name", "Morag",
                    "--instance", str(server.instance)], input=f"{SUPERVISOR_PASSWORD}\n{SUPERVISOR_PASSWORD}\n",
                   text=True, check=True, capture_output=True, env=server.env_for_cli())
    driver = browser
    load(driver, server.url + "/supervise/login")
    fill(driver.find_element(By.ID, "email"), EMAIL)
    fill(driver.find_element(By.ID, "password"), SUPERVISOR_PASSWORD)
    click(driver.find_element(By.CSS_SELECTOR, "form[action$='/supervise/login'] button[type=submit]"))
    wait_for_text(driver, "Your recovery code", timeout=60)  # PBKDF2 at 600,000 rounds, then the key is kept
    code = driver.find_element(By.CSS_SELECTOR, "[data-recovery-code]").text
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]{4}", code)
    click(driver.find_element(By.CSS_SELECTOR, "[data-recovery-done]"))
    wait_for_text(driver, "Shared summaries", "h1", timeout=30)

    click(driver.find_element(By.CSS_SELECTOR, "form[action$='/supervise/codes'] button"))
    whole = wait_until(driver, "(t => /^([2-9A-HJKMNP-Z]{4}-){3}[2-9A-HJKMNP-Z]{4}$/.test(t) && t)"
                               "(document.querySelector('.pairing-code')?.textContent.trim())", timeout=30)
    phone = Phone(server, whole)  # fails unless WebKit's check matches the key the server hands out

    text = "Written on a phone, read in Safari.\nSecond line & <b>markup</b>"
    assert phone.send(phone.seal(text))[0] == 201
    load(driver, server.url + "/supervise/")
    shown = wait_until(driver, "document.querySelector('.shared-text:not([hidden])')?.textContent.includes('Safari')"
                               " && document.querySelector('.shared-text').textContent", timeout=30)
    assert shown == text
    assert driver.execute_script("return document.querySelectorAll('.shared-text b').length") == 0
