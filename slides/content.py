"""The deck content format: read a deck folder, check it, and write it back.

`read_deck_folder` turns a folder (see docs/content-format.md) into a `DeckData`, or raises
`ContentError` listing every problem with its file and line. `deck_files` turns a `DeckData`
back into file texts in canonical form, so read -> write of a canonical folder is byte-exact.
`DeckData` is also the frozen copy of a deck that a run keeps (`to_dict` / `from_dict`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from quiz.models import check_choices
from slides.models import Role

NOTES_MARKER = "--- notes ---"
SLIDE_FILE_RE = re.compile(r"^(?P<number>\d{2,})-(?P<key>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOKEN_RE = re.compile(r"\{([a-z_]+)\}")
TOKENS = {"agency", "initiatives"}
_url_validator = URLValidator(schemes=["http", "https"])


# --- the data ------------------------------------------------------------------------------


@dataclass
class SegmentData:
    key: str
    title: str
    first_slide: int
    last_slide: int
    minutes: int
    short_minutes: int
    owners: list[str]
    summary: str = ""

    def covers(self, number: int) -> bool:
        return self.first_slide <= number <= self.last_slide


@dataclass
class VideoData:
    title: str
    page: str
    url: str = ""


@dataclass
class PollData:
    key: str
    question: str
    options: list[str]
    multiple: bool = False


@dataclass
class PromptData:
    key: str
    text: str
    breakouts: bool = False


@dataclass
class WordsData:
    """A word cloud: each person sends up to `max_words` words or short phrases."""

    key: str
    question: str
    max_words: int = 3


WORDS_MAX = 10  # the most words a word cloud may ask each person for


@dataclass
class RatingData:
    """A rating scale: each person rates each statement from `low` to `high` (whole numbers,
    0 to 10), the ends labelled (for example "Not at all" and "Completely")."""

    key: str
    question: str
    statements: list[str]
    low: int = 1
    high: int = 5
    low_label: str = ""
    high_label: str = ""


STATEMENTS_MAX = 6  # the most statements one rating scale asks people to rate
STATEMENT_MAX = 200  # characters in one statement


@dataclass
class RankingData:
    """A ranking: each person puts the items in order; the room sees the combined order."""

    key: str
    question: str
    items: list[str]


RANKING_ITEMS = (2, 10)  # the fewest and most items a ranking may have
RANKING_ITEM_MAX = 200  # characters in one item


@dataclass
class OpenData:
    """An open question: each person writes an answer the team reads (not shared aloud)."""

    key: str
    question: str


@dataclass
class SlideData:
    number: int
    key: str
    title: str
    body: str = ""
    notes: str = ""
    videos: list[VideoData] = field(default_factory=list)
    poll: PollData | None = None
    prompt: PromptData | None = None
    words: WordsData | None = None
    rating: RatingData | None = None
    ranking: RankingData | None = None
    open: OpenData | None = None


@dataclass
class ChoiceData:
    text: str
    correct: bool = False


@dataclass
class QuestionData:
    key: str
    slide: int
    answer_slide: int
    text: str
    choices: list[ChoiceData]
    explanation: str
    multiple: bool = False

    @property
    def correct_indexes(self) -> list[int]:
        return [i for i, choice in enumerate(self.choices) if choice.correct]


@dataclass
class DeckData:
    slug: str
    title: str
    description: str = ""
    links: dict[str, str] = field(default_factory=dict)
    segments: list[SegmentData] = field(default_factory=list)
    slides: list[SlideData] = field(default_factory=list)
    questions: list[QuestionData] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(segment.minutes for segment in self.segments)

    @property
    def short_total_minutes(self) -> int:
        return sum(segment.short_minutes for segment in self.segments)

    def slide(self, number: int) -> SlideData | None:
        if 1 <= number <= len(self.slides):
            return self.slides[number - 1]
        return None

    def question_asked_on(self, number: int) -> QuestionData | None:
        return next((q for q in self.questions if q.slide == number), None)

    def question_answered_on(self, number: int) -> QuestionData | None:
        return next((q for q in self.questions if q.answer_slide == number), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeckData:
        slides = []
        for raw in data["slides"]:
            raw = dict(raw)
            raw["videos"] = [VideoData(**video) for video in raw.get("videos", [])]
            raw["poll"] = PollData(**raw["poll"]) if raw.get("poll") else None
            raw["prompt"] = PromptData(**raw["prompt"]) if raw.get("prompt") else None
            raw["words"] = WordsData(**raw["words"]) if raw.get("words") else None
            raw["rating"] = RatingData(**raw["rating"]) if raw.get("rating") else None
            raw["ranking"] = RankingData(**raw["ranking"]) if raw.get("ranking") else None
            raw["open"] = OpenData(**raw["open"]) if raw.get("open") else None
            slides.append(SlideData(**raw))
        questions = []
        for raw in data["questions"]:
            raw = dict(raw)
            raw["choices"] = [ChoiceData(**choice) for choice in raw["choices"]]
            questions.append(QuestionData(**raw))
        return cls(
            slug=data["slug"],
            title=data["title"],
            description=data.get("description", ""),
            links=dict(data.get("links", {})),
            segments=[SegmentData(**segment) for segment in data["segments"]],
            slides=slides,
            questions=questions,
        )


# --- problems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """A deck folder that cannot be loaded; `problems` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class _Yaml:
    """A parsed YAML document that remembers the line of every value, for error messages."""

    def __init__(self, path: Path, text: str, problems: list[Problem], first_line: int = 1):
        self.path = path
        self.problems = problems
        self.lines: dict[tuple, int] = {}
        self.first_line = first_line
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            self.data = loader.construct_document(node) if node is not None else None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = first_line + (mark.line if mark else 0)
            problems.append(Problem(path, line, f"not valid YAML: {exc.problem or exc}"))
            self.data = None
            return
        finally:
            loader.dispose()
        if node is not None:
            self._walk(node, ())

    def _walk(self, node: yaml.Node, at: tuple) -> None:
        self.lines[at] = self.first_line + node.start_mark.line
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                self._walk(value_node, (*at, key_node.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, (*at, index))

    def line(self, at: tuple) -> int:
        while at not in self.lines and at:
            at = at[:-1]
        return self.lines.get(at, self.first_line)

    def problem(self, at: tuple, message: str) -> None:
        self.problems.append(Problem(self.path, self.line(at), message))

    def _name(self, at: tuple) -> str:
        return ".".join(str(part) for part in at) or "the document"

    def mapping(
        self, at: tuple, value: Any, *, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict | None:
        if not isinstance(value, dict):
            self.problem(at, f"{self._name(at)} must be a mapping of keys to values.")
            return None
        for key in required:
            if key not in value:
                self.problem(at, f"{self._name(at)} is missing '{key}'.")
        unknown = [str(key) for key in value if key not in required and key not in optional]
        for key in unknown:
            allowed = ", ".join(required + optional)
            self.problem((*at, key), f"unknown key '{key}' (expected one of: {allowed}).")
        if any(key not in value for key in required) or unknown:
            return None
        return value

    def text(self, at: tuple, value: Any, *, blank: bool = False, max_length: int = 0) -> str:
        if value is None and blank:
            return ""
        if not isinstance(value, str) or (not blank and not value.strip()):
            kind = "text" if blank else "non-empty text"
            self.problem(at, f"{self._name(at)} must be {kind}, not {value!r}.")
            return ""
        if max_length and len(value) > max_length:
            self.problem(at, f"{self._name(at)} is longer than {max_length} characters.")
        return value.strip()

    def key(self, at: tuple, value: Any) -> str:
        if not isinstance(value, str) or not KEY_RE.match(value):
            self.problem(
                at, f"{self._name(at)} must be lowercase letters, digits and hyphens: {value!r}."
            )
            return ""
        return value

    def url(self, at: tuple, value: Any, *, blank: bool = False) -> str:
        value = self.text(at, value, blank=blank)
        if value:
            try:
                _url_validator(value)
            except ValidationError:
                self.problem(at, f"{self._name(at)} is not a valid http(s) address: {value!r}.")
        return value

    def integer(self, at: tuple, value: Any, *, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(at, f"{self._name(at)} must be a whole number ≥ {minimum}: {value!r}.")
            return minimum
        return value

    def boolean(self, at: tuple, value: Any) -> bool:
        if not isinstance(value, bool):
            self.problem(at, f"{self._name(at)} must be true or false, not {value!r}.")
            return False
        return value

    def listing(self, at: tuple, value: Any, *, min_items: int = 0) -> list:
        if not isinstance(value, list):
            self.problem(at, f"{self._name(at)} must be a list.")
            return []
        if len(value) < min_items:
            self.problem(at, f"{self._name(at)} needs at least {min_items} item(s).")
        return value


# --- reading -------------------------------------------------------------------------------


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path, 1, f"cannot be read: {exc.strerror or exc}."))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(path, line, "is not UTF-8 text."))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_tokens(
    doc: _Yaml, at: tuple, text: str, problems: list[Problem], line: int | None = None
) -> None:
    for match in TOKEN_RE.finditer(text):
        if match.group(1) not in TOKENS:
            where = line if line is not None else doc.line(at)
            if line is not None:
                where += text[: match.start()].count("\n")
            known = ", ".join("{" + token + "}" for token in sorted(TOKENS))
            problems.append(
                Problem(doc.path, where, f"unknown token {match.group(0)} (known: {known}).")
            )


