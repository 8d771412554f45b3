"""Load and validate content packs; render their Markdown safely.

A pack is a folder with ``module.yaml`` and ``sections/<id>.yaml`` (see
docs/content-format.md). ``load_pack`` returns a ``Module`` or raises
``PackError`` listing every problem, each naming its file, block and field.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup

SCHEMA = 1
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FIELD_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
ACTIVITY_ID = re.compile(r"^[0-9]+(\.[0-9]+)*$")
BLOCK_TYPES = ("prose", "quote", "list", "table", "case", "reading", "activity")
FIELD_TYPES = ("text", "longtext", "list", "pairs", "choose", "scale", "drawing")
MAX_ROWS = 20
MAX_FILE_BYTES = 1024 * 1024  # the whole of Module 2 is under 100 KB; PyYAML reads about 1 MB a second
MAX_PACK_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64  # Module 2 nests at most 7 deep
# What each key of a block or field must be for the pages that show it (checked before anything else
# reads the key). TEXT is a YAML string (Markdown or a label); a number must be quoted to be text.
TEXT, TEXTS, ROWS, WHOLE, FLAG, MAPPINGS = "text", "a list of text", "a list of rows", "a whole number", \
    "true or false", "a list of mappings"
COMMON_KEYS = {"heading": TEXT, "cite": TEXT}
BLOCK_KEYS = {
    "prose": {"text": TEXT},
    "quote": {"text": TEXT, "speaker": TEXT},
    "list": {"items": TEXTS, "list": TEXT, "title": TEXT, "intro": TEXT, "ordered": FLAG},
    "table": {"caption": TEXT, "columns": TEXTS, "rows": ROWS, "intro": TEXT},
    "case": {"person": TEXT, "title": TEXT, "text": TEXT, "continues": TEXT},
    "reading": {"title": TEXT, "url": TEXT, "note": TEXT},
    "activity": {"title": TEXT, "revision": WHOLE, "discuss": FLAG, "prompt": TEXT, "fields": MAPPINGS,
                 "example": TEXT},
}
FIELD_KEYS = {"label": TEXT, "group": TEXT, "help": TEXT}
FIELD_TYPE_KEYS = {
    "list": {"items": WHOLE, "item_label": TEXT},
    "pairs": {"rows": WHOLE, "from_label": TEXT, "to_label": TEXT},
    "choose": {"list": TEXT, "multiple": FLAG},
    "scale": {"min": WHOLE, "max": WHOLE, "points": MAPPINGS},
    "drawing": {"alt_label": TEXT},
}
LINK_SCHEMES = ("http", "https", "mailto", "tel")
# A Markdown link's target, inline `[text](scheme:...)` or autolink `<scheme:...>`, when it names a scheme.
LINK_TARGET = re.compile(r"\]\(\s*<?([A-Za-z][A-Za-z0-9+.-]*):|<([A-Za-z][A-Za-z0-9+.-]*):[^>\s]*>")

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to HTML with raw HTML disabled (it is shown as text)."""
    return Markup(_markdown.render(text or ""))


def render_inline(text: str | None) -> Markup:
    """Render one line of Markdown without a wrapping paragraph."""
    return Markup(_markdown.renderInline(text or ""))


