"""Files in a real browser against a real server: an image pasted into the composer and a
file dropped on the conversation reach the other person's page, live, with a clean console;
a file chosen with the button waits for its words and "Send file"."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browsing import MESSAGES, meet_in_lunch, screenshot
from tests.support.files import stored_files
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

#: Draws a 320 by 200 PNG on a canvas and pastes it into the composer as the clipboard would
#: hand it over; answers whether the page took the paste (and kept it from the text).
PASTE_A_DRAWING = """async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 320;
  canvas.height = 200;
  const pen = canvas.getContext("2d");
  pen.fillStyle = "#2f6fed";
  pen.fillRect(0, 0, 320, 200);
  pen.fillStyle = "#ffffff";
  pen.fillRect(40, 40, 120, 60);
  const blob = await new Promise((done) => canvas.toBlob(done, "image/png"));
  const clipboard = new DataTransfer();
  clipboard.items.add(new File([blob], "drawing.png", { type: "image/png" }));
  const box = document.querySelector("#composer textarea[name=body]");
  box.focus();
  const paste = new ClipboardEvent("paste", {
    clipboardData: clipboard, bubbles: true, cancelable: true,
  });
  box.dispatchEvent(paste);
  return paste.defaultPrevented;
}"""

#: Drags a small PDF over the conversation and drops it there, as a file from the desktop.
DROP_A_PDF = """() => {
  const files = new DataTransfer();
  const pdf = "%PDF-1.4\\n%%EOF\\n";
  files.items.add(new File([pdf], "minutes.pdf", { type: "application/pdf" }));
  const list = document.getElementById("messages");
  const options = { dataTransfer: files, bubbles: true, cancelable: true };
  list.dispatchEvent(new DragEvent("dragenter", options));
  const over = new DragEvent("dragover", options);
  list.dispatchEvent(over);
  const drop = new DragEvent("drop", options);
  list.dispatchEvent(drop);
  return over.defaultPrevented && drop.defaultPrevented;
}"""



@pytest.mark.screenshots
def test_alice_pastes_an_image_and_bob_sees_it(people, server: LiveServer, tmp_path: Path):
    alice, bob = meet_in_lunch(people, server)

    assert alice.page.evaluate(PASTE_A_DRAWING) is True

    for person in (alice, bob):
        image = person.page.locator(f"{MESSAGES} figure.attachment.image a img")
        expect(image).to_have_count(1)
        expect(image).to_have_attribute("alt", "drawing.png")
        expect(image).to_have_attribute("width", "320")
        expect(image).to_have_attribute("height", "200")
        # The thumbnail was served to this reader and decoded as an image.
        person.page.wait_for_function(
            "img => img.complete && img.naturalWidth === 320", arg=image.element_handle()
        )
    expect(alice.composer).to_have_value("")  # the file was sent, not its name typed
    expect(alice.page.locator("#upload-form progress")).to_have_js_property("value", 0)
    assert len(stored_files(tmp_path / "media")) == 2  # the image and its thumbnail
    expect(bob.page.locator("#members li.online")).to_have_count(2)
    screenshot(bob.page, "room-image.png")


def test_bob_drops_a_file_on_the_conversation_and_alice_can_download_it(people, server: LiveServer):
    alice, bob = meet_in_lunch(people, server)

    assert bob.page.evaluate(DROP_A_PDF) is True

    for person in (alice, bob):
        link = person.page.locator(f"{MESSAGES} a.attachment.file")
        expect(link).to_have_text("minutes.pdf")
        expect(link).to_have_attribute("download", "")
    with alice.page.expect_download() as downloading:
        alice.page.locator(f"{MESSAGES} a.attachment.file").click()
    download = downloading.value
    assert download.suggested_filename == "minutes.pdf"
    assert Path(download.path()).read_bytes() == b"%PDF-1.4\n%%EOF\n"


def test_a_chosen_file_waits_for_its_words_and_the_send_button(people, server: LiveServer):
    alice, bob = meet_in_lunch(people, server)
    form = alice.page.locator("#upload-form")

    form.locator("input[type=file]").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"soup, bread"}]
    )
    form.get_by_label("Words with the file").fill("the shopping list")
    form.get_by_role("button", name="Send file").click()

    for person in (alice, bob):
        shown = person.page.locator(MESSAGES)
        expect(shown.locator("a.attachment.file")).to_have_text("notes.txt")
        expect(shown).to_have_count(1)  # sent once, with its words
        expect(shown.locator(".body")).to_have_text("the shopping list")
    expect(form.locator("input[type=text]")).to_have_value("")  # a fresh form
