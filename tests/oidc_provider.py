"""A small OpenID Connect identity provider for tests: the authorization code flow, on localhost, in a thread.

It follows the standards closely enough for a real relying party (Streamlit's ``st.login``, through Authlib) to
sign in with it: discovery, an authorize endpoint that signs in whoever the test chose (``next_user``) at once,
a token endpoint that checks the client's credentials, the one-time code and its PKCE verifier, an RS256
id_token whose key is published as a JWK set, and userinfo. Every request it serves is recorded in ``served``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

TOKEN_SECONDS = 300
# How the next id_token is spoiled, to prove the relying party checks it: signed with a key the provider never
# published (under the published key's id), or edited after signing.
TAMPERINGS = ("foreign-key", "altered-claims")


@dataclass(frozen=True)
class Served:
    """One request the provider answered: what was asked, and the status it answered with."""

    method: str
    path: str
    params: dict[str, str]
    status: int


@dataclass
class _Grant:
    user: dict
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    scope: str


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    codes: dict[str, _Grant] = field(default_factory=dict)
    access_tokens: dict[str, dict] = field(default_factory=dict)
    served: list[Served] = field(default_factory=list)


def b64url(data: bytes) -> str:
    """Base64url without padding, as JOSE wants it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_int(number: int) -> str:
    return b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


def sign_rs256(key: rsa.RSAPrivateKey, header: dict, claims: dict) -> str:
    """A compact JWS (RFC 7515) signed with RSASSA-PKCS1-v1_5 and SHA-256."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


def _subject(email: str) -> str:
    # Stable and opaque, as a real provider's subject identifier is.
    return hashlib.sha256(email.casefold().encode()).hexdigest()[:24]


class FakeOIDCProvider:
    """An OpenID Connect provider on 127.0.0.1 for one registered client; use as a context manager."""

    def __init__(self, client_id: str, client_secret: str, redirect_uri: str | None = None):
        # redirect_uri may be set later, once the client's port is known; until then every /authorize is refused.
        self.client_id, self.client_secret, self.redirect_uri = client_id, client_secret, redirect_uri
        self.next_user: dict | None = None  # who signs in at the next /authorize: {"email": ..., "name": ...}
        self._tampering: tuple[str, dict] | None = None
        self.kid = secrets.token_hex(8)
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._state = _State()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-oidc", daemon=True)

    @property
    def discovery_url(self) -> str:
        """Where a client finds everything else (its server_metadata_url)."""
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def served(self) -> list[Served]:
        """Every request answered so far, oldest first."""
        with self._state.lock:
            return list(self._state.served)

    def paths_served(self) -> list[str]:
        """The paths of the requests answered so far, oldest first."""
        return [s.path for s in self.served]

    def tamper_next(self, how: str, claims: dict) -> None:
        """Spoil the next id_token (``how``: one of TAMPERINGS) so that it claims ``claims`` instead."""
        if how not in TAMPERINGS:
            raise ValueError(f"no tampering called {how!r}")
        with self._state.lock:
            self._tampering = (how, claims)

    def clear(self) -> None:
        """Forget the requests served, so a test sees only its own."""
        with self._state.lock:
            self._state.served.clear()

    def __enter__(self) -> FakeOIDCProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    # What the endpoints answer -------------------------------------------------------------------------------

    def metadata(self) -> dict:
        """The discovery document (OpenID Connect Discovery 1.0, section 3)."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "aud", "sub", "email", "email_verified", "name", "nonce", "iat", "exp"],
        }

    def jwks(self) -> dict:
        """The public half of the signing key (RFC 7517)."""
        public = self._key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                          "n": _b64url_int(public.n), "e": _b64url_int(public.e)}]}

    def authorize(self, params: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """(status, headers, body): a redirect back to the client with a code, or an error."""
        if params.get("client_id") != self.client_id or params.get("redirect_uri") != self.redirect_uri:
            # Never redirect to an address the client did not register (RFC 6749, 4.1.2.1).
            return 400, {}, "unknown client or redirect_uri"
        back = {"state": params["state"]} if "state" in params else {}
        error = self._authorize_error(params)
        if error:
            return 302, {"Location": f"{self.redirect_uri}?{urlencode({'error': error, **back})}"}, ""
        code = secrets.token_urlsafe(32)
        with self._state.lock:
            user, self.next_user = self.next_user, None
            self._state.codes[code] = _Grant(
                user=dict(user or {}), client_id=self.client_id, redirect_uri=params["redirect_uri"],
                nonce=params.get("nonce"), code_challenge=params.get("code_challenge"),
                code_challenge_method=params.get("code_challenge_method"), scope=params.get("scope", ""))
        return 302, {"Location": f"{self.redirect_uri}?{urlencode({'code': code, **back})}"}, ""

    def _authorize_error(self, params: dict[str, str]) -> str | None:
        if params.get("response_type") != "code":
            return "unsupported_response_type"
        if "openid" not in params.get("scope", "").split():
            return "invalid_scope"
        if params.get("code_challenge") and params.get("code_challenge_method", "plain") != "S256":
            return "invalid_request"
        if not self.next_user:  # nobody at the keyboard to sign in
            return "login_required"
        return None

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict]:
        """(status, JSON body) for a code exchange (RFC 6749 4.1.3, OpenID Connect Core 3.1.3)."""
        client_id, client_secret = _client_credentials(form, authorization)
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._state.lock:
            grant = self._state.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant.client_id != client_id or form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant"}
        if grant.code_challenge and _s256(form.get("code_verifier", "")) != grant.code_challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        access_token = secrets.token_urlsafe(32)
        claims = self._claims(grant.user)
        with self._state.lock:
            self._state.access_tokens[access_token] = claims
        return 200, {"access_token": access_token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS,
                     "scope": grant.scope, "id_token": self._id_token(claims, grant, access_token)}

    def userinfo(self, authorization: str | None) -> tuple[int, dict]:
        """(status, JSON body): the claims of whoever the bearer token was issued to."""
        scheme, _, token = (authorization or "").partition(" ")
        with self._state.lock:
            claims = self._state.access_tokens.get(token) if scheme.lower() == "bearer" else None
        return (200, claims) if claims else (401, {"error": "invalid_token"})

    def _claims(self, user: dict) -> dict:
        email = user["email"]
        return {"sub": user.get("sub") or _subject(email), "email": email,
                "email_verified": user.get("email_verified", True), "name": user.get("name", email)}

    def _id_token(self, claims: dict, grant: _Grant, access_token: str) -> str:
        now = int(time.time())
        payload = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + TOKEN_SECONDS,
                   "auth_time": now, "at_hash": _at_hash(access_token), **claims}
        if grant.nonce:
            payload["nonce"] = grant.nonce
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        with self._state.lock:
            tampering, self._tampering = self._tampering, None
        if tampering is None:
            return sign_rs256(self._key, header, payload)
        how, claimed = tampering
        forged = {**payload, **claimed}
        if how == "foreign-key":  # under the published key's id, so only the signature check can catch it
            return sign_rs256(rsa.generate_private_key(public_exponent=65537, key_size=2048), header, forged)
        head, _, signature = sign_rs256(self._key, header, payload).split(".")
        return f"{head}.{b64url(json.dumps(forged).encode())}.{signature}"

    def record(self, served: Served) -> None:
        """Note a request answered (called by the request handler)."""
        with self._state.lock:
            self._state.served.append(served)