class PackError(Exception):
    """A content pack that cannot be served; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


READING_KEYS = ("text", "items", "title", "intro", "caption", "columns", "rows", "note", "prompt", "example",
                "heading", "part", "person", "speaker")


def reading_words(blocks: list[dict], lists: dict[str, dict]) -> int:
    """Count the words a worker reads in these blocks (activity fields are answered, not read)."""
    def words(value) -> int:
        if isinstance(value, (list, tuple)):
            return sum(words(v) for v in value)
        return len(str(value).split()) if isinstance(value, (str, int, float)) else 0
    total = 0
    for block in blocks:
        total += sum(words(block.get(key)) for key in READING_KEYS)
        if block.get("list") in lists:
            total += words(lists[block["list"]]["items"])
    return total


def anchors_of(block: dict) -> list[str]:
    """Return the element ids a block puts on the page (its heading, case or activity)."""
    found = [block["anchor"]] if block.get("anchor") else []
    if block["type"] == "case" and block.get("id"):
        found.append(f"case-{block['id']}")
    if block["type"] == "activity" and block.get("id"):
        found.append("activity-" + str(block["id"]).replace(".", "-"))
    return found


class Blocks:
    """What a run of blocks shows: its sub-headings and its activities."""
    blocks: list[dict]

    @property
    def headings(self) -> list[dict]:
        return [{"text": b["heading"], "anchor": b["anchor"]} for b in self.blocks if b.get("heading")]

    @property
    def activities(self) -> list[dict]:
        return [b for b in self.blocks if b["type"] == "activity"]


@dataclass
class Part(Blocks):
    """One page of a section: a run of its blocks, numbered from 1."""
    number: int
    title: str
    blocks: list[dict]
    words: int


@dataclass
class Section(Blocks):
    id: str
    title: str
    number: str
    summary: str
    blocks: list[dict]
    file: str
    parts: list[Part] = field(default_factory=list)

    def part(self, number: int) -> Part | None:
        return self.parts[number - 1] if 1 <= number <= len(self.parts) else None

    def part_of(self, anchor: str) -> Part | None:
        """Return the part that holds an element id (an activity, case or heading anchor)."""
        return next((p for p in self.parts for b in p.blocks if anchor in anchors_of(b)), None)

    def anchor_parts(self) -> dict[str, int]:
        """Map every anchor of the section to the number of the part it is on."""
        return {a: p.number for p in self.parts for b in p.blocks for a in anchors_of(b)}


@dataclass
class Module:
    id: str
    title: str
    short_title: str
    version: str
    description: str
    sections: list[Section]
    lists: dict[str, dict]
    references: list[dict]
    path: Path
    digest: str = ""
    _by_id: dict = field(default_factory=dict, repr=False)

    def section(self, section_id: str) -> Section | None:
        return self._by_id.get(section_id)

    def pages(self) -> list[tuple[Section, Part]]:
        """Every page of the module in reading order: (section, part)."""
        return [(s, p) for s in self.sections for p in s.parts]

    def neighbours(self, section: Section, part: Part | None = None) -> tuple:
        """Return the (section, part) pages before and after this one (None at either end)."""
        pages = self.pages()
        i = pages.index((section, part or section.parts[0]))
        return (pages[i - 1] if i > 0 else None), (pages[i + 1] if i + 1 < len(pages) else None)

    @property
    def activities(self) -> list[dict]:
        return [a for s in self.sections for a in s.activities]

    def reference(self, ref_id: str) -> dict | None:
        return next((r for r in self.references if r["id"] == ref_id), None)

    def summary_line(self) -> str:
        fields = sum(len(a["fields"]) for a in self.activities)
        longest = max((p.words for _, p in self.pages()), default=0)
        return (f"{self.id} {self.version}: {len(self.sections)} sections in {len(self.pages())} pages "
                f"(longest {longest} words), {len(self.activities)} activities, {fields} fields")


class _Checker:
    """Collects problems while reading a pack, so all are reported at once."""

    def __init__(self):
        self.problems: list[str] = []
        self.refused: set[tuple[str, str]] = set()  # (where, key) already reported as the wrong type

    def problem(self, where: str, message: str, key: str | None = None) -> None:
        """Report a problem, unless it is about ``key`` and that key was already refused for its type."""
        if key is None or (where, key) not in self.refused:
            self.problems.append(f"{where}: {message}")

    def types(self, data: dict, expected: dict[str, str], where: str) -> None:
        """Check the type of every key in ``expected`` that ``data`` has; drop (and report) the wrong ones."""
        for key, kind in expected.items():
            value = data.get(key)
            if value is None or _is_a(value, kind):
                continue
            self.problem(where, f"'{key}' must be {kind}, {_what_is_wrong(value, kind)}")
            self.refused.add((where, key))
            del data[key]

    def text(self, data: dict, key: str, where: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required and (where, key) not in self.refused:
                self.problem(where, f"missing '{key}'")
            return ""
        if not isinstance(value, (str, int, float)):
            self.problem(where, f"'{key}' must be text, not {type(value).__name__}")
            return ""
        return str(value)

    def integer(self, data: dict, key: str, where: str, low: int | None = None, high: int | None = None,
                default: int | None = None) -> int | None:
        value = data.get(key, default)
        if value is None:
            if (where, key) not in self.refused:
                self.problem(where, f"missing '{key}'")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(where, f"'{key}' must be a whole number, not {value!r}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.problem(where, f"'{key}' must be between {low} and {high}, not {value}")
            return None
        return value


_TYPE_NAMES = {str: "text", bool: "true or false", list: "a list", dict: "a mapping"}


def _what_is_wrong(value, kind: str) -> str:
    """Say what a value of the wrong type is, pointing at the first wrong item or cell of a list."""
    texts = kind in (TEXT, TEXTS, ROWS)
    if isinstance(value, list):
        for n, item in enumerate(value, 1):
            if kind == ROWS and isinstance(item, list):
                cell = next(((c, v) for c, v in enumerate(item, 1) if not isinstance(v, str)), None)
                if cell:
                    return f"but row {n}, cell {cell[0]} is {_type_name(cell[1], texts)}"
            elif kind in (TEXTS, ROWS) and not isinstance(item, str if kind == TEXTS else list):
                return f"but {'item' if kind == TEXTS else 'row'} {n} is {_type_name(item, texts)}"
            elif kind == MAPPINGS and not isinstance(item, dict):
                return f"but item {n} is {_type_name(item, texts)}"
    return f"not {_type_name(value, texts)}"


def _type_name(value, texts: bool) -> str:
    """'a number', 'a list', ...; with a hint to quote a number or yes/no that was meant as text."""
    if isinstance(value, bool):
        name = "true or false"
    elif isinstance(value, (int, float)):
        name = "a number"
    else:
        return _TYPE_NAMES.get(type(value), type(value).__name__)
    return name + (" (put it in quotes to make it text)" if texts else "")


def _is_a(value, kind: str) -> bool:
    if kind == TEXT:
        return isinstance(value, str)
    if kind == TEXTS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == ROWS:
        return isinstance(value, list) and all(_is_a(row, TEXTS) for row in value)
    if kind == WHOLE:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == FLAG:
        return isinstance(value, bool)
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)  # MAPPINGS


# libyaml's loader where PyYAML was built with it (about ten times faster), else PyYAML's own.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_without_aliases(text: str):
    """YAML's safe loader, refusing aliases: ``*name`` can repeat a structure billions of times (an alias bomb).

    The events are scanned first (cheap: no objects are built), so a bomb is refused before it grows,
    and so is nesting deeper than any pack needs.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise RecursionError
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a content pack: "
                                              "write the text out", event.start_mark)
    return yaml.load(text, Loader=_Loader)  # noqa: S506 -- a safe loader, and no aliases


