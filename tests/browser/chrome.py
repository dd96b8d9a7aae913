"""Headless Chromium driven by Selenium, from Debian's `chromium` and `chromium-driver`."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = (
    "headless Chromium is needed for the browser tests: as root run "
    "`apt-get update && apt-get install -y chromium chromium-driver` (`make test` does it when root)"
)


def missing() -> str | None:
    """Why the browser cannot start, or None when it can."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is missing; {INSTALL_HINT}"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the Python package `selenium` is missing; install the project's test extras (pip install -e '.[test]')"
    return None


def start(width: int = 1280, height: int = 900, lang: str = "en-US") -> tuple[object, Path]:
    """A fresh headless Chromium (its own profile directory) and that directory."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = Path(tempfile.mkdtemp(prefix="onteam-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        f"--lang={lang}",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    return driver, profile


def stop(driver: object, profile: Path) -> None:
    """Quit the browser and remove its profile."""
    try:
        driver.quit()  # type: ignore[attr-defined]
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def full_page_screenshot(driver: object, path: Path) -> None:
    """Save a screenshot of the whole page (the window grows to the page's height)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 6000)")  # type: ignore[attr-defined]
    width = driver.get_window_size()["width"]  # type: ignore[attr-defined]
    driver.set_window_size(width, max(height + 100, 600))  # type: ignore[attr-defined]
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
