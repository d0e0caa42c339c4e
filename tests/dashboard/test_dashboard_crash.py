"""A plugin the host disables after crashes, seen in a real browser
(headless Chromium against a real `eventhost run`, as test_dashboard.py).
Run one test as

    python3 test_dashboard_crash.py CrashTest.test_a_plugin_disabled_after_crashes_turns_red_without_a_reload
"""

import unittest

from selenium.webdriver.common.by import By

from test_dashboard import DashboardCase


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


if __name__ == "__main__":
    unittest.main(verbosity=2)