def _read_yaml(path: Path, check: _Checker, label: str):
    try:
        size = path.stat().st_size
        if not path.is_file():
            check.problem(label, "is not a file (a folder?): it must be a YAML file")
            return None
        if size > MAX_FILE_BYTES:
            check.problem(label, f"is {size:,} bytes; a pack file may be at most {MAX_FILE_BYTES:,} bytes "
                          "(split a long section into several)")
            return None
        data = _load_without_aliases(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        check.problem(label, "file not found")
        return None
    except OSError as exc:
        check.problem(label, f"cannot be read ({exc.strerror})")
        return None
    except UnicodeDecodeError as exc:
        check.problem(label, f"is not UTF-8 text (byte {exc.start:,} is not): save it as UTF-8")
        return None
    except RecursionError:
        check.problem(label, "is nested too deeply to be a content pack file")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        check.problem(label, f"not valid YAML{at}: {getattr(exc, 'problem', exc)}")
        return None
    if not isinstance(data, dict):
        check.problem(label, "must be a mapping of keys to values")
        return None
    return data


def load_pack(folder: str | Path) -> Module:
    """Read and validate the pack in ``folder``; raise PackError with every problem."""
    folder = Path(folder)
    check = _Checker()
    if not folder.is_dir():
        raise PackError([f"{folder}: content pack folder not found"])
    meta = _read_yaml(folder / "module.yaml", check, "module.yaml")
    if meta is None:
        raise PackError(check.problems)

    where = "module.yaml"
    schema = meta.get("schema")
    if schema != SCHEMA:
        check.problem(where, f"schema {schema!r} is not supported (this version reads schema {SCHEMA})")
    module_id = check.text(meta, "id", where)
    if module_id and not SLUG.match(module_id):
        check.problem(where, f"id {module_id!r} may use only a-z, 0-9 and '-'")
    title = check.text(meta, "title", where)
    version = check.text(meta, "version", where)

    references = _check_references(meta.get("references") or [], check)
    ref_ids = {r["id"] for r in references}
    lists = _check_lists(meta.get("lists") or {}, check, ref_ids)

    order = meta.get("sections")
    if not isinstance(order, list) or not order:
        check.problem(where, "'sections' must list at least one section id")
        order = []
    if _pack_bytes(folder, order) > MAX_PACK_BYTES:
        check.problem(where, f"the pack's files add up to {_pack_bytes(folder, order):,} bytes; a pack may be "
                      f"at most {MAX_PACK_BYTES:,} bytes")
        raise PackError(check.problems)
    sections: list[Section] = []
    seen_sections: set[str] = set()
    ids = {"activity": set(), "case": set(), "anchor": set()}
    for section_id in order:
        if not isinstance(section_id, str) or not SLUG.match(section_id):
            check.problem(where, f"section id {section_id!r} may use only a-z, 0-9 and '-'")
            continue
        if section_id in seen_sections:
            check.problem(where, f"section {section_id!r} is listed twice")
            continue
        seen_sections.add(section_id)
        section = _load_section(folder, section_id, check, lists, ref_ids, ids)
        if section:
            sections.append(section)

    if check.problems:
        raise PackError(check.problems)
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*.yaml") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    module = Module(
        id=module_id, title=title, short_title=str(meta.get("short_title") or title), version=version,
        description=str(meta.get("description") or ""), sections=sections, lists=lists,
        references=references, path=folder, digest=digest.hexdigest()[:16],
    )
    module._by_id = {s.id: s for s in sections}
    return module