def _parse_range(doc: _Yaml, at: tuple, value: Any) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value, value
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", value)
        if match and 1 <= int(match.group(1)) <= int(match.group(2)):
            return int(match.group(1)), int(match.group(2))
    doc.problem(at, f"slides must be a slide number or a range like '2-4', not {value!r}.")
    return 0, 0


def _read_deck_yaml(path: Path, problems: list[Problem]) -> DeckData | None:
    text = _read_text(path, problems)
    if text is None:
        return None
    doc = _Yaml(path, text, problems)
    top = doc.mapping(
        (),
        doc.data,
        required=("slug", "title", "segments"),
        optional=("description", "links"),
    )
    if top is None:
        return None
    deck = DeckData(
        slug=doc.key(("slug",), top["slug"]),
        title=doc.text(("title",), top["title"], max_length=200),
        description=doc.text(("description",), top.get("description"), blank=True),
    )
    links = top.get("links") or {}
    if not isinstance(links, dict):
        doc.problem(("links",), "links must be a mapping of names to addresses.")
        links = {}
    for name, url in links.items():
        deck.links[doc.key(("links", name), name)] = doc.url(("links", name), url)

    seen: set[str] = set()
    for index, raw in enumerate(doc.listing(("segments",), top["segments"], min_items=1)):
        at = ("segments", index)
        item = doc.mapping(
            at,
            raw,
            required=("key", "title", "slides", "minutes", "short_minutes", "owners"),
            optional=("summary",),
        )
        if item is None:
            continue
        key = doc.key((*at, "key"), item["key"])
        if key in seen:
            doc.problem((*at, "key"), f"segment key '{key}' is used twice.")
        seen.add(key)
        owners = item["owners"]
        if isinstance(owners, str):
            owners = [owners]
        owners = doc.listing((*at, "owners"), owners, min_items=1)
        unknown = [role for role in owners if role not in Role.values]
        if unknown:
            doc.problem(
                (*at, "owners"),
                f"unknown role(s) {', '.join(map(str, unknown))} "
                f"(roles: {', '.join(Role.values)}).",
            )
        first, last = _parse_range(doc, (*at, "slides"), item["slides"])
        deck.segments.append(
            SegmentData(
                key=key,
                title=doc.text((*at, "title"), item["title"], max_length=200),
                first_slide=first,
                last_slide=last,
                minutes=doc.integer((*at, "minutes"), item["minutes"], minimum=1),
                short_minutes=doc.integer((*at, "short_minutes"), item["short_minutes"]),
                owners=Role.canonical(owners),
                summary=doc.text((*at, "summary"), item.get("summary"), blank=True),
            )
        )
    # Keep the doc to point later cross-file problems at the right line.
    deck._doc = doc  # type: ignore[attr-defined]
    return deck


