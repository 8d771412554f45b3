"""Behind a TLS proxy: waitress believes X-Forwarded-* from TRUSTED_PROXY only, so rate limits count per
worker and HSTS is sent on https; without the setting those headers are dropped."""
import json
import threading
import urllib.error
import urllib.request

import pytest
from waitress import create_server

from pwa import create_app
from pwa.cli import waitress_options
from tests.conftest import MINI_PACK


@pytest.fixture
def served(tmp_path):
    """Start `alongside serve`'s waitress set-up on a free port; yield a function that makes one."""
    servers, stopping = [], threading.Event()

    def run(server):
        try:
            server.run()
        except OSError:  # closing the socket under its select() at the end: only then is it expected
            if not stopping.is_set():
                raise

    def serve(trusted_proxy=None):
        app = create_app({"TESTING": True, "CONTENT": str(MINI_PACK), "RATELIMIT_PAIR": "3 per minute"},
                         instance_path=tmp_path / f"instance{len(servers)}")
        server = create_server(app, **waitress_options("127.0.0.1", 0, 2, trusted_proxy))
        servers.append(server)
        threading.Thread(target=run, args=(server,), daemon=True).start()
        return f"http://127.0.0.1:{server.effective_port}"
    yield serve
    stopping.set()
    for server in servers:
        server.close()
        server.task_dispatcher.shutdown()


def request(url, headers=None, body=None):
    """Return (status, headers) of one request; errors are answers too."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers


def pair_from(base, worker):
    return request(f"{base}/api/pair", {"X-Forwarded-For": worker}, {"code": "AAAA-AAAA", "display_name": "Sam"})


def test_behind_the_trusted_proxy_each_worker_has_their_own_rate_limit(served):
    base = served(trusted_proxy="127.0.0.1")
    for _ in range(3):
        assert pair_from(base, "203.0.113.7")[0] == 404
    status, headers = pair_from(base, "203.0.113.7")
    assert status == 429 and 1 <= int(headers["Retry-After"]) <= 61
    assert pair_from(base, "198.51.100.4")[0] == 404  # someone else on the same proxy is not locked out


def test_behind_the_trusted_proxy_https_gets_hsts(served):
    base = served(trusted_proxy="127.0.0.1")
    _, over_https = request(f"{base}/", {"X-Forwarded-Proto": "https"})
    assert over_https["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    _, over_http = request(f"{base}/", {"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in over_http


@pytest.mark.parametrize("trusted_proxy", [None, "10.0.0.1"], ids=["no proxy set", "another proxy"])
def test_forwarded_headers_from_anyone_else_are_ignored(served, trusted_proxy):
    base = served(trusted_proxy=trusted_proxy)
    for n in range(3):
        assert pair_from(base, f"203.0.113.{n}")[0] == 404
    assert pair_from(base, "198.51.100.4")[0] == 429  # a forged X-Forwarded-For buys no new bucket
    _, headers = request(f"{base}/", {"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in headers
