"""The other screens do what they say: export and import, the clinician link and its PDF,
guide search, and deleting an account."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, expect

from tests.helpers import PASSWORD, api_json, log_in, new_context, seed_journal, sign_up, unique


def export_archive(page: Page, path: Path) -> Path:
    page.goto("/#/export")
    with page.expect_download() as download:
        page.get_by_role("link", name="Full archive (JSON)").click()
    download.value.save_as(path)
    return path


def import_archive(page: Page, archive: Path) -> Locator:
    page.goto("/#/export")
    card = page.get_by_role("form", name="Import a Waypoint archive")
    card.get_by_label("File").set_input_files(archive)
    card.get_by_role("button", name="Import").click()
    return card


def test_archive_round_trip(page: Page, tmp_path: Path) -> None:
    sign_up(page)
    note = unique("archived")
    seed_journal(page, days=10, note=note)
    archive = export_archive(page, tmp_path / "archive.json")
    assert note in archive.read_text()
    card = import_archive(page, archive)
    # Importing never overwrites or duplicates: everything is already here.
    expect(card).to_contain_text("Done: 0 added")
    expect(card).to_contain_text("already here")


def test_archive_moves_to_another_account(page: Page, tmp_path: Path) -> None:
    sign_up(page)
    note = unique("archived")
    seed_journal(page, days=10, note=note)
    archive = export_archive(page, tmp_path / "archive.json")
    page.goto("/#/more")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()
    sign_up(page)
    card = import_archive(page, archive)
    expect(card).to_contain_text("added", timeout=3000)
    page.get_by_role("link", name="Today").click()
    expect(page.locator("#recent li.checkin", has_text=note).first).to_be_visible()


def test_daylio_import_and_a_bad_row(page: Page) -> None:
    sign_up(page)
    page.goto("/#/export")
    card = page.get_by_role("form", name="Import from Daylio")
    bad = (
        b"full_date,date,weekday,time,mood,activities,note_title,note\n"
        b"2024-05-30,May 30,Thursday,21:30,sunny,,,\n"
    )
    card.get_by_label("File").set_input_files(
        {"name": "daylio.csv", "mimeType": "text/csv", "buffer": bad}
    )
    card.get_by_role("button", name="Import").click()
    expect(card.get_by_role("alert")).to_contain_text("none was imported")
    expect(card).to_contain_text("Line 2, mood")

    good = (
        b"full_date,date,weekday,time,mood,activities,note_title,note\n"
        b"2024-05-31,May 31,Friday,9:30 PM,good,walk | friends,,from daylio\n"
        b"2024-05-30,May 30,Thursday,21:30,awful,,,\n"
    )
    card.get_by_label("File").set_input_files(
        {"name": "daylio.csv", "mimeType": "text/csv", "buffer": good}
    )
    card.get_by_role("button", name="Import").click()
    expect(card).to_contain_text("Done: 2 added")
    entries = api_json(page, "/api/entries?from=2024-05-30&to=2024-05-31")["body"]
    assert sorted(e["mood"] for e in entries) == [1, 7]


def test_clinician_link_shows_the_summary_and_downloads_the_pdf(
    page: Page, browser: Browser, server: str, tmp_path: Path
) -> None:
    sign_up(page)
    seed_journal(page, days=45, note=unique("private"))
    page.goto("/#/share")
    page.get_by_label("My clinician").check()
    page.get_by_label("Name for this link").fill("Dr. Lee")
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_role("heading", name="Your link is ready")).to_be_visible()
    url = page.get_by_label("Link", exact=True).input_value()

    clinic = new_context(browser, server)
    reader = clinic.new_page()
    reader.goto(url)
    expect(reader.get_by_role("heading", level=1)).to_contain_text("Report:")
    expect(reader.locator("main")).to_contain_text("Baseline mood")
    expect(reader.locator("main")).to_contain_text("PHQ-9 went from")
    with reader.expect_download() as download:
        reader.get_by_role("button", name="Download the PDF report").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    clinic.close()


def test_guide_search_marks_the_words(page: Page) -> None:
    page.goto("/#/guides")
    search = page.get_by_role("search")
    search.get_by_role("searchbox").fill("blood pressure")
    search.get_by_role("button", name="Search").click()
    results = page.locator("main ul.list.card li")
    expect(results.first).to_be_visible()
    expect(results.first.locator("mark").first).to_be_visible()
    results.first.get_by_role("link").click()
    expect(page.locator("article.guide")).to_be_visible()
    expect(page.locator(".disclaimer")).to_contain_text("not medical advice")


def test_deleting_the_account_needs_the_password_and_is_final(page: Page) -> None:
    username = sign_up(page)
    page.goto("/#/account")
    form = page.get_by_role("form", name="Delete account")
    form.get_by_label("Type your password to confirm").fill("not my password")
    form.get_by_label("I understand this cannot be undone").check()
    form.get_by_role("button", name="Delete my account").click()
    expect(form.get_by_role("alert")).to_be_visible()
    form.get_by_label("Type your password to confirm").fill(PASSWORD)
    form.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()
    log_in(page, username)
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
