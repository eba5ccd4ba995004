"""Who may edit: a complete sign-in setup and a listed email, or nobody."""

import pytest

from lib.core.editors import editing_setup, is_editor, is_partner

AUTH = {"redirect_uri": "https://safer.example.gov.uk/oauth2callback", "cookie_secret": "s3cret",
        "client_id": "id", "client_secret": "secret",
        "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration"}
EDITORS = {"emails": ["Analyst@Council.gov.uk ", "lead@council.gov.uk"]}


def test_a_complete_setup_lets_listed_editors_edit_whatever_the_case():
    setup = editing_setup({"auth": AUTH, "editors": EDITORS})
    assert setup.enabled and setup.provider is None and setup.problem == ""
    assert is_editor(setup, "analyst@council.gov.uk") and is_editor(setup, " LEAD@council.gov.uk")
    assert not is_editor(setup, "visitor@example.org")
    assert not is_editor(setup, None) and not is_editor(setup, "")


def test_a_named_provider_is_signed_in_with_by_name():
    shared = {k: AUTH[k] for k in ("redirect_uri", "cookie_secret")}
    client = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    setup = editing_setup({"auth": {**shared, "microsoft": client}, "editors": EDITORS})
    assert setup.enabled and setup.provider == "microsoft"
    # st.login refuses a name with an underscore, so that section cannot turn sign-in on.
    setup = editing_setup({"auth": {**shared, "council_sso": client}, "editors": EDITORS})
    assert not setup.enabled and "sign-in is not set up" in setup.problem


@pytest.mark.parametrize("verified", [False, "false", "False"])
def test_an_email_the_provider_has_not_verified_never_edits(verified):
    setup = editing_setup({"auth": AUTH, "editors": EDITORS})
    assert not is_editor(setup, "analyst@council.gov.uk", verified)
    # Verified, or not said either way (Entra ID usually leaves the claim out), the list decides.
    assert is_editor(setup, "analyst@council.gov.uk", True) and is_editor(setup, "analyst@council.gov.uk", None)


@pytest.mark.parametrize(("secrets", "problem"), [
    ({}, "sign-in is not set up"),
    ({"editors": EDITORS}, "sign-in is not set up"),
    ({"auth": {**AUTH, "cookie_secret": ""}, "editors": EDITORS}, "sign-in is not set up"),
    ({"auth": {k: v for k, v in AUTH.items() if k != "client_secret"}, "editors": EDITORS}, "sign-in is not set up"),
    ({"auth": AUTH}, "no editors are listed"),
    ({"auth": AUTH, "editors": {"emails": []}}, "no editors are listed"),
    ({"auth": AUTH, "editors": {"emails": "analyst@council.gov.uk"}}, "no editors are listed"),  # not a list
    ({"auth": "yes", "editors": EDITORS}, "sign-in is not set up"),
])
def test_anything_incomplete_turns_editing_off_and_says_why(secrets, problem):
    setup = editing_setup(secrets)
    assert not setup.enabled and problem in setup.problem
    assert not is_editor(setup, "analyst@council.gov.uk")


def test_a_broken_secrets_store_turns_editing_off_rather_than_failing():
    class Broken(dict):
        def get(self, *args):
            raise FileNotFoundError("no secrets.toml")

    assert not editing_setup(Broken()).enabled


PARTNERS = {"emails": ["Officer@Police.example.uk"], "domains": ["@Health.example.gov.uk", "fire.example.gov.uk"]}


def test_partners_are_listed_people_editors_and_everyone_at_a_partner_domain():
    setup = editing_setup({"auth": AUTH, "editors": EDITORS, "partners": PARTNERS})
    assert is_partner(setup, "officer@police.example.uk") and is_partner(setup, "LEAD@council.gov.uk")
    assert is_partner(setup, "nurse@health.example.gov.uk") and is_partner(setup, "Crew@FIRE.example.gov.uk ")
    assert not is_partner(setup, "visitor@example.org")
    assert not is_partner(setup, "spoof@evil.health.example.gov.uk"), "a subdomain is not the partner's domain"
    assert not is_partner(setup, "x@health.example.gov.uk.evil.org")
    assert not is_partner(setup, "officer@police.example.uk", email_verified=False)
    assert not is_partner(setup, None) and not is_partner(setup, "no-at-sign")
    # Partners may see figures, never edit.
    assert not is_editor(setup, "officer@police.example.uk")


def test_without_sign_in_nobody_is_a_partner():
    setup = editing_setup({"editors": EDITORS, "partners": PARTNERS})
    assert not is_partner(setup, "officer@police.example.uk") and not is_partner(setup, "lead@council.gov.uk")
    # Sign-in set up with no editors: partners still see their figures, though nobody can edit.
    setup = editing_setup({"auth": AUTH, "partners": PARTNERS})
    assert is_partner(setup, "officer@police.example.uk") and not setup.enabled