def _read_slide(path: Path, number: int, key: str, problems: list[Problem]) -> SlideData | None:
    text = _read_text(path, problems)
    if text is None:
        return None
    lines = text.split("\n")
    if lines[0] != "---":
        problems.append(Problem(path, 1, "must start with front matter: a line '---'."))
        return None
    try:
        end = lines.index("---", 1)
    except ValueError:
        problems.append(Problem(path, 1, "front matter is not closed by a line '---'."))
        return None
    doc = _Yaml(path, "\n".join(lines[1:end]), problems, first_line=2)
    rest = lines[end + 1 :]
    body_start = end + 2
    if NOTES_MARKER in rest:
        split = rest.index(NOTES_MARKER)
        body, notes = "\n".join(rest[:split]), "\n".join(rest[split + 1 :])
        notes_start = body_start + split + 1
        if rest.count(NOTES_MARKER) > 1:
            second = rest.index(NOTES_MARKER, split + 1)
            problems.append(Problem(path, body_start + second, f"a second '{NOTES_MARKER}' line."))
    else:
        body, notes, notes_start = "\n".join(rest), "", 0
    top = doc.mapping(
        (),
        doc.data,
        required=("title",),
        optional=("videos", "poll", "prompt", "words", "rating", "ranking", "open"),
    )
    if top is None:
        return None
    slide = SlideData(
        number=number,
        key=key,
        title=doc.text(("title",), top["title"], max_length=200),
        body=body.strip(),
        notes=notes.strip(),
    )
    _check_tokens(doc, ("title",), slide.title, problems)
    _check_tokens(doc, (), body, problems, line=body_start)
    if notes_start:
        _check_tokens(doc, (), notes, problems, line=notes_start)

    for index, raw in enumerate(doc.listing(("videos",), top.get("videos") or [])):
        at = ("videos", index)
        item = doc.mapping(at, raw, required=("title", "page"), optional=("url",))
        if item is not None:
            slide.videos.append(
                VideoData(
                    title=doc.text((*at, "title"), item["title"], max_length=200),
                    page=doc.url((*at, "page"), item["page"]),
                    url=doc.url((*at, "url"), item.get("url"), blank=True),
                )
            )
    if top.get("poll") is not None:
        item = doc.mapping(
            ("poll",), top["poll"], required=("key", "question", "options"), optional=("multiple",)
        )
        if item is not None:
            options = []
            for index, option in enumerate(
                doc.listing(("poll", "options"), item["options"], min_items=2)
            ):
                if not isinstance(option, str) or not option.strip():
                    doc.problem(
                        ("poll", "options", index),
                        f"poll option must be text, not {option!r} "
                        "(quote Yes, No, On and Off: YAML reads them as true/false).",
                    )
                else:
                    options.append(option.strip())
            slide.poll = PollData(
                key=doc.key(("poll", "key"), item["key"]),
                question=doc.text(("poll", "question"), item["question"], max_length=300),
                options=options,
                multiple=doc.boolean(("poll", "multiple"), item.get("multiple", False)),
            )
    if top.get("prompt") is not None:
        item = doc.mapping(
            ("prompt",), top["prompt"], required=("key", "text"), optional=("breakouts",)
        )
        if item is not None:
            slide.prompt = PromptData(
                key=doc.key(("prompt", "key"), item["key"]),
                text=doc.text(("prompt", "text"), item["text"]),
                breakouts=doc.boolean(("prompt", "breakouts"), item.get("breakouts", False)),
            )
    if top.get("words") is not None:
        item = doc.mapping(
            ("words",), top["words"], required=("key", "question"), optional=("max_words",)
        )
        if item is not None:
            max_words = doc.integer(("words", "max_words"), item.get("max_words", 3), minimum=1)
            if max_words > WORDS_MAX:
                doc.problem(("words", "max_words"), f"max_words must be {WORDS_MAX} or fewer.")
            slide.words = WordsData(
                key=doc.key(("words", "key"), item["key"]),
                question=doc.text(("words", "question"), item["question"], max_length=300),
                max_words=min(max_words, WORDS_MAX),
            )
    if top.get("rating") is not None:
        slide.rating = _read_rating(doc, top["rating"])
    if top.get("ranking") is not None:
        slide.ranking = _read_ranking(doc, top["ranking"])
    if top.get("open") is not None:
        item = doc.mapping(("open",), top["open"], required=("key", "question"))
        if item is not None:
            slide.open = OpenData(
                key=doc.key(("open", "key"), item["key"]),
                question=doc.text(("open", "question"), item["question"], max_length=300),
            )
    slide._doc = doc  # type: ignore[attr-defined]
    return slide