def _pack_bytes(folder: Path, order: list) -> int:
    """The size of module.yaml and every section file it lists (before any of them is parsed)."""
    paths = [folder / "module.yaml"] + [folder / "sections" / f"{s}.yaml" for s in order if isinstance(s, str)]
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            pass  # reported when it is read
    return total


def _check_references(refs, check: _Checker) -> list[dict]:
    where = "module.yaml: references"
    if not isinstance(refs, list):
        check.problem(where, "must be a list")
        return []
    out, seen = [], set()
    for i, ref in enumerate(refs, 1):
        at = f"{where} #{i}"
        if not isinstance(ref, dict):
            check.problem(at, "must be a mapping")
            continue
        ref = dict(ref)
        check.types(ref, {"id": TEXT, "short": TEXT, "authors": TEXT, "title": TEXT, "publisher": TEXT,
                          "url": TEXT}, at)
        ref_id = check.text(ref, "id", at)
        if ref_id in seen:
            check.problem(at, f"duplicate reference id {ref_id!r}")
        seen.add(ref_id)
        for key in ("short", "authors", "title"):
            check.text(ref, key, f"{where} {ref_id or '#' + str(i)}")
        check.integer(ref, "year", f"{where} {ref_id or '#' + str(i)}", 1800, 2100)
        out.append(ref)
    return out


def _check_lists(lists, check: _Checker, ref_ids: set[str]) -> dict[str, dict]:
    where = "module.yaml: lists"
    if not isinstance(lists, dict):
        check.problem(where, "must be a mapping of list name to list")
        return {}
    out = {}
    for name, spec in lists.items():
        at = f"{where} {name}"
        if not isinstance(spec, dict) or not isinstance(spec.get("items"), list) or not spec["items"]:
            check.problem(at, "needs 'items', a non-empty list")
            continue
        spec = dict(spec)
        check.types(spec, {"title": TEXT, "items": TEXTS, "cite": TEXT}, at)
        if "items" not in spec:
            continue
        if spec.get("cite") and spec["cite"] not in ref_ids:
            check.problem(at, f"cites unknown reference {spec['cite']!r}")
        out[str(name)] = {"title": str(spec.get("title") or name), "items": [str(i) for i in spec["items"]],
                          "cite": spec.get("cite")}
    return out


def _load_section(folder: Path, section_id: str, check: _Checker, lists, ref_ids, ids) -> Section | None:
    label = f"sections/{section_id}.yaml"
    data = _read_yaml(folder / "sections" / f"{section_id}.yaml", check, label)
    if data is None:
        ids["unread"] = True  # its cases are unknown: a later "continues" is not a problem of its own
        return None
    if data.get("id") != section_id:
        check.problem(label, f"id {data.get('id')!r} does not match the file name {section_id!r}")
    check.types(data, {"title": TEXT, "summary": TEXT}, label)
    title = check.text(data, "title", label)
    blocks = data.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        check.problem(label, "'blocks' must be a non-empty list")
        blocks = []
    checked = []
    for i, block in enumerate(blocks, 1):
        result = _check_block(block, f"{label}: block {i}", check, lists, ref_ids, ids)
        if result is not None:
            checked.append(result)
    return Section(id=section_id, title=title, number=str(data.get("number") or ""),
                   summary=str(data.get("summary") or ""), blocks=checked, file=label,
                   parts=_split_parts(checked, title, label, check, lists))


