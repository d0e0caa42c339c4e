"""The dashboard in a real browser: headless Chromium, driven by Selenium,
against a real `eventhost run` with real plugins. Each test has a world of
its own (plugins folder, state, daemon, browser); ctest runs each test as
one test (see CMakeLists.txt):

    python3 test_dashboard.py DashboardTest.test_sign_in_with_the_link

Waits are bounded polls (WebDriverWait, WAIT seconds): a test fails if
what it waits for does not happen in time, and never asserts how long it
took.
"""

import os
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import dashboard_world as dw

# Network errors Chromium logs for answers a test provokes on purpose.
REFUSED = (r"status of 40[0-9]",)


class DashboardCase(unittest.TestCase):
    """A world with a daemon and a browser, and what the tests share."""
    plugins = ["recorder.so", "login_guard.so", "audit_log.so", "thrower.so",
               "bad_host_range.so"]
    daemon_args = ()
    port = 0

    def setUp(self):
        self.world = dw.World(self.plugins, self.id())
        self.record = self.world.file("recorded.txt")
        self.world.cli("plugins", "configure", "recorder", f"path={self.record}")
        self.world.start(*self.daemon_args, port=self.port)
        self.driver = dw.start_browser(self.world)
        self.page = dw.Page(self.driver, self.world)

    def tearDown(self):
        # Artifacts: how the page looked at the end, and the daemon's log.
        self.page.screenshot(f"end-{self._testMethodName}")
        with open(os.path.join(dw.ARTIFACTS, f"{self._testMethodName}.daemon.log"),
                  "w") as f:
            f.write(self.world.log())
        self.driver.quit()
        self.world.cleanup()

    # -- helpers ---------------------------------------------------------------
    def recorded(self):
        if not os.path.exists(self.record):
            return ""
        with open(self.record) as f:
            return f.read()

    def enabled_by_cli(self, key):
        return any(p["key"] == key and p["enabled"]
                   for p in self.world.cli_json("plugins", "list"))

    def csrf_of_page(self):
        return self.driver.execute_async_script(
            "const done = arguments[0];"
            "fetch('/api/session').then(r => r.json())"
            ".then(s => done(s.csrf_token));")

    def session_cookie(self):
        cookie = self.driver.get_cookie("eventhost_session")
        self.assertIsNotNone(cookie, "no session cookie after signing in")
        return cookie

    def find_button(self, text):
        return self.page.wait(
            lambda d: next((b for b in d.find_elements(By.TAG_NAME, "button")
                            if b.text == text and b.is_displayed()), False),
            f"no button {text!r}")