def _read_rating(doc: _Yaml, raw: Any) -> RatingData | None:
    at = ("rating",)
    item = doc.mapping(
        at, raw, required=("key", "question", "statements"),
        optional=("low", "high", "low_label", "high_label"),
    )  # fmt: skip
    if item is None:
        return None
    statements: list[str] = []
    listed = doc.listing((*at, "statements"), item["statements"], min_items=1)
    if len(listed) > STATEMENTS_MAX:
        doc.problem(
            (*at, "statements"), f"a rating scale rates {STATEMENTS_MAX} statements at most."
        )
    for index, statement in enumerate(listed[:STATEMENTS_MAX]):
        if not isinstance(statement, str) or not statement.strip():
            doc.problem((*at, "statements", index), f"a statement must be text, not {statement!r}.")
        elif statement.strip() in statements:
            doc.problem((*at, "statements", index), f"the statement {statement!r} is listed twice.")
        elif len(statement.strip()) > STATEMENT_MAX:
            doc.problem(
                (*at, "statements", index),
                f"a statement is longer than {STATEMENT_MAX} characters.",
            )
        else:
            statements.append(statement.strip())
    low = doc.integer((*at, "low"), item.get("low", 1))
    high = doc.integer((*at, "high"), item.get("high", 5), minimum=1)
    if not low < high <= 10:
        doc.problem(
            (*at, "high"),
            f"the scale must run upwards from low to high, 10 at most: {low} to {high}.",
        )
    return RatingData(
        key=doc.key((*at, "key"), item["key"]),
        question=doc.text((*at, "question"), item["question"], max_length=300),
        statements=statements,
        low=low,
        high=high,
        low_label=doc.text((*at, "low_label"), item.get("low_label"), blank=True, max_length=80),
        high_label=doc.text((*at, "high_label"), item.get("high_label"), blank=True, max_length=80),
    )


