"""`pip install .` carries the static files, the service worker and the content pack in the wheel."""
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_static_service_worker_and_content(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("alongside-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("pwa/_data/static/css/app.css", "pwa/_data/static/js/main.js",
                     "pwa/_data/service_worker/sw.js", "pwa/_data/content/module-2/module.yaml",
                     "pwa/templates/base.html", "pwa/__init__.py"):
        assert expected in names, expected
    assert any(n.endswith("entry_points.txt") for n in names)
