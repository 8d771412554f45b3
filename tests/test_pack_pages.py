"""A pack that passes `alongside content check` serves every page and /sw.js; every other pack is refused
with one clear message per problem: wrong types, files that are not UTF-8 or not files, deep nesting,
YAML aliases and packs too large to read quickly."""
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pwa import create_app, paths
from pwa.cli import main as cli_main
from pwa.content import PackError, load_pack
from tests.conftest import MINI_PACK, copy_pack, edit_yaml

FIXED_PAGES = ["/", "/sw.js", "/journal", "/support", "/share", "/print", "/offline", "/manifest.webmanifest"]


def unusual_but_valid(tmp_path: Path) -> Path:
    """The test pack with every optional key, empty optional keys, numbers in quotes and other scripts."""
    pack = copy_pack(tmp_path)

    def first(data):
        blocks = data["blocks"]
        blocks[0]["text"] = "2025"
        blocks[1]["speaker"] = "Сэм, عربي, 漢字 🙂"
        blocks[2].update(ordered=True, intro="An *intro*.", cite="doe-2001", items=["7", "8", "**nine**"])
        blocks[4].update(intro="Before the table.", cite="doe-2001", rows=[["2008", ""], ["x", "y"]])
        blocks.append({"type": "reading", "title": "Plain http", "url": "http://example.org", "note": None})
        blocks.append({"type": "prose", "heading": "Things to notice", "text": "A repeated heading."})
        activity = next(b for b in blocks if b["type"] == "activity")
        activity.update(discuss=False, example=None)
        activity["fields"][0].update(help="", group=None)
        activity["fields"].append({"id": "pick", "type": "choose", "label": "Pick one", "list": "colours",
                                   "multiple": False, "help": "Only *one*."})
    edit_yaml(pack / "sections" / "first.yaml", first)
    return pack


def packs_the_tests_build(tmp_path):
    return {"mini": MINI_PACK, "bundled": paths.default_content_dir(), "unusual": unusual_but_valid(tmp_path)}


def page_paths(module) -> list[str]:
    """Every page a worker can open: the fixed ones and each part of each section."""
    found = list(FIXED_PAGES)
    for section in module.sections:
        parts = getattr(section, "parts", None) or [None]
        found += [f"/section/{section.id}" + (f"/{n}" if n > 1 else "") for n in range(1, len(parts) + 1)]
    return found


@pytest.mark.parametrize("name", ["mini", "bundled", "unusual"])
def test_every_page_of_every_pack_the_tests_build_is_served(tmp_path, name):
    pack = packs_the_tests_build(tmp_path)[name]
    load_pack(pack)  # passes content check
    app = create_app({"TESTING": True, "CONTENT": str(pack)}, instance_path=tmp_path / "instance")
    client = app.test_client()
    pages = page_paths(app.extensions["module"])
    assert len(pages) > len(FIXED_PAGES)
    for path in pages:
        assert client.get(path).status_code == 200, path


# Wrong types: refused by content check, never a page that fails later

ISSUE_CASES = [
    ("first.yaml", lambda d: d["blocks"][0].update(text=2025),
     "sections/first.yaml: block 1 (prose): 'text' must be text, not a number (put it in quotes to make it text)"),
    ("first.yaml", lambda d: d["blocks"][2].update(items=[7, 8]),
     "sections/first.yaml: block 3 (list): 'items' must be a list of text, but item 1 is a number (put it in "
     "quotes to make it text)"),
    ("first.yaml", lambda d: d["blocks"][6].update(prompt=["a"]),
     "sections/first.yaml: block 7 (activity 1.1): 'prompt' must be text, not a list"),
    ("first.yaml", lambda d: d["blocks"][6]["fields"][0].update(help={"x": 1}),
     "sections/first.yaml: block 7 (activity 1.1): field 1: 'help' must be text, not a mapping"),
]


@pytest.mark.parametrize("file, change, message", ISSUE_CASES, ids=["text 2025", "items [7, 8]", "prompt [a]",
                                                                    "help {x: 1}"])
def test_a_value_of_the_wrong_type_is_refused_naming_file_block_and_key(tmp_path, file, change, message):
    pack = copy_pack(tmp_path)
    edit_yaml(pack / "sections" / file, change)
    with pytest.raises(PackError) as refused:
        load_pack(pack)
    assert refused.value.problems == [message]


WRONG = [2025, [7, 8], {"x": 1}, True, "text"]


def every_key(pack: Path):
    """(file, path to a block or field, key) for every key the test pack's sections use."""
    for file in sorted((pack / "sections").glob("*.yaml")):
        for b, block in enumerate(yaml.safe_load(file.read_text())["blocks"]):
            for key in block:
                if key not in ("type", "fields"):
                    yield file.name, (b,), key
            for f, spec in enumerate(block.get("fields", [])):
                for key in spec:
                    if key != "type":
                        yield file.name, (b, f), key


def set_value(data, where, key, value):
    target = data["blocks"][where[0]]
    if len(where) == 2:
        target = target["fields"][where[1]]
    target[key] = value