def _read_ranking(doc: _Yaml, value: Any) -> RankingData | None:
    """A slide's `ranking:` block: a key, a question and 2 to 10 distinct, non-empty items."""
    item = doc.mapping(("ranking",), value, required=("key", "question", "items"))
    if item is None:
        return None
    fewest, most = RANKING_ITEMS
    items: list[str] = []
    listed = doc.listing(("ranking", "items"), item["items"], min_items=fewest)
    if len(listed) > most:
        doc.problem(("ranking", "items"), f"a ranking has at most {most} items, not {len(listed)}.")
    for index, entry in enumerate(listed):
        at = ("ranking", "items", index)
        if not isinstance(entry, str) or not entry.strip():
            doc.problem(
                at,
                f"a ranking item must be non-empty text, not {entry!r} "
                "(quote Yes, No, On and Off: YAML reads them as true/false).",
            )
            continue
        entry = entry.strip()
        if len(entry) > RANKING_ITEM_MAX:
            doc.problem(at, f"a ranking item is longer than {RANKING_ITEM_MAX} characters.")
        elif entry.casefold() in {seen.casefold() for seen in items}:
            doc.problem(at, f"the ranking item “{entry}” is listed twice.")
        else:
            items.append(entry)
    return RankingData(
        key=doc.key(("ranking", "key"), item["key"]),
        question=doc.text(("ranking", "question"), item["question"], max_length=300),
        items=items,
    )


