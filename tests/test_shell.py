"""The PWA shell: manifest, service worker, hashed assets, headers and compression."""
import base64
import gzip
import hashlib
import json
import re

import brotli
import pytest

from pwa.shell import MANIFEST_ONLY, SUPERVISOR_ONLY


def precache_of(client):
    body = client.get("/sw.js").get_data(as_text=True)
    match = re.search(r"const PRECACHE = (\[.*?\]);\n", body)
    return body, json.loads(match.group(1))


def test_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    manifest = response.get_json(force=True)
    assert response.mimetype == "application/manifest+json"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["name"].startswith("Alongside") and manifest["short_name"] == "Alongside"
    assert manifest["theme_color"] and manifest["background_color"] and manifest["description"]
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_icons_are_real_pngs_of_their_stated_size(client):
    manifest = client.get("/manifest.webmanifest").get_json(force=True)
    for icon in manifest["icons"]:
        if icon["type"] != "image/png":
            continue
        png = client.get(icon["src"]).data
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert f"{width}x{height}" == icon["sizes"]


def test_service_worker_precaches_every_section_page_and_asset(app, client):
    body, precache = precache_of(client)
    urls = {entry["url"] for entry in precache}
    module = app.extensions["module"]
    assert {"/", "/offline"} | {f"/section/{s.id}" for s in module.sections} <= urls
    assert "/section/third/2" in urls  # every part of a section is its own page
    pwa = app.extensions["pwa"]
    online_only = MANIFEST_ONLY | SUPERVISOR_ONLY
    assert {pwa.asset_url(rel) for rel in pwa.assets if rel not in online_only} <= urls
    assert not {pwa.asset_url(rel) for rel in online_only} & urls
    assert re.search(r'const VERSION = "[0-9a-f]{12}";', body)


def test_every_precached_page_carries_the_hash_of_what_is_served_and_every_asset_its_version(app, client):
    _, precache = precache_of(client)
    pages = [entry for entry in precache if not entry["url"].startswith("/s/")]
    assert len(pages) > 5
    for entry in pages:
        served = client.get(entry["url"], headers={"Accept-Encoding": "identity"}).data
        digest = base64.urlsafe_b64encode(hashlib.sha256(served).digest()[:8]).rstrip(b"=").decode()
        assert entry["sha"] == digest, entry["url"]
    # An asset's URL names the tree it belongs to, so it needs no hash of its own; change one file and
    # every asset URL changes, so the service worker cannot keep an old copy under a new name.
    tree = app.extensions["pwa"].tree
    assets = [entry for entry in precache if entry["url"].startswith("/s/")]
    assert assets and all(entry == {"url": entry["url"]} and entry["url"].startswith(f"/s/{tree}/") for entry in assets)


def test_service_worker_is_never_cached_and_served_at_root_scope(client):
    response = client.get("/sw.js")
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.mimetype == "application/javascript"


def test_version_changes_when_the_content_changes(tmp_path):
    import shutil

    from pwa import create_app

    from .conftest import MINI_PACK
    pack = tmp_path / "pack"
    shutil.copytree(MINI_PACK, pack)

    def version():
        app = create_app({"TESTING": True, "CONTENT": str(pack)}, instance_path=tmp_path / "i")
        return re.search(r'VERSION = "(\w+)"', app.test_client().get("/sw.js").get_data(as_text=True)).group(1)

    before = version()
    assert version() == before
    (pack / "sections/first.yaml").write_text((pack / "sections/first.yaml").read_text().replace("Welcome", "Hello"))
    assert version() != before


def test_hashed_assets_are_immutable_and_stale_hashes_are_not(app, client):
    url = app.extensions["pwa"].asset_url("css/app.css")
    assert client.get(url).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = re.sub(r"/s/\w+/", "/s/000000000000/", url)
    assert client.get(stale).headers["Cache-Control"] == "no-cache"
    assert client.get("/s/x/css/missing.css").status_code == 404


