"""The PWA shell: manifest, service worker, offline page, hashed static assets,
compression and security headers.

flask-pwa did this job for Flask 1; its only release needs flask<2.0, so this
small extension keeps the same ``PWA(app)`` / ``init_app`` shape for Flask 3.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import mimetypes
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import brotli
import rcssmin
from flask import Blueprint, Flask, abort, current_app, render_template, request, url_for
from flask_talisman import Talisman

from . import paths
from .errors import AppError
from .reader import page_url

TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/manifest+json",
              "image/svg+xml", "text/javascript")
CSP = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# Icons only the operating system reads, when the app is added to the home screen (online by
# definition); nothing on a page shows them, so they stay out of the 64 KB offline install.
# Read by the operating system when the app is installed (online), never by a page: not precached.
MANIFEST_ONLY = {"icons/icon-192.png", "icons/icon-512.png", "icons/maskable-512.png"}
# Supervisor pages are online by nature (they read from the server) and no worker page loads these.
SUPERVISOR_ONLY = {"js/supervisor.js"}
THEME_COLOUR = "#1d5c63"
# Headers a page keeps when the service worker serves it from its cache.
KEPT_HEADERS = ("Content-Type", "Content-Security-Policy", "Referrer-Policy", "X-Content-Type-Options")
BACKGROUND_COLOUR = "#fbfaf7"

mimetypes.add_type("application/javascript", ".js")
mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("image/svg+xml", ".svg")

bp = Blueprint("shell", __name__)


@dataclass
class Asset:
    """One static file held in memory (compressed on first request, by _compressed)."""

    body: bytes
    mimetype: str
    sha: str


def sha_of(body: bytes) -> str:
    """Return the first 64 bits of the SHA-256 of ``body``, base64url: what the service worker checks.

    It guards against a stale or mixed-up copy, not an attacker (TLS does that), and a chance mix-up
    passes 64 bits once in 2**64. A quarter of a digest is 11 characters instead of 43 for each of some
    fifty URLs: random characters brotli cannot shrink, about 1.5 KB of the offline install.
    """
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()[:8]).rstrip(b"=").decode()


def is_text(mimetype: str) -> bool:
    return mimetype.startswith(TEXT_TYPES)


def load_assets(folder: Path) -> tuple[str, dict[str, Asset]]:
    """Read every file under ``folder``; return the tree's hash and the assets by path."""
    assets: dict[str, Asset] = {}
    tree = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel.startswith(".") or "/." in rel or rel.endswith((".py", ".pyc", ".md")):
            continue
        body = minify(rel, path.read_bytes())
        mimetype = mimetypes.guess_type(rel)[0] or "application/octet-stream"
        assets[rel] = Asset(body=body, mimetype=mimetype, sha=sha_of(body))
        tree.update(rel.encode() + b"\0" + body + b"\0")
    return tree.hexdigest()[:12], assets


def minify(rel: str, body: bytes) -> bytes:
    """Strip comments and spacing from CSS (rcssmin) and JavaScript (squeeze_js)."""
    if rel.endswith(".css"):
        return rcssmin.cssmin(body.decode("utf-8")).encode("utf-8")
    if rel.endswith(".js"):
        return squeeze_js(body.decode("utf-8")).encode("utf-8")
    return body


# A comment after code: ` // ...` once the code before it has closed every quote, after ; { } ) or ,
TRAILING_COMMENT = re.compile(r"""^([^"'`]*(?:"[^"]*"[^"']*|'[^']*'[^"']*)*[;{}),])\s+//\s.*$""")


def squeeze_js(source: str) -> str:
    """Drop indentation, blank lines and comments, keeping every line break.

    Whole lines go (line comments and block comments that start a line), and comments after code
    when nothing before them is left inside a quote; no token is joined to another (so no ASI
    surprise), and the lines of a multi-line template literal are kept exactly (rjsmin squeezed the
    spaces inside nested template literals, changing text the worker sees).
    """
    kept, in_template, in_comment = [], False, False
    for line in source.splitlines():
        text = line.strip()
        if in_template:
            kept.append(line)
        elif in_comment:
            in_comment = not text.endswith("*/")
            continue
        elif text.startswith("/*"):
            in_comment = not text.endswith("*/")
            continue
        elif text and not text.startswith("//"):
            kept.append(TRAILING_COMMENT.sub(r"\1", text) if "`" not in text else text)
        else:
            continue
        in_template ^= (kept[-1].count("`") - kept[-1].count("\\`")) % 2 == 1
    return "\n".join(kept) + "\n"


