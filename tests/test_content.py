"""Content packs: the real pack and the test pack load; every broken pack is refused with a message
that names the file, the block and the field."""

import pytest

from pwa import create_app
from pwa.cli import main as cli_main
from pwa.content import BLOCK_TYPES, FIELD_TYPES, PackError, load_pack, render_markdown

from .conftest import MINI_PACK, copy_pack, edit_yaml


def first_activity(data):
    return next(b for b in data["blocks"] if b["type"] == "activity")


def field(data, field_id):
    return next(f for f in first_activity(data)["fields"] if f["id"] == field_id)


BROKEN = [
    ("sections/first.yaml", lambda d: d["blocks"].append({"type": "poem", "text": "x"}),
     "sections/first.yaml: block 8: unknown block type 'poem'"),
    ("sections/first.yaml", lambda d: first_activity(d).pop("id"),
     "sections/first.yaml: block 7 (activity): missing 'id'"),
    ("sections/second.yaml", lambda d: first_activity(d).update(id="1.1"),
     "sections/second.yaml: block 3 (activity 1.1): duplicate activity id '1.1'"),
    ("sections/second.yaml", lambda d: field(d, "colours").update(list="flavours"),
     "sections/second.yaml: block 3 (activity 1.2): field colours: chooses from list 'flavours', "
     "which module.yaml does not define"),
    ("sections/second.yaml", lambda d: field(d, "confidence").update(min=10, max=0),
     "sections/second.yaml: block 3 (activity 1.2): field confidence: bad scale: min 10 must be below max 0"),
    ("sections/second.yaml", lambda d: field(d, "confidence").update(points=[{"value": 0, "label": "None"}]),
     "field confidence: bad scale: label both ends (0 and 10)"),
    ("sections/first.yaml", lambda d: field(d, "name").pop("label"),
     "sections/first.yaml: block 7 (activity 1.1): field name: missing 'label'"),
    ("sections/first.yaml", lambda d: field(d, "name").update(type="slider"),
     "field name: unknown field type 'slider'"),
    ("sections/first.yaml", lambda d: first_activity(d)["fields"].append({"id": "name", "type": "text", "label": "x"}),
     "field 4: duplicate field id 'name'"),
    ("sections/first.yaml", lambda d: field(d, "people").update(items=0),
     "field people: 'items' must be between 1 and 20, not 0"),
    ("sections/second.yaml", lambda d: field(d, "landscape").pop("alt_label"),
     "field landscape: missing 'alt_label'"),
    ("sections/second.yaml", lambda d: d["blocks"][0].update(continues="nobody-1"),
     "block 1 (case sam-2): continues 'nobody-1', which is not an earlier case"),
    ("sections/first.yaml", lambda d: d["blocks"][1].update(cite="smith-1999"),
     "block 2 (quote): cites unknown reference 'smith-1999'"),
    ("sections/first.yaml", lambda d: d["blocks"][4]["rows"].append(["only one"]),
     "block 5 (table): row 3 must have 2 cells, one per column"),
    ("sections/second.yaml", lambda d: d["blocks"][1].update(url="ftp://example.org"),
     "block 2 (reading): url 'ftp://example.org' must start with https:// or http://"),
    ("module.yaml", lambda d: d.update(schema=99), "module.yaml: schema 99 is not supported"),
    ("module.yaml", lambda d: d["sections"].append("fourth"), "sections/fourth.yaml: file not found"),
    ("sections/first.yaml", lambda d: d.update(id="other"),
     "sections/first.yaml: id 'other' does not match the file name 'first'"),
]


@pytest.mark.parametrize("file, change, message", BROKEN, ids=[b[2][:60] for b in BROKEN])
def test_broken_pack_is_refused_with_a_message_naming_file_block_and_field(tmp_path, file, change, message):
    pack = copy_pack(tmp_path)
    edit_yaml(pack / file, change)
    with pytest.raises(PackError) as caught:
        load_pack(pack)
    assert any(message in problem for problem in caught.value.problems), caught.value.problems


def test_every_problem_is_reported_at_once(tmp_path):
    pack = copy_pack(tmp_path)
    edit_yaml(pack / "sections/first.yaml", lambda d: (field(d, "name").pop("label"),
                                                      d["blocks"].append({"type": "poem"})))
    with pytest.raises(PackError) as caught:
        load_pack(pack)
    assert len(caught.value.problems) == 2


def test_yaml_syntax_error_names_the_line(tmp_path):
    pack = copy_pack(tmp_path)
    (pack / "sections/second.yaml").write_text("id: second\nblocks: [\n")
    with pytest.raises(PackError) as caught:
        load_pack(pack)
    assert caught.value.problems[0].startswith("sections/second.yaml: not valid YAML (line")


