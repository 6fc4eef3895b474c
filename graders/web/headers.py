"""Security headers on every response, with a Content-Security-Policy that allows no inline
script and no inline style in the web's own pages.

Pages take their styles from /static/site.css and their scripts from /static/*.js. The lab
page's editor (CodeMirror) writes its own styles into a <style> element as it starts: each
response has a fresh nonce, the editor's <script> tag carries it, and editor.js hands it to
CodeMirror (EditorView.cspNonce), so that element alone is allowed. CodeMirror also puts one
style attribute on its text, `tab-size: 4`, allowed by its hash ('unsafe-hashes' lets a hash
name an attribute's exact text, nothing else).

The class report is a self-contained page (its CSS inline, so that it opens from a mail
attachment): its route sends `REPORT_POLICY`, which allows that one <style> element by the
hash of its text (present/html.py hashes the same file it inlines) and nothing else inline.
Its scripts are refused like everywhere else.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graders.present.html import CLASS_REPORT_CSS, csp_hash, style_source

NONCE_KEY = "csp_nonce"  # in the request's state (request.state.csp_nonce)
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# The style attribute CodeMirror sets on its content (`${tab-size property}: ${tabSize}`).
EDITOR_STYLE_ATTRIBUTES = ("tab-size: 4", "-moz-tab-size: 4")
_REST = "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
REPORT_POLICY = f"default-src 'self'; style-src {style_source(CLASS_REPORT_CSS)}; {_REST}"
_ATTRIBUTE_HASHES = " ".join(csp_hash(text) for text in EDITOR_STYLE_ATTRIBUTES)


def page_policy(nonce: str) -> str:
    """The policy of every page but the class report."""
    styles = f"style-src 'self' 'nonce-{nonce}' 'unsafe-hashes' {_ATTRIBUTE_HASHES}"
    return f"default-src 'self'; {styles}; {_REST}"


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response that does not set its own,
    and the response's nonce in the request's state for the templates."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})[NONCE_KEY] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                wanted = {**FIXED_HEADERS, "Content-Security-Policy": page_policy(nonce)}
                for name, value in wanted.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
