"""Who may edit, and who may see partners-only figures: people signed in and named in configuration.

Viewing the public view is open to everyone who can reach the dashboard. Partners-only figures (restricted partner
indicators and exact small-area counts, shown with public mode off: see ``lib.store.access``) need a person signed in
whose email is on the partners list, or at a partner's domain, or on the editors list. Changing anything
(targets, assessments, actions, imports) needs a person signed in through the council's identity provider (OpenID
Connect, e.g. Microsoft Entra ID, via Streamlit's ``st.login``) whose email is on the editors list. All of it lives
in Streamlit's secrets (``.streamlit/secrets.toml``, or the hosting platform's secret store), never in code::

    [auth]                       # Streamlit's own OIDC settings
    redirect_uri = "https://safer.example.gov.uk/oauth2callback"
    cookie_secret = "a long random string"
    client_id = "..."
    client_secret = "..."
    server_metadata_url = "https://login.microsoftonline.com/<tenant id>/v2.0/.well-known/openid-configuration"

    [editors]
    emails = ["community.safety@example.gov.uk", "analyst@example.gov.uk"]

    [partners]                   # editors are partners too
    emails = ["officer@police.example.uk"]
    domains = ["example.gov.uk"] # everyone at these domains (the exact domain, not its subdomains)

A named provider (``[auth.microsoft]`` holding the client settings; Streamlit allows no ``_`` in the name) is
used by name. Without a complete ``[auth]`` section, or with no editors listed, editing is off: the pages show
their figures and no editing controls. Without sign-in, nobody is a partner: every viewer gets the public view,
whatever the link says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PROVIDER_SETTINGS = ("client_id", "client_secret", "server_metadata_url")
SHARED_SETTINGS = ("redirect_uri", "cookie_secret")


@dataclass(frozen=True)
class EditingSetup:
    """What the configuration allows: whether people can sign in, with which provider, and who may edit."""

    sign_in: bool
    provider: str | None  # None: the default provider, configured directly in [auth]
    editors: frozenset[str]
    problem: str = ""  # why editing is off, in words, when it is
    partners: frozenset[str] = frozenset()  # emails that may see partners-only figures (editors may too)
    partner_domains: frozenset[str] = frozenset()

    @property
    def enabled(self) -> bool:
        """Whether anyone can edit at all."""
        return self.sign_in and bool(self.editors)


def editing_setup(secrets: Mapping) -> EditingSetup:
    """Read the sign-in and editors configuration; anything incomplete turns editing off, with the reason."""
    auth = _section(secrets, "auth")
    provider, complete = _provider(auth)
    editors = frozenset(_normal(e) for e in _emails(_section(secrets, "editors")) if _normal(e))
    partners_section = _section(secrets, "partners")
    partners = frozenset(_normal(e) for e in _emails(partners_section) if _normal(e))
    domains = frozenset(_normal(d).lstrip("@") for d in _list(partners_section, "domains") if _normal(d).lstrip("@"))
    if not complete:
        return EditingSetup(False, None, editors, "sign-in is not set up (no complete [auth] section in the secrets)",
                            partners, domains)
    if not editors:
        return EditingSetup(True, provider, editors, "no editors are listed ([editors] emails in the secrets)",
                            partners, domains)
    return EditingSetup(True, provider, editors, "", partners, domains)


def is_editor(setup: EditingSetup, email: object, email_verified: object = None) -> bool:
    """Whether a signed-in person with this email may edit (emails compare without case or spaces).

    An email the identity provider says it has not verified never qualifies: anyone could otherwise claim an
    editor's address (the "nOAuth" risk of multi-tenant Entra ID apps). A provider that says nothing of
    verification (Entra ID usually omits the claim) is trusted for the addresses of its own tenant.
    """
    if is_unverified(email_verified):
        return False
    return setup.enabled and isinstance(email, str) and _normal(email) in setup.editors


def is_partner(setup: EditingSetup, email: object, email_verified: object = None) -> bool:
    """Whether a signed-in person may see partners-only figures: on the partners or editors list, or at a partner
    domain. As for editors, an email the provider says it has not verified never qualifies."""
    if not setup.sign_in or is_unverified(email_verified) or not isinstance(email, str) or "@" not in email:
        return False
    email = _normal(email)
    return email in setup.partners or email in setup.editors or email.rsplit("@", 1)[1] in setup.partner_domains


def is_unverified(email_verified: object) -> bool:
    """Whether the provider's ``email_verified`` claim says no (a bool, or text from a provider that sends it so)."""
    return email_verified is False or str(email_verified).strip().lower() == "false"


def _section(secrets: Mapping, name: str) -> Mapping:
    try:
        value = secrets.get(name) if hasattr(secrets, "get") else None
    except Exception:  # a broken secrets file must not take the dashboard down: it only turns editing off
        return {}
    return value if isinstance(value, Mapping) else {}


def _provider(auth: Mapping) -> tuple[str | None, bool]:
    """(the provider to sign in with, whether the settings are complete)."""
    if not all(auth.get(s) for s in SHARED_SETTINGS):
        return None, False
    if all(auth.get(s) for s in PROVIDER_SETTINGS):
        return None, True
    # st.login refuses a provider name with an underscore, so such a section cannot be signed in with.
    named = [name for name, value in auth.items() if isinstance(value, Mapping) and "_" not in name
             and all(value.get(s) for s in PROVIDER_SETTINGS)]
    return (named[0], True) if named else (None, False)


def _emails(section: Mapping) -> list:
    return _list(section, "emails")


def _list(section: Mapping, key: str) -> list:
    values = section.get(key, [])
    return list(values) if isinstance(values, list | tuple) else []


def _normal(email: object) -> str:
    return str(email).strip().casefold()