def test_test_pack_uses_every_block_and_field_type():
    module = load_pack(MINI_PACK)
    blocks = {b["type"] for s in module.sections for b in s.blocks}
    fields = {f["type"] for a in module.activities for f in a["fields"]}
    assert blocks == set(BLOCK_TYPES)
    assert fields == set(FIELD_TYPES)


def test_markdown_renders_raw_html_as_text():
    html = render_markdown('Hello <script>alert("x")</script> **there**')
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<strong>there</strong>" in html


def test_content_check_prints_a_summary_line(tmp_path):
    result = click_run(["content", "check", str(MINI_PACK)])
    assert result.exit_code == 0
    assert result.output.strip() == "mini 0.1.0: 3 sections in 4 pages (longest 65 words), 3 activities, 8 fields"


def test_a_section_splits_into_parts_at_each_part_title():
    third = load_pack(MINI_PACK).section("third")
    assert [(p.number, p.title) for p in third.parts] == [(1, "Reading first"), (2, "Then writing")]
    assert [a["id"] for a in third.parts[1].activities] == ["1.3"] and not third.parts[0].activities
    assert third.part_of("activity-1-3") is third.parts[1] and third.part_of("case-sam-3") is third.parts[0]
    assert third.anchor_parts() == {"a-heading-in-part-one": 1, "case-sam-3": 1, "a-heading-in-part-two": 2,
                                    "activity-1-3": 2}


def test_reading_words_count_what_is_read_not_the_answer_fields():
    part = load_pack(MINI_PACK).section("third").parts[1]
    # "Then writing" + "The second part holds an activity." + "Later" + heading (5) + "Write one line."
    assert part.words == 2 + 6 + 1 + 5 + 3


@pytest.mark.parametrize("change, message", [
    (lambda d: d["blocks"][0].pop("part"),
     "sections/third.yaml: the first block must carry 'part' too, since later blocks split the section into parts"),
    (lambda d: d["blocks"][2].update(part=["a", "list"]), "sections/third.yaml: 'part' must be a title (text)"),
    (lambda d: d["blocks"][0].update(text="[x](javascript:alert(1)) and <data:text/html,hi>"),
     "sections/third.yaml: block 1 (prose): a link uses 'data:', which is not allowed"),
    (lambda d: d["blocks"][3].update(prompt="[x](JavaScript:alert(1))"),
     "sections/third.yaml: block 4 (activity 1.3): a link uses 'javascript:', which is not allowed"),
])
def test_broken_parts_and_unsafe_links_are_refused(tmp_path, change, message):
    pack = copy_pack(tmp_path)
    edit_yaml(pack / "sections/third.yaml", change)
    with pytest.raises(PackError) as raised:
        load_pack(pack)
    assert any(problem.startswith(message) for problem in raised.value.problems), raised.value.problems


def test_tel_links_are_allowed_and_rendered():
    assert 'href="tel:+441234567890"' in render_markdown("[call](tel:+441234567890)")
    assert load_pack(MINI_PACK).section("third")  # its prose links to tel:


def test_content_check_exits_non_zero_listing_every_problem(tmp_path):
    pack = copy_pack(tmp_path)
    edit_yaml(pack / "sections/first.yaml", lambda d: field(d, "name").update(type="slider"))
    result = click_run(["content", "check", str(pack)])
    assert result.exit_code == 1
    assert "has 1 problem(s)" in result.output
    assert "sections/first.yaml: block 7 (activity 1.1): field name: unknown field type 'slider'" in result.output


def test_server_refuses_to_start_on_an_invalid_pack(tmp_path):
    pack = copy_pack(tmp_path)
    edit_yaml(pack / "sections/second.yaml", lambda d: field(d, "colours").update(list="flavours"))
    with pytest.raises(PackError, match="chooses from list 'flavours'"):
        create_app({"TESTING": True, "CONTENT": str(pack)}, instance_path=tmp_path / "instance")


def test_alongside_content_selects_another_pack(tmp_path, monkeypatch):
    monkeypatch.setenv("ALONGSIDE_CONTENT", str(MINI_PACK))
    app = create_app(instance_path=tmp_path / "instance")
    assert app.extensions["module"].id == "mini"


def click_run(args):
    from click.testing import CliRunner
    return CliRunner().invoke(cli_main, args)


def test_serve_refuses_an_invalid_pack_and_lists_the_problems(tmp_path, monkeypatch):
    pack = copy_pack(tmp_path)
    edit_yaml(pack / "sections/first.yaml", lambda d: field(d, "name").update(type="slider"))
    monkeypatch.setenv("ALONGSIDE_CONTENT", str(pack))
    result = click_run(["serve", "--instance", str(tmp_path / "instance"), "--port", "1"])
    assert result.exit_code == 1
    assert "field name: unknown field type 'slider'" in result.output