def pick_encoding(accept: str) -> str | None:
    """Return 'br', 'gzip' or None from an Accept-Encoding header."""
    accepted = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if "br" in accepted:
        return "br"
    if "gzip" in accepted:
        return "gzip"
    return None


class PWA:
    """Make a Flask app an installable, offline-capable PWA."""

    def __init__(self, app: Flask | None = None):
        self.tree = ""
        self.assets: dict[str, Asset] = {}
        self._precache: list[dict] | None = None
        self._bodies: list[tuple[bytes, dict]] = []
        self._version: str | None = None
        self._service_worker: str | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        self.tree, self.assets = load_assets(paths.static_dir())
        app.extensions["pwa"] = self
        app.register_blueprint(bp)
        app.add_template_global(self.asset_url, "asset_url")
        app.add_template_global(THEME_COLOUR, "theme_colour")
        app.after_request(compress_response)
        app.after_request(default_cache_policy)
        app.after_request(trim_asset_headers)  # registered before Talisman, so it runs after it
        app.after_request(set_opener_policy)  # after Talisman, before trim_asset_headers
        Talisman(
            app,
            force_https=False,
            content_security_policy=CSP,
            content_security_policy_nonce_in=[],
            strict_transport_security=True,
            strict_transport_security_max_age=app.config["HSTS_SECONDS"],
            referrer_policy="no-referrer",
            frame_options=None,  # CSP frame-ancestors 'none' does this job in every browser we serve
            session_cookie_secure=app.config["SECURE_COOKIES"],
            session_cookie_http_only=True,
            permissions_policy=PERMISSIONS_POLICY,
        )

    def asset_url(self, rel: str) -> str:
        """Return the immutable URL of a static file (the tree hash is in the path)."""
        if rel not in self.assets:
            raise KeyError(f"no static file {rel!r}")
        return f"/s/{self.tree}/{rel}"

    def page_urls(self) -> list[str]:
        """Every page a worker may open offline: home, each section, the offline page, journal, support, print, revalidation."""
        module = current_app.extensions["module"]
        urls = [url_for("reader.home"), url_for("shell.offline")]
        urls += [url_for(e) for e in ("reader.journal", "reader.support", "reader.print_journal", "reader.share",
                                         "reader.revalidation")]
        urls += [page_url(s, p) for s, p in module.pages()]
        urls += [url_for(endpoint) for endpoint in current_app.config.get("EXTRA_OFFLINE_PAGES", ())]
        return urls

    def precache(self) -> list[dict]:
        """Return [{url, sha}] for every page and [{url}] for every asset, computed once per process.

        A page's URL stays while its body changes, so the service worker checks what it caches against
        ``sha``. An asset's URL holds the hash of the tree it belongs to, so a copy under it is that
        version's: 11 random characters less for each of some forty assets (~400 bytes of the install).
        """
        if self._precache is None:
            entries, bodies = [], []
            client = current_app.test_client()
            for url in self.page_urls():
                response = client.get(url, headers={"Accept-Encoding": "identity"})
                if response.status_code != 200:
                    raise RuntimeError(f"precache: {url} answered {response.status_code}")
                entries.append({"url": url, "sha": sha_of(response.get_data())})
                bodies.append((response.get_data(), {k: response.headers[k] for k in KEPT_HEADERS
                                                     if k in response.headers}))
            for rel, asset in sorted(self.assets.items()):
                if rel in MANIFEST_ONLY or rel in SUPERVISOR_ONLY:
                    continue
                entries.append({"url": self.asset_url(rel)})  # its URL names the tree it came from: no hash
                bodies.append((asset.body, {"Content-Type": asset.mimetype, "X-Content-Type-Options": "nosniff"}))
            self._precache, self._bodies = entries, bodies
        return self._precache

    def bundle(self, wanted: list[int]) -> bytes:
        """The precache entries at ``wanted``, for one install request: for each, a line of JSON
        ``{"i", "headers", "n"[, "b64"]}`` and then its ``n`` bytes of body as served (base64 when
        binary). Bodies go in unescaped: as JSON strings their quotes and newlines cost ~1 KB more."""
        self.precache()
        out = []
        for i in wanted:
            body, headers = self._bodies[i]
            binary = not is_text(headers.get("Content-Type", ""))
            data = base64.b64encode(body) if binary else body
            head = {"i": i, "headers": headers, "n": len(data), **({"b64": True} if binary else {})}
            out += [json.dumps(head, separators=(",", ":")).encode(), b"\n", data]
        return b"".join(out)

    def service_worker(self) -> str:
        """The text of /sw.js, written once per process (it changes only with the version)."""
        if self._service_worker is None:
            source = squeeze_js(paths.service_worker_source().read_text(encoding="utf-8"))  # as the assets are
            # The same modules as text too, for the precache: brotli sends the second copy almost free, where
            # the install bundle would send them again in full (on a first visit no page has loaded them).
            sources = {self.asset_url(rel): self.assets[rel].body.decode("utf-8") for rel in SW_MODULES}
            self._service_worker = (
                source.replace("__VERSION__", self.version()).replace("__MODULES__\n", inline_modules(self.assets) + "\n")
                .replace("__SOURCES__", json.dumps(sources, ensure_ascii=False, separators=(",", ":")))
                .replace("__PRECACHE__", json.dumps(self.precache(), separators=(",", ":"))))
        return self._service_worker

    def version(self) -> str:
        """Hash of everything the service worker installs, so any change is a new version."""
        if self._version is None:
            digest = hashlib.sha256(paths.service_worker_source().read_bytes())
            digest.update(json.dumps(self.precache(), sort_keys=True).encode())
            self._version = digest.hexdigest()[:12]
        return self._version


