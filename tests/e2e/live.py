"""A real `alongside serve` in a subprocess, and the Chromium to drive: shared by tests and bench/."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
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


# Debian's build of Chromium's headless shell (package chromium-headless-shell, the same version as its
# chromium): the headless-only browser Playwright itself drives when its own Chromium runs headless. It runs
# the same Blink and V8 as the full browser at about half the CPU per page (BENCHMARKS.md, "The test suite").
DEBIAN_HEADLESS_SHELL, DEBIAN_CHROMIUM = "/usr/bin/chromium-headless-shell", "/usr/bin/chromium"


def chromium_path(playwright, headless_shell: bool = True) -> str:
    """Return the Chromium to drive: $ALONGSIDE_CHROMIUM, Playwright's own, then Debian's (its headless shell
    when installed and ``headless_shell``, else /usr/bin/chromium). The benches time pages as the full browser
    draws them, so they pass ``headless_shell=False``."""
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
    if headless_shell and Path(DEBIAN_HEADLESS_SHELL).exists():
        return DEBIAN_HEADLESS_SHELL
    if Path(DEBIAN_CHROMIUM).exists():
        return DEBIAN_CHROMIUM
    raise NoBrowser(f"No Chromium found for the end-to-end tests. Install one with: {INSTALL_HINT}  "
                    "(or set ALONGSIDE_CHROMIUM to a Chromium binary)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`alongside serve` in a subprocess; restartable to deploy a new version.

    ``forked``: the process is forked from this test process's Zygote (below), which has already imported
    the app and compressed what it serves, instead of starting a new Python; the tests use it, the benches
    (which time a server's first answers) do not."""

    def __init__(self, instance: Path, content: Path, port: int | None = None, env: dict | None = None,
                 forked: bool = False):
        self.instance, self.content = Path(instance), Path(content)
        self.forked = forked
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.log = self.instance.parent / f"server-{self.port}.log"
        self.process = None

    def start(self):
        env = {**os.environ, "ALONGSIDE_CONTENT": str(self.content), **self.env}
        self.instance.mkdir(parents=True, exist_ok=True)
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--instance", str(self.instance)]
        if self.forked:
            self.process = Zygote.shared().start(args, env, self.log)
        else:
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen([sys.executable, "-m", "pwa.cli", *args], env=env, stdout=log,
                                                stderr=subprocess.STDOUT, cwd=ROOT)
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


class Zygote:
    """A Python that has imported the app and compressed every page and asset of the packs the tests serve,
    and forks an `alongside serve` for each server a test starts.

    A new Python spends about 0.9 s of CPU before its first install is answered (imports, brotli at
    quality 11 on the precache bundle, compiling templates); a fork of this one about 0.1 s. The server is the same code from
    `pwa.cli` on: only what it had to compute at start is already computed. One per test process, made on
    first use; it stops with the test process (its stdin closes) and takes its servers with it.
    """
    _shared = None

    @classmethod
    def shared(cls) -> "Zygote":
        if cls._shared is None or cls._shared.process.poll() is not None:
            cls._shared = cls()
        return cls._shared

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-c", "from tests.e2e.live import Zygote; Zygote.serve()"],
                                        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.lock, self.changed = threading.Lock(), threading.Condition()
        self.started: list[int] = []
        self.exits: dict[int, int] = {}
        ready = self.process.stdout.readline()
        if ready != b"ready\n":
            raise RuntimeError(f"the server zygote did not start (its error is on the test process's stderr): {ready!r}")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            message = json.loads(line)
            with self.changed:
                if "exit" in message:
                    self.exits[message["exit"]] = message["code"]
                else:
                    self.started.append(message["pid"])
                self.changed.notify_all()

    def start(self, args: list[str], env: dict, log: Path) -> "Forked":
        with self.lock, self.changed:
            self.process.stdin.write(json.dumps({"args": args, "env": env, "log": str(log)}).encode() + b"\n")
            assert self.changed.wait_for(lambda: self.started, timeout=30), "the server zygote did not fork"
            return Forked(self, self.started.pop())

    @staticmethod
    def serve():
        """The zygote's own loop: warm up, then fork one server per line read; report each exit."""
        import waitress  # noqa: F401 -- imported here once, for every server forked after

        import pwa.cli
        share_compiled_templates()
        warm_up()
        children = set()

        def reap(*_):
            while children:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    return
                if not pid:
                    return
                children.discard(pid)
                os.write(1, json.dumps({"exit": pid, "code": os.waitstatus_to_exitcode(status)}).encode() + b"\n")

        signal.signal(signal.SIGCHLD, reap)
        os.write(1, b"ready\n")
        for line in sys.stdin.buffer:
            request = json.loads(line)
            signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])  # no report before the pid is sent
            pid = os.fork()
            if pid == 0:  # the server: whatever happens, it never returns to this loop
                code = 1
                try:
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
                    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
                    os.dup2(log, 1)
                    os.dup2(log, 2)
                    os.environ.clear()
                    os.environ.update(request["env"])
                    pwa.cli.main(request["args"], prog_name="alongside")
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
                except BaseException:  # noqa: BLE001 -- written to the server's log, which the test shows
                    traceback.print_exc()
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
            children.add(pid)
            os.write(1, json.dumps({"pid": pid}).encode() + b"\n")
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
        for pid in children:  # the test process is gone: so are its servers
            os.kill(pid, signal.SIGTERM)