class DashboardTest(DashboardCase):
    """Each page, and the rules, with the default settings."""

    # -- signing in ------------------------------------------------------------
    def test_sign_in_with_the_link_then_its_code_is_spent(self):
        link = self.world.login_link()
        self.driver.get(link)
        self.page.visible("#plugins-table")
        self.assertNotIn("login=", self.driver.current_url,
                         "the code stays in the address bar")
        cookie = self.session_cookie()
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Strict")
        self.assertEqual(self.driver.execute_script("return document.cookie"), "",
                         "page scripts can read the session cookie")
        self.assertEqual(self.driver.execute_script(
            "return localStorage.length + sessionStorage.length"), 0)

        # Signed out, the same link does not sign in again.
        self.find_button("Sign out").click()
        self.page.visible("input[name=token]")
        self.driver.get(link)
        self.page.text_in("form.signin .error", "has been used")
        self.assertEqual(self.page.console_errors(allow=REFUSED), [])

    def test_sign_in_with_the_token_and_sign_out(self):
        self.page.sign_in_with_token()
        cookie = self.session_cookie()["value"]
        self.assertNotIn(self.world.token, self.driver.current_url)
        self.assertEqual(self.driver.execute_script(
            "return localStorage.length + sessionStorage.length"), 0)
        self.assertNotIn(self.world.token, self.world.log(),
                         "the token reached the daemon's log")
        self.assertNotIn(cookie, self.world.log(),
                         "the session id reached the daemon's log")

        self.find_button("Sign out").click()
        self.page.visible("input[name=token]")
        # The session is gone on the daemon's side too.
        reply = self.world.http("POST", "/api/plugins/login_guard/enable", {},
                                {"Cookie": f"eventhost_session={cookie}",
                                 "X-CSRF-Token": "whatever"})
        self.assertEqual(reply.status, 401)

        box = self.page.visible("input[name=token]")
        box.send_keys("not-the-token")
        box.submit()
        self.page.text_in("form.signin .error", "not the daemon's token")

    # -- the plugins page -------------------------------------------------------
    def test_the_plugin_list_matches_plugins_list_json(self):
        self.page.sign_in_with_link()
        expected = self.world.cli_json("plugins", "list")
        self.page.wait(lambda d: len(self.page.find_all("#plugins-table tbody tr"))
                       == len(expected), "the table never listed every plugin")
        rows = self.page.find_all("#plugins-table tbody tr")
        self.assertEqual([r.get_attribute("data-key") for r in rows],
                         [p["key"] for p in expected])
        for plugin in expected:
            row = self.page.row(plugin["key"])
            cells = row.find_elements(By.TAG_NAME, "td")
            self.assertEqual(cells[1].text, plugin.get("version", "–"))
            status = row.get_attribute("data-status")
            if plugin["status"].startswith("invalid"):
                self.assertEqual(status, "invalid")
                self.assertIn("host_version", cells[2].text)  # says why
                self.assertFalse(row.find_element(By.CSS_SELECTOR, "input.switch")
                                 .is_enabled(), "an invalid plugin has a working switch")
            else:
                self.assertEqual(status, plugin["status"])
            switch = row.find_element(By.CSS_SELECTOR, "input.switch")
            self.assertEqual(switch.is_selected(), plugin["enabled"])
        self.page.screenshot("plugins", full_page=True)

    def test_flipping_a_switch_enables_the_plugin_and_the_next_event_reaches_it(self):
        self.page.sign_in_with_link()
        switch = self.page.row("recorder").find_element(By.CSS_SELECTOR, "input.switch")
        self.assertFalse(switch.is_selected())
        switch.click()
        dw.wait_until(lambda: self.enabled_by_cli("recorder"),
                      "the CLI never saw recorder enabled")
        self.page.wait(lambda d: self.page.row("recorder").get_attribute("data-status") == "ok",
                       "the row never said ok")
        event_id = self.world.curl_emit("auth.login_failed", {"username": "bob"})
        dw.wait_until(lambda: f" {event_id} auth.login_failed" in self.recorded(),
                      f"event {event_id} never reached the recorder")

        # And off again.
        self.page.row("recorder").find_element(By.CSS_SELECTOR, "input.switch").click()
        dw.wait_until(lambda: not self.enabled_by_cli("recorder"),
                      "the CLI never saw recorder disabled")
        self.assertEqual(self.page.console_errors(), [])

    def test_a_breaker_trip_turns_the_plugin_red_without_a_reload(self):
        self.world.cli("plugins", "enable", "thrower")
        self.page.sign_in_with_link()
        self.page.wait(lambda d: self.page.row("thrower").get_attribute("data-status") == "ok",
                       "thrower never showed ok")
        self.driver.execute_script("window.notReloaded = true")
        for channel in range(6):
            self.world.curl_emit("channel.created", {"channel_id": channel})
        self.page.wait(lambda d: self.page.row("thrower").get_attribute("data-status")
                       == "breaker open", "thrower never turned to breaker open")
        row = self.page.row("thrower")
        self.assertIn("bad", row.get_attribute("class"))
        self.assertIn("failed", row.find_element(By.CSS_SELECTOR, ".reason").text)
        self.assertTrue(self.driver.execute_script("return window.notReloaded === true"),
                        "the page was reloaded")
        self.page.screenshot("plugins-breaker-open")

    # -- a plugin's page ----------------------------------------------------------
    def open_plugin(self, key):
        self.page.sign_in_with_link()
        self.page.open(f"#/plugins/{key}")
        self.page.visible("#settings-form, section h2")

    def setting(self, key):
        return self.page.find(f'#settings-form [data-setting="{key}"]')

    def test_a_bad_setting_value_shows_the_error_and_changes_nothing(self):
        self.open_plugin("login_guard")
        before = self.world.plugin_json("login_guard")["settings"]
        box = self.setting("max_attempts").find_element(By.TAG_NAME, "input")
        box.clear()
        box.send_keys("lots")
        window = self.setting("window_seconds").find_element(By.TAG_NAME, "input")
        window.clear()
        window.send_keys("60")
        self.page.find("#settings-form button[type=submit]").click()
        error = self.page.wait(
            lambda d: self.setting("max_attempts").find_element(By.CSS_SELECTOR, ".field-error"),
            "no error next to max_attempts")
        self.page.text_in('#settings-form [data-setting="max_attempts"] .field-error', "number")
        self.assertEqual(box.get_attribute("aria-invalid"), "true")
        self.assertTrue(error.is_displayed())
        self.assertFalse(self.setting("window_seconds")
                         .find_element(By.CSS_SELECTOR, ".field-error").is_displayed())
        self.assertEqual(self.world.plugin_json("login_guard")["settings"], before,
                         "a refused form saved something")
        self.page.screenshot("plugin-setting-error")
        self.assertEqual(self.page.console_errors(allow=REFUSED), [])

    def test_settings_a_running_plugin_rejects_show_the_error_and_change_nothing(self):
        audit = self.world.file("audit.jsonl")
        self.world.cli("plugins", "configure", "audit_log", f"path={audit}")
        self.world.cli("plugins", "enable", "audit_log")
        self.open_plugin("audit_log")
        box = self.setting("path").find_element(By.TAG_NAME, "input")
        box.clear()
        box.send_keys(self.world.file("no-such-folder/audit.jsonl"))
        self.page.find("#settings-form button[type=submit]").click()
        self.page.text_in('#settings-form [data-setting="path"] .field-error', "cannot open")
        self.page.text_in('#settings-form [role=status]', "Nothing was saved")
        self.assertEqual(self.world.plugin_json("audit_log")["settings"]["path"], audit)
        # The plugin still writes where it did.
        event_id = self.world.curl_emit("channel.created", {"channel_id": 4})
        dw.wait_until(lambda: f'"id":{event_id}' in dw.read_text(audit),
                      "audit_log stopped writing to its file")

    def test_an_action_runs_and_shows_its_result(self):
        self.world.cli("plugins", "enable", "recorder")
        self.open_plugin("recorder")
        form = self.page.visible('form[data-action="ping"]')
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.page.text_in('form[data-action="ping"] output', "pong")
        self.page.screenshot("plugin-action")

    def test_a_dead_letter_is_retried_from_its_button(self):
        # Three attempts in all, all failed: a dead letter.
        self.world.cli("plugins", "configure", "recorder", "fail_first=3")
        self.world.cli("plugins", "enable", "recorder")
        event_id = self.world.curl_emit("auth.login_failed", {"username": "eve"})
        self.open_plugin("recorder")
        retry = self.page.wait(
            lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, "#dead-letters button")
                            if b.text == "Retry"), False),
            "the dead letter never appeared")
        self.page.visible("figure.chart")
        self.page.text_in("main", "Recent failures")
        self.assertIn(f"#{event_id}", self.page.find("#dead-letters").text)
        self.page.screenshot("plugin", full_page=True)
        retry.click()
        dw.wait_until(lambda: self.recorded().count(f" {event_id} auth.login_failed") == 4,
                      "the retried letter never reached the recorder")
        self.page.wait(lambda d: not self.page.find_all("#dead-letters"),
                       "the dead letter is still listed")
        self.assertEqual(self.world.cli_json("deadletters", "list"), [])

    # -- the events page ------------------------------------------------------------
    def test_an_event_posted_with_curl_appears_in_the_live_view(self):
        self.page.sign_in_with_link()
        self.page.open("#/events")
        self.page.present("#live-events")
        self.page.wait(lambda d: "Live" == self.page.find("#connection").text,
                       "the live stream never connected")
        event_id = self.world.curl_emit("channel.created",
                                        {"channel_id": 42, "channel_name": "News HD"})
        item = self.page.visible(f'#live-events li[data-id="{event_id}"]', timeout=5)
        item.find_element(By.TAG_NAME, "summary").click()
        self.assertIn('"channel_name": "News HD"', item.find_element(By.TAG_NAME, "pre").text)

        # Paused, it holds new events back until resumed.
        self.page.find("#live-pause").click()
        paused_id = self.world.curl_emit("channel.created", {"channel_id": 43})
        self.page.text_in("section [role=status]", "1 new events held")
        self.assertFalse(self.page.find_all(f'#live-events li[data-id="{paused_id}"]'))
        self.page.find("#live-pause").click()
        self.page.visible(f'#live-events li[data-id="{paused_id}"]')

        # A filter shows only what matches.
        pattern = self.page.find("#live-pattern")
        pattern.send_keys("auth.*", Keys.TAB)
        hidden_id = self.world.curl_emit("channel.created", {"channel_id": 44})
        shown_id = self.world.curl_emit("auth.login_failed", {"username": "bob"})
        self.page.visible(f'#live-events li[data-id="{shown_id}"]')
        self.assertFalse(self.page.find_all(f'#live-events li[data-id="{hidden_id}"]'))
        self.page.screenshot("events")

    def test_the_emit_form_and_the_journal_browser(self):
        self.page.sign_in_with_link()
        self.page.open("#/events")
        select = self.page.visible("#emit-event")
        self.driver.execute_script(
            "arguments[0].value = 'channel.created';"
            "arguments[0].dispatchEvent(new Event('change'))", select)
        payload = self.page.find("#emit-payload").get_attribute("value")
        self.assertIn('"channel_id": 0', payload)
        self.assertIn('"channel_name": ""', payload)
        self.page.find("#emit-form button[type=submit]").click()
        self.page.text_in("#emit-result", "Emitted channel.created as #")
        emitted = int(self.page.find("#emit-result").text.split("#")[1].split(",")[0])
        self.assertEqual(self.world.cli_json("journal", "show", str(emitted))["event"],
                         "channel.created")

        pattern = self.page.find("#journal-pattern")
        pattern.send_keys("channel.*", Keys.ENTER)
        self.page.text_in("#journal-results", "channel.created")
        show = self.page.wait(lambda d: next(
            (b for b in d.find_elements(By.CSS_SELECTOR, "#journal-results button")
             if b.get_attribute("aria-label") == f"Show event {emitted}"), False),
            "the journal never listed the emitted event")
        show.click()
        self.page.text_in("#journal-detail", f"Event #{emitted}: channel.created")

    # -- the overview ------------------------------------------------------------------
    def test_the_overview_shows_figures_level_and_readiness(self):
        self.world.cli("plugins", "enable", "recorder")
        self.page.sign_in_with_link()
        self.page.open("#/overview")
        self.page.wait(lambda d: self.page.find("#ov-readiness .badge").text == "ready",
                       "the overview never said ready")
        self.page.text_in("#ov-crash", "None")
        self.page.wait(lambda d: self.page.find("#ov-clients").text == "1",
                       "the overview never counted this page's live stream")
        level = self.page.find("#ov-level")
        self.driver.execute_script("arguments[0].value = 'CRITICAL'", level)
        self.find_button("Apply level").click()
        dw.wait_until(lambda: self.world.cli_json("level", "get")["level"] == "CRITICAL",
                      "the level never changed")
        self.page.screenshot("overview")

    # -- the rules -------------------------------------------------------------------------
    def test_a_change_without_the_session_or_without_the_csrf_header_is_refused(self):
        self.page.sign_in_with_link()
        cookie = {"Cookie": f"eventhost_session={self.session_cookie()['value']}"}
        csrf = self.csrf_of_page()
        self.assertTrue(csrf)
        path = "/api/plugins/login_guard/enable"

        no_csrf = self.world.http("POST", path, {}, cookie)
        self.assertEqual(no_csrf.status, 403, no_csrf.text)
        self.assertIn("X-CSRF-Token", no_csrf.json["error"])
        wrong = self.world.http("POST", path, {}, {**cookie, "X-CSRF-Token": csrf[::-1]})
        self.assertEqual(wrong.status, 403)
        no_session = self.world.http("POST", path, {}, {"X-CSRF-Token": csrf})
        self.assertEqual(no_session.status, 401)
        self.assertFalse(self.enabled_by_cli("login_guard"),
                         "a refused request changed something")

        # From the page itself, without the header: refused too.
        status = self.driver.execute_async_script(
            "const done = arguments[0];"
            f"fetch('{path}', {{method: 'POST'}}).then(r => done(r.status));")
        self.assertEqual(status, 403)
        self.assertFalse(self.enabled_by_cli("login_guard"))

        allowed = self.world.http("POST", path, {}, {**cookie, "X-CSRF-Token": csrf})
        self.assertEqual(allowed.status, 200, allowed.text)
        self.assertTrue(self.enabled_by_cli("login_guard"))
        # Bearer-token clients are unchanged.
        self.assertEqual(self.world.http("POST", "/api/plugins/login_guard/disable",
                                         {}, token=True).status, 200)

    def test_no_page_logs_a_console_error(self):
        self.world.cli("plugins", "enable", "recorder")
        self.page.sign_in_with_link()
        # Each page with what it asks for on its timer: looked at once that
        # has come back three times, after an event came in. The events page
        # polls nothing: it has refreshed once the event arrived live and
        # its rate counted it.
        pages = [("#/plugins", "#plugins-table tbody tr", "plugins", "/api/plugins"),
                 ("#/plugins/recorder", "#settings-form", "plugin-recorder",
                  "/api/series?plugin=recorder"),
                 ("#/plugins/login_guard", "#settings-form", "plugin-login_guard",
                  "/api/series?plugin=login_guard"),
                 ("#/events", "#emit-form", "events", None),
                 ("#/overview", "#ov-readiness .badge", "overview", "/api/series")]
        for fragment, ready, name, polled in pages:
            self.page.open(fragment)
            self.page.visible(ready)
            event_id = self.world.curl_emit("auth.login_failed", {"username": "carol"})
            if polled:
                self.page.wait_for_requests(polled, count=3)
            else:
                self.page.visible(f'#live-events li[data-id="{event_id}"]')
                self.page.wait(lambda d: not self.page.find("#live-rate").text
                               .startswith("0 "), "the rate never counted the event")
            self.page.screenshot(f"page-{name}")
            self.assertEqual(self.page.console_errors(), [], f"on {fragment}")
        # Phone width (a 390 px wide screen): the same pages, with nothing
        # wider than the screen.
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
        for fragment, ready, name, _ in pages:
            self.page.open(fragment)
            self.page.visible(ready)
            self.page.screenshot(f"phone-{name}")
            self.assertEqual(self.page.console_errors(), [], f"on {fragment} (phone)")
            wider = self.driver.execute_script(
                "return [...document.querySelectorAll('body *')]"
                ".filter(e => e.getBoundingClientRect().right > 391)"
                ".map(e => e.outerHTML.slice(0, 120))")
            self.assertEqual(wider, [], f"{fragment} is wider than a phone")

    def test_the_plugins_page_works_with_the_keyboard_alone(self):
        self.page.open()
        box = self.page.visible("input[name=token]")
        self.assertEqual(self.driver.switch_to.active_element, box)
        box.send_keys(self.world.token, Keys.ENTER)
        self.page.visible("#plugins-table")
        target = self.page.row("recorder").find_element(By.CSS_SELECTOR, "input.switch")
        for _ in range(60):
            if self.driver.switch_to.active_element == target:
                break
            self.driver.switch_to.active_element.send_keys(Keys.TAB)
        self.assertEqual(self.driver.switch_to.active_element, target,
                         "Tab never reached the recorder's switch")
        self.assertEqual(target.get_attribute("aria-label"), "Enabled: Recorder")
        target.send_keys(Keys.SPACE)
        dw.wait_until(lambda: self.enabled_by_cli("recorder"),
                      "Space on the switch did not enable the plugin")
        # Two refreshes of the table later, the focus is where it was.
        self.page.wait_for_requests("/api/plugins", count=3)
        self.assertEqual(self.driver.switch_to.active_element, target)
        # Every control on the page has a name a screen reader can say.
        unnamed = self.driver.execute_script("""
            return [...document.querySelectorAll('input, select, textarea, button')]
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                           && !e.textContent.trim()).map(e => e.outerHTML);""")
        self.assertEqual(unnamed, [])


