"""`promptgit ui` in a real Chromium: one test per page and per interaction, asserting what a person sees."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.ui.conftest import UIProcess


def rows(page: Any) -> list[str]:
    return page.locator("table.prompts tbody a.name").all_inner_texts()


def test_index_lists_each_prompt_with_release_labels_kind_and_status(page: Any, ui: UIProcess) -> None:
    page.goto(ui.url)

    expect(page.locator("h1")).to_have_text("Prompts")
    assert rows(page) == ["content/hook", "greeting", "new/draft", "xss/evil"]
    hook = page.locator("table.prompts tbody tr", has_text="content/hook")
    expect(hook).to_contain_text("hook")
    expect(hook.locator("td").nth(2)).to_have_text("1.1.1")  # the working tree's version
    expect(hook.locator("td").nth(3)).to_have_text("1.1.0")  # its highest release
    expect(hook).to_contain_text("production: 1.1.0")
    expect(hook).to_contain_text("staging: {1.0.0: 90, 1.1.0: 10}")
    expect(hook).to_contain_text("valid")
    greeting = page.locator("table.prompts tbody tr", has_text="greeting")
    expect(greeting.locator("td").nth(1)).to_have_text("greeting")
    evil = page.locator("table.prompts tbody tr", has_text="xss/evil")
    expect(evil.locator("td").nth(3)).to_have_text("not released")
    expect(evil.locator("td.status")).to_have_text("1 warning")


def test_filter_by_name_kind_and_label(page: Any, ui: UIProcess) -> None:
    page.goto(ui.url)

    page.get_by_label("Name").fill("greet")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("p.count")).to_have_text("1 of 4 prompts")
    assert rows(page) == ["greeting"]

    page.get_by_label("Name").fill("")
    page.get_by_label("Kind").select_option("hook")
    page.get_by_role("button", name="Filter").click()
    assert rows(page) == ["content/hook", "xss/evil"]

    page.get_by_label("Label").select_option("staging")
    page.get_by_role("button", name="Filter").click()
    assert rows(page) == ["content/hook"]


def test_prompt_page_shows_releases_label_history_findings_and_tests(page: Any, ui: UIProcess) -> None:
    page.goto(ui.url)
    page.get_by_role("link", name="content/hook").click()

    expect(page.locator("h1")).to_have_text("content/hook")
    expect(page.locator("dl.facts")).to_contain_text("chat: assistant, system, user")
    timeline = page.locator("ol.timeline li")
    expect(timeline).to_have_count(2)
    expect(timeline.first).to_contain_text("1.1.0")
    expect(timeline.first).to_contain_text("Test Author")
    expect(timeline.first).to_contain_text("adds tone\n\nand few-shot examples")
    expect(timeline.first).to_contain_text("production: 1.1.0")
    expect(timeline.nth(1)).to_contain_text("first release")
    history = page.locator("table.history tbody tr")
    expect(history).to_have_count(3)  # newest first: production and staging by Ops, then the first promotion
    expect(history.nth(0)).to_contain_text("Ops Person")
    expect(history.nth(0)).to_contain_text("1.0.0 → 1.1.0")
    expect(history.nth(1)).to_contain_text("set to {1.0.0: 90, 1.1.0: 10}")
    expect(history.nth(2)).to_contain_text("Test Author")
    expect(history.nth(2)).to_contain_text("Promote content/hook 1.0.0")
    expect(page.locator("table.inputs")).to_contain_text("playful | serious")
    tests = page.locator("table.tests tbody tr")
    expect(tests).to_have_count(2)
    expect(tests.nth(1)).to_contain_text("stays short")
    expect(tests.nth(1)).to_contain_text("too long")


def test_prompt_page_shows_findings_at_file_and_line(page: Any, ui: UIProcess) -> None:
    page.goto(ui.url + "prompt/xss/evil")

    findings = page.locator("ul.findings li")
    expect(findings).to_have_text(
        ["prompts/xss/evil.j2:7:3 PG302 input 'unused' is declared but never used (warning)"]
    )
    expect(page.locator("h2", has_text="Releases").locator("xpath=following-sibling::p[1]")).to_have_text(
        "Not released yet."
    )


def test_pick_two_versions_and_see_the_diff(page: Any, ui: UIProcess) -> None:
    page.goto(ui.url + "prompt/content/hook")
    page.get_by_role("link", name="Diff").click()
    page.get_by_label("From").select_option("1.0.0")
    page.get_by_label("To").select_option("1.1.0")
    page.get_by_role("button", name="Compare").click()

    expect(page.locator("h2#heading")).to_have_text("content/hook@1.0.0 → content/hook@1.1.0")
    changes = page.locator("ul.changes li")
    expect(changes.first).to_have_text("breaking: message role 'assistant' added")  # few-shot examples
    expect(changes.nth(1)).to_have_text("additive: input 'tone' added as optional")
    expect(page.locator("p.level")).to_have_text("Needs a major version bump.")
    text_diff = page.get_by_label("text diff")
    expect(text_diff).to_contain_text("-version: 1.0.0")
    expect(text_diff).to_contain_text("+version: 1.1.0")
    # the same inputs for both (1.1.0's sample), less what a version does not declare, which is named
    expect(page.locator("p.left-out")).to_have_text("1.0.0 does not declare tone: left out of its render.")
    rendered = page.get_by_label("rendered diff")
    expect(rendered).to_contain_text("-Topic: sourdough")
    expect(rendered).to_contain_text("+Topic: sourdough (serious, 3 hooks)")
    tokens = page.locator("table.tokens tbody tr")
    expect(tokens).to_contain_text("tokens")
    old, new = (int(tokens.locator("td").nth(i).inner_text()) for i in (1, 2))
    assert new > old > 0


def test_diff_of_a_release_and_the_working_tree_is_the_default(page: Any, ui: UIProcess) -> None:
    page.goto(ui.url + "diff/content/hook")

    expect(page.locator("h2#heading")).to_have_text("content/hook@1.1.0 → content/hook@worktree")
    expect(page.get_by_label("text diff")).to_contain_text("hooks). Be brief.")
    expect(page.locator("p.level")).to_have_text("Needs a patch version bump.")


def test_render_form_renders_a_chat_prompt_as_messages_by_role(page: Any, ui: UIProcess) -> None:
    page.goto(ui.url + "render/content/hook")

    expect(page.get_by_label("topic")).to_have_value("sourdough")  # the sample fills the form
    page.get_by_label("topic").fill("cold brew")
    page.get_by_label("tone").select_option("serious")
    page.get_by_label("loud").check()
    page.get_by_label("examples").fill('[{"topic": "tea", "hook": "Stop boiling your tea."}]')
    page.get_by_role("button", name="Render").click()

    messages = page.locator("section.message")
    expect(messages).to_have_count(4)
    expect(messages.locator("h4.role")).to_have_text(["system", "user", "assistant", "user"])
    expect(messages.nth(0)).to_contain_text("You write hooks. Shout.")
    expect(messages.nth(2)).to_contain_text("Stop boiling your tea.")
    expect(messages.nth(3)).to_contain_text("Topic: cold brew (serious, 3 hooks)")
    expect(page.locator("section.result h2")).to_contain_text("tokens")
    expect(page.get_by_label("topic")).to_have_value("cold brew")  # the form keeps what was sent


def test_render_form_shows_an_input_error_at_its_field(page: Any, ui: UIProcess) -> None:
    page.goto(ui.url + "render/content/hook")

    page.get_by_label("examples").fill("[not json")
    page.get_by_role("button", name="Render").click()
    examples_error = page.locator(".field-error[data-input=examples]")
    expect(examples_error).to_contain_text("not valid JSON")
    expect(page.locator("section.result")).to_have_count(0)

    page.get_by_label("examples").fill("")
    page.get_by_label("count").fill("0")
    page.get_by_label("topic").fill("")
    page.get_by_role("button", name="Render").click()
    expect(page.locator(".field-error[data-input=count]")).to_contain_text("less than the minimum of 1")
    expect(page.locator(".field-error[data-input=topic]")).to_have_text("is required but was not given")


def test_render_form_renders_a_release_and_a_text_prompt(page: Any, ui: UIProcess) -> None:
    page.goto(ui.url + "render/greeting")
    page.get_by_label("Version").select_option("0.1.0")
    page.get_by_label("topic").fill("world")
    page.get_by_role("button", name="Render").click()

    expect(page.locator("pre.text-output")).to_have_text("Hello world")
    expect(page.locator("section.result h2")).to_contain_text("greeting@0.1.0")


def test_blame_shows_the_commit_of_each_line(page: Any, ui: UIProcess) -> None:
    page.goto(ui.url + "prompt/content/hook")
    page.get_by_role("link", name="Blame").click()

    lines = page.locator("table.blame tr")
    expect(lines.filter(has_text="version: 1.1.1").locator("td.commit")).to_have_text("uncommitted")
    expect(lines.filter(has_text="kind: hook").locator("td.summary")).to_have_text("first prompts")
    page.get_by_label("Version").select_option("1.0.0")
    page.get_by_role("button", name="Show").click()
    expect(lines.filter(has_text="version: 1.0.0").locator("td.summary")).to_have_text("first prompts")

    page.goto(ui.url + "blame/new/draft")  # not in any commit yet
    expect(page.locator("table.blame td.commit")).to_have_text(["uncommitted"] * 8)


def test_script_in_a_prompt_or_an_input_shows_as_text(page: Any, ui: UIProcess) -> None:
    page.goto(ui.url + "prompt/xss/evil")
    expect(page.locator("pre.source")).to_contain_text("<script>document.title='pwned'</script>Say")
    expect(page.locator("p.description")).to_contain_text('<img src=x onerror="document.title')

    page.goto(ui.url + "render/xss/evil")
    page.get_by_label("topic").fill("<script>document.title='pwned'</script>")
    page.get_by_role("button", name="Render").click()
    expect(page.locator("pre.text-output")).to_contain_text("Say <script>document.title='pwned'</script>")

    page.goto(ui.url + "prompt/greeting")  # a tag message is text too
    expect(page.locator("ol.timeline")).to_contain_text("<script>document.title='pwned'</script> greets")
    assert page.title() != "pwned"

    page.goto(ui.url + "diff/xss/evil")
    expect(page.locator("body")).to_contain_text("<script>")
    assert page.title() != "pwned"
    assert page.locator("script").count() == 0 and page.locator("img").count() == 0


def test_a_form_posted_from_another_site_is_refused(page: Any, ui: UIProcess) -> None:
    page.set_content(
        f'<form method="post" action="{ui.url}render/greeting">'
        '<input name="input.topic" value="x"><button>go</button></form>'
    )
    page.get_by_role("button", name="go").click()

    expect(page.locator("body")).to_contain_text("refused: a form posted from another site")
