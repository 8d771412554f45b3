"""Reading works without JavaScript: every block and field type renders as real HTML."""
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
    assert 'href="#case-sam-1"' not in first and 'href="#case-sam-1"' in second
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
    assert 'rel="prev" href="/section/first"' in second and 'rel="next"' not in second


def test_pages_have_landmarks_and_a_skip_link(client):
    html = client.get("/section/first").get_data(as_text=True)
    assert '<a class="skip" href="#main">' in html
    assert '<main id="main"' in html and "<header" in html and "<footer" in html and "<nav" in html
    assert html.count("<h1") == 1
