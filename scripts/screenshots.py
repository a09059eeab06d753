"""Pictures of every face of a run, for the README and for looking at after a change.

Starts the app (daphne) on a fresh database, drives a short scripted run in Chromium with a
facilitator, a presenter's view, the shared screen and three participants (one on a 360×740
phone), and writes PNGs:

    python scripts/screenshots.py                 # the README's set, into docs/screenshots/
    python scripts/screenshots.py --all --out DIR # every state the run passes through

`make screenshots` runs the first. Needs Playwright and Debian's Chromium (as `make test`).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from bench.servers import CHROMIUM, CHROMIUM_ARGS, Server, app_env, prepare  # noqa: E402

FACILITATOR = ("facilitator", "screenshots-password-1")
LAPTOP = {"width": 1366, "height": 768}
WIDE = {"width": 1920, "height": 1080}
PHONE = {"width": 360, "height": 740}


class Shots:
    def __init__(self, out: Path, everything: bool):
        self.out = out
        self.everything = everything
        self.taken: list[Path] = []

    def take(self, page, name: str, *, readme: bool = False) -> None:
        """A picture of the page as it is on screen now (README pictures always; the rest
        with --all)."""
        if not (readme or self.everything):
            return
        page.wait_for_timeout(150)  # the last push settles, the stage fits its text
        path = self.out / f"{name}.png"
        page.screenshot(path=str(path))
        self.taken.append(path)


def connected(page) -> None:
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")


def goto(console, number: int) -> None:
    console.locator("#goto-number").select_option(str(number))
    console.get_by_role("button", name="Go", exact=True).click()


def on_slide(page, number: int) -> None:
    expect(page.locator("#current-slide")).to_have_attribute("data-slide", str(number))


def join(browser, url: str, code: str, name: str, *, show: bool, viewport=PHONE):
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{url}/join/{code}/")
    page.get_by_label("Your name (optional)").fill(name)
    if show:
        page.get_by_label(re.compile("Show my name on shared screens")).check()
    page.get_by_role("button", name="Join the workshop").click()
    connected(page)
    return page


def scripted_run(browser, url: str, shots: Shots) -> None:
    team = browser.new_context(viewport=LAPTOP)
    console = team.new_page()
    console.goto(f"{url}/accounts/login/")
    console.get_by_label("Username").fill(FACILITATOR[0])
    console.get_by_label("Password").fill(FACILITATOR[1])
    console.get_by_role("button", name="Log in").click()
    console.goto(f"{url}/runs/new/")
    console.get_by_label("Title").fill("An Introduction to DPUP")
    console.get_by_label("Agency name").fill("Example Agency")
    console.get_by_label("The agency's example initiatives").fill(
        "A privacy notice written with service users\nA data steward for each team"
    )
    console.get_by_label("Use a waiting room").uncheck()
    console.get_by_label("Offer a quiz scoreboard").check()
    console.get_by_role("button", name="Create the run").click()
    code = console.locator("#join-code").inner_text().replace("-", "")
    console.goto(f"{url}/runs/{code}/console/")
    connected(console)

    screen = team.new_page()
    screen.goto(f"{url}/runs/{code}/screen/")
    connected(screen)
    present = team.new_page()
    present.goto(f"{url}/runs/{code}/present/")
    connected(present)

    phone = browser.new_context(viewport=PHONE).new_page()
    phone.goto(f"{url}/join/{code}/")
    shots.take(phone, "phone-join", readme=True)
    phone.get_by_label("Your name (optional)").fill("Aroha")
    phone.get_by_label(re.compile("Show my name on shared screens")).check()
    phone.get_by_role("button", name="Join the workshop").click()
    connected(phone)
    others = [
        join(browser, url, code, "Mere", show=True, viewport=LAPTOP),
        join(browser, url, code, "Sam", show=False, viewport=LAPTOP),
    ]

    shots.take(screen, "screen-before-start")
    console.get_by_role("button", name="Start the workshop").click()
    on_slide(screen, 1)
    shots.take(screen, "screen-welcome-1366", readme=True)
    screen.set_viewport_size(WIDE)
    shots.take(screen, "screen-welcome-1920", readme=True)
    screen.set_viewport_size(LAPTOP)
    shots.take(phone, "phone-welcome")

    # Slide 2: a poll, answered on phones and counted aloud.
    goto(console, 2)
    on_slide(phone, 2)
    phone.get_by_role("button", name=re.compile("Not yet")).click()
    others[0].get_by_role("button", name=re.compile("Yes")).click()
    others[1].get_by_role("button", name=re.compile("Yes")).click()
    poll = console.locator("#activity-staff article", has_text="Have you watched")
    poll.get_by_role("button", name=re.compile("Count one more for A")).click()
    expect(poll.locator(".counts")).to_contain_text("counted aloud")
    shots.take(phone, "phone-poll")
    shots.take(console, "console-poll")
    poll.get_by_role("button", name=re.compile("Show the results")).click()
    expect(screen.locator(".stage-aside .chart")).to_be_visible()
    shots.take(screen, "screen-poll-results")
    shots.take(console, "console-poll-results", readme=True)

    # Slide 3: a share-out; one response goes on the screen.
    goto(console, 3)
    on_slide(phone, 3)
    phone.get_by_label("Your response").fill(
        "A form asked for my iwi with no reason given, so I left it blank."
    )
    phone.get_by_role("button", name="Send my response").click()
    expect(phone.locator(".my-answer")).to_contain_text("saved")
    prompt = console.locator("#activity-staff article", has_text="Think about a time")
    prompt.get_by_role("button", name=re.compile("Show on the screen")).first.click()
    expect(screen.locator(".response-card")).to_be_visible()
    shots.take(screen, "screen-response")
    shots.take(console, "console-response")

    # Slide 14, on the presenter view.
    goto(console, 14)
    on_slide(present, 14)
    shots.take(present, "present", readme=True)
    shots.take(screen, "screen-guidelines")

    # An ad-hoc word cloud from the console, answered on phones, its results on the screen.
    console.get_by_role("radio", name="Word cloud").check()
    question = "In a word or two: what makes you trust a service?"
    console.get_by_label("Question", exact=True).fill(question)
    console.get_by_role("button", name="Open it now").click()
    sent = [(phone, ["being told why", "whānau"]), (others[0], ["Being told why", "respect"]),
            (others[1], ["being told why", "choice"])]  # fmt: skip
    for page, words in sent:
        cloud = page.locator("article.interaction", has_text="what makes you trust")
        for number, word in enumerate(words, 1):
            cloud.get_by_label(f"Word {number}").fill(word)
        cloud.get_by_role("button", name="Send my words").click()
        expect(cloud.locator(".my-answer")).to_contain_text("Your words")
    words = console.locator("#activity-staff article", has_text="what makes you trust")
    expect(words.locator(".counts")).to_contain_text("3 people sent words")
    shots.take(console, "console-word-cloud")
    words.get_by_role("button", name=re.compile("Show the results")).click()
    expect(screen.locator(".stage-aside .cloud-words")).to_be_visible()
    shots.take(screen, "screen-word-cloud", readme=True)
    shots.take(phone, "phone-word-cloud")
    words.get_by_role("button", name=re.compile("^Close")).click()
    expect(phone.locator("article.interaction", has_text="what makes you trust")).to_be_hidden()

    # An ad-hoc rating scale of the four Guidelines, rated on phones, its results on the screen.
    console.get_by_role("radio", name="Rating scale").check()
    console.get_by_label("Question", exact=True).fill(
        "How ready do you feel to apply each Guideline?"
    )
    guidelines = ["Purpose Matters", "Transparency and Choice", "Access to Information",
                  "Sharing Value"]  # fmt: skip
    console.get_by_label(re.compile("statements to rate")).fill("\n".join(guidelines))
    console.locator("#adhoc-low-label").fill("Not yet")
    console.locator("#adhoc-high-label").fill("Very ready")
    console.get_by_role("button", name="Open it now").click()
    for page, given in (
        (phone, [4, 3, 5, 2]),
        (others[0], [5, 3, 4, 3]),
        (others[1], [4, 2, 4, 3]),
    ):
        scale = page.locator("article.interaction", has_text="apply each Guideline")
        for row, rating in enumerate(given):
            scale.locator("fieldset.rating-row").nth(row).get_by_role(
                "button", name=re.compile(rf"^{rating}\b")
            ).click()
        expect(scale.locator(".my-answer")).to_contain_text("rated 4 of 4")
    shots.take(phone, "phone-rating")
    rating = console.locator("#activity-staff article", has_text="apply each Guideline")
    expect(rating.locator(".counts")).to_contain_text("3 people rated")
    shots.take(console, "console-rating")
    rating.get_by_role("button", name=re.compile("Show the results")).click()
    expect(screen.locator(".stage-aside .rating-results")).to_be_visible()
    shots.take(screen, "screen-rating", readme=True)
    rating.get_by_role("button", name=re.compile("^Close")).click()

    # A question from the room, on the screen.
    others[0].get_by_label("Ask the team a question").fill(
        "Does DPUP apply to contracted NGOs as well as agencies?"
    )
    others[0].get_by_role("button", name="Ask").click()
    qa = console.locator("#qa-list")
    expect(qa).to_contain_text("contracted NGOs")
    qa.get_by_role("button", name=re.compile("Put it on the screen")).first.click()
    expect(screen.locator(".spot-quote")).to_be_visible()
    shots.take(screen, "screen-question")

    # The quiz: question 1 answered on phones, revealed on its answer slide.
    goto(console, 17)
    on_slide(phone, 17)
    shots.take(phone, "phone-question", readme=True)
    shots.take(screen, "screen-quiz-question")
    phone.get_by_role("button", name=re.compile("It replaces parts")).click()
    others[0].get_by_role("button", name=re.compile("It does not contradict")).click()
    others[1].get_by_role("button", name=re.compile("It does not contradict")).click()
    for page in [phone, *others]:
        on_board = page.get_by_role("button", name="Put my name on the scoreboard")
        if on_board.is_visible():  # only people named on shared screens are offered it
            on_board.click()
    shots.take(console, "console-quiz", readme=True)
    console.locator("#slide-next").click()
    on_slide(screen, 18)
    expect(screen.locator(".stage .chart")).to_be_visible()
    shots.take(screen, "screen-quiz-answer-1366", readme=True)
    screen.set_viewport_size(WIDE)
    shots.take(screen, "screen-quiz-answer-1920", readme=True)
    screen.set_viewport_size(LAPTOP)
    expect(phone.locator(".verdict")).to_be_visible()
    shots.take(phone, "phone-result", readme=True)
    console.get_by_role("button", name="Show the scoreboard").click()
    expect(screen.locator(".stage .scoreboard")).to_be_visible()
    shots.take(screen, "screen-scoreboard")

    goto(console, 29)
    on_slide(screen, 29)
    shots.take(screen, "screen-close")
    shots.take(phone, "phone-close")
    shots.take(console, "console-close")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--all", action="store_true", help="every state, not only the README's")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    shots = Shots(options.out, options.all)
    with tempfile.TemporaryDirectory(prefix="dpup-screenshots-") as folder:
        env = app_env(SQLITE_PATH=str(Path(folder) / "db.sqlite3"), ACTIVITY_PUSH_DELAY="0.05")
        prepare(env, FACILITATOR)
        server = Server(env, log=Path(folder) / "daphne.log")
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    scripted_run(browser, server.url, shots)
                finally:
                    browser.close()
        except Exception:
            print(f"The scripted run failed; the server's log:\n{server.log.read_text()[-4000:]}")
            raise
        finally:
            server.stop()
    for path in shots.taken:
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