def share_compiled_templates():
    """Give every app made in this process (the zygote's, then each forked server's) one in-memory Jinja
    bytecode cache: a server forked after the warm-up loads its templates compiled (Jinja checks each
    against its source) instead of compiling them again, about 0.15 s of CPU each."""
    import jinja2

    import pwa

    class Compiled(jinja2.BytecodeCache):
        def __init__(self):
            self.code: dict[str, bytes] = {}

        def load_bytecode(self, bucket):
            if bucket.key in self.code:
                bucket.bytecode_from_string(self.code[bucket.key])

        def dump_bytecode(self, bucket):
            self.code[bucket.key] = bucket.bytecode_to_string()

    compiled, create_app = Compiled(), pwa.create_app

    def create_app_sharing_templates(*args, **kwargs):
        app = create_app(*args, **kwargs)
        app.jinja_env.bytecode_cache = compiled
        return app

    pwa.create_app = create_app_sharing_templates


def warm_up():
    """Serve every page, asset, /sw.js and the precache bundle of both packs once, compressed as a browser
    asks (brotli; gzip for a browser without it): each server forked after finds them compressed."""
    from pwa import create_app
    for pack in (REAL_PACK, MINI_PACK):
        with tempfile.TemporaryDirectory() as instance:
            app = create_app({"CONTENT": str(pack)}, instance_path=instance)
            shell = app.extensions["pwa"]
            with app.test_request_context():
                urls = shell.page_urls() + [shell.asset_url(rel) for rel in shell.assets]
                urls += ["/sw.js", f"/precache?v={shell.version()}"]
            client = app.test_client()
            for encoding in ("br", "gzip"):
                for url in urls:
                    client.get(url, headers={"Accept-Encoding": encoding})


class Forked:
    """A server forked by the Zygote, with the part of subprocess.Popen's interface the tests use."""

    def __init__(self, zygote: Zygote, pid: int):
        self.zygote, self.pid = zygote, pid

    def poll(self) -> int | None:
        return self.zygote.exits.get(self.pid)

    def wait(self, timeout: float | None = None) -> int:
        with self.zygote.changed:
            if not self.zygote.changed.wait_for(lambda: self.pid in self.zygote.exits, timeout=timeout):
                raise subprocess.TimeoutExpired(f"server {self.pid}", timeout)
        return self.zygote.exits[self.pid]

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:  # reported exits are reaped: the pid may be another process's by now
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


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
