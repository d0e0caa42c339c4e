"""A world for the dashboard's browser tests: a fresh plugins folder with
real built plugins, a real `eventhost run` on a free loopback port, the
real CLI on the same state, curl, and headless Chromium driven through
Selenium (Debian's chromium, chromium-driver and python3-selenium).

Paths come from the environment ctest sets (see CMakeLists.txt):
EH_EVENTHOST, EH_PLUGIN_DIRS (colon-separated folders of built .so files)
and EH_ARTIFACTS (where screenshots go).
"""

import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

EVENTHOST = os.environ.get("EH_EVENTHOST", "eventhost")
PLUGIN_DIRS = [d for d in os.environ.get("EH_PLUGIN_DIRS", "").split(":") if d]
ARTIFACTS = os.environ.get("EH_ARTIFACTS", tempfile.gettempdir())

# Chromium as root in a VM without a sandbox or a GPU, quiet and offline.
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu",
    "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-default-apps", "--disable-extensions",
    "--password-store=basic", "--window-size=1280,800",
]

WAIT = 10  # seconds a bounded poll waits before the test fails


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env():
    """The environment without EVENTHOST_* settings of whoever runs ctest."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("EVENTHOST_")}


class Reply:
    def __init__(self, status, body, headers):
        self.status = status
        self.text = body
        self.headers = headers
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None


class World:
    """A plugins folder, a state file, and a daemon on them."""

    def __init__(self, plugins, name):
        self.name = name
        self.root = tempfile.mkdtemp(prefix="eh-dashboard-")
        os.chmod(self.root, 0o755)
        self.plugins_dir = os.path.join(self.root, "plugins")
        os.mkdir(self.plugins_dir, 0o755)
        self.state = os.path.join(self.root, "state.db")
        for plugin in plugins:
            self.add_plugin(plugin)
        self.daemon = None
        self.port = None
        self.log_path = os.path.join(self.root, "daemon.log")

    def add_plugin(self, file_name):
        for folder in PLUGIN_DIRS:
            source = os.path.join(folder, file_name)
            if os.path.exists(source):
                target = os.path.join(self.plugins_dir, file_name)
                shutil.copyfile(source, target)
                os.chmod(target, 0o644)
                return target
        raise FileNotFoundError(f"{file_name} is not in {PLUGIN_DIRS}")

    def file(self, name):
        return os.path.join(self.root, name)

    # -- the CLI -----------------------------------------------------------
    def cli(self, *args, check=True):
        run = subprocess.run(
            [EVENTHOST, "--plugins-dir", self.plugins_dir, "--state",
             self.state, *args],
            capture_output=True, text=True, env=clean_env(), timeout=60)
        if check and run.returncode != 0:
            raise AssertionError(f"eventhost {' '.join(args)} exited "
                                 f"{run.returncode}: {run.stderr}")
        return run

    def cli_json(self, *args):
        return json.loads(self.cli(*args, "--json").stdout)

    def plugin_json(self, key):
        return self.cli_json("plugins", "info", key)

    # -- the daemon ----------------------------------------------------------
    def start(self, *extra, port=0):
        self.port_asked = port
        # A daemon that died leaves its info file and its "ready:" line:
        # only this daemon's (its pid, lines after this point) count.
        logged_before = len(read_text(self.log_path))
        with open(self.log_path, "a") as log:
            self.daemon = subprocess.Popen(
                [EVENTHOST, "--plugins-dir", self.plugins_dir, "--state",
                 self.state, "run", "--listen", f"127.0.0.1:{port}",
                 "--rescan-ms", "500", *extra],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=clean_env())
        info_path = self.state + ".daemon.json"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.daemon.poll() is not None:
                raise AssertionError(f"the daemon exited {self.daemon.returncode}:"
                                     f"\n{self.log()}")
            info = None
            if "ready:" in self.log()[logged_before:]:
                try:
                    with open(info_path) as f:
                        info = json.load(f)
                except (FileNotFoundError, ValueError):
                    info = None
            if info and info.get("pid") == self.daemon.pid:
                with open(info["token_file"]) as f:
                    self.token = f.read().strip()
                self.port = info["port"]
                self.url = info["url"]
                return self
            time.sleep(0.05)
        raise AssertionError(f"the daemon did not start:\n{self.log()}")

    def stop(self):
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(20)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        self.daemon = None

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def login_link(self):
        """The newest one-time sign-in link the daemon logged."""
        links = wait_until(
            lambda: re.findall(r"(https?://\S+/#login=[0-9a-f]+)", self.log()),
            f"no sign-in link in the daemon's log")
        return links[-1]

    # -- HTTP ----------------------------------------------------------------
    def http(self, method, path, body=None, headers=None, token=False):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(self.url + path, data=data,
                                         headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return Reply(r.status, r.read().decode(), dict(r.headers))
        except urllib.error.HTTPError as e:
            return Reply(e.code, e.read().decode(), dict(e.headers))

    def curl_emit(self, event, data):
        """POST /api/events with curl, as an application would; the id."""
        out = subprocess.run(
            ["curl", "-s", "-H", f"Authorization: Bearer {self.token}",
             "-d", json.dumps({"event": event, "data": data}),
             self.url + "/api/events"],
            capture_output=True, text=True, timeout=30, check=True)
        answer = json.loads(out.stdout)
        return answer["id"]

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_browser(world, width=1280, height=800):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--user-data-dir={world.file('chromium')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path="/usr/bin/chromedriver",
                      log_path=world.file("chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver


class Page:
    """The dashboard in a browser: waits, finds, and what the console said."""

    def __init__(self, driver, world):
        self.driver = driver
        self.world = world

    def wait(self, condition, message, timeout=WAIT):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(
            condition, message)

    def visible(self, css, timeout=WAIT):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)),
                         f"nothing visible matches {css}", timeout)

    def present(self, css, timeout=WAIT):
        return self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, css)),
                         f"nothing matches {css}", timeout)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text_in(self, css, text, timeout=WAIT):
        return self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text),
                         f"{css} never said {text!r}", timeout)

    def wait_for_requests(self, url_part, count=2):
        """Waits until the page has finished `count` more requests whose
        address contains `url_part`: its periodic refresh has run (and been
        drawn) at least count - 1 times since the call. Counted with the
        browser's resource timing, so the page needs no hook for tests."""
        self.driver.execute_script("performance.clearResourceTimings()")
        script = ("return performance.getEntriesByType('resource')"
                  ".filter(e => e.name.includes(arguments[0])).length")
        self.wait(lambda d: d.execute_script(script, url_part) >= count,
                  f"the page never asked for {url_part} {count} times")

    def open(self, fragment="#/plugins"):
        self.driver.get(f"{self.world.url}/{fragment}")

    def sign_in_with_link(self):
        self.driver.get(self.world.login_link())
        self.visible("#plugins-table")

    def sign_in_with_token(self):
        self.open()
        box = self.visible("input[name=token]")
        box.send_keys(self.world.token)
        box.submit()
        self.visible("#plugins-table")

    def row(self, key):
        return self.find(f'#plugins-table tr[data-key="{key}"]')

    def console(self):
        """Browser log entries since the last call."""
        return self.driver.get_log("browser")

    def console_errors(self, allow=()):
        """SEVERE entries, but those matching a pattern in `allow` (the
        network errors a test causes on purpose)."""
        return [e for e in self.console() if e["level"] == "SEVERE"
                and not any(re.search(a, e["message"]) for a in allow)]

    def screenshot(self, name, full_page=False):
        """A PNG in ARTIFACTS: the window, or the whole page's length."""
        os.makedirs(ARTIFACTS, exist_ok=True)
        path = os.path.join(ARTIFACTS, f"{name}.png")
        if not full_page:
            self.driver.save_screenshot(path)
            return path
        # The window's width: drawn beyond the viewport, the page has no
        # scroll bar and fills all of it.
        width, height = self.driver.execute_script(
            "return [window.innerWidth, document.documentElement.scrollHeight]")
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return path


def wait_until(predicate, message, timeout=WAIT):
    """A bounded poll outside the browser (the CLI, a file)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(message)


def read_text(path):
    """A file's text, or "" while it does not exist."""
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""