class SessionExpiryTest(DashboardCase):
    """A session that idles past --session-idle-ms is over."""
    daemon_args = ("--session-idle-ms", "1500")

    def test_an_idle_session_expires_and_the_page_asks_to_sign_in_again(self):
        self.page.sign_in_with_link()
        cookie = self.session_cookie()["value"]
        # Past the idle limit: asking whether the cookie is signed in is not
        # activity, so this does not keep the session open.
        dw.wait_until(lambda: self.world.http(
            "GET", "/api/session",
            headers={"Cookie": f"eventhost_session={cookie}"}).json["signed_in"] is False,
            "the session never expired")
        self.page.row("login_guard").find_element(By.CSS_SELECTOR, "input.switch").click()
        self.page.text_in("form.signin .error", "session has expired")
        self.assertFalse(self.enabled_by_cli("login_guard"))
        reply = self.world.http("POST", "/api/plugins/login_guard/enable", {},
                                {"Cookie": f"eventhost_session={cookie}",
                                 "X-CSRF-Token": "x"})
        self.assertEqual(reply.status, 401)


class ConnectionTest(DashboardCase):
    """The daemon goes away and comes back on the same address."""

    def setUp(self):
        self.port = dw.free_port()
        super().setUp()

    def test_a_lost_connection_is_shown_and_retried(self):
        self.page.sign_in_with_link()
        self.page.wait(lambda d: self.page.find("#connection").text == "Live",
                       "never live")
        self.world.stop()
        self.page.wait(lambda d: "lost" in self.page.find("#connection").text,
                       "the lost connection was never shown")
        self.page.screenshot("connection-lost")
        self.world.start(port=self.port)
        self.page.wait(lambda d: self.page.find("#connection").text == "Live",
                       "the page never reconnected", timeout=20)


if __name__ == "__main__":
    unittest.main(verbosity=2)
