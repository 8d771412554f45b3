"""On WebKit: after the content pack changes on the server, the phone shows "Update available"; nothing
reloads until the worker taps Reload, and what they had written is still there afterwards."""

from .conftest import (
    PASSPHRASE,
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


def test_update_available_after_a_pack_change_and_nothing_is_lost(browser, make_server):
    driver, server = browser, make_server(copy_content=True)
    base = server.wire.url
    load(driver, base + "/section/first")
    wait_offline_ready(driver)
    journal(driver, "createJournal", PASSPHRASE)
    fill(driver.find_element(By.ID, "f-1-1-name"), "written before the update")
    wait_until(driver, """!document.querySelector("form[data-activity='1.1']").hasAttribute('data-pending')
        && /^Saved/.test(document.querySelector("form[data-activity='1.1'] [data-save-status]").textContent)""",
               message="the answer never said Saved")
    driver.execute_script("window.__sameDocument = true")

    module_yaml = server.content / "module.yaml"
    module_yaml.write_text(module_yaml.read_text().replace('version: "0.1.0"', 'version: "0.2.0"'))
    server.restart()
    # The app checks for a new version every 30 minutes and when the phone comes back online; ask now.
    driver.execute_script("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    wait_for_text(driver, "Update available", "#sw-status", timeout=30)
    assert driver.execute_script("return window.__sameDocument") is True, "the page reloaded before the worker asked"
    assert journal(driver, "isUnlocked") is True
    assert driver.find_element(By.ID, "f-1-1-name").get_attribute("value") == "written before the update"
    assert "0.1.0" in driver.find_element(By.CSS_SELECTOR, ".foot").text

    click(driver.find_element(By.XPATH, "//*[@id='sw-status']//button[normalize-space()='Reload']"))
    wait_until(driver, "window.__sameDocument === undefined && document.readyState === 'complete'"
                       " && document.querySelector('.foot')?.innerText.includes('0.2.0')", timeout=30,
               message="tapping Reload did not bring in the new version")
    unlock_in_page(driver)
    wait_until(driver, "document.getElementById('f-1-1-name').value === 'written before the update'",
               message="the answer written before the update is gone")
    assert not driver.find_element(By.CSS_SELECTOR, "#sw-status").is_displayed() \
        or "Update available" not in driver.find_element(By.CSS_SELECTOR, "#sw-status").text
