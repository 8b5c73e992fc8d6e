"""A family link shows the chosen guides and the schedule, and nothing from the journal."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, Response, expect

from tests.helpers import api_json, check_in, new_context, sign_up, unique

CHOSEN = "for-family-how-to-help"


def guide_titles(page: Page) -> dict[str, str]:
    return {g["slug"]: g["title"] for g in api_json(page, "/api/guides")["body"]}


def test_family_link_shows_guides_and_schedule_but_no_journal(
    page: Page, browser: Browser, server: str
) -> None:
    sign_up(page)
    canary = unique("CANARY")
    check_in(page, 3, note=f"journal {canary}")
    expect(page.get_by_role("status")).to_have_text("Check-in saved.")

    page.get_by_role("link", name="Treatments").click()
    page.get_by_label("is planned").check()
    page.get_by_label("Date", exact=True).fill("2031-05-06")
    page.get_by_label("Time", exact=True).fill("10:30")
    page.get_by_text("Dose, clinic, notes, side effects, blood pressure (optional)").click()
    page.get_by_label("Clinic", exact=True).fill(f"clinic {canary}")
    page.get_by_label("Notes", exact=True).fill(f"treatment {canary}")
    page.get_by_role("button", name="Save treatment").click()
    expect(page.get_by_role("status")).to_have_text("Treatment saved.")

    titles = guide_titles(page)
    assert CHOSEN in titles
    assert len(titles) > 1
    page.goto("/#/share")
    expect(page.get_by_role("heading", level=1, name="Share")).to_be_visible()
    guides = page.get_by_role("group", name="Guides to include")
    for slug, title in titles.items():
        box = guides.get_by_label(title)
        box.set_checked(slug == CHOSEN)
    page.get_by_label("Include the dates of planned treatments").check()
    page.get_by_label("Name for this link").fill("For Sam")
    page.get_by_label("Message to them").fill("Thanks for driving me, Sam.")
    page.get_by_role("button", name="Create link").click()
    url_box = page.get_by_label("Link", exact=True)
    expect(page.get_by_role("heading", name="Your link is ready")).to_be_visible()
    url = url_box.input_value()
    assert "/shared#" in url

    # The family member: another phone, no account, no cookies.
    family = new_context(browser, server)
    reader = family.new_page()
    bodies: list[str] = []

    def keep(response: Response) -> None:
        if "/api/" in response.url:
            bodies.append(response.text())

    reader.on("response", keep)
    reader.goto(url)
    # The label is the owner's private name for the link: the family sees the message instead.
    expect(reader.get_by_role("heading", level=1)).to_have_text("Shared with you")
    expect(reader.locator("main")).to_contain_text("Thanks for driving me, Sam.")
    expect(reader.locator("main")).not_to_contain_text("For Sam")
    expect(reader.get_by_role("heading", level=2, name=titles[CHOSEN])).to_be_visible()
    for slug, title in titles.items():
        if slug != CHOSEN:
            expect(reader.get_by_role("heading", name=title, exact=True)).to_have_count(0)
    schedule = reader.locator("#schedule")
    expect(schedule).to_contain_text("May 6, 2031")
    expect(schedule).to_contain_text("IV infusion")
    reader.wait_for_load_state("networkidle")
    assert canary not in reader.content()
    assert bodies
    assert not any(canary in body for body in bodies)
    assert "Riverside" not in reader.content()
    assert not any("For Sam" in body for body in bodies)

    # The owner sees the open, and cancels the link; it stops working at once.
    page.reload()
    item = page.locator("li", has_text="For Sam")
    expect(item).to_contain_text("Opened 1 time")
    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="Cancel link").click()
    expect(item).to_contain_text("revoked")
    reader.reload()
    expect(reader.get_by_role("heading", level=1)).to_have_text("This link doesn't work")
    family.close()


def test_unknown_link_says_so(browser: Browser, server: str) -> None:
    context = new_context(browser, server)
    page = context.new_page()
    page.goto("/shared#not-a-real-token-aaaaaaaaaaaaaaaa")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link doesn't work")
    expect(page.get_by_text("expired or been cancelled")).to_be_visible()
    context.close()
