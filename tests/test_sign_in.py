"""Signing in for real: `st.login` through an OpenID Connect provider, end to end in headless Chromium.

The provider is tests/oidc_provider.py on localhost (the CI machine has no internet and no identity provider);
Streamlit reaches it exactly as it would reach Entra ID: discovery, the authorization code flow with PKCE,
an RS256 id_token checked against the published keys. The secrets live in a temporary file handed to
`streamlit run --secrets.files`, never in the repository's .streamlit folder.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.app_support import copy_store, demo_store_file
from tests.browser_support import RUN_TIMEOUT_MS, Watched, streamlit_server
from tests.oidc_provider import TAMPERINGS, FakeOIDCProvider
from tests.streamlit_server import free_port

CLIENT_ID = "safer-communities-test"
EDITOR = {"email": "Analyst@Avonmere.example.gov.uk", "name": "Avery Analyst"}  # listed in lower case below
VISITOR = {"email": "visitor@example.org", "name": "Vic Visitor"}
EDITORS = ["analyst@avonmere.example.gov.uk", "lead@avonmere.example.gov.uk"]
# Saltcliffe's measures: targets to edit, behind the "Sign in to edit" button.
MEASURES = "measures?area=X22000005"
TOKEN_EXCHANGE_FAILED = "OAuth token exchange failed"


@dataclass
class Site:
    """A dashboard with sign-in set up, and the identity provider it trusts."""

    url: str
    provider: FakeOIDCProvider
    log: Path


@dataclass
class Visit:
    """One person's browser (its own cookies), and the addresses it navigated to, redirects included."""

    watched: Watched
    navigations: list[str] = field(default_factory=list)

    @property
    def page(self) -> Page:
        return self.watched.page


