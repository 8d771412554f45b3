"""The module reader: contents page and one server-rendered page per section."""
from flask import Blueprint, abort, current_app, render_template

from . import paths
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


@bp.route("/")
def home():
    """Contents: every section with its activities."""
    return render_template("home.html", module=current_app.extensions["module"])


@bp.route("/section/<section_id>")
def section(section_id: str):
    """One section of the module, readable without JavaScript."""
    module = current_app.extensions["module"]
    found = module.section(section_id)
    if found is None:
        abort(404)
    before, after = module.neighbours(found)
    return render_template("section.html", module=module, section=found, before=before, after=after)


@bp.route("/journal")
def journal():
    """The journal: set up, unlock, change passphrase, recovery, backup, durability (driven by JS)."""
    return render_template("journal.html")


@bp.route("/support")
def support():
    """Support: the people the worker named, general guidance and a one-minute breather."""
    return render_template("support.html")


@bp.route("/print")
def print_journal():
    """Every activity with slots for its answers, filled in by JS while the journal is unlocked."""
    return render_template("print.html", module=current_app.extensions["module"])


@bp.route("/share")
def share():
    """Pair with a supervisor, compose a summary, see what waits to be sent (JavaScript-driven)."""
    module = current_app.extensions["module"]
    return render_template("share.html", module=module, scale=supervision_scale(module))


def supervision_scale(module) -> dict | None:
    """The scale question a summary may include (activity 2.13: how openly I can use supervision)."""
    activity = next((a for a in module.activities if a["id"] == "2.13"), None)
    spec = next((f for f in activity["fields"] if f["type"] == "scale"), None) if activity else None
    if spec is None:
        return None
    return {"activity": activity["id"], "field": spec["id"],
            "text": f"{spec['label']} (scale {spec['min']} to {spec['max']})"}
