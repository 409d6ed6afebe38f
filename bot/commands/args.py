"""Parsing command arguments: words in any order (`/quiz hard pytorch`) or `key=value` (Discord options).

Every parser is pure and raises `ArgumentError` with a message that says what was wrong and what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time

from rapidfuzz import process

from bot.bank.model import DIFFICULTIES, TOPICS
from bot.domain.periods import resolve_timezone
from bot.domain.schedule import WEEKDAYS

TOPIC_ALIASES: dict[str, str] = {
    "ml": "ml-fundamentals", "fundamentals": "ml-fundamentals", "machine-learning": "ml-fundamentals",
    "dl": "deep-learning", "deep": "deep-learning", "neural-networks": "deep-learning",
    "nlp": "nlp-llm", "llm": "nlp-llm", "llms": "nlp-llm", "genai": "nlp-llm",
    "cv": "computer-vision", "vision": "computer-vision",
    "torch": "pytorch", "tf": "tensorflow-keras", "tensorflow": "tensorflow-keras", "keras": "tensorflow-keras",
    "python": "python-data", "pandas": "python-data", "numpy": "python-data",
    "stats": "statistics-math", "statistics": "statistics-math", "math": "statistics-math", "maths": "statistics-math",
    "ops": "mlops", "devops": "mlops", "design": "system-design", "system": "system-design",
    "algo": "algorithms", "algos": "algorithms", "debugging": "troubleshooting",
}
DIFFICULTY_ALIASES = {"beginner": "easy", "basic": "easy", "intermediate": "medium", "advanced": "hard",
                      "expert": "hard"}
ANY_WORDS = {"any", "all", "*"}
PERIODS = {"week": "week", "weekly": "week", "month": "month", "monthly": "month", "all": "all",
           "alltime": "all", "all-time": "all", "ever": "all"}
_DAY_SETS = {"daily": WEEKDAYS, "everyday": WEEKDAYS, "weekdays": WEEKDAYS[:5], "weekends": WEEKDAYS[5:],
             "weekend": WEEKDAYS[5:]}
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_DURATION = re.compile(r"^(\d+)\s*(m|min|h|hr|hours?|d|days?)?$")
# No setting needs more digits than this; longer numbers are refused before int() (which raises past 4,300).
MAX_DIGITS = 6


class ArgumentError(ValueError):
    """A command argument the bot cannot use; the message lists what is allowed."""


def topics_help() -> str:
    return "Topics: " + ", ".join(TOPICS) + " (or any)."


def _shorten(text: str, limit: int = 40) -> str:
    """Echo at most `limit` characters of what the user typed."""
    return text if len(text) <= limit else text[:limit] + "…"


def _suggest(word: str, choices: list[str]) -> str:
    match = process.extractOne(word, choices, score_cutoff=70)
    return f" Did you mean `{match[0]}`?" if match else ""


_OPTION = re.compile(r"^([a-z_]+)[=:](.*)$", re.IGNORECASE)


def _split(words: tuple[str, ...] | list[str]) -> tuple[list[str], dict[str, str]]:
    """Bare words and `key=value` / `key:value` options (Discord passes its named options this way)."""
    bare: list[str] = []
    options: dict[str, str] = {}
    for raw in words:
        for token in raw.split():
            match = _OPTION.match(token)
            if match and not _TIME.match(token.lower()):
                options[match.group(1).lower()] = match.group(2).strip()
            elif token.strip():
                bare.append(token.strip())
    return bare, options


def parse_topic(word: str) -> str | None:
    """The canonical topic for a word or alias; None for 'any'. Raises ArgumentError if unknown."""
    w = word.lower().strip().lstrip("#")
    if w in ANY_WORDS:
        return None
    if w in TOPICS:
        return w
    if w in TOPIC_ALIASES:
        return TOPIC_ALIASES[w]
    raise ArgumentError(f"Unknown topic `{word}`.{_suggest(w, list(TOPICS))} {topics_help()}")


def parse_difficulty(word: str) -> str | None:
    w = word.lower().strip()
    if w in ANY_WORDS:
        return None
    w = DIFFICULTY_ALIASES.get(w, w)
    if w not in DIFFICULTIES:
        raise ArgumentError(f"Unknown difficulty `{word}`. Difficulties: easy, medium, hard (or any).")
    return w


def _is_difficulty(word: str) -> bool:
    w = word.lower()
    return w in DIFFICULTIES or w in DIFFICULTY_ALIASES


@dataclass(frozen=True, slots=True)
class QuizArgs:
    topics: tuple[str, ...] = ()
    difficulty: str | None = None
    review: bool = False
    help: bool = False
    question_id: str | None = None
    """`/quiz ID`: open this one question (the core looks it up and suggests close ids when unknown)."""


# Question ids are slugs of three or more parts ("explain-dropout-3b2e1b"); topics have at most one dash.
_QUESTION_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+){2,}$")
MAX_QUESTION_ID = 120


def looks_like_question_id(word: str) -> bool:
    """True for a word shaped like a question id rather than a topic or difficulty."""
    w = word.strip().lower()
    return len(w) <= MAX_QUESTION_ID and bool(_QUESTION_ID.match(w))


def parse_quiz(words: tuple[str, ...] | list[str]) -> QuizArgs:
    """`/quiz [topic...] [difficulty]`, `/quiz review`, `/quiz help`, in any order."""
    bare, options = _split(words)
    topics: list[str] = []
    difficulty: str | None = None
    review = help_ = False
    question_id: str | None = None
    for key, value in options.items():
        if key == "id":
            question_id = _shorten(value.strip().lower(), MAX_QUESTION_ID) if value.strip() else None
        elif key == "topic":
            if value.lower() == "review":
                review = True
            elif looks_like_question_id(value):
                question_id = value.strip().lower()
            elif (t := parse_topic(value)) is not None:
                topics.append(t)
        elif key == "difficulty":
            difficulty = parse_difficulty(value)
        else:
            raise ArgumentError(f"Unknown option `{key}`. /quiz takes a topic and a difficulty (or an id).")
    for word in bare:
        w = word.lower()
        if w == "review":
            review = True
        elif w in ("help", "?"):
            help_ = True
        elif _is_difficulty(w):
            difficulty = parse_difficulty(w)
        elif w in ANY_WORDS:
            continue
        elif looks_like_question_id(w):
            question_id = w
        else:
            try:
                topic = parse_topic(w)
            except ArgumentError as exc:
                raise ArgumentError(
                    f"I don't know `{word}`. /quiz takes a topic, a difficulty (easy, medium, hard), `review` "
                    "or a question id (shown on every card)."
                    f"{_suggest(w, [*TOPICS, *DIFFICULTIES, 'review'])} {topics_help()}"
                ) from exc
            if topic:
                topics.append(topic)
    return QuizArgs(tuple(dict.fromkeys(topics)), difficulty, review, help_, question_id)


@dataclass(frozen=True, slots=True)
class BoardArgs:
    period: str = "week"
    topic: str | None = None
    visibility: str | None = None  # 'hide' or 'show' (`/leaderboard hide`)
    chart: bool = False


def parse_leaderboard(words: tuple[str, ...] | list[str]) -> BoardArgs:
    """`/leaderboard [week|month|all] [topic] [chart]`."""
    bare, options = _split(words)
    period, topic = "week", None
    visibility = next((w.lower() for w in bare if w.lower() in ("hide", "show")), None)
    bare = [w for w in bare if w.lower() not in ("hide", "show")]
    if visibility:
        if bare or options:
            raise ArgumentError("`/leaderboard hide` and `/leaderboard show` take nothing else.")
        return BoardArgs(visibility=visibility)
    chart = "chart" in (w.lower() for w in bare) or parse_switch("chart", options.pop("chart", "off"))
    bare = [w for w in bare if w.lower() != "chart"]
    values = [*bare, *(v for k, v in options.items() if k in ("period", "topic"))]
    for key in options:
        if key not in ("period", "topic"):
            raise ArgumentError(f"Unknown option `{key}`. /leaderboard takes a period (week, month, all) and a topic.")
    for word in values:
        w = word.lower()
        if w in PERIODS:
            period = PERIODS[w]
        else:
            try:
                topic = parse_topic(w)
            except ArgumentError as exc:
                raise ArgumentError(
                    f"I don't know `{word}`. /leaderboard takes a period (week, month, all) and a topic. "
                    f"{topics_help()}"
                ) from exc
    return BoardArgs(period, topic, chart=chart)


@dataclass(frozen=True, slots=True)
class StreakArgs:
    timezone: str | None = None
    remind_hours: int | None = None
    remind_off: bool = False


def parse_timezone(word: str) -> str:
    tz = resolve_timezone(word)
    if tz is None:
        raise ArgumentError(
            f"Unknown timezone `{word}`. Use an IANA name such as Europe/Berlin, America/New_York, Asia/Kolkata "
            "or UTC (see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)."
        )
    return tz


def parse_streak(words: tuple[str, ...] | list[str]) -> StreakArgs:
    """`/streak [tz]`, `/streak remind=3` (hours before local midnight), `/streak remind=off`."""
    bare, options = _split(words)
    tz: str | None = None
    remind: int | None = None
    off = False
    if "remind" in bare:
        idx = bare.index("remind")
        value = bare[idx + 1] if idx + 1 < len(bare) else ""
        options["remind"] = value
        del bare[idx: idx + 2]
    for key, value in options.items():
        if key in ("tz", "timezone"):
            tz = parse_timezone(value)
        elif key == "remind":
            if value.lower() in ("off", "no", "0", "none"):
                off = True
            elif value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS and 1 <= int(value) <= 23:  # '²'.isdigit() is True
                remind = int(value)
            else:
                raise ArgumentError("Reminder must be a number of hours before your midnight, 1 to 23, or `off`.")
        else:
            raise ArgumentError(f"Unknown option `{key}`. /streak takes a timezone and remind=HOURS.")
    for word in bare:
        tz = parse_timezone(word)
    return StreakArgs(tz, remind, off)


def parse_time(text: str) -> time:
    """'09:00', '9', '9am', '6:30pm' -> time; raises ArgumentError otherwise."""
    match = _TIME.match(text.strip().lower())
    if not match:
        raise ArgumentError(f"Unknown time `{text}`. Use 24-hour HH:MM such as 09:00 or 17:30 (or 9am, 5:30pm).")
    hour, minute, ampm = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if ampm:
        if not 1 <= hour <= 12:
            raise ArgumentError(f"Unknown time `{text}`: with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ArgumentError(f"Unknown time `{text}`. Hours are 0-23 and minutes 0-59, e.g. 09:00.")
    return time(hour, minute)


def parse_days(text: str) -> tuple[str, ...]:
    """'mon-fri', 'mon,wed,fri', 'daily', 'weekdays' -> ordered weekday names."""
    text = text.lower().strip()
    if text in _DAY_SETS:
        return _DAY_SETS[text]
    days: set[str] = set()
    for part in text.split(","):
        if "-" in part:
            start, _, end = part.partition("-")
            a, b = _weekday_index(start), _weekday_index(end)
            days.update(WEEKDAYS[i % 7] for i in range(a, b + 1 if b >= a else b + 8))
        elif part:
            days.add(WEEKDAYS[_weekday_index(part)])
    if not days:
        raise ArgumentError("No days given. Use e.g. mon-fri, mon,wed,fri, weekdays or daily.")
    return tuple(d for d in WEEKDAYS if d in days)


def _weekday_index(word: str) -> int:
    w = word.strip()[:3]
    if w not in WEEKDAYS:
        raise ArgumentError(f"Unknown day `{word}`. Days: mon, tue, wed, thu, fri, sat, sun; e.g. mon-fri or daily.")
    return WEEKDAYS.index(w)


def _looks_like_days(word: str) -> bool:
    w = word.lower()
    return w in _DAY_SETS or all(p.strip()[:3] in WEEKDAYS for p in re.split(r"[,-]", w) if p)


def parse_duration_minutes(text: str) -> int:
    """'12h', '90m', '1d', '30' (minutes) -> minutes, 0 to 7 days."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ArgumentError(f"Unknown duration `{_shorten(text)}`. Use minutes or hours such as 90m, 12h or 1d.")
    if len(match.group(1)) > MAX_DIGITS:
        raise ArgumentError("The reveal delay can be at most 7 days.")
    amount, unit = int(match.group(1)), (match.group(2) or "m")[0]
    minutes = amount * {"m": 1, "h": 60, "d": 1440}[unit]
    if minutes > 7 * 1440:
        raise ArgumentError("The reveal delay can be at most 7 days.")
    return minutes


