"""Reading works without JavaScript: every block and field type renders as real HTML."""
import json
import re


def test_home_lists_every_section_and_activity(app, client):
    html = client.get("/").get_data(as_text=True)
    module = app.extensions["module"]
    for section in module.sections:
        assert f'href="/section/{section.id}"' in html
    for activity in module.activities:
        assert f"Activity {activity['id']}: {activity['title']}" in html


def test_section_page_renders_each_block_type(client):
    first = client.get("/section/first").get_data(as_text=True)
    assert "<blockquote>" in first and "<cite>Doe 2001</cite>" in first
    assert "<li>Red</li>" in first and "Source: <cite>Doe 2001</cite>" in first
    assert '<th scope="col">Too close</th>' in first and "<caption>Two columns</caption>" in first
    assert 'id="case-sam-1"' in first
    assert 'id="things-to-notice"' in first and 'href="#things-to-notice"' in first
    second = client.get("/section/second").get_data(as_text=True)
    assert 'href="/section/first#case-sam-1"' in second  # a case continued on another page links there
    assert "needs a connection" in second and 'href="https://example.org/booklet"' in second
    assert "Talk this one over" in second


def test_every_field_is_labelled(client):
    for path in ("/section/first", "/section/second"):
        html = client.get(path).get_data(as_text=True)
        for control_id in re.findall(r'<(?:input|textarea)[^>]*\bid="([^"]+)"', html):
            assert f'for="{control_id}"' in html, control_id


def test_activity_forms_cannot_submit_without_the_journal(client):
    html = client.get("/section/second").get_data(as_text=True)
    form = re.search(r'<form class="activity-form"[^>]*>', html).group(0)
    assert 'data-activity="1.2"' in form and 'data-revision="1"' in form
    assert "action=" not in form
    assert '<fieldset class="answers" disabled>' in html
    assert "turn JavaScript on" in html


def test_field_types_render_their_controls(client):
    html = client.get("/section/second").get_data(as_text=True)
    assert html.count('name="moves.0.from"') == 1 and 'name="moves.1.to"' in html
    assert html.count('type="checkbox"') == 3
    assert html.count('name="confidence"') == 11
    assert 'data-drawing-pad hidden' in html and 'name="landscape.alt"' in html
    first = client.get("/section/first").get_data(as_text=True)
    assert "<legend>About you</legend>" in first
    assert 'name="people.2"' in first
    assert '<details class="example" data-example>' in first


def test_sections_link_to_their_neighbours(client):
    first = client.get("/section/first").get_data(as_text=True)
    assert 'rel="next" href="/section/second"' in first and 'rel="prev"' not in first
    second = client.get("/section/second").get_data(as_text=True)
    assert 'rel="prev" href="/section/first"' in second and 'rel="next" href="/section/third"' in second


def test_pages_have_landmarks_and_a_skip_link(client):
    html = client.get("/section/first").get_data(as_text=True)
    assert '<a class="skip" href="#main">' in html
    assert '<main id="main"' in html and "<header" in html and "<footer" in html and "<nav" in html
    assert html.count("<h1") == 1


def test_a_section_in_parts_has_a_page_per_part(client):
    first = client.get("/section/third").get_data(as_text=True)
    assert "Part 1 of 2" in first and re.search(r"<h1>Reading first</h1>", first)
    assert 'aria-current="page">Reading first</a>' in first and 'href="/section/third/2">Then writing</a>' in first
    assert 'class="activity-form"' not in first and "Sam, a month later" in first
    assert 'rel="next" href="/section/third/2"' in first and 'rel="prev" href="/section/second"' in first
    second = client.get("/section/third/2").get_data(as_text=True)
    assert "Part 2 of 2" in second and 'data-activity="1.3"' in second
    assert 'rel="prev" href="/section/third"' in second and 'rel="next"' not in second
    shown = second.split("</details>")[1]  # after the list of parts: this page's own contents
    assert 'href="#a-heading-in-part-two"' in shown and "a-heading-in-part-one" not in shown


def test_the_first_part_maps_every_anchor_of_the_section_to_its_part(client):
    html = client.get("/section/third").get_data(as_text=True)
    anchors = re.search(r'data-anchors="([^"]+)"', html).group(1).replace("&#34;", '"')
    assert '"activity-1-3": 2' in anchors and '"case-sam-3": 1' in anchors


def test_part_urls_are_canonical_and_unknown_parts_are_not_found(client):
    response = client.get("/section/third/1")
    assert response.status_code == 301 and response.headers["Location"].endswith("/section/third")
    assert client.get("/section/third/3").status_code == 404
    assert client.get("/section/third/0").status_code == 404
    assert client.get("/section/first/2").status_code == 404


def test_contents_lists_parts_and_links_each_activity_to_its_part(client):
    html = client.get("/").get_data(as_text=True)
    assert '<a class="part-link" href="/section/third/2"><span class="part-num">Part 2</span> Then writing</a>' in html
    assert 'href="/section/third/2#activity-1-3">Activity 1.3: Later</a>' in html
    assert 'href="/section/second#activity-1-2"' in html


def test_support_phone_numbers_are_links_that_call(client):
    html = client.get("/support").get_data(as_text=True)
    for number, dial in [("111", "111"), ("116 123", "116123"), ("0800 83 85 87", "0800838587"), ("999", "999")]:
        assert re.search(rf'<a class="tel" href="tel:{dial}">[^<]+<span>{number}</span></a>', html), number


def test_every_old_link_to_a_module_2_activity_finds_its_part(tmp_path):
    """Before sections were split, /section/<id>#activity-x held every activity of that section: each
    still resolves, because the section's first page maps the anchor to the part that now holds it."""
    from pwa import create_app
    app = create_app({"TESTING": True}, instance_path=tmp_path / "instance")
    client = app.test_client()
    module = app.extensions["module"]
    for section in module.sections:
        first = client.get(f"/section/{section.id}").get_data(as_text=True)
        anchors = re.search(r'data-anchors="([^"]+)"', first)
        mapping = json.loads(anchors.group(1).replace("&#34;", '"')) if anchors else {}
        for activity in section.activities:
            anchor = "activity-" + activity["id"].replace(".", "-")
            part = mapping.get(anchor, 1)
            page = client.get(f"/section/{section.id}" + (f"/{part}" if part > 1 else "")).get_data(as_text=True)
            assert f'id="{anchor}"' in page, (section.id, activity["id"], part)
            assert anchors or f'id="{anchor}"' in first


def test_revalidation_page_labels_every_field_and_states_where_its_requirements_come_from(client):
    from pwa import revalidation
    html = client.get("/revalidation").get_data(as_text=True)
    for field in revalidation.CPD + revalidation.ACCOUNT + revalidation.DISCUSSION:
        assert field.label in html
    for theme in revalidation.THEMES:
        assert theme in html
    assert "revalidation guidance, as of 2026-11" in html and "35 hours" in html and "five reflective accounts" in html
    assert 'data-page="revalidation"' in html and "<template id=\"account\">" in html
    assert html.count('data-activity="__revalidation"') == 4  # kind, CPD record, discussion, and the accounts' template


def test_the_worker_reaches_revalidation_from_the_contents_journal_and_print_pages(client):
    for path in ("/", "/journal", "/print"):
        assert 'href="/revalidation"' in client.get(path).get_data(as_text=True), path
