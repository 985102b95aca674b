"""A small OpenID Connect provider for the offline tests of company sign-on (NOT for production).

    python tests/support/oidc_provider.py --port 0 --users users.json [--id-token-ttl 3600]

Standard library HTTP server + joserfc (installed with Authlib) for RS256. It prints
`READY http://127.0.0.1:PORT` (the issuer) once it listens; tests/e2e/test_sign_on_browser.py
starts it on 127.0.0.1 and stops it, so the tests need no internet.

Endpoints
  GET  /.well-known/openid-configuration   discovery document
  GET  /authorize                           login form (one button per user, id="user-<name>"),
                                            or auto-login when the request carries
                                            ?login_hint=<user> or the cookie
                                            mock_oidc_user=<user> (or --auto-user)
  POST /authorize                           form submit (field "user")
  POST /token                               authorization_code grant, PKCE S256/plain,
                                            client_secret_basic or client_secret_post
  GET  /jwks                                public RSA key (kid "test-key-1")
  GET  /userinfo                            Bearer access token -> user claims
  GET  /logout                              end_session_endpoint (omit with
                                            --no-end-session); redirects to
                                            post_logout_redirect_uri
  GET/POST /_test/settings                  read / change {"id_token_ttl": s,
                                            "auto_user": name|"", "end_session": bool}
                                            at run time (JSON or form body)
  GET  /_test/log                           JSON list of handled requests

users.json: {"alice": {"email": "...", "name": "...", "groups": ["a", "b"],
             "claims": {"any": "extra claim"}}, ...}
The user key is the default `sub` (override with "sub"). A negative --id-token-ttl issues
tokens that have already expired.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import secrets
import sys
import threading
import time
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

KID = "test-key-1"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Provider:
    def __init__(self, args: argparse.Namespace) -> None:
        with open(args.users, encoding="utf-8") as fh:
            self.users: dict[str, dict] = json.load(fh)
        self.client_id = args.client_id
        self.client_secret = args.client_secret
        self.id_token_ttl = args.id_token_ttl
        self.auto_user = args.auto_user
        self.end_session = not args.no_end_session
        self.issuer = ""  # set once the port is known
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"}, private=True
        )
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, str] = {}
        self.log: list[dict] = []
        self.lock = threading.Lock()

    # ---- claims / tokens -------------------------------------------------
    def user_claims(self, username: str) -> dict:
        u = self.users[username]
        claims = {
            "sub": u.get("sub", username),
            "email": u.get("email", f"{username}@example.com"),
            "email_verified": True,
            "name": u.get("name", username),
            "preferred_username": username,
            "groups": list(u.get("groups", [])),
        }
        claims.update(u.get("claims", {}))
        return claims

    def id_token(self, username: str, nonce: str | None, access_token: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "auth_time": now,
            "exp": now + int(self.id_token_ttl),
            "at_hash": b64url(hashlib.sha256(access_token.encode()).digest()[:16]),
            **self.user_claims(username),
        }
        if nonce:
            claims["nonce"] = nonce
        header = {"alg": "RS256", "kid": KID, "typ": "JWT"}
        return jwt.encode(header, claims, self.key)

    def metadata(self) -> dict:
        i = self.issuer
        md = {
            "issuer": i,
            "authorization_endpoint": f"{i}/authorize",
            "token_endpoint": f"{i}/token",
            "userinfo_endpoint": f"{i}/userinfo",
            "jwks_uri": f"{i}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile", "groups"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "email", "name", "groups"],
        }
        if self.end_session:
            md["end_session_endpoint"] = f"{i}/logout"
        return md


class Handler(BaseHTTPRequestHandler):
    server_version = "MockOIDC/1.0"
    provider: Provider  # set on the class before serving

    # ---- helpers -----------------------------------------------------------
    def log_message(self, fmt: str, *args) -> None:  # quiet unless --verbose
        if getattr(self.server, "verbose", False):
            sys.stderr.write("provider: " + (fmt % args) + "\n")

    def _send(
        self, status: int, body: bytes | str, ctype: str = "application/json", headers: dict | None = None
    ) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj) -> None:
        self._send(status, json.dumps(obj))

    def _redirect(self, location: str) -> None:
        self._send(302, b"", "text/plain", {"Location": location})

    def _form(self) -> dict[str, str]:
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8") if n else ""
        if "json" in (self.headers.get("Content-Type") or ""):
            return json.loads(raw or "{}")
        return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}

    def _record(self, path: str, **extra) -> None:
        p = self.provider
        with p.lock:
            p.log.append({"t": time.time(), "method": self.command, "path": path, **extra})

    # ---- routing -------------------------------------------------------------
    def do_GET(self) -> None:
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        self._record(url.path)
        p = self.provider
        if url.path == "/.well-known/openid-configuration":
            return self._json(200, p.metadata())
        if url.path == "/jwks":
            return self._json(200, {"keys": [p.key.as_dict(private=False)]})
        if url.path == "/authorize":
            return self.authorize_get(q)
        if url.path == "/userinfo":
            return self.userinfo()
        if url.path == "/logout" and p.end_session:
            target = q.get("post_logout_redirect_uri")
            if target:
                if q.get("state"):
                    target += ("&" if "?" in target else "?") + urlencode({"state": q["state"]})
                return self._redirect(target)
            return self._send(200, "<html><body><h1>Signed out</h1></body></html>", "text/html")
        if url.path == "/_test/settings":
            return self._json(
                200, {"id_token_ttl": p.id_token_ttl, "auto_user": p.auto_user, "end_session": p.end_session}
            )
        if url.path == "/_test/log":
            return self._json(200, p.log)
        return self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        url = urlparse(self.path)
        self._record(url.path)
        p = self.provider
        if url.path == "/authorize":
            return self.authorize_post(self._form())
        if url.path == "/token":
            return self.token(self._form())
        if url.path == "/_test/settings":
            data = self._form()
            if "id_token_ttl" in data:
                p.id_token_ttl = int(data["id_token_ttl"])
            if "auto_user" in data:
                p.auto_user = data["auto_user"] or None
            if "end_session" in data:
                p.end_session = data["end_session"] in (True, "1", "true")
            return self._json(
                200, {"id_token_ttl": p.id_token_ttl, "auto_user": p.auto_user, "end_session": p.end_session}
            )
        return self._json(404, {"error": "not_found"})

    # ---- /authorize ------------------------------------------------------------
    def _authorize_error(self, q: dict, error: str, desc: str) -> None:
        ru = q.get("redirect_uri")
        if ru and q.get("client_id") == self.provider.client_id:
            params = {"error": error, "error_description": desc}
            if q.get("state"):
                params["state"] = q["state"]
            return self._redirect(ru + ("&" if "?" in ru else "?") + urlencode(params))
        return self._json(400, {"error": error, "error_description": desc})

    def _check_auth_request(self, q: dict) -> str | None:
        p = self.provider
        if q.get("client_id") != p.client_id:
            return "unknown client_id"
        if q.get("response_type") != "code":
            return "only response_type=code is supported"
        if not q.get("redirect_uri"):
            return "redirect_uri missing"
        if "openid" not in (q.get("scope") or "").split():
            return "scope must include openid"
        return None

    def authorize_get(self, q: dict) -> None:
        p = self.provider
        err = self._check_auth_request(q)
        if err:
            return self._authorize_error(q, "invalid_request", err)
        cookie = SimpleCookie(self.headers.get("Cookie") or "")
        chosen = (
            q.get("login_hint")
            or (cookie["mock_oidc_user"].value if "mock_oidc_user" in cookie else None)
            or p.auto_user
        )
        if chosen:
            if chosen not in p.users:
                return self._authorize_error(q, "access_denied", f"unknown user {chosen}")
            return self._issue_code(q, chosen)
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in q.items()
        )
        buttons = "".join(
            f'<button type="submit" name="user" value="{html.escape(name)}" id="user-{html.escape(name)}">'
            f"Sign in as {html.escape(u.get('name', name))} ({html.escape(u.get('email', ''))})</button><br>"
            for name, u in p.users.items()
        )
        page = (
            "<!doctype html><html><head><title>Mock OIDC login</title></head><body>"
            f'<h1>Mock OIDC login</h1><form method="post" action="/authorize">{hidden}{buttons}'
            '<button type="submit" name="user" value="" id="deny">Cancel</button></form></body></html>'
        )
        return self._send(200, page, "text/html; charset=utf-8")

    def authorize_post(self, form: dict) -> None:
        q = {k: v for k, v in form.items() if k != "user"}
        err = self._check_auth_request(q)
        if err:
            return self._authorize_error(q, "invalid_request", err)
        user = form.get("user")
        if not user:
            return self._authorize_error(q, "access_denied", "user cancelled")
        if user not in self.provider.users:
            return self._authorize_error(q, "access_denied", f"unknown user {user}")
        return self._issue_code(q, user)

    def _issue_code(self, q: dict, user: str) -> None:
        p = self.provider
        code = secrets.token_urlsafe(24)
        with p.lock:
            p.codes[code] = {
                "user": user,
                "client_id": q["client_id"],
                "redirect_uri": q["redirect_uri"],
                "nonce": q.get("nonce"),
                "code_challenge": q.get("code_challenge"),
                "code_challenge_method": q.get("code_challenge_method", "plain"),
                "scope": q.get("scope", "openid"),
                "expires": time.time() + 120,
            }
        params = {"code": code}
        if q.get("state"):
            params["state"] = q["state"]
        ru = q["redirect_uri"]
        self._redirect(ru + ("&" if "?" in ru else "?") + urlencode(params))

    # ---- /token ----------------------------------------------------------------
    def token(self, form: dict) -> None:
        p = self.provider
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("basic "):
            from urllib.parse import unquote

            raw = base64.b64decode(auth[6:]).decode("utf-8")
            cid, _, csec = raw.partition(":")
            client_id, client_secret = unquote(cid), unquote(csec)
        if client_id != p.client_id or client_secret != p.client_secret:
            return self._json(401, {"error": "invalid_client"})
        if form.get("grant_type") != "authorization_code":
            return self._json(400, {"error": "unsupported_grant_type"})
        with p.lock:
            entry = p.codes.pop(form.get("code", ""), None)  # single use
        if not entry or entry["expires"] < time.time():
            return self._json(400, {"error": "invalid_grant", "error_description": "unknown or expired code"})
        if entry["client_id"] != client_id or entry["redirect_uri"] != form.get("redirect_uri"):
            return self._json(
                400, {"error": "invalid_grant", "error_description": "client/redirect_uri mismatch"}
            )
        if entry["code_challenge"]:
            verifier = form.get("code_verifier") or ""
            if entry["code_challenge_method"] == "S256":
                computed = b64url(hashlib.sha256(verifier.encode("ascii")).digest())
            else:
                computed = verifier
            if not verifier or computed != entry["code_challenge"]:
                return self._json(
                    400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
                )
        self._record(
            "/token",
            user=entry["user"],
            pkce=entry["code_challenge_method"] if entry["code_challenge"] else None,
        )
        access_token = secrets.token_urlsafe(32)
        with p.lock:
            p.access_tokens[access_token] = entry["user"]
        self._json(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": entry["scope"],
                "id_token": p.id_token(entry["user"], entry["nonce"], access_token),
            },
        )

    def userinfo(self) -> None:
        auth = self.headers.get("Authorization") or ""
        user = self.provider.access_tokens.get(auth[7:]) if auth.lower().startswith("bearer ") else None
        if not user:
            return self._send(
                401, json.dumps({"error": "invalid_token"}), headers={"WWW-Authenticate": "Bearer"}
            )
        return self._json(200, self.provider.user_claims(user))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 = pick a free port (printed on stdout)")
    ap.add_argument("--users", required=True, help="users.json")
    ap.add_argument("--client-id", default="streamlit-test")
    ap.add_argument("--client-secret", default="streamlit-test-secret")
    ap.add_argument(
        "--id-token-ttl", type=int, default=3600, help="seconds; negative issues already-expired tokens"
    )
    ap.add_argument("--auto-user", default=None, help="skip the form and log this user in")
    ap.add_argument("--issuer", default=None, help="default http://HOST:PORT")
    ap.add_argument("--no-end-session", action="store_true", help="omit end_session_endpoint from metadata")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)

    provider = Provider(args)
    Handler.provider = provider
    httpd = ThreadingHTTPServer((args.host, args.port), Handler)
    httpd.daemon_threads = True
    httpd.verbose = args.verbose  # type: ignore[attr-defined]
    port = httpd.server_address[1]
    provider.issuer = args.issuer or f"http://{args.host}:{port}"
    print(f"READY {provider.issuer}", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
