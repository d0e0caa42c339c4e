"""More of the Events page in a real browser (headless Chromium against a
real `eventhost run`, as test_dashboard.py): paging through the journal
and searching it by time. Run one test as

    python3 test_dashboard_events.py JournalTest.test_the_journal_pages_through_events_and_searches_by_time
"""

import unittest

from selenium.webdriver.common.by import By

from test_dashboard import DashboardCase


class JournalTest(DashboardCase):
    """The journal browser, a page being 25 events."""

    def rows(self):
        return [int(r.find_element(By.CSS_SELECTOR, "td").text)
                for r in self.page.find_all("#journal-results tbody tr")]

    def test_the_journal_pages_through_events_and_searches_by_time(self):
        ids = [self.world.curl_emit("channel.created", {"channel_id": i})
               for i in range(30)]
        self.page.sign_in_with_link()
        self.page.open("#/events")
        self.page.visible("#journal-pattern").send_keys("channel.created")
        self.find_button("Search").click()
        self.page.text_in("main", f"Events #{ids[0]} to #{ids[24]} (more follow).")
        self.assertEqual(self.rows(), ids[:25])

        self.find_button("Next page").click()
        self.page.text_in("main", f"Events #{ids[25]} to #{ids[29]}.")
        self.assertEqual(self.rows(), ids[25:])
        self.assertFalse(self.find_button("Next page").is_enabled())
        self.find_button("Previous page").click()
        self.page.text_in("main", f"Events #{ids[0]} to #{ids[24]} (more follow).")

        # From an hour ahead (the field is the browser's local time): none.
        self.driver.execute_script("""
            const t = new Date(Date.now() + 3600e3);
            const local = new Date(t.getTime() - t.getTimezoneOffset() * 60e3);
            document.getElementById('journal-since').value =
                local.toISOString().slice(0, 19);""")
        self.find_button("Search").click()
        self.page.text_in("main", "No event matches.")
        self.assertEqual(self.rows(), [])
        # And from an hour ago: all of them again.
        self.driver.execute_script("""
            const t = new Date(Date.now() - 3600e3);
            const local = new Date(t.getTime() - t.getTimezoneOffset() * 60e3);
            document.getElementById('journal-since').value =
                local.toISOString().slice(0, 19);""")
        self.find_button("Search").click()
        self.page.text_in("main", f"Events #{ids[0]} to #{ids[24]} (more follow).")
        self.assertEqual(self.page.console_errors(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