def _split_parts(blocks: list[dict], title: str, label: str, check: _Checker, lists) -> list[Part]:
    """Split a section's blocks into pages at each block that carries ``part: "Title"``."""
    marked = [b for b in blocks if "part" in b]
    for block in marked:
        if not isinstance(block["part"], str) or not block["part"].strip():
            check.problem(label, f"'part' must be a title (text), not {block['part']!r}")
    if marked and blocks and "part" not in blocks[0]:
        check.problem(label, "the first block must carry 'part' too, since later blocks split the section into parts")
    runs: list[list[dict]] = []
    for block in blocks:
        if not runs or ("part" in block and block is not blocks[0]):
            runs.append([])
        runs[-1].append(block)
    return [Part(number=n, title=str(run[0].get("part") or title), blocks=run, words=reading_words(run, lists))
            for n, run in enumerate(runs, 1)]


def _check_block(block, where: str, check: _Checker, lists, ref_ids, ids) -> dict | None:
    if not isinstance(block, dict):
        check.problem(where, "must be a mapping with a 'type'")
        return None
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        check.problem(where, f"unknown block type {kind!r} (expected one of {', '.join(BLOCK_TYPES)})")
        return None
    where = f"{where} ({kind}{' ' + str(block['id']) if block.get('id') else ''})"
    block = dict(block)
    check.types(block, {**COMMON_KEYS, **BLOCK_KEYS[kind]}, where)
    if isinstance(block.get("id"), (list, dict)):
        check.problem(where, f"'id' must be text, not {_TYPE_NAMES[type(block['id'])]}")
        block.pop("id")
    if block.get("heading"):
        anchor = re.sub(r"[^a-z0-9]+", "-", str(block["heading"]).lower()).strip("-") or "part"
        while anchor in ids["anchor"]:
            anchor += "-2"
        ids["anchor"].add(anchor)
        block["anchor"] = anchor
    if block.get("cite") and block["cite"] not in ref_ids:
        check.problem(where, f"cites unknown reference {block['cite']!r}")
    for scheme in sorted(_link_schemes(block) - set(LINK_SCHEMES)):
        check.problem(where, f"a link uses '{scheme}:', which is not allowed (use {', '.join(LINK_SCHEMES)} or a path)")

    if kind == "prose":
        check.text(block, "text", where)
    elif kind == "quote":
        check.text(block, "text", where)
        if not block.get("cite"):
            check.problem(where, "missing 'cite' (a reference id from module.yaml)")
    elif kind == "list":
        if block.get("list"):
            if block["list"] not in lists:
                check.problem(where, f"names list {block['list']!r}, which module.yaml does not define")
        elif not isinstance(block.get("items"), list) or not block["items"]:
            check.problem(where, "needs 'items' (a non-empty list) or 'list' (a list name)", key="items")
    elif kind == "table":
        check.text(block, "caption", where)
        columns = block.get("columns")
        if not isinstance(columns, list) or not columns:
            check.problem(where, "'columns' must be a non-empty list", key="columns")
        else:
            rows = block.get("rows")
            if not isinstance(rows, list) or not rows:
                check.problem(where, "'rows' must be a non-empty list", key="rows")
            else:
                for r, row in enumerate(rows, 1):
                    if not isinstance(row, list) or len(row) != len(columns):
                        check.problem(where, f"row {r} must have {len(columns)} cells, one per column")
    elif kind == "case":
        case_id = check.text(block, "id", where)
        if case_id and case_id in ids["case"]:
            check.problem(where, f"duplicate case id {case_id!r}")
        for key in ("person", "title", "text"):
            check.text(block, key, where)
        if block.get("continues") and block["continues"] not in ids["case"] and not ids.get("unread"):
            check.problem(where, f"continues {block['continues']!r}, which is not an earlier case")
        ids["case"].add(case_id)
    elif kind == "reading":
        check.text(block, "title", where)
        url = check.text(block, "url", where)
        if url and not url.startswith(("https://", "http://")):
            check.problem(where, f"url {url!r} must start with https:// or http://")
    elif kind == "activity":
        _check_activity(block, where, check, lists, ids)
    return block


