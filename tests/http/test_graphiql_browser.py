"""GraphiQL in a real (headless) Chromium: it renders offline, sends the pasted token, shows the answers."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Request, sync_playwright

# The network here is closed: without the background-networking flags Chromium hangs on refused
# connections (component updates, safe browsing, sync...).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
TIMEOUT_MS = 30_000

QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
# Variables and headers share one panel; the editor of the tab not shown is `.hidden`.
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
RESPONSE_EDITOR = ".graphiql-response .CodeMirror"
EXECUTE_BUTTON = "button.graphiql-execute-button"


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None and Path("/usr/bin/chromium").is_file():
        path = "/usr/bin/chromium"
    if path is None:
        pytest.fail(
            "Chromium is required for the GraphiQL browser test and was not found. "
            "`make test` installs it (Debian package `chromium`, via `make browser-deps`); "
            "or run: sudo apt-get install -y chromium",
            pytrace=False,
        )
    return path


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright (Playwright's own browsers are never downloaded)."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            browser.close()


class PageWatch:
    """Everything a page did that the test must check: requests, console errors, uncaught errors."""

    def __init__(self, page: Page) -> None:
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        page.on("request", self._on_request)
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} (at {message.location})")

    def _on_page_error(self, error: Error) -> None:
        self.page_errors.append(f"{error.name}: {error.message}")


def editor_value(page: Page, selector: str) -> str:
    value: str = page.eval_on_selector(selector, "element => element.CodeMirror.getValue()")
    return value


def replace_editor_text(page: Page, selector: str, text: str) -> None:
    """What a user does: click into the editor, select everything, type (or delete) over it."""
    page.locator(selector).click()
    page.keyboard.press("Control+A")
    if text:
        # insert_text, not type(): GraphiQL's editors auto-close brackets and quotes per keystroke.
        page.keyboard.insert_text(text)
    else:
        page.keyboard.press("Delete")
    assert editor_value(page, selector) == text


def run_and_wait_for(page: Page, expected: str, unexpected: str | None = None) -> dict[str, object]:
    """Click the run button; wait until the response pane shows `expected`; return the response."""
    page.locator(EXECUTE_BUTTON).click()
    page.wait_for_function(
        """([selector, expected, unexpected]) => {
            const editor = document.querySelector(selector);
            const value = editor && editor.CodeMirror ? editor.CodeMirror.getValue() : "";
            return value.includes(expected) && !(unexpected && value.includes(unexpected));
        }""",
        arg=[RESPONSE_EDITOR, expected, unexpected],
        timeout=TIMEOUT_MS,
    )
    # It is also what the user sees, not only the editor's model.
    page.locator(".graphiql-response").get_by_text(expected).first.wait_for(timeout=TIMEOUT_MS)
    response: dict[str, object] = json.loads(editor_value(page, RESPONSE_EDITOR))
    return response


@pytest.mark.slow
def test_graphiql_runs_queries_with_and_without_the_pasted_token(
    live_server: str, make_token: Callable[..., str], user_id: str, tmp_path: Path
) -> None:
    with launch_chromium() as browser:
        check_graphiql(browser, live_server, make_token(user_id), user_id, tmp_path)


def check_graphiql(browser: Browser, live_server: str, token: str, user_id: str, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch = PageWatch(page)
    try:
        page.goto(f"{live_server}/graphql", wait_until="load")
        page.locator(QUERY_EDITOR).wait_for(state="visible")
        page.locator(EXECUTE_BUTTON).wait_for(state="visible")
        assert page.title() == "Tether · GraphiQL"
        assert "make dev` prints a dev token" in editor_value(page, QUERY_EDITOR)

        page.locator(".graphiql-editor-tools button[data-name='headers']").click()
        page.locator(HEADERS_EDITOR).wait_for(state="visible")
        headers = json.dumps({"Authorization": f"Bearer {token}"})
        replace_editor_text(page, HEADERS_EDITOR, headers)
        replace_editor_text(page, QUERY_EDITOR, "{ me { id } }")
        # GraphiQL takes in an edited query (its operation name too) 100 ms after the last keystroke,
        # and then saves it: wait for that, as a user's pause would.
        page.wait_for_function(
            "query => window.localStorage.getItem('graphiql:query') === query", arg="{ me { id } }"
        )

        signed_in = run_and_wait_for(page, user_id)
        assert signed_in == {"data": {"me": {"id": user_id}}}

        replace_editor_text(page, HEADERS_EDITOR, "")
        anonymous = run_and_wait_for(page, "UNAUTHENTICATED", unexpected=user_id)
        assert anonymous["data"] is None
        errors = anonymous["errors"]
        assert isinstance(errors, list)
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"

        origin = "{0.scheme}://{0.netloc}".format(urlsplit(live_server))
        assert watch.requests, "the page made no requests at all"
        elsewhere = [url for url in watch.requests if not url.startswith(f"{origin}/")]
        assert not elsewhere, f"GraphiQL must work offline; it fetched from other origins: {elsewhere}"
        assert f"{origin}/graphiql/vendor/graphiql.min.js" in watch.requests
        assert not watch.page_errors, f"uncaught errors in the page: {watch.page_errors}"
        assert not watch.console_errors, f"console errors in the page: {watch.console_errors}"
    except BaseException as failure:
        screenshot = tmp_path / "graphiql-failure.png"
        try:
            page.screenshot(path=str(screenshot), full_page=True)
            failure.add_note(f"screenshot of the page: {screenshot}")
        except Error as screenshot_error:
            failure.add_note(f"(no screenshot: {screenshot_error.message})")
        failure.add_note(f"requests: {watch.requests}")
        failure.add_note(f"console errors: {watch.console_errors}; page errors: {watch.page_errors}")
        raise
    finally:
        context.close()