def write_secrets(path: Path, redirect_uri: str, provider: FakeOIDCProvider, client_secret: str,
                  named: str | None = None) -> Path:
    """A secrets.toml as a council would write it, pointing [auth] (or [auth.<named>]) at the provider."""
    client = {"client_id": CLIENT_ID, "client_secret": client_secret, "server_metadata_url": provider.discovery_url}
    shared = {"redirect_uri": redirect_uri, "cookie_secret": secrets.token_urlsafe(48)}
    lines = ["[auth]", *_toml_pairs(shared if named else {**shared, **client})]
    if named:
        lines += ["", f"[auth.{named}]", *_toml_pairs(client)]
    lines += ["", "[editors]", f"emails = {json.dumps(EDITORS)}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml_pairs(values: dict[str, str]) -> list[str]:
    return [f"{name} = {json.dumps(value)}" for name, value in values.items()]  # a JSON string is a TOML string


@contextmanager
def signing_in_site(folder: Path, named: str | None = None) -> Iterator[Site]:
    """The provider, then the dashboard on a copy of the demo store, with secrets pointing one at the other."""
    client_secret = secrets.token_urlsafe(24)
    with FakeOIDCProvider(CLIENT_ID, client_secret) as provider:
        # The redirect_uri names the dashboard's port, so it is chosen before the dashboard starts (and after the
        # provider has its own port, which free_port can then not hand out again).
        port = free_port()
        redirect_uri = provider.redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
        secrets_file = write_secrets(folder / "secrets.toml", redirect_uri, provider, client_secret, named)
        store = copy_store(demo_store_file(), folder / "demo.db")
        log = folder / "streamlit.log"
        with streamlit_server(store, log, port=port, extra_args=["--secrets.files", str(secrets_file)]) as url:
            yield Site(url, provider, log)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    with signing_in_site(tmp_path_factory.mktemp("sign-in")) as running:
        yield running


@pytest.fixture(scope="module")
def named_site(tmp_path_factory) -> Iterator[Site]:
    with signing_in_site(tmp_path_factory.mktemp("sign-in-named"), named="council") as running:
        yield running


def _visit(browser, site: Site) -> Iterator[Visit]:
    site.provider.clear()
    context = browser.new_context(viewport={"width": 1600, "height": 2000})
    context.set_default_timeout(RUN_TIMEOUT_MS)
    page = context.new_page()
    visit = Visit(Watched(page))
    page.on("request", lambda request: visit.navigations.append(request.url)
            if request.is_navigation_request() else None)
    yield visit
    context.close()


@pytest.fixture
def visit(browser, site) -> Iterator[Visit]:
    yield from _visit(browser, site)


@pytest.fixture
def named_visit(browser, named_site) -> Iterator[Visit]:
    yield from _visit(browser, named_site)


# What the person sees ------------------------------------------------------------------------------------------


def sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


def sign_in_buttons(page: Page) -> Locator:
    return page.get_by_role("button", name="Sign in to edit")


def save_buttons(page: Page) -> Locator:
    """The targets editor's Save button: drawn only for an editor."""
    return page.get_by_role("button", name="Save changes")


def expect_read_only_and_signed_out(visit: Visit, site: Site) -> None:
    """On the measures page: a way to sign in, nobody signed in, and no editing controls."""
    visit.watched.open(f"{site.url}/{MEASURES}")
    page = visit.page
    expect(page.locator("h1").first).to_have_text("Measures")
    expect(sign_in_buttons(page).first).to_be_visible()
    expect(sidebar(page)).not_to_contain_text("Signed in as")
    expect(sidebar(page).get_by_role("button", name="Sign out")).to_have_count(0)
    expect(save_buttons(page)).to_have_count(0)
    expect(page.get_by_text("Editing as")).to_have_count(0)


def sign_in(visit: Visit, site: Site, user: dict) -> None:
    """Click "Sign in to edit" as ``user``: through the provider and back to the dashboard's home page."""
    site.provider.next_user = user
    sign_in_buttons(visit.page).first.click()
    back_home(visit, site)


def back_home(visit: Visit, site: Site) -> None:
    """Wait for the end of a sign-in or sign-out: Streamlit sends the browser to the home page."""
    # The home page may then add its own query parameters to the address.
    try:
        visit.page.wait_for_url(re.compile(rf"^{re.escape(site.url)}/(\?.*)?$"), timeout=RUN_TIMEOUT_MS)
    except PlaywrightTimeoutError:
        pytest.fail(f"never back on the dashboard; it went {visit.navigations}\n"
                    f"provider served {site.provider.served}\nStreamlit's log:\n{server_log(site)[-4000:]}")
    visit.watched.settle()


def expect_round_trip(visit: Visit, site: Site) -> None:
    """The browser really went dashboard -> provider -> dashboard's callback, and Streamlit exchanged the code."""
    issuer = site.provider.issuer
    hops = [url for url in visit.navigations if url.startswith((site.url, issuer))]
    login = _first(hops, f"{site.url}/auth/login?provider=")
    authorize = _first(hops, f"{issuer}/authorize?", after=login)
    _first(hops, f"{site.url}/oauth2callback?code=", after=authorize)
    served = site.provider.served
    assert [s.path for s in served if s.path in ("/authorize", "/token")] == ["/authorize", "/token"], served
    asked = next(s for s in served if s.path == "/authorize").params
    assert asked["code_challenge_method"] == "S256" and asked["nonce"] and asked["state"], asked  # PKCE, replay
    assert all(s.status in (200, 302) for s in served), served


def _first(urls: list[str], prefix: str, after: int = -1) -> int:
    for index, url in enumerate(urls):
        if index > after and url.startswith(prefix):
            return index
    pytest.fail(f"no navigation to {prefix}... after hop {after} in {urls}")


def expect_signed_in(page: Page, email: str) -> None:
    expect(sidebar(page)).to_contain_text(f"Signed in as {email}")
    expect(sidebar(page).get_by_role("button", name="Sign out")).to_be_visible()


def server_log(site: Site) -> str:
    return site.log.read_text()


def auth_cookies(page: Page) -> list[dict]:
    """Streamlit's signed identity cookies in this browser (``_streamlit_user`` and its token cookie)."""
    return [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]


def check_editing_place(visit: Visit, shot: Path) -> None:
    """Screenshot the measures page scrolled to its editing place (Streamlit scrolls inside its own container)."""
    visit.page.get_by_role("heading", name="Edit targets and commentary").scroll_into_view_if_needed()
    visit.watched.check(shot)


# The tests -----------------------------------------------------------------------------------------------------


def test_an_editor_signs_in_through_the_provider_edits_and_signs_out(site, visit, artifacts):
    page = visit.page
    expect_read_only_and_signed_out(visit, site)
    check_editing_place(visit, artifacts / "sign-in-before.png")

    sign_in(visit, site, EDITOR)
    expect_round_trip(visit, site)
    assert "/jwks" in site.provider.paths_served()  # the id_token's signature was checked against the keys
    assert auth_cookies(page) and all(c["httpOnly"] for c in auth_cookies(page))
    expect_signed_in(page, EDITOR["email"])
    visit.watched.open(f"{site.url}/{MEASURES}")
    expect(page.get_by_text(f"Editing as {EDITOR['email']}").first).to_be_visible()
    expect(save_buttons(page)).to_have_count(1)
    expect(page.get_by_role("textbox", name="Why (optional)")).to_be_visible()
    expect(sign_in_buttons(page)).to_have_count(0)
    check_editing_place(visit, artifacts / "sign-in-editor.png")

    sidebar(page).get_by_role("button", name="Sign out").click()
    back_home(visit, site)
    assert any(url.startswith(f"{site.url}/auth/logout") for url in visit.navigations), visit.navigations
    assert [] == auth_cookies(page)
    expect_read_only_and_signed_out(visit, site)
    check_editing_place(visit, artifacts / "sign-in-editor-signed-out.png")
    assert TOKEN_EXCHANGE_FAILED not in server_log(site)


def test_a_signed_in_person_not_on_the_editors_list_cannot_edit(site, visit, artifacts):
    page = visit.page
    expect_read_only_and_signed_out(visit, site)
    sign_in(visit, site, VISITOR)
    expect_round_trip(visit, site)
    expect_signed_in(page, VISITOR["email"])
    visit.watched.open(f"{site.url}/{MEASURES}")
    expect(page.get_by_text(f"Signed in as {VISITOR['email']}, who is not on the editors list").first).to_be_visible()
    expect(save_buttons(page)).to_have_count(0)
    expect(sign_in_buttons(page)).to_have_count(0)  # signed in already: signing in again would change nothing
    expect(page.get_by_text("Editing as")).to_have_count(0)
    check_editing_place(visit, artifacts / "sign-in-non-editor.png")


@pytest.mark.parametrize("how", TAMPERINGS)
def test_a_tampered_id_token_signs_nobody_in(site, visit, artifacts, how):
    # A visitor's token made to claim an editor's email: were it believed, the visitor could edit.
    page = visit.page
    expect_read_only_and_signed_out(visit, site)
    logged_before = len(server_log(site))
    site.provider.tamper_next(how, {"email": EDITORS[0]})
    sign_in(visit, site, VISITOR)
    expect_round_trip(visit, site)  # the flow reached the token exchange: the refusal is the id_token's check
    assert [] == auth_cookies(page)
    expect(sidebar(page)).not_to_contain_text("Signed in as")
    expect_read_only_and_signed_out(visit, site)
    check_editing_place(visit, artifacts / f"sign-in-tampered-{how}.png")
    logged = server_log(site)[logged_before:]
    assert TOKEN_EXCHANGE_FAILED in logged and "BadSignature" in logged, logged  # refused for its signature


def test_a_named_provider_signs_an_editor_in_by_name(named_site, named_visit, artifacts):
    site, visit, page = named_site, named_visit, named_visit.page
    expect_read_only_and_signed_out(visit, site)
    sign_in(visit, site, EDITOR)
    expect_round_trip(visit, site)
    expect_signed_in(page, EDITOR["email"])
    visit.watched.open(f"{site.url}/{MEASURES}")
    expect(save_buttons(page)).to_have_count(1)
    check_editing_place(visit, artifacts / "sign-in-named-provider.png")


def test_an_unverified_email_on_the_editors_list_cannot_edit(site, visit):
    # OpenID Connect Core 5.1: email_verified false means the provider has not checked the address is theirs.
    page = visit.page
    expect_read_only_and_signed_out(visit, site)
    sign_in(visit, site, {**EDITOR, "email_verified": False})
    expect_round_trip(visit, site)
    visit.watched.open(f"{site.url}/{MEASURES}")
    expect(page.get_by_role("heading", name="Edit targets and commentary")).to_be_visible()
    expect(save_buttons(page)).to_have_count(0)
    expect(page.get_by_text("whose email the sign-in service has not verified").first).to_be_visible()
