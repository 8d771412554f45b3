"""Headers every page carries, and a Retry-After on every refusal for going too fast."""
import pytest


@pytest.mark.parametrize("path", ["/", "/section/first", "/offline", "/supervise/login", "/api/device"])
def test_pages_forbid_powerful_features_and_foreign_openers(client, path):
    response = client.get(path)
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in policy


def test_hsts_covers_subdomains_on_https(client):
    hsts = client.get("/", base_url="https://alongside.example.org").headers["Strict-Transport-Security"]
    assert hsts == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_hashed_assets_skip_the_document_only_policies(app, client):
    response = client.get(app.extensions["pwa"].asset_url("css/app.css"))
    assert "Permissions-Policy" not in response.headers and "Cross-Origin-Opener-Policy" not in response.headers


def test_too_many_pairing_attempts_say_when_to_try_again(client):
    for _ in range(10):
        client.post("/api/pair", json={"code": "AAAA-AAAA", "display_name": "Sam"})
    response = client.post("/api/pair", json={"code": "AAAA-AAAA", "display_name": "Sam"})
    assert response.status_code == 429 and 1 <= int(response.headers["Retry-After"]) <= 61


def test_too_many_sign_in_attempts_say_when_to_try_again(client, auth):
    auth.create()
    token = auth.form_token()
    for _ in range(11):
        response = client.post("/supervise/login", data={"email": "ann@example.org", "password": "guess guess",
                                                         "csrf_token": token})
    assert response.status_code == 429 and 1 <= int(response.headers["Retry-After"]) <= 61
