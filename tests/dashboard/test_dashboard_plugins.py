"""More of the Plugins page and a plugin's page in a real browser
(headless Chromium against a real `eventhost run`, as test_dashboard.py):
a plugin the host disables after crashes, the isolation tier selector,
dropping a dead letter, and the overview naming the plugin the last
unclean shutdown happened in. Run one test as

    python3 test_dashboard_plugins.py CrashTest.test_a_plugin_disabled_after_crashes_turns_red_without_a_reload
"""

import subprocess
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import dashboard_world as dw
from test_dashboard import DashboardCase


class PluginPageTest(DashboardCase):
    """A plugin's page: its tier and its dead letters."""

    def open_plugin(self, key, ready="#settings-form"):
        self.page.sign_in_with_link()
        self.page.open(f"#/plugins/{key}")
        self.page.visible(ready)

    def test_the_tier_selector_moves_a_plugin_to_the_process_tier(self):
        self.world.cli("plugins", "enable", "login_guard")
        self.open_plugin("login_guard")
        self.assertEqual(self.world.plugin_json("login_guard")["isolation"], "thread")
        # Found by its label, as a person (or a screen reader) finds it.
        label = self.driver.find_element(By.XPATH, "//label[text()='Where it runs']")
        select = self.driver.find_element(By.ID, label.get_attribute("for"))
        self.assertEqual(select.get_attribute("value"), "manifest")
        Select(select).select_by_value("process")
        self.find_button("Apply tier").click()
        self.page.text_in("main", "Runs in the process tier (your choice).")
        dw.wait_until(lambda: self.world.plugin_json("login_guard")["isolation"] == "process",
                      "the CLI never saw login_guard in the process tier")
        self.page.text_in("main", "runs in the process tier")
        self.assertEqual(self.page.console_errors(), [])

    def test_a_dead_letter_is_dropped_from_its_button(self):
        # Three attempts in all, all failed: a dead letter.
        self.world.cli("plugins", "configure", "recorder", "fail_first=3")
        self.world.cli("plugins", "enable", "recorder")
        event_id = self.world.curl_emit("auth.login_failed", {"username": "eve"})
        self.open_plugin("recorder")
        drop = self.page.wait(
            lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, "#dead-letters button")
                            if b.text == "Drop"), False),
            "the dead letter never appeared")
        self.assertIn(f"#{event_id}", self.page.find("#dead-letters").text)
        drop.click()
        self.page.text_in("main", "dropped 1.")
        self.page.wait(lambda d: not self.page.find_all("#dead-letters"),
                       "the dead letter is still listed")
        self.assertEqual(self.world.cli_json("deadletters", "list"), [])
        # Dropped, not delivered: the recorder saw only the three attempts.
        self.assertEqual(self.recorded().count(f" {event_id} auth.login_failed"), 3)
        self.assertEqual(self.page.console_errors(), [])


class CrashTest(DashboardCase):
    """aborter calls abort() on channel.created; in the process tier each
    call kills its worker, and 5 crashes in a minute disable it."""
    plugins = DashboardCase.plugins + ["aborter.so"]

    def test_a_plugin_disabled_after_crashes_turns_red_without_a_reload(self):
        self.world.stop()
        self.world.cli("plugins", "configure", "aborter", "--isolation", "process")
        self.world.cli("plugins", "enable", "aborter")
        self.world.start()
        self.page.sign_in_with_link()
        self.page.wait(lambda d: self.page.row("aborter").get_attribute("data-status") == "ok",
                       "aborter never showed ok")
        self.driver.execute_script("window.notReloaded = true")
        for channel in range(8):
            self.world.curl_emit("channel.created", {"channel_id": channel})
        # The worker restarts with a growing back-off between crashes.
        self.page.wait(lambda d: self.page.row("aborter").get_attribute("data-status")
                       == "crashed", "aborter never showed crashed", timeout=60)
        row = self.page.row("aborter")
        self.assertIn("bad", row.get_attribute("class"))
        reason = row.find_element(By.CSS_SELECTOR, ".reason").text
        self.assertIn("crashed 5 times", reason)
        self.assertIn("SIGABRT", reason)
        self.assertFalse(row.find_element(By.CSS_SELECTOR, "input.switch").is_selected())
        self.assertTrue(self.driver.execute_script("return window.notReloaded === true"),
                        "the page was reloaded")
        self.assertFalse(self.enabled_by_cli("aborter"))
        self.page.screenshot("plugins-crashed")
        self.assertEqual(self.page.console_errors(), [])


class UncleanShutdownTest(DashboardCase):
    """segfaulter, in the thread tier, takes the daemon down with it."""
    plugins = DashboardCase.plugins + ["segfaulter.so"]

    def test_the_overview_shows_the_last_unclean_shutdown(self):
        self.world.stop()
        self.world.cli("plugins", "configure", "segfaulter", "crash_every=1",
                       "--isolation", "thread")
        self.world.cli("plugins", "enable", "segfaulter")
        self.world.start()
        # The daemon dies handling it, so the answer may never come.
        subprocess.run(["curl", "-s", "-H", f"Authorization: Bearer {self.world.token}",
                        "-d", '{"event": "channel.created", "data": {"channel_id": 1}}',
                        self.world.url + "/api/events"],
                       capture_output=True, timeout=30, check=False)
        dw.wait_until(lambda: self.world.daemon.poll() is not None,
                      "segfaulter did not take the daemon down")
        self.world.stop()
        self.world.start("--safe-mode")
        self.page.sign_in_with_link()
        self.page.open("#/overview")
        self.page.text_in("#ov-crash", "segfaulter")
        self.page.text_in("#ov-crash", "channel.created")
        self.page.screenshot("overview-unclean-shutdown")
        self.assertEqual(self.page.console_errors(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