def _read_quiz(path: Path, problems: list[Problem]) -> tuple[list[QuestionData], _Yaml | None]:
    text = _read_text(path, problems)
    if text is None:
        return [], None
    doc = _Yaml(path, text, problems)
    top = doc.mapping((), doc.data, required=("questions",))
    if top is None:
        return [], doc
    questions = []
    for index, raw in enumerate(doc.listing(("questions",), top["questions"])):
        at = ("questions", index)
        item = doc.mapping(
            at,
            raw,
            required=("key", "slide", "answer_slide", "text", "choices", "explanation"),
            optional=("multiple",),
        )
        if item is None:
            continue
        choices = []
        for c_index, c_raw in enumerate(doc.listing((*at, "choices"), item["choices"])):
            c_at = (*at, "choices", c_index)
            c_item = doc.mapping(c_at, c_raw, required=("text",), optional=("correct",))
            if c_item is not None:
                choices.append(
                    ChoiceData(
                        text=doc.text((*c_at, "text"), c_item["text"], max_length=200),
                        correct=doc.boolean((*c_at, "correct"), c_item.get("correct", False)),
                    )
                )
        question = QuestionData(
            key=doc.key((*at, "key"), item["key"]),
            slide=doc.integer((*at, "slide"), item["slide"], minimum=1),
            answer_slide=doc.integer((*at, "answer_slide"), item["answer_slide"], minimum=1),
            text=doc.text((*at, "text"), item["text"], max_length=300),
            choices=choices,
            explanation=doc.text((*at, "explanation"), item["explanation"], max_length=300),
            multiple=doc.boolean((*at, "multiple"), item.get("multiple", False)),
        )
        why = check_choices(
            multiple=question.multiple,
            correct=len(question.correct_indexes),
            total=len(choices),
        )
        if why:
            doc.problem((*at, "choices"), f"question '{question.key}': {why}")
        questions.append(question)
    return questions, doc


def read_deck_folder(folder: Path | str) -> DeckData:
    """Read and check a deck folder; raise ContentError naming every problem found."""
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        raise ContentError([Problem(folder, 1, "is not a folder.")])
    deck_path = folder / "deck.yaml"
    if not deck_path.is_file():
        raise ContentError([Problem(deck_path, 1, "is missing: every deck needs a deck.yaml.")])
    deck = _read_deck_yaml(deck_path, problems)

    slides_dir = folder / "slides"
    numbered: dict[int, tuple[Path, str]] = {}
    if not slides_dir.is_dir():
        problems.append(Problem(slides_dir, 1, "is missing: slides go in a 'slides' folder."))
    else:
        for path in sorted(slides_dir.iterdir()):
            if path.name.startswith("."):
                continue
            match = SLIDE_FILE_RE.match(path.name)
            if not match or not path.is_file():
                problems.append(
                    Problem(path, 1, "is not a slide file: name slides like '01-welcome.md'.")
                )
                continue
            number = int(match.group("number"))
            if number in numbered:
                problems.append(
                    Problem(
                        path, 1, f"slide number {number} is also used by {numbered[number][0]}."
                    )
                )
                continue
            numbered[number] = (path, match.group("key"))
        if not numbered:
            problems.append(Problem(slides_dir, 1, "has no slide files."))
        missing = [n for n in range(1, max(numbered, default=0) + 1) if n not in numbered]
        if missing:
            problems.append(
                Problem(slides_dir, 1, f"slide number(s) {', '.join(map(str, missing))} missing.")
            )
    slides = []
    keys: dict[str, Path] = {}
    for number in sorted(numbered):
        path, key = numbered[number]
        if key in keys:
            problems.append(Problem(path, 1, f"slide key '{key}' is also used by {keys[key]}."))
        keys[key] = path
        slide = _read_slide(path, number, key, problems)
        if slide is not None:
            slides.append(slide)

    quiz_path = folder / "quiz.yaml"
    questions, quiz_doc = _read_quiz(quiz_path, problems) if quiz_path.is_file() else ([], None)

    if deck is None or problems:
        raise ContentError(problems or [Problem(deck_path, 1, "could not be read.")])
    deck.slides = slides
    deck.questions = questions
    _check_across_files(deck, quiz_doc, problems)
    if problems:
        raise ContentError(problems)
    for item in (deck, *deck.slides):
        del item._doc  # type: ignore[attr-defined]
    return deck


