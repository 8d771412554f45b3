"""A real `alongside serve` in a subprocess, and the Chromium to drive: shared by tests and bench/."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL_PACK = ROOT / "content" / "module-2"
MINI_PACK = ROOT / "tests" / "packs" / "mini"
INSTALL_HINT = "apt-get update && apt-get install -y chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


class NoBrowser(RuntimeError):
    """No Chromium to drive; the message says how to install one."""


def chromium_path(playwright) -> str:
    """Return the Chromium to drive: $ALONGSIDE_CHROMIUM, Playwright's own, then /usr/bin/chromium."""
    explicit = os.environ.get("ALONGSIDE_CHROMIUM")
    if explicit:
        if not Path(explicit).exists():
            raise NoBrowser(f"ALONGSIDE_CHROMIUM={explicit} does not exist. Install a browser: {INSTALL_HINT}")
        return explicit
    try:
        own = playwright.chromium.executable_path
    except Exception:
        own = ""
    if own and Path(own).exists():
        return own
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    raise NoBrowser(f"No Chromium found for the end-to-end tests. Install one with: {INSTALL_HINT}  "
                    "(or set ALONGSIDE_CHROMIUM to a Chromium binary)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`alongside serve` in a subprocess; restartable to deploy a new version."""

    def __init__(self, instance: Path, content: Path, port: int | None = None, env: dict | None = None):
        self.instance, self.content = Path(instance), Path(content)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.log = self.instance.parent / f"server-{self.port}.log"
        self.process = None

    def start(self):
        env = {**os.environ, "ALONGSIDE_CONTENT": str(self.content), **self.env}
        self.instance.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pwa.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--instance", str(self.instance)], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                urllib.request.urlopen(self.url + "/manifest.webmanifest", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def env_for_cli(self) -> dict:
        """The environment for running `alongside` commands against this server's instance."""
        return {**os.environ, "ALONGSIDE_CONTENT": str(self.content), **self.env}

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def restart(self):
        self.stop()
        return self.start()


# Everything the origin stores, as JSON (binary as base64 and as decoded text, so plaintext hidden in
# bytes is found too): an async function expression, for page.evaluate or a WebDriver script.
DUMP_STORAGE = """async () => {
  const bytes = (v) => new Uint8Array(v instanceof ArrayBuffer ? v : v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  const plain = (k, v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v))
    ? { b64: btoa(String.fromCharCode(...bytes(v))), text: new TextDecoder().decode(bytes(v)) } : v;
  const ask = (r) => new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  const out = { idb: {}, caches: {}, localStorage: { ...localStorage }, sessionStorage: { ...sessionStorage },
                url: location.href, cookie: document.cookie };
  for (const { name } of await indexedDB.databases()) {
    const db = await ask(indexedDB.open(name));
    for (const store of db.objectStoreNames) {
      const s = db.transaction(store).objectStore(store);
      out.idb[`${name}/${store}`] = { keys: await ask(s.getAllKeys()), values: await ask(s.getAll()) };
    }
    db.close();
  }
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const body = await (await cache.match(request)).arrayBuffer();
      out.caches[`${name} ${request.url}`] = plain("", body);
    }
  }
  return JSON.stringify(out, plain);
}"""
