"""Module 2 stays faithful to its source (issue 8): the checks that can be made mechanically.

Reads the pack's YAML directly. The source text itself is compared only where it sits beside this
checkout (../shared/seed/); the rest of the checks need only the pack.
"""
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "content" / "module-2"
SEED_DIR = ROOT.parent / "shared" / "seed"

META = yaml.safe_load((PACK / "module.yaml").read_text(encoding="utf-8"))
SECTIONS = {sid: yaml.safe_load((PACK / "sections" / f"{sid}.yaml").read_text(encoding="utf-8"))
            for sid in META["sections"]}
BLOCKS = [(sid, b) for sid, s in SECTIONS.items() for b in s["blocks"]]


def flat(value) -> str:
    """All the text in a value (a block, a list, a mapping), joined by spaces."""
    if isinstance(value, dict):
        return " ".join(flat(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(flat(v) for v in value)
    return str(value)


def squash(text: str) -> str:
    """Lower-case text with line breaks and runs of spaces made single spaces."""
    return " ".join(text.replace("\u2019", "'").lower().split())


ALL_TEXT = squash(" ".join(flat(b) for _, b in BLOCKS) + " " + flat(META))


def blocks_of(sid):
    return SECTIONS[sid]["blocks"]


def index_where(sid, test):
    return next(i for i, b in enumerate(blocks_of(sid)) if test(b))


def activity(aid):
    return next(b for _, b in BLOCKS if b["type"] == "activity" and str(b["id"]) == aid)


def case(cid):
    return next(b for _, b in BLOCKS if b["type"] == "case" and b["id"] == cid)


def quote_containing(words):
    return next(b for _, b in BLOCKS if b["type"] == "quote" and words in squash(b["text"]))


# 1. The critical friend champions you; "on your side" is what Mearns warns against.
def test_critical_friend_champions_you_and_is_not_on_your_side():
    friend = quote_containing("critical friend believes in you")
    assert "champion" in squash(friend["text"])
    assert "on your side" not in ALL_TEXT


# 2. The introduction's quote: studies found it; a human rather than a professional basis; "have been found".
def test_introduction_quote_keeps_studies_and_have_been_found():
    text = squash(blocks_of("introduction")[0]["text"])
    assert "studies" in text and "have been found" in text
    assert "rather than a professional one" in text
    assert "most people say" not in text and "not just in a professional capacity" not in text


# 3. The feedback loop: only what the source says, and the missing figure said plainly.
def test_feedback_loop_says_only_what_the_source_says():
    loop = squash(next(b["text"] for _, b in BLOCKS if "feedback loop" in flat(b)))
    assert "lens" in loop and "figure" in loop and "not reproduced" in loop
    for invented in ("shapes how we respond", "in turn", "what we notice"):
        assert invented not in loop


# 4. 2.12's example validates Chris: "I think you're right".
def test_chris_example_says_i_think_you_are_right():
    example = squash(next(b["text"] for _, b in BLOCKS if b["type"] == "prose" and "activity 2.12" in squash(b["text"])))
    assert "i think you're right" in example
    assert "you've got a point" not in ALL_TEXT


# 5. Morgan: "nothing to do", and "seen as unfit to look after your children".
def test_morgan_quote_keeps_nothing_to_do_and_unfit_to_look_after_children():
    morgan = squash(next(b["text"] for _, b in BLOCKS if b.get("cite") == "morgan-2007" and b["type"] == "quote"))
    assert "nothing to do" in morgan
    assert "seen as unfit to look after your children" in morgan
    assert "doubting" not in morgan


# 6. Mearns talks about being alongside; the idea is not said to come from him.
def test_mearns_talks_about_being_alongside():
    mearns = squash(next(b["text"] for _, b in BLOCKS if "mearns (2003)" in squash(flat(b))))
    assert "talks about" in mearns and "alongside" in mearns
    assert "comes from" not in ALL_TEXT and "where the idea" not in ALL_TEXT


# 7. No detail the source does not give, and the 2.1 example keeps what its negatives rely on.
@pytest.mark.parametrize("added", [
    "long history", "recent trauma", "day in, day out", "terrifying", "what mattered most", "most wanted",
    "many feel", "each time she asks", "add or change", "turned on another", "very exposed",
    "long before any symptom", "for years", "i love cars", "i'll be honest", "puts this powerfully",
])
def test_no_detail_the_source_does_not_give(added):
    assert added not in ALL_TEXT


def test_source_wording_that_carries_meaning_is_kept():
    assert "became aggressive towards another" in squash(case("chris")["text"])
    assert "very vulnerable" in squash(case("louise-3")["text"])
    assert "frightening" in squash(flat(blocks_of("development")))
    assert "try to be diplomatic and accommodating" in squash(activity("2.1")["example"])
    assert "desirable qualities" in squash(blocks_of("use-of-self")[0]["text"])


# 8. Source order: 2.4's last two questions follow the critical-friend teaching; model answers shown before the task.
def test_activity_2_4_questions_are_in_the_source_order():
    first_questions = index_where("use-of-self", lambda b: "activity 2.4" in squash(flat(b)) and b["type"] == "prose")
    teaching = index_where("use-of-self", lambda b: "critical friend" in squash(b.get("heading") or ""))
    friend = blocks_of("use-of-self").index(quote_containing("critical friend believes in you"))
    answers = blocks_of("use-of-self").index(activity("2.4"))
    assert index_where("use-of-self", lambda b: b.get("id") == "louise-1") < first_questions < teaching < friend < answers
    fields = [f["id"] for f in activity("2.4")["fields"]]
    assert fields.index("encourages_engaging") > fields.index("aims")


def test_model_answers_come_before_their_tasks_and_the_2_1_example_stays_hidden():
    blocks = blocks_of("use-of-self")
    assert "example" not in activity("2.5") and "example" not in activity("2.12")
    assert blocks.index(case("jamal-louise")) < blocks.index(activity("2.5"))
    chris_example = index_where("use-of-self", lambda b: "i think you're right" in squash(flat(b)))
    assert chris_example < blocks.index(activity("2.12"))
    assert activity("2.1").get("example")


def test_activities_whose_questions_changed_have_a_new_revision():
    for aid in ("2.4", "2.5", "2.10", "2.12"):
        assert activity(aid)["revision"] >= 2, aid


# 9. Bibliographic detail: nothing the source does not give unless verified, and said where.
def seed_words():
    text = " ".join(f.read_text(encoding="utf-8") for f in sorted(SEED_DIR.glob("*.txt")))
    facts = SEED_DIR / "facts.list"
    if facts.exists():
        text += " " + " ".join(line for line in facts.read_text(encoding="utf-8").splitlines()
                               if not line.startswith("#"))
    return " " + " ".join(re.findall(r"[\w']+", squash(text))) + " "


def norm(value) -> str:
    return " ".join(re.findall(r"[\w']+", squash(str(value))))


@pytest.mark.skipif(not SEED_DIR.is_dir(), reason="../shared/seed/ is not beside this checkout")
def test_every_reference_field_not_in_the_source_says_where_it_was_verified():
    seed = seed_words()
    unverified = []
    for ref in META["references"]:
        verified = ref.get("verified") or {}
        for key, value in ref.items():
            if key in ("id", "verified"):
                continue
            if key == "short":  # a citation label: its names and year must each be in the source
                found = all(f" {w} " in seed for w in norm(value).split())
            else:
                found = f" {norm(value)} " in seed
            if not found and not str(verified.get(key) or "").strip():
                unverified.append(f"{ref['id']}.{key} = {value!r}")
    assert not unverified


def test_verifications_name_where_they_were_checked():
    for ref in META["references"]:
        for key, where in (ref.get("verified") or {}).items():
            assert key in ref, f"{ref['id']}: verified {key!r}, which the reference does not have"
            assert len(str(where).split()) >= 4, f"{ref['id']}.{key}: say where it was checked"
    assert "scottishrecovery.net" in META["verified"]["esc-s"]


def test_no_detail_filled_in_from_memory():
    # Initials of Schinkel and Dorrer, and a title, edition or place for Mearns 2003, are not verified.
    for unverified in ("schinkel m", "dorrer n", "developing person-centred counselling", "sage"):
        assert not re.search(rf"\b{re.escape(unverified)}\b", ALL_TEXT), unverified
    books = next(b for b in blocks_of("resources") if b.get("title") == "Books")
    assert "mearns" not in squash(flat(books))


def test_full_titles_and_www_addresses_are_given():
    assert "trust and understanding: the person-centred approach to everyday care for people with special needs" in ALL_TEXT
    assert "the therapeutic use of self: counselling practice, research and supervision" in ALL_TEXT
    urls = [b["url"] for _, b in BLOCKS if b["type"] == "reading"]
    assert urls and all(re.match(r"https?://www\.", u) for u in urls)


# 10. The ten qualities appear once per page.
def test_the_ten_qualities_are_listed_once_per_page():
    names = [squash(n) for n in META["lists"]["qualities"]["items"]]
    for sid, section in SECTIONS.items():
        page = 0
        shown = {}
        for block in section["blocks"]:
            if "part" in block:
                page += 1
            if block["type"] != "list":
                continue
            items = squash(flat(META["lists"][block["list"]]["items"] if block.get("list") else block["items"]))
            if block.get("list") == "qualities" or all(n in items for n in names):
                shown[page] = shown.get(page, 0) + 1
        assert all(n == 1 for n in shown.values()), (sid, shown)


# 11. ESC(S) is spelled out where it is first used.
def test_esc_s_is_spelled_out_at_first_use():
    first = next(b for _, b in BLOCKS if "esc(s)" in squash(flat(b)))
    assert "essential shared capabilities" in squash(flat(first))


# 12. No garbled or command-like sentences; Jamal's joke is in direct speech.
def test_sentences_read_plainly_and_jamal_speaks():
    assert "make quick calls" not in ALL_TEXT
    assert 'close the "professional distance"' not in ALL_TEXT
    assert re.search(r'jamal laughs\. "[^"]+!"', squash(case("jamal-humour")["text"]))