def _check_across_files(deck: DeckData, quiz_doc: _Yaml | None, problems: list[Problem]) -> None:
    count = len(deck.slides)
    deck_doc: _Yaml = deck._doc  # type: ignore[attr-defined]
    covered: set[int] = set()
    for index, segment in enumerate(deck.segments):
        if segment.last_slide > count:
            deck_doc.problem(
                ("segments", index, "slides"),
                f"segment '{segment.key}' ends at slide {segment.last_slide}, "
                f"but the deck has {count} slides.",
            )
        covered.update(range(segment.first_slide, segment.last_slide + 1))
    uncovered = [n for n in range(1, count + 1) if n not in covered]
    if uncovered:
        deck_doc.problem(
            ("segments",),
            f"slide(s) {', '.join(map(str, uncovered))} belong to no agenda segment.",
        )

    interaction_keys: dict[str, str] = {}
    for slide in deck.slides:
        doc: _Yaml = slide._doc  # type: ignore[attr-defined]
        items = (
            ("poll", slide.poll), ("prompt", slide.prompt), ("words", slide.words),
            ("rating", slide.rating), ("ranking", slide.ranking), ("open", slide.open),
        )  # fmt: skip
        for kind, item in items:
            if item is None:
                continue
            if item.key in interaction_keys:
                doc.problem(
                    (kind, "key"),
                    f"{kind} key '{item.key}' is also used on {interaction_keys[item.key]}.",
                )
            interaction_keys[item.key] = f"slide {slide.number}"

    if quiz_doc is None:
        return
    seen: set[str] = set()
    used_slides: dict[int, str] = {}
    for index, question in enumerate(deck.questions):
        at = ("questions", index)
        if question.key in seen:
            quiz_doc.problem((*at, "key"), f"question key '{question.key}' is used twice.")
        seen.add(question.key)
        for name in ("slide", "answer_slide"):
            number = getattr(question, name)
            if number > count:
                quiz_doc.problem(
                    (*at, name), f"{name} {number} is past the deck's last slide ({count})."
                )
            elif number in used_slides:
                quiz_doc.problem(
                    (*at, name), f"slide {number} is already used by {used_slides[number]}."
                )
            used_slides[number] = f"question '{question.key}'"
        if question.answer_slide <= question.slide:
            quiz_doc.problem(
                (*at, "answer_slide"), "the answer slide must come after the question slide."
            )


# --- writing -------------------------------------------------------------------------------


