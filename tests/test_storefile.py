"""One store file shared by processes: what a process reads back after another one wrote is exactly the file.

Each StoreFile here stands for a server process: it keeps the version it last read or wrote, and on the next
read decodes only what changed (storefile._parse_lines). These tests check that reuse against json.loads of
the file as it is on disk, through every kind of change another process makes."""
import json
import random

import pytest
from tinydb.table import Document

from pwa import storefile
from pwa.storefile import StoreFile


def on_disk(path) -> dict:
    """The file as plain JSON reads it, without the generation id."""
    data = json.loads(path.read_bytes())
    data.pop("_generation")
    return data


def insert(table, doc_id, **fields):
    return lambda db: db.table(table).insert(Document(fields, doc_id=doc_id))


def update(table, doc_id, **fields):
    return lambda db: db.table(table).update(fields, doc_ids=[doc_id])


def remove(table, doc_id):
    return lambda db: db.table(table).remove(doc_ids=[doc_id])


def test_a_process_reads_what_another_appended_updated_and_removed(tmp_path):
    path = tmp_path / "summaries.json"
    first, second = StoreFile(path), StoreFile(path)
    for n in range(5):
        first.change(insert("summaries", f"s{n}", text=f"summary {n}"))
    second.load()  # second now knows s0..s4
    steps = [
        (first, insert("summaries", "s5", text="summary 5")),  # appended: the known lines come first
        (first, update("summaries", "s4", text="the last one, changed")),  # the last line differs
        (first, update("summaries", "s1", text="a middle one, changed")),  # a middle line differs
        (first, remove("summaries", "s0")),  # the first line went
        (first, remove("summaries", "s5")),  # the last line went: the known lines run on past the table's end
        (first, insert("devices", "d1", name="Ward 7")),  # a second table, after the first
        (first, lambda db: db.table("summaries").truncate()),  # a table emptied
        (first, insert("summaries", "s9", text="after emptying")),
    ]
    for writer, change in steps:
        writer.change(change)
        assert second.load().tables == on_disk(path)
        assert StoreFile(path).load().tables == on_disk(path)
    # And second writes on top of what it read: nothing first wrote is lost.
    second.change(insert("summaries", "s10", text="from the second process"))
    assert first.load().tables == on_disk(path) == {
        "summaries": {"s9": {"text": "after emptying"}, "s10": {"text": "from the second process"}},
        "devices": {"d1": {"name": "Ward 7"}}}


def test_a_changed_last_line_that_starts_like_the_old_one_is_read_as_changed(tmp_path):
    """A changed last document whose new line begins with the old line's bytes is not taken as unchanged."""
    path = tmp_path / "summaries.json"
    first, second = StoreFile(path), StoreFile(path)
    first.change(insert("summaries", "a", text="x"))
    first.change(insert("summaries", "b", n=1))
    second.load()
    first.change(update("summaries", "b", n=12))  # "b":{"n":1} -> "b":{"n":12}: same first bytes
    assert second.load().tables["summaries"]["b"] == {"n": 12}


class Counting:
    """Stands in for one of storefile's compiled patterns and counts the lines it is asked to match."""

    def __init__(self, pattern):
        self.pattern, self.lines = pattern, []

    def match(self, line):
        self.lines.append(line)
        return self.pattern.match(line)


def test_after_another_process_appended_a_process_reads_only_the_new_lines(tmp_path, monkeypatch):
    path = tmp_path / "summaries.json"
    first, second = StoreFile(path), StoreFile(path)
    for n in range(50):
        first.change(insert("summaries", f"s{n}", text=f"summary {n}"))
    known = second.load()
    first.change(insert("summaries", "new", text="one more"))
    doc_lines = Counting(storefile._DOC_LINE)
    monkeypatch.setattr(storefile, "_DOC_LINE", doc_lines)
    again = second.load()
    assert doc_lines.lines == [b'"new":{"text":"one more"}']  # the 50 it knew were taken in one comparison
    assert again.tables["summaries"]["s0"] is known.tables["summaries"]["s0"]
    assert again.tables == on_disk(path)
    # A change in the middle: every line is looked at again, and only the changed one decoded.
    first.change(update("summaries", "s7", text="changed"))
    doc_lines.lines.clear()
    assert second.load().tables == on_disk(path)
    assert len(doc_lines.lines) == 51


@pytest.mark.parametrize("seed", range(6))
def test_random_changes_from_three_processes_always_read_back_as_the_file(tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / "store.json"
    processes = [StoreFile(path) for _ in range(3)]
    for step in range(120):
        writer = rng.choice(processes)
        table = rng.choice(["summaries", "summaries", "devices"])
        present = list(writer.load().tables.get(table, {}))
        action = rng.random()
        if present and action < 0.25:
            writer.change(update(table, rng.choice(present), text="changed " * rng.randint(0, 3), step=step))
        elif present and action < 0.4:
            writer.change(remove(table, rng.choice(present)))
        elif action < 0.42:
            writer.change(lambda db, t=table: db.table(t).truncate())
        else:
            writer.change(insert(table, f"{table[0]}{step}", text="new " * rng.randint(0, 3), step=step))
        reader = rng.choice(processes)
        assert reader.load().tables == on_disk(path), f"step {step}"
    assert all(p.load().tables == on_disk(path) for p in processes)
