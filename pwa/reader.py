"""The module reader: contents page and one server-rendered page per section."""
import re

from flask import Blueprint, abort, current_app, redirect, render_template

from . import paths
from . import revalidation as records
from .content import load_pack, render_inline, render_markdown

bp = Blueprint("reader", __name__)


def init_app(app):
    """Load the content pack (refusing to start on an invalid one) and add the reader."""
    folder = app.config.get("CONTENT") or paths.default_content_dir()
    app.extensions["module"] = load_pack(folder)
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(render_inline, "inline")
    app.add_template_filter(groupby_run, "groupby_run")
    app.add_template_global(lambda: current_app.extensions["module"], "current_module")
    app.register_blueprint(bp)


@bp.after_request
def squeeze_html(response):
    """Drop the templates' indentation: a worker's pages go into the offline install, byte by byte.

    Only the reader's pages, which show no server-rendered text in a whitespace-keeping element.
    """
    if response.mimetype == "text/html" and not response.direct_passthrough:
        response.set_data(re.sub(r"\n\s+", "\n", response.get_data(as_text=True)))
    return response


def groupby_run(fields: list[dict]) -> list[tuple[str | None, list[dict]]]:
    """Group consecutive fields that share a 'group' (each run becomes one fieldset)."""
    runs: list[tuple[str | None, list[dict]]] = []
    for spec in fields:
        group = spec.get("group")
        if runs and runs[-1][0] == group and group:
            runs[-1][1].append(spec)
        else:
            runs.append((group, [spec]))
    return runs


def anchor_for(activity_id: str) -> str:
    """Return the element id of an activity ('2.4' -> 'activity-2-4')."""
    return "activity-" + activity_id.replace(".", "-")


@bp.app_template_global()
def activity_anchor(activity_id: str) -> str:
    return anchor_for(activity_id)


@bp.app_template_global()
def page_url(section, part=None) -> str:
    """Return a page's path: /section/<id> for its first part, /section/<id>/<n> for the rest."""
    number = part.number if part else 1
    return f"/section/{section.id}" + (f"/{number}" if number > 1 else "")


@bp.app_template_global()
def anchor_url(anchor: str, here=None) -> str:
    """Return a link to an element id anywhere in the module: '#id' when it is on the page `here`."""
    for section in current_app.extensions["module"].sections:
        part = section.part_of(anchor)
        if part:
            return f"#{anchor}" if part is here else f"{page_url(section, part)}#{anchor}"
    return f"#{anchor}"


@bp.route("/")
def home():
    """Contents: every section with its activities."""
    return render_template("home.html", module=current_app.extensions["module"])


@bp.route("/section/<section_id>")
@bp.route("/section/<section_id>/<int:number>")
def section(section_id: str, number: int | None = None):
    """One page (part) of a section of the module, readable without JavaScript."""
    module = current_app.extensions["module"]
    found = module.section(section_id)
    part = found and found.part(1 if number is None else number)
    if not part:
        abort(404)
    if number == 1:
        return redirect(page_url(found), 301)
    before, after = module.neighbours(found, part)
    return render_template("section.html", module=module, section=found, part=part, before=before, after=after)


@bp.route("/journal")
def journal():
    """The journal: set up, unlock, change passphrase, recovery, backup, durability (driven by JS)."""
    return render_template("journal.html", first_activity=first_activity(current_app.extensions["module"]))


@bp.route("/support")
def support():
    """Support: the people the worker named, general guidance and a one-minute breather."""
    return render_template("support.html")


@bp.route("/print")
def print_journal():
    """Every activity with slots for its answers, filled in by JS while the journal is unlocked."""
    return render_template("print.html", module=current_app.extensions["module"])


@bp.route("/revalidation")
def revalidation():
    """CPD record, reflective accounts and reflective discussion, kept in the journal (JavaScript-driven)."""
    module = current_app.extensions["module"]
    activities = [{"id": a["id"], "title": a["title"], "src": page_url(s, p)} for s, p in module.pages() for a in p.activities]
    return render_template("revalidation.html", module=module, R=records, activities=activities)


@bp.route("/share")
def share():
    """Pair with a supervisor, compose a summary, see what waits to be sent (JavaScript-driven)."""
    module = current_app.extensions["module"]
    return render_template("share.html", module=module, scale=supervision_scale(module))


def first_activity(module) -> dict:
    """Where a new journal starts: the module's first activity (or its contents, with none)."""
    for section, part in module.pages():
        if part.activities:
            activity = part.activities[0]
            return {"url": f"{page_url(section, part)}#{anchor_for(activity['id'])}", "label": f"Activity {activity['id']}"}
    return {"url": "/", "label": "the module"}


def supervision_scale(module) -> dict | None:
    """The scale question a summary may include (activity 2.13: how openly I can use supervision)."""
    activity = next((a for a in module.activities if a["id"] == "2.13"), None)
    spec = next((f for f in activity["fields"] if f["type"] == "scale"), None) if activity else None
    if spec is None:
        return None
    return {"activity": activity["id"], "field": spec["id"],
            "text": f"{spec['label']} (scale {spec['min']} to {spec['max']})"}