class _Flow(list):
    """A short list written on one line: owners: [facilitator, presenter]."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(value), flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)


def _dump(data: dict) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=4096,
    )


def _without_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in ("", None, [], {})}


def deck_files(deck: DeckData) -> dict[str, str]:
    """Every file of the deck folder, by relative path, in canonical form."""
    files = {}
    segments = [
        _without_empty(
            {
                "key": segment.key,
                "title": segment.title,
                "slides": (
                    segment.first_slide
                    if segment.first_slide == segment.last_slide
                    else f"{segment.first_slide}-{segment.last_slide}"
                ),
                "minutes": segment.minutes,
                "short_minutes": segment.short_minutes,
                "owners": _Flow(segment.owners),
                "summary": segment.summary,
            }
        )
        | {"short_minutes": segment.short_minutes}
        for segment in deck.segments
    ]
    # Keep the documented key order (the union above appends short_minutes when it is 0).
    order = ["key", "title", "slides", "minutes", "short_minutes", "owners", "summary"]
    segments = [{key: item[key] for key in order if key in item} for item in segments]
    files["deck.yaml"] = _dump(
        _without_empty(
            {
                "slug": deck.slug,
                "title": deck.title,
                "description": deck.description,
                "links": dict(deck.links),
                "segments": segments,
            }
        )
    )
    for slide in deck.slides:
        front: dict[str, Any] = {"title": slide.title}
        if slide.videos:
            front["videos"] = [
                {"title": video.title, "page": video.page, "url": video.url}
                for video in slide.videos
            ]
        if slide.poll:
            front["poll"] = {
                "key": slide.poll.key,
                "question": slide.poll.question,
                "multiple": slide.poll.multiple,
                "options": list(slide.poll.options),
            }
        if slide.prompt:
            front["prompt"] = {
                "key": slide.prompt.key,
                "text": slide.prompt.text,
                "breakouts": slide.prompt.breakouts,
            }
        if slide.words:
            front["words"] = {
                "key": slide.words.key,
                "question": slide.words.question,
                "max_words": slide.words.max_words,
            }
        if slide.rating:
            front["rating"] = {
                "key": slide.rating.key,
                "question": slide.rating.question,
                "low": slide.rating.low,
                "high": slide.rating.high,
                **({"low_label": slide.rating.low_label} if slide.rating.low_label else {}),
                **({"high_label": slide.rating.high_label} if slide.rating.high_label else {}),
                "statements": list(slide.rating.statements),
            }
        if slide.ranking:
            front["ranking"] = {
                "key": slide.ranking.key,
                "question": slide.ranking.question,
                "items": list(slide.ranking.items),
            }
        if slide.open:
            front["open"] = {"key": slide.open.key, "question": slide.open.question}
        text = f"---\n{_dump(front)}---\n"
        if slide.body:
            text += f"{slide.body}\n"
        if slide.notes:
            text += f"\n{NOTES_MARKER}\n{slide.notes}\n"
        files[f"slides/{slide.number:02d}-{slide.key}.md"] = text
    if deck.questions:
        files["quiz.yaml"] = _dump(
            {
                "questions": [
                    {
                        "key": question.key,
                        "slide": question.slide,
                        "answer_slide": question.answer_slide,
                        "text": question.text,
                        "multiple": question.multiple,
                        "choices": [
                            {"text": choice.text, "correct": True}
                            if choice.correct
                            else {"text": choice.text}
                            for choice in question.choices
                        ],
                        "explanation": question.explanation,
                    }
                    for question in deck.questions
                ]
            }
        )
    return files


def write_deck_folder(deck: DeckData, folder: Path | str) -> list[Path]:
    """Write the deck's files into folder; remove slide files the deck no longer has."""
    folder = Path(folder)
    files = deck_files(deck)
    (folder / "slides").mkdir(parents=True, exist_ok=True)
    written = []
    for relative, text in files.items():
        path = folder / relative
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    for path in (folder / "slides").iterdir():
        if SLIDE_FILE_RE.match(path.name) and f"slides/{path.name}" not in files:
            path.unlink()
    if "quiz.yaml" not in files and (folder / "quiz.yaml").exists():
        (folder / "quiz.yaml").unlink()
    return written
