"""The shipped build, as users get it: `dist/` after `trunk build --release` (wasm-opt's output,
index.html's Content-Security-Policy, the hashed file names, the loader), served over HTTP and
driven in headless Chromium and Firefox through WebDriver. The wasm-bindgen tests drive the
unoptimised module on the test runner's own page; this checks that the optimised module and the
real page work together: the page starts, stage 3 traces a request hop by hop, a load run
finishes, and nothing is refused by the page's policy (a `securitypolicyviolation` listener, in
both browsers) or ends in the bug banner.

Usage: python3 tests/release/smoke.py DIST   (./setup.sh test runs it after the release build)
Prints one "N passed; M failed" line, which setup.sh adds to its totals.
"""

import functools
import http.server
import os
import shutil
import sys
import threading

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

# What the page does that the checks wait for, in seconds (a load run takes about one).
TIMEOUT = 120


class Files(http.server.SimpleHTTPRequestHandler):
    """dist/ as a static server serves it, with WebAssembly's media type."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
    }

    def log_message(self, *args):
        pass


def chromium():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=service)


def firefox():
    options = webdriver.FirefoxOptions()
    for flag in ("-headless", "--width=1400", "--height=1000"):
        options.add_argument(flag)
    geckodriver = shutil.which("geckodriver") or os.path.expanduser("~/.cargo/bin/geckodriver")
    return webdriver.Firefox(options=options, service=webdriver.FirefoxService(geckodriver))


def console_errors(driver):
    """The page's console errors (Chromium reports them; geckodriver has no log endpoint). A
    refusal by the Content-Security-Policy is one. The favicon the browser asks for by itself
    is not the app's."""
    if driver.capabilities.get("browserName") != "chrome":
        return []
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]]


def set_number(driver, selector, value):
    field = driver.find_element(By.CSS_SELECTOR, selector)
    field.clear()
    field.send_keys(value)
    driver.execute_script(
        "arguments[0].dispatchEvent(new Event('change', { bubbles: true }))", field)


def check(driver, url):
    """The run through the app; raises AssertionError (or a WebDriver timeout) on a failure."""
    wait = WebDriverWait(driver, TIMEOUT)
    find = functools.partial(driver.find_elements, By.CSS_SELECTOR)
    driver.get(url)
    wait.until(lambda _: find("button[data-stage='3']"))
    # What the page's policy refuses from now on, in either browser (geckodriver cannot read
    # the console); the stage pick below fits the drawing, so the canvas is drawn again.
    driver.execute_script(
        "window.refused = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.refused.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));")
    find("button[data-stage='3']")[0].click()
    wait.until(lambda _: len(find("g.node")) >= 8)
    find("button[data-action='send']")[0].click()
    wait.until(lambda _: find("tr.hop-row"))
    hops = len(find("tr.hop-row"))
    assert hops >= 5, f"a stage-3 request shows {hops} hops"
    find("button[data-tab='load']")[0].click()
    wait.until(lambda _: find("input[data-control='rps']"))
    set_number(driver, "input[data-control='rps']", "2000")
    set_number(driver, "input[data-control='seconds']", "20")
    find("button[data-action='run-load']")[0].click()
    wait.until(lambda _: find(".load-totals[data-finished='true']"))
    totals = find(".load-totals")[0].text
    assert totals.startswith("40000 sent"), f"the load run's totals: {totals!r}"
    assert not driver.find_elements(By.ID, "stacksim-panic"), "the bug banner is shown"
    refused = driver.execute_script("return window.refused")
    assert not refused, f"refused by the Content-Security-Policy: {refused}"
    errors = console_errors(driver)
    assert not errors, f"console errors: {errors}"
    return f"{hops} hops; {totals.splitlines()[0]}"


def main():
    if len(sys.argv) != 2 or not os.path.isfile(os.path.join(sys.argv[1], "index.html")):
        print("usage: python3 tests/release/smoke.py DIST (a trunk build --release)",
              file=sys.stderr)
        return 2
    handler = functools.partial(Files, directory=sys.argv[1])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    passed = failed = 0
    for name, start in (("chromium", chromium), ("firefox", firefox)):
        driver = start()
        try:
            print(f"test release build in {name} ... ok ({check(driver, url)})")
            passed += 1
        except Exception as error:  # a failed check or a browser that gave up: both fail
            print(f"test release build in {name} ... FAILED: {type(error).__name__}: {error}")
            failed += 1
        finally:
            driver.quit()
    server.shutdown()
    print(f"\nrelease smoke: {passed} passed; {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