def _s256(verifier: str) -> str:
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _at_hash(access_token: str) -> str:
    # OpenID Connect Core 3.1.3.6: the left half of the SHA-256 of the access token.
    return b64url(hashlib.sha256(access_token.encode("ascii")).digest()[:16])


def _client_credentials(form: dict[str, str], authorization: str | None) -> tuple[str | None, str | None]:
    """client_secret_basic (credentials form-encoded, then base64, RFC 6749 2.3.1) or client_secret_post."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return None, None
        return unquote(client_id.replace("+", " ")), unquote(client_secret.replace("+", " "))
    return form.get("client_id"), form.get("client_secret")


def _single(values: dict[str, list[str]]) -> dict[str, str]:
    return {name: items[0] for name, items in values.items()}


def _handler_for(provider: FakeOIDCProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            url = urlsplit(self.path)
            params = _single(parse_qs(url.query))
            if url.path == "/.well-known/openid-configuration":
                self._json(url.path, params, 200, provider.metadata())
            elif url.path == "/jwks":
                self._json(url.path, params, 200, provider.jwks())
            elif url.path == "/authorize":
                status, headers, body = provider.authorize(params)
                self._send(url.path, params, status, headers, body.encode(), "text/plain")
            elif url.path == "/userinfo":
                self._json(url.path, params, *provider.userinfo(self.headers.get("Authorization")))
            else:
                self._send(url.path, params, 404, {}, b"not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            form = _single(parse_qs(self.rfile.read(length).decode()))
            if url.path == "/token":
                status, body = provider.token(form, self.headers.get("Authorization"))
                extra = {"WWW-Authenticate": 'Basic realm="fake-oidc"'} if status == 401 else {}
                self._json(url.path, _without_secrets(form), status, body, extra)
            else:
                self._send(url.path, {}, 404, {}, b"not found", "text/plain")

        def _json(self, path: str, params: dict, status: int, body: dict, headers: dict | None = None) -> None:
            headers = {"Cache-Control": "no-store", **(headers or {})}
            self._send(path, params, status, headers, json.dumps(body).encode(), "application/json")

        def _send(self, path: str, params: dict, status: int, headers: dict, body: bytes, kind: str) -> None:
            provider.record(Served(self.command, path, params, status))
            self.send_response(status)
            for name, value in {"Content-Type": kind, "Content-Length": str(len(body)), **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # the test asserts on `served`; stderr noise helps nobody
            pass

    return Handler


def _without_secrets(form: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in form.items() if name != "client_secret"}
