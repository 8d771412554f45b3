"""The real Module 2 pack: complete, valid, and in our own words."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pwa import paths
from pwa.content import load_pack

ROOT = Path(__file__).resolve().parents[1]
SEED_TOOL = ROOT.parent / "shared" / "tools" / "seed_overlap.py"
MODULE = load_pack(paths.default_content_dir())


def field_types(activity_id):
    activity = next(a for a in MODULE.activities if a["id"] == activity_id)
    return [f["type"] for f in activity["fields"]]


def test_activity_ids_run_from_2_0_to_2_15():
    assert [a["id"] for a in MODULE.activities] == [f"2.{n}" for n in range(16)]


def test_every_activity_has_a_field():
    assert all(a["fields"] for a in MODULE.activities)


@pytest.mark.parametrize("activity, kind", [("2.3", "choose"), ("2.7", "pairs"), ("2.8", "drawing"),
                                            ("2.13", "scale"), ("2.0", "list")])
def test_activity_has_the_field_type_its_task_needs(activity, kind):
    assert kind in field_types(activity)


def test_activity_2_11_asks_for_the_five_reactions():
    activity = next(a for a in MODULE.activities if a["id"] == "2.11")
    labels = " ".join(f["label"].lower() for f in activity["fields"])
    assert len(activity["fields"]) == 5
    for word in ("thoughts", "feelings", "beliefs", "bod", "action"):
        assert word in labels


def test_scale_in_2_13_runs_0_to_10_with_three_labelled_points():
    activity = next(a for a in MODULE.activities if a["id"] == "2.13")
    scale = next(f for f in activity["fields"] if f["type"] == "scale")
    assert (scale["min"], scale["max"], len(scale["points"])) == (0, 10, 3)


def test_louise_appears_in_three_linked_stages():
    cases = [b for s in MODULE.sections for b in s.blocks if b["type"] == "case" and b["person"] == "Louise"]
    assert [c["id"] for c in cases] == ["louise-1", "louise-2", "louise-3"]
    assert [c.get("continues") for c in cases] == [None, "louise-1", "louise-2"]


def test_ten_desirable_qualities_are_listed():
    assert len(MODULE.lists["qualities"]["items"]) == 10


def test_references_cover_the_cited_works():
    shorts = " ".join(r["short"] for r in MODULE.references)
    for name in ("Brown and Kandirikirira 2007", "Schinkel and Dorrer 2007", "Dorrer and Schinkel 2008",
                 "Morgan 2007", "Mearns 2003", "Nelson and Hampson 2008", "Pörtner 2000", "Wosket 1999"):
        assert name in shorts


def test_readings_link_out_and_are_marked_as_needing_a_connection(tmp_path):
    from pwa import create_app
    client = create_app({"TESTING": True}, instance_path=tmp_path / "i").test_client()
    html = client.get("/section/resources").get_data(as_text=True)
    readings = [b for s in MODULE.sections for b in s.blocks if b["type"] == "reading"]
    titles = " ".join(r["title"] for r in readings)
    assert "Yes You Can" in titles
    assert all(r["url"].startswith("http") for r in readings)
    resources = [r for r in readings if r["title"] in html]
    assert resources and html.count("needs a connection") >= len(resources)


@pytest.mark.skipif(not SEED_TOOL.exists() and not os.environ.get("CI"),
                    reason="../shared/tools/seed_overlap.py is not beside this checkout")
def test_content_shares_no_run_of_ten_words_with_the_source():
    result = subprocess.run([sys.executable, str(SEED_TOOL), str(ROOT / "content")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stdout.strip().splitlines()[-1].startswith("0 shared runs of 10+ words")