@pytest.mark.parametrize("file, where, key", list(every_key(MINI_PACK)),
                         ids=[f"{f}:{'.'.join(map(str, w))}:{k}" for f, w, k in every_key(MINI_PACK)])
def test_any_key_set_to_any_other_type_is_refused_or_still_serves_every_page(tmp_path, file, where, key):
    original = yaml.safe_load((MINI_PACK / "sections" / file).read_text())
    target = original["blocks"][where[0]]
    was = (target["fields"][where[1]] if len(where) == 2 else target)[key]
    served = []
    for value in WRONG:
        if type(value) is type(was):
            continue
        pack = tmp_path / f"pack-{len(served)}-{type(value).__name__}"
        shutil.copytree(MINI_PACK, pack)
        edit_yaml(pack / "sections" / file, lambda d, value=value: set_value(d, where, key, value))
        try:
            load_pack(pack)
        except PackError as refused:  # with a message naming the file and the key (or the value given)
            assert all(p.startswith("sections/") for p in refused.problems), refused.problems
            renamed = key == "id"  # a case given another id: the case continuing it now dangles
            assert renamed or any(f"sections/{file}" in p and (key in p or repr(value) in p)
                                  for p in refused.problems), refused.problems
            continue
        served.append(pack)
    for pack in served[:1]:  # what passes must serve (each app takes a second to build: one is enough)
        app = create_app({"TESTING": True, "CONTENT": str(pack)}, instance_path=tmp_path / "instance")
        client = app.test_client()
        for path in page_paths(app.extensions["module"]):
            assert client.get(path).status_code == 200, (pack, path)


# Files that cannot be read: one message each, exit 1, no traceback

def check(pack):
    """Run `alongside content check PACK`; return the result."""
    return CliRunner().invoke(cli_main, ["content", "check", str(pack)])


def assert_refused_once(result, message):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    problems = [line.strip() for line in result.output.splitlines()[1:]]
    assert problems == [message], problems


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    pack = copy_pack(tmp_path)
    path = pack / "sections" / "second.yaml"
    path.write_bytes(path.read_bytes().replace(b"Sam asks", b"S\xe9m asks"))
    result = check(pack)
    assert_refused_once(result, result.output.splitlines()[1].strip())
    assert "sections/second.yaml: is not UTF-8 text" in result.output and "save it as UTF-8" in result.output


def test_a_folder_where_a_section_file_should_be_is_named(tmp_path):
    pack = copy_pack(tmp_path)
    (pack / "sections" / "second.yaml").unlink()
    (pack / "sections" / "second.yaml").mkdir()
    assert_refused_once(check(pack), "sections/second.yaml: is not a file (a folder?): it must be a YAML file")


def test_a_stray_folder_named_like_a_yaml_file_is_ignored(tmp_path):
    pack = copy_pack(tmp_path)
    (pack / "sections" / "notes.yaml").mkdir()
    result = check(pack)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("nested", ["[" * 20000 + "]" * 20000, "{a: " * 20000 + "1" + "}" * 20000],
                         ids=["lists", "mappings"])
def test_deep_nesting_is_refused_in_one_line(tmp_path, nested):
    pack = copy_pack(tmp_path)
    path = pack / "sections" / "second.yaml"
    path.write_text(path.read_text() + f"\nextra: {nested}\n")
    assert_refused_once(check(pack), "sections/second.yaml: is nested too deeply to be a content pack file")


def test_yaml_aliases_are_refused_so_an_alias_bomb_cannot_run(tmp_path):
    pack = copy_pack(tmp_path)
    bomb = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for name, previous in zip("bcdefghi", "abcdefgh", strict=True):
        bomb.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    path = pack / "sections" / "second.yaml"
    path.write_text(path.read_text() + "\n" + "\n".join(bomb) + "\n")
    result = check(pack)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "sections/second.yaml: not valid YAML (line" in result.output
    assert "aliases (*name) are not allowed" in result.output


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    pack = copy_pack(tmp_path)
    path = pack / "sections" / "second.yaml"
    path.write_text(path.read_text() + "\n# " + "x" * (1024 * 1024) + "\n")
    result = check(pack)
    assert_refused_once(result, result.output.splitlines()[1].strip())
    assert "sections/second.yaml: is " in result.output and "at most 1,048,576 bytes" in result.output


def test_a_pack_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    pack = copy_pack(tmp_path)
    for name in ("first", "second", "third"):
        path = pack / "sections" / f"{name}.yaml"
        path.write_text(path.read_text() + "\n# " + "x" * (900 * 1024) + "\n")
    result = check(pack)
    assert_refused_once(result, result.output.splitlines()[1].strip())
    assert "module.yaml: the pack's files add up to" in result.output and "at most 2,097,152 bytes" in result.output


def test_serve_refuses_an_unreadable_pack_without_a_traceback(tmp_path, monkeypatch):
    pack = copy_pack(tmp_path)
    (pack / "module.yaml").write_bytes(b"id: \xff\xfe\n")
    monkeypatch.setenv("ALONGSIDE_CONTENT", str(pack))
    result = CliRunner().invoke(cli_main, ["serve", "--instance", str(tmp_path / "instance"), "--port", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "module.yaml: is not UTF-8 text" in result.output