def parse_switch(key: str, text: str) -> bool:
    w = text.lower()
    if w in ("on", "yes", "true", "1"):
        return True
    if w in ("off", "no", "false", "0"):
        return False
    raise ArgumentError(f"`{key}` is on or off, not `{text}`.")


def _mention_id(text: str) -> str:
    return re.sub(r"^<(@&|!subteam\^)?|>$", "", text.strip()).split("|")[0]


@dataclass(frozen=True, slots=True)
class QotdSetupArgs:
    local_time: time | None = None
    timezone: str | None = None
    weekdays: tuple[str, ...] | None = None
    topics: tuple[str, ...] | None = None
    difficulty: str | None = None
    difficulty_given: bool = False
    reveal_minutes: int | None = None
    use_thread: bool | None = None
    mention: str | None = None
    admins: tuple[str, ...] | None = None
    channel_id: str | None = None
    weekly_board: bool | None = None
    champion: str | None = None  # a role (Discord) or user group (Slack) id; '' turns it off
    topic_mode: str | None = None  # 'weakest', or '' to go back to the schedule's own topics
    given: frozenset[str] = field(default_factory=frozenset)


_SETUP_KEYS = ("time", "tz", "timezone", "days", "topics", "topic", "difficulty", "reveal", "thread", "mention",
               "role", "group", "admins", "channel", "weekly", "champion")