def _link_schemes(value) -> set[str]:
    """Return the lower-cased schemes of every Markdown link in a block's text, however deep."""
    if isinstance(value, dict):
        return set().union(*map(_link_schemes, value.values()))
    if isinstance(value, list):
        return set().union(*map(_link_schemes, value))
    if isinstance(value, str):
        return {(a or b).lower() for a, b in LINK_TARGET.findall(value)}
    return set()


def _check_activity(block: dict, where: str, check: _Checker, lists, ids) -> None:
    activity_id = block.get("id")
    if activity_id is None:
        check.problem(where, "missing 'id' (a stable activity id such as '2.4')")
    else:
        activity_id = block["id"] = str(activity_id)
        if not ACTIVITY_ID.match(activity_id):
            check.problem(where, f"id {activity_id!r} must look like '2.4'")
        elif activity_id in ids["activity"]:
            check.problem(where, f"duplicate activity id {activity_id!r}")
        ids["activity"].add(activity_id)
    check.text(block, "title", where)
    block["revision"] = check.integer(block, "revision", where, 1, 10_000, default=1) or 1
    block["discuss"] = bool(block.get("discuss", False))
    fields = block.get("fields")
    if not isinstance(fields, list) or not fields:
        check.problem(where, "needs 'fields', a non-empty list", key="fields")
        block["fields"] = []
        return
    seen = set()
    for n, spec in enumerate(fields, 1):
        at = f"{where}: field {n}"
        if not isinstance(spec, dict):
            check.problem(at, "must be a mapping")
            continue
        kind = spec.get("type")
        check.types(spec, {"id": TEXT, **FIELD_KEYS, **FIELD_TYPE_KEYS.get(kind if isinstance(kind, str) else "", {})},
                    at)
        field_id = spec.get("id")
        if field_id is None:
            check.problem(at, "missing 'id'", key="id")
        elif not FIELD_ID.match(str(field_id)):
            check.problem(at, f"id {field_id!r} may use only a-z, 0-9, '_' and '-'")
        elif field_id in seen:
            check.problem(at, f"duplicate field id {field_id!r}")
        else:
            at = f"{where}: field {field_id}"
        seen.add(field_id)
        _check_field(spec, at, check, lists)


def _check_field(spec: dict, at: str, check: _Checker, lists) -> None:
    kind = spec.get("type")
    if kind not in FIELD_TYPES:
        check.problem(at, f"unknown field type {kind!r} (expected one of {', '.join(FIELD_TYPES)})")
        return
    check.text(spec, "label", at)
    if kind == "list":
        check.integer(spec, "items", at, 1, MAX_ROWS)
    elif kind == "pairs":
        check.integer(spec, "rows", at, 1, MAX_ROWS)
        check.text(spec, "from_label", at)
        check.text(spec, "to_label", at)
    elif kind == "choose":
        if not spec.get("list"):
            check.problem(at, "missing 'list' (the name of a list in module.yaml)", key="list")
        elif spec["list"] not in lists:
            check.problem(at, f"chooses from list {spec['list']!r}, which module.yaml does not define")
    elif kind == "scale":
        low, high = check.integer(spec, "min", at), check.integer(spec, "max", at)
        if low is None or high is None:
            return
        if low >= high or high - low > MAX_ROWS:
            check.problem(at, f"bad scale: min {low} must be below max {high}, at most {MAX_ROWS} steps apart")
            return
        points = spec.get("points")
        if not isinstance(points, list) or not points:
            check.problem(at, "bad scale: 'points' must label at least the two ends", key="points")
            return
        values = set()
        for p in points:
            if not isinstance(p, dict) or not _is_a(p.get("value"), WHOLE) or not _is_a(p.get("label"), TEXT) \
                    or not p["label"].strip():
                check.problem(at, f"bad scale point {p!r}: needs an integer 'value' and a 'label'")
            elif not low <= p["value"] <= high:
                check.problem(at, f"bad scale: point {p['value']} is outside {low}..{high}")
            else:
                values.add(p["value"])
        if {low, high} - values:
            check.problem(at, f"bad scale: label both ends ({low} and {high})")
    elif kind == "drawing":
        check.text(spec, "alt_label", at)
