"""Make docs/images/inspector.png: a mock with a few hours of traffic, shown in headless Chromium.

Run: .venv/bin/python docs/images/inspector.py (needs /usr/bin/chromium and the test extras).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "ui"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "support"))
from ui_support import tenant_path

from conftest import CHROMIUM, CHROMIUM_ARGS
from mockserver import MockServer

OUT = Path(__file__).with_suffix(".png")
KEY = "ifr_live_3f9c2a7d41b8e6"
EVENTS = [
    (
        {
            "exception": {
                "type": "TimeoutError",
                "message": "payment gateway did not answer in 5000 ms",
                "stacktrace": 'File "pay.py", line 88, in charge\n  gateway.post(order)',
            },
            "level": "error",
            "environment": "production",
            "release": "2.4.1",
        },
        9,
    ),
    (
        {
            "exception": {
                "type": "KeyError",
                "message": "'user_id'",
                "stacktrace": "File \"session.py\", line 12, in load\n  data['user_id']",
            },
            "level": "fatal",
            "environment": "production",
            "release": "2.4.1",
        },
        4,
    ),
    (
        {
            "message": "Slow query on orders (2300 ms)",
            "level": "warning",
            "environment": "staging",
            "tags": {"db": "orders"},
        },
        6,
    ),
    ({"message": "Avatar upload rejected: image/heic", "level": "info", "environment": "production"}, 2),
    (
        {
            "exception": {"type": "ValueError", "message": "invalid literal for int() with base 10: 'abc'"},
            "level": "error",
            "environment": "development",
        },
        3,
    ),
]


def main() -> None:
    """Fill a mock with 18 hours of traffic and photograph its group stream."""
    rng = random.Random(7)
    with MockServer(clock="manual", seed=3) as mock:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {KEY}"
        for hour in range(18):
            for body, weight in EVENTS:
                for _ in range(rng.randint(0, weight) if hour % 3 or weight > 3 else 0):
                    user = {"user_id": f"user-{rng.randint(1, 40)}"}
                    session.post(f"{mock.url}/v1/errors/capture", json={**body, **user}, timeout=10)
            mock.advance_clock(3600)
        groups = session.get(f"{mock.url}/v1/errors/groups", timeout=10).json()["items"]
        session.post(f"{mock.url}/v1/errors/resolve/{groups[-1]['id']}", timeout=10)
        session.post(f"{mock.url}/v1/errors/ignore/{groups[-2]['id']}", timeout=10)
        session.post(f"{mock.url}/v1/errors/capture", json={"nonsense": True}, timeout=10)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 720}, device_scale_factor=1)
            page.goto(mock.url + tenant_path(KEY))
            page.wait_for_selector("tr.group")
            page.screenshot(path=str(OUT))
            browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
