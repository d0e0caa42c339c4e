"""How the dashboard looks, in a real browser (headless Chromium against a
real `eventhost run`, as test_dashboard.py): every page readable in the
system's light and dark mode. Run one test as

    python3 test_dashboard_look.py LookTest.test_every_page_is_readable_in_light_and_dark_mode
"""

import unittest

import dashboard_world as dw
from test_dashboard import DashboardCase

# For every visible element with text of its own: the contrast ratio (WCAG
# 2) of its text colour against the background it is drawn on (the nearest
# backgrounds up the tree, composited), and whether its text is large.
CONTRASTS = """
const rgba = (c) => { const m = c.match(/[\\d.]+/g).map(Number);
                      return m.length === 4 ? m : [...m, 1]; };
const over = (top, below) => { const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + below[i] * (1 - a)).concat([1]); };
const background = (el) => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) { layers.push(c); if (c[3] === 1) break; }
  }
  let colour = [255, 255, 255, 1];
  for (const layer of layers.reverse()) colour = over(layer, colour);
  return colour;
};
const luminance = (c) => { const [r, g, b] = c.slice(0, 3).map(v => {
  v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const out = [];
for (const el of document.querySelectorAll('body *')) {
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || !el.checkVisibility() || el.closest('[disabled], svg')) continue;
  const style = getComputedStyle(el);
  const bg = background(el);
  const fg = over(rgba(style.color), bg);
  const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
  const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
  out.push({text: el.textContent.trim().slice(0, 40), tag: el.tagName,
            cls: el.className, ratio: (l1 + 0.05) / (l2 + 0.05),
            large: size >= 24 || (bold && size >= 18.66)});
}
return {items: out, page: luminance(background(document.body))};
"""


class LookTest(DashboardCase):
    """The pages as a person sees them."""

    def test_every_page_is_readable_in_light_and_dark_mode(self):
        self.world.cli("plugins", "enable", "thrower")
        self.page.sign_in_with_link()
        # A red row (breaker open) and an invalid one, so the warning
        # colours are on the page too.
        for channel in range(6):
            self.world.curl_emit("channel.created", {"channel_id": channel})
        self.page.wait(lambda d: self.page.row("thrower").get_attribute("data-status")
                       == "breaker open", "thrower never turned to breaker open")
        pages = [("#/plugins", "#plugins-table tbody tr", "plugins"),
                 ("#/plugins/thrower", "figure.chart", "plugin-thrower"),
                 ("#/plugins/login_guard", "#settings-form", "plugin-login_guard"),
                 ("#/events", "#emit-form", "events"),
                 ("#/overview", "#ov-readiness .badge", "overview")]
        for scheme in ("light", "dark"):
            self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
                "features": [{"name": "prefers-color-scheme", "value": scheme}]})
            for fragment, ready, name in pages:
                self.page.open(fragment)
                self.page.visible(ready)
                found = self.driver.execute_script(CONTRASTS)
                self.page.screenshot(f"{scheme}-{name}")
                if scheme == "dark":
                    self.assertLess(found["page"], 0.05, f"{fragment} is not dark")
                else:
                    self.assertGreater(found["page"], 0.8, f"{fragment} is not light")
                self.assertGreater(len(found["items"]), 5, fragment)
                faint = [i for i in found["items"]
                         if i["ratio"] < (3 if i["large"] else 4.5)]
                self.assertEqual(faint, [], f"text too faint to read on {fragment} "
                                            f"in {scheme} mode (WCAG AA)")
        self.assertEqual(self.page.console_errors(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