@bp.route("/s/<tree>/<path:rel>")
def static_file(tree: str, rel: str):
    """Serve a static file; immutable when the tree hash in the URL is current."""
    pwa: PWA = current_app.extensions["pwa"]
    asset = pwa.assets.get(rel)
    if asset is None:
        abort(404)
    encoding = pick_encoding(request.headers.get("Accept-Encoding", "")) if is_text(asset.mimetype) else None
    body = _compressed(asset.body, encoding) if encoding else asset.body
    response = current_app.response_class(body, mimetype=asset.mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
        response.headers["Vary"] = "Accept-Encoding"
    if tree == pwa.tree:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/precache")
def precache_bundle():
    """Everything the service worker still needs to install, in one response.

    One request instead of ~30 saves ~30 round trips and ~9 KB of HTTP/1.1 headers on a slow
    phone line, and brotli compresses the pages together far better than one by one. The service
    worker checks every body against its SHA-256 in the precache list before caching it.
    """
    pwa: PWA = current_app.extensions["pwa"]
    if request.args.get("v") != pwa.version():
        raise AppError(409, "stale_version", "A newer version of the app is being installed. Reload the page.")
    count = len(pwa.precache())
    try:
        wanted = [int(i) for i in request.args.get("only", "").split(",") if i] or list(range(count))
    except ValueError:
        raise AppError(400, "bad_request", "'only' must list precache positions, like 0,3,7.") from None
    if any(i < 0 or i >= count for i in wanted):
        raise AppError(400, "bad_request", f"'only' positions must be between 0 and {count - 1}.")
    response = current_app.response_class(pwa.bundle(sorted(set(wanted))), mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


# The modules the service worker uses, written into /sw.js: a worker's own imports are fetched only
# after it arrives, one more round trip (about a second on a phone) before installing can begin.
SW_MODULES = ("js/store.js", "js/outbox.js")
NAMED_IMPORT = re.compile(r'^import \{([^}]*)\} from "\./([\w/-]+\.js)";$', re.M)
EXPORTED = re.compile(r"^export (?:async function|function|const|let|class) ([A-Za-z_$][\w$]*)", re.M)


def scope_of(rel: str) -> str:
    return "__" + re.sub(r"\W", "_", rel.removeprefix("js/").removesuffix(".js"))


def inline_modules(assets: dict, rels=SW_MODULES) -> str:
    """Write ES modules as block scopes, each returning its exports, in dependency order.

    Only the forms these modules use are understood (`import { a, b as c } from "./x.js"`, `export
    function|const ...`); anything else stops the server rather than ship a broken service worker.
    """
    scopes = []
    for rel in rels:
        source = assets[rel].body.decode("utf-8")

        def take(match):
            names = match.group(1).replace(" as ", ": ")
            return f"const {{{names}}} = {scope_of('js/' + match.group(2))};"
        body = NAMED_IMPORT.sub(take, source)
        if re.search(r"^(import|export) ", EXPORTED.sub("", body), re.M) or "import(" in body:
            raise RuntimeError(f"{rel}: an import or export the service worker inliner does not understand")
        exports = EXPORTED.findall(body)
        body = re.sub(r"^export ", "", body, flags=re.M)
        scopes.append(f"const {scope_of(rel)} = (() => {{\n{body}return {{ {', '.join(exports)} }};\n}})();")
    return "\n".join(scopes)


@bp.route("/sw.js")
def service_worker():
    """The service worker, with the version, precache list and the modules it uses written in."""
    pwa: PWA = current_app.extensions["pwa"]
    response = current_app.response_class(pwa.service_worker(), mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest: names, colours, icons, standalone display."""
    module = current_app.extensions["module"]
    pwa: PWA = current_app.extensions["pwa"]
    body = {
        "name": "Alongside: " + module.title,
        "short_name": "Alongside",
        "description": module.description or module.title,
        "lang": "en-GB",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": pwa.asset_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": pwa.asset_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": pwa.asset_url("icons/maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
            {"src": pwa.asset_url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = current_app.response_class(json.dumps(body, indent=1), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
def offline():
    """Shown by the service worker for a page it does not hold."""
    return render_template("offline.html")


def compress_response(response):
    """Brotli- or gzip-compress text responses the client accepts."""
    if (response.direct_passthrough or response.status_code < 200 or response.status_code >= 300
            or "Content-Encoding" in response.headers or not is_text(response.mimetype or "")):
        return response
    body = response.get_data()
    if request.method == "GET" and "ETag" not in response.headers and not request.path.startswith(("/api/", "/s/")):
        response.add_etag()  # lets the service worker's precache revalidate a page the browser already has
        response.make_conditional(request)
        if response.status_code == 304:
            return response
    if len(body) < current_app.config["COMPRESS_MIN_BYTES"]:
        return response
    encoding = pick_encoding(request.headers.get("Accept-Encoding", ""))
    if encoding is None:
        return response
    packed = _compressed(body, encoding)
    response.set_data(packed)
    response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    return response


@lru_cache(maxsize=512)
def _compressed(body: bytes, encoding: str) -> bytes:
    """Compress hard once: pages repeat, so most bodies are seen many times."""
    return brotli.compress(body, quality=11) if encoding == "br" else gzip.compress(body, 9, mtime=0)


DOCUMENT_ONLY_HEADERS = ("Content-Security-Policy", "Referrer-Policy", "Permissions-Policy",
                         "Cross-Origin-Opener-Policy")
# Powerful features no page of the app uses; a page (or anything injected into one) may not ask for them.
PERMISSIONS_POLICY = {feature: "()" for feature in ("camera", "microphone", "geolocation", "payment", "usb",
                                                    "browsing-topics")}


def set_opener_policy(response):
    """Keep other sites' windows out of ours (window.opener): Talisman has no setting for this header."""
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def trim_asset_headers(response):
    """Drop headers that only a document or worker reads from hashed assets: ~200 bytes on each of
    ~40 precache responses matters against the 64 KB budget. nosniff stays."""
    if request.path.startswith("/s/"):
        for name in DOCUMENT_ONLY_HEADERS:
            response.headers.pop(name, None)
    return response


def default_cache_policy(response):
    """API answers are never stored; pages are revalidated (the service worker keeps the offline copy)."""
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    elif "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-cache"
    return response
