"""The real Module 2 pack: complete, valid, and in our own words."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

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
    resources = [b for b in MODULE.section("resources").blocks if b["type"] == "reading"]
    assert resources and all(r["title"] in html for r in resources)
    assert html.count("needs a connection") >= len(resources)


@pytest.mark.skipif(not SEED_TOOL.exists() and not os.environ.get("CI"),
                    reason="../shared/tools/seed_overlap.py is not beside this checkout")
def test_content_shares_no_run_of_ten_words_with_the_source():
    result = subprocess.run([sys.executable, str(SEED_TOOL), str(ROOT / "content")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stdout.strip().splitlines()[-1].startswith("0 shared runs of 10+ words")


# --- Pages: read from the pack's YAML itself, not through the engine (whose API is changing) ---

PACK = ROOT / "content" / "module-2"
MAX_PAGE_WORDS = 1500
# What a worker reads on a page; activity `fields` are answered, not read, so they do not count.
READING_KEYS = ("text", "items", "title", "intro", "caption", "columns", "rows", "note", "prompt", "example",
                "heading", "part", "person", "speaker")
# Answers are stored against these ids: they must never change.
FIELD_IDS = {
    "2.0": ["people"],
    "2.1": ["gender", "age", "appearance", "personality", "face_to_world", "others_describe", "upbringing_values",
            "values_now", "work_culture", "key_experiences", "beliefs", "meaning", "work_gain", "feelings_avoided",
            "impact_on_service_users", "potential_positives", "potential_negatives"],
    "2.2": ["show_and_use", "hide_or_restrict", "why"],
    "2.3": ["strengths", "to_develop", "support_needed"],
    "2.4": ["in_her_shoes", "professional_role", "aims", "encourages_engaging", "prevents_engaging"],
    "2.5": ["attitude_change", "her_experience_of_workplace", "qualities_that_help", "qualities_that_hinder",
            "detention_feels", "comfort_steps"],
    "2.6": ["role_of_hope", "hopeless_times", "using_experience", "barriers_to_hope"],
    "2.7": ["metaphors", "away_towards", "shift_difference"],
    "2.8": ["landscape", "pacing"],
    "2.9": ["boundaries", "balance", "influences", "rebalance"],
    "2.10": ["own_experience", "involvement_now"],
    "2.11": ["initial_thoughts", "feelings", "beliefs_ideas", "bodily_reactions", "likely_actions"],
    "2.12": ["comments"],
    "2.13": ["supervisor_honesty", "support_contacts"],
    "2.14": ["better_supervision", "team_leader_actions", "difficult_engagement"],
    "2.15": ["set_boundaries", "involve_her", "use_own_feelings", "past_present_links", "what_to_say"],
}


def raw_pack():
    """Return (module.yaml, {section id: section yaml}) exactly as written."""
    meta = yaml.safe_load((PACK / "module.yaml").read_text(encoding="utf-8"))
    sections = {sid: yaml.safe_load((PACK / "sections" / f"{sid}.yaml").read_text(encoding="utf-8"))
                for sid in meta["sections"]}
    return meta, sections


def words(value):
    if isinstance(value, list):
        return sum(words(v) for v in value)
    return len(str(value).split()) if isinstance(value, (str, int, float)) else 0


def block_words(block, meta):
    count = sum(words(block.get(key)) for key in READING_KEYS)
    if block["type"] == "list" and block.get("list"):
        count += words(meta["lists"][block["list"]]["items"])
    return count


def pages():
    """Yield (section id, part number, part title, blocks): a section splits at every block with `part`."""
    meta, sections = raw_pack()
    for sid, section in sections.items():
        runs = []
        for block in section["blocks"]:
            if not runs or "part" in block:
                runs.append([])
            runs[-1].append(block)
        for n, run in enumerate(runs, 1):
            yield sid, n, run[0].get("part") or section["title"], run


def test_no_page_has_more_than_1500_words_of_reading():
    meta, _ = raw_pack()
    too_long = {f"{sid} part {n} ({title})": total for sid, n, title, blocks in pages()
                if (total := sum(block_words(b, meta) for b in blocks)) > MAX_PAGE_WORDS}
    assert not too_long


def test_a_section_split_into_parts_gives_its_first_block_a_part_title():
    _, sections = raw_pack()
    for sid, section in sections.items():
        blocks = section["blocks"]
        if any("part" in b for b in blocks):
            assert blocks[0].get("part"), sid
            assert all(isinstance(b["part"], str) and b["part"].strip() for b in blocks if "part" in b), sid
            # The part title is the page heading: a block should not repeat it as its sub-heading too.
            assert all(b.get("heading") != b["part"] for b in blocks if "part" in b), sid


def test_use_of_self_is_split_along_the_source_sub_headings():
    titles = [title for sid, _, title, _ in pages() if sid == "use-of-self"]
    assert titles == [
        "Recovery competences for mental health workers",
        "Developing your interpersonal expertise",
        "Focus on the individual",
        "Staying on the see-saw: pacing, timing and balance",
        "Key skills: active listening",
        "Key skills: self-disclosure",
        "Key skills: responding, not reacting",
    ]


def test_every_activity_id_is_there_exactly_once_with_its_field_ids():
    _, sections = raw_pack()
    activities = [b for s in sections.values() for b in s["blocks"] if b["type"] == "activity"]
    ids = [str(a["id"]) for a in activities]
    assert sorted(ids, key=lambda i: [int(p) for p in i.split(".")]) == list(FIELD_IDS)
    assert len(ids) == len(set(ids))
    assert {str(a["id"]): [f["id"] for f in a["fields"]] for a in activities} == FIELD_IDS


def test_the_pack_version_moved_on_from_1_0_0():
    meta, _ = raw_pack()
    assert meta["version"] != "1.0.0"