def parse_qotd_setup(words: tuple[str, ...] | list[str]) -> QotdSetupArgs:
    """`/qotd setup 09:00 Europe/Berlin mon-fri pytorch hard reveal=12h thread=on mention=ID admins=U1,U2`."""
    bare, options = _split(words)
    values: dict[str, object] = {}
    topics: list[str] = []
    for key, value in options.items():
        if key not in _SETUP_KEYS:
            raise ArgumentError(f"Unknown setting `{key}`. Settings: time, tz, days, topics, difficulty, reveal, "
                                "thread, mention, admins, channel, weekly, champion.")
        if key == "time":
            values["local_time"] = parse_time(value)
        elif key in ("tz", "timezone"):
            values["timezone"] = parse_timezone(value)
        elif key == "days":
            values["weekdays"] = parse_days(value)
        elif key in ("topics", "topic") and value.lower() == "weakest":
            values["topic_mode"] = "weakest"
        elif key in ("topics", "topic"):
            topics.extend(t for part in value.split(",") if part and (t := parse_topic(part)))
            values["topics"] = ()
        elif key == "difficulty":
            values["difficulty"] = parse_difficulty(value)
            values["difficulty_given"] = True
        elif key == "reveal":
            values["reveal_minutes"] = parse_duration_minutes(value)
        elif key == "thread":
            values["use_thread"] = parse_switch(key, value)
        elif key == "weekly":
            values["weekly_board"] = parse_switch(key, value)
        elif key in ("mention", "role", "group"):
            mention = _mention_id(value) if value.lower() not in ("off", "none", "") else ""
            if mention.lstrip("!@").lower() in ("channel", "here", "everyone"):
                raise ArgumentError("`mention` takes a role (Discord) or a user group (Slack), not @channel, @here or "
                                    "@everyone. Use mention=off for no mention.")
            values["mention"] = mention
        elif key == "champion":
            values["champion"] = _mention_id(value) if value.lower() not in ("off", "none", "") else ""
        elif key == "admins":
            values["admins"] = tuple(a for a in (_mention_id(p).lstrip("@") for p in value.split(",")) if a)
        elif key == "channel":
            values["channel_id"] = re.sub(r"^<#|>$", "", value).split("|")[0]
    for word in bare:
        w = word.lower()
        if _TIME.match(w) and (":" in w or w.endswith(("am", "pm"))):
            values["local_time"] = parse_time(w)
        elif "/" in word or w == "utc":
            values["timezone"] = parse_timezone(word)
        elif _looks_like_days(w):
            values["weekdays"] = parse_days(w)
        elif _is_difficulty(w) or w in ANY_WORDS:
            values["difficulty"] = parse_difficulty(w)
            values["difficulty_given"] = True
        else:
            try:
                topic = parse_topic(w)
            except ArgumentError as exc:
                raise ArgumentError(
                    f"I don't know `{word}`. /qotd setup takes a time (09:00), a timezone (Europe/Berlin), days "
                    "(mon-fri), topics, a difficulty, and reveal=12h thread=on|off mention=ROLE admins=USER,USER. "
                    f"{topics_help()}"
                ) from exc
            if topic:
                topics.append(topic)
            values["topics"] = ()
    if "topics" in values:
        values["topics"] = tuple(dict.fromkeys(topics))
        values.setdefault("topic_mode", "")
    values["given"] = frozenset(values)
    return QotdSetupArgs(**values)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class PrivacyArgs:
    action: str  # 'export' or 'delete'
    target: str | None = None  # another user's id (admins only), from a mention or `user=ID`


def parse_privacy(words: tuple[str, ...] | list[str]) -> PrivacyArgs:
    """`/privacy export`, `/privacy delete`, `/privacy delete @user` (admins: delete for a user who asked)."""
    bare, options = _split(words)
    action = bare[0].lower() if bare else ""
    if action not in ("export", "delete"):
        raise ArgumentError("`/privacy export` sends you everything I hold about you as a JSON file; "
                            "`/privacy delete` deletes it (after a confirmation).")
    target = options.pop("user", None)
    if options:
        raise ArgumentError(f"Unknown option `{next(iter(options))}`. /privacy takes export or delete, and for "
                            "admins a user.")
    rest = bare[1:]
    if rest:
        target = rest[0]
    if len(rest) > 1 or (target is not None and action != "delete"):
        raise ArgumentError("Only `/privacy delete` takes a user (admins deleting for someone who asked).")
    if target is not None:
        target = re.sub(r"^<@!?|>$", "", target.strip()).split("|")[0].lstrip("@")
        if not target:
            raise ArgumentError("Name the user as a mention, e.g. `/privacy delete @ann`.")
    return PrivacyArgs(action, target)