@pytest.mark.parametrize("path", ["/", "/section/first", "/offline", "/sw.js", "/manifest.webmanifest"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_hsts_is_sent_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_have_no_inline_script_or_style(app, client):
    module = app.extensions["module"]
    for url in ["/"] + [f"/section/{s.id}" for s in module.sections]:
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html and " style=" not in html, url


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_text_responses_are_compressed(app, client, encoding, decode):
    for url in ["/section/first", app.extensions["pwa"].asset_url("css/app.css")]:
        plain = client.get(url, headers={"Accept-Encoding": "identity"}).data
        response = client.get(url, headers={"Accept-Encoding": f"{encoding}, deflate"})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert len(response.data) < len(plain)
        assert decode(response.data) == plain


def test_pngs_are_not_recompressed(app, client):
    response = client.get(app.extensions["pwa"].asset_url("icons/icon-512.png"), headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in response.headers


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/section/nope")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.get_data(as_text=True)


def test_api_errors_are_json_with_a_message(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert set(response.get_json()) == {"error", "message"}


def test_styles_and_scripts_are_served_without_comments_or_indentation(app, client):
    pwa = app.extensions["pwa"]
    css = client.get(pwa.asset_url("css/app.css"), headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    assert "/*" not in css and "\n  " not in css
    js = client.get(pwa.asset_url("js/share.js"), headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    source = (pwa_root() / "static/js/share.js").read_text()
    assert "\n  " not in js and "\n//" not in js and len(js) < len(source)
    assert [line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("//")
            ][:5] == js.splitlines()[:5]


def test_squeezing_scripts_keeps_template_literals_strings_and_line_breaks():
    from pwa.shell import squeeze_js
    source = ("// a comment\n  const a = 1; // why\n\n  /** One line. */\n  /*\n   * A block.\n   */\n"
              "  const html = `<p>\n    // not a comment\n  kept  as is</p>`; // after\n"
              "  const url = \"https://example.org\"; // a note\n  const odd = 'it; // stays'; // gone\n"
              "  f(x, // an argument\n    y);\n  return a //tight stays\n")
    assert squeeze_js(source) == ("const a = 1;\nconst html = `<p>\n    // not a comment\n  kept  as is</p>`; // after\n"
                                  "const url = \"https://example.org\";\nconst odd = 'it; // stays';\nf(x,\ny);\n"
                                  "return a //tight stays\n")


def pwa_root():
    from pwa import paths
    return paths.shipped_root()


def test_assets_skip_document_only_headers_but_keep_nosniff(app, client):
    headers = client.get(app.extensions["pwa"].asset_url("js/offline.js")).headers
    assert "Content-Security-Policy" not in headers
    assert headers["X-Content-Type-Options"] == "nosniff"


def unbundle(data: bytes) -> list[dict]:
    """Split an install bundle as the service worker does: a JSON line, then that many bytes of body."""
    items, at = [], 0
    while at < len(data):
        end = data.index(b"\n", at)
        head = json.loads(data[at:end])
        body, at = data[end + 1:end + 1 + head["n"]], end + 1 + head["n"]
        items.append({**head, "body": base64.b64decode(body) if head.get("b64") else body})
    return items


def test_precache_bundle_carries_each_body_with_its_hash_and_headers(client):
    body, precache = precache_of(client)
    version = re.search(r'VERSION = "(\w+)"', body).group(1)
    bundle = unbundle(client.get(f"/precache?v={version}&only=0,{len(precache) - 1}").data)
    assert [item["i"] for item in bundle] == [0, len(precache) - 1]
    page, asset = bundle
    digest = base64.urlsafe_b64encode(hashlib.sha256(page["body"]).digest()[:8]).rstrip(b"=").decode()
    assert digest == precache[0]["sha"]
    assert asset["body"] == client.get(precache[-1]["url"], headers={"Accept-Encoding": "identity"}).data
    page_headers = bundle[0]["headers"]
    assert "default-src 'self'" in page_headers["Content-Security-Policy"]
    assert page_headers["Content-Type"].startswith("text/html")


def test_precache_bundle_without_only_holds_everything(client):
    body, precache = precache_of(client)
    version = re.search(r'VERSION = "(\w+)"', body).group(1)
    assert len(unbundle(client.get(f"/precache?v={version}").data)) == len(precache)


@pytest.mark.parametrize("query, status, message", [
    ("v=000000000000", 409, "A newer version of the app is being installed"),
    ("v={v}&only=1,x", 400, "'only' must list precache positions"),
    ("v={v}&only=9999", 400, "'only' positions must be between 0 and"),
])
def test_precache_bundle_refuses_bad_requests_with_a_message(client, query, status, message):
    version = re.search(r'VERSION = "(\w+)"', client.get("/sw.js").get_data(as_text=True)).group(1)
    response = client.get("/precache?" + query.format(v=version))
    assert response.status_code == status
    assert response.get_json()["message"].startswith(message)


def test_the_service_worker_carries_its_modules_so_installing_waits_on_no_second_fetch(client):
    body = client.get("/sw.js").get_data(as_text=True)
    assert not re.search(r"^\s*import\b", body, re.M), "a worker's import is one more round trip before installing"
    assert "const __store = (() => {" in body and "const __outbox = (() => {" in body
    assert re.search(r"^const \{[\w, ]+\} = __store;$", body, re.M), "outbox.js's import of store.js"
    assert "const { sendOutbox } = __outbox;" in body


def test_the_inliner_refuses_what_it_does_not_understand():
    from pwa.shell import Asset, inline_modules
    made = lambda text: Asset(body=text.encode(), mimetype="application/javascript", sha="")  # noqa: E731
    assert inline_modules({"js/a.js": made("export const one = 1;\nexport function two() {}\n")}, ["js/a.js"]) == (
        "const __a = (() => {\nconst one = 1;\nfunction two() {}\nreturn { one, two };\n})();")
    for bad in ('import a from "./b.js";\n', 'export default 1;\n', 'const m = import("./b.js");\n'):
        with pytest.raises(RuntimeError, match="does not understand"):
            inline_modules({"js/a.js": made(bad)}, ["js/a.js"])


def test_a_binary_body_travels_in_the_bundle_as_base64(app):
    pwa = app.extensions["pwa"]
    with app.test_request_context():
        pwa.precache()
    pwa._bodies[0] = (b"\x89PNG\n\x00\xff", {"Content-Type": "image/png"})  # a newline inside: the length decides
    first, second = unbundle(pwa.bundle([0, 1]))
    assert first["b64"] is True and first["body"] == b"\x89PNG\n\x00\xff" and second["i"] == 1


def test_the_revalidation_page_and_its_module_are_in_the_offline_install(app, client):
    _, precache = precache_of(client)
    urls = {entry["url"] for entry in precache}
    pwa = app.extensions["pwa"]
    assert {"/revalidation", pwa.asset_url("js/revalidation.js")} <= urls


def test_the_service_worker_carries_store_and_outbox_js_as_text_too_so_the_bundle_need_not(app, client):
    body = client.get("/sw.js").get_data(as_text=True)
    sources = json.loads(re.search(r"^const SOURCES = (\{.*\});$", body, re.M).group(1))
    pwa = app.extensions["pwa"]
    with app.test_request_context():
        urls = [pwa.asset_url(rel) for rel in ("js/store.js", "js/outbox.js")]
        precached = {e["url"] for e in pwa.precache()}
    assert list(sources) == urls and set(urls) <= precached
    for rel, url in zip(("js/store.js", "js/outbox.js"), urls, strict=True):
        assert sources[url].encode("utf-8") == pwa.assets[rel].body  # byte for byte what /s/ serves
