"""/qotd stats (admins): participation in the question of the day per week, and questions with outlier results.

Participation over the last 8 weeks (by the team's timezone, weeks from Monday): posts, people who revealed the
answer, people who graded, people who answered in their own words (typed answers).
Outliers, over questions with at least 5 grades in the team: the lowest and highest share of Good/Easy (candidates
to reword or re-level), and the most skipped, each with its id so it can be fixed in a pack.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import partial

from bot.bank.loader import Bank
from bot.commands.replies import Image, Reply
from bot.domain.periods import local_date, week_start
from bot.practice.pictures import PictureCache
from bot.qotd.stats_chart import WeekRow, render_participation, text_participation
from bot.store import progress as progress_store
from bot.store.progress import QotdActivity, QuestionOutcome
from bot.store.store import Store

WEEKS = 8
MIN_GRADES = 5
OUTLIERS = 3


def weekly_rows(activity: QotdActivity, this_monday: date, weeks: int = WEEKS) -> list[WeekRow]:
    """Per week (oldest first): posts, and distinct people who revealed, graded, typed an answer."""
    mondays = [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]

    def people(pairs: Sequence[tuple[date, str]], monday: date) -> int:
        return len({user for day, user in pairs if week_start(day) == monday})

    return [WeekRow(m, sum(1 for day in activity.posts if week_start(day) == m), people(activity.revealed, m),
                    people(activity.graded, m), people(activity.typed, m)) for m in mondays]


def _share(o: QuestionOutcome) -> float:
    return o.good_or_easy / o.grades if o.grades else 0.0


def outlier_lines(outcomes: Sequence[QuestionOutcome], bank: Bank) -> list[str]:
    """Lowest and highest share of Good/Easy over >= 5 grades, and the most skipped, each with its id."""
    def label(o: QuestionOutcome) -> str:
        question = bank.get(o.question_id)
        prompt = " ".join(question.prompt.split()) if question else "(no longer in the bank)"
        return f"`{o.question_id}` — {prompt[:70] + ('…' if len(prompt) > 70 else '')}"

    graded = [o for o in outcomes if o.grades >= MIN_GRADES]
    lines: list[str] = []
    if graded:
        k = min(OUTLIERS, max(1, len(graded) // 2))  # both ends, never the same question at each
        low = sorted(graded, key=lambda o: (_share(o), -o.grades, o.question_id))[:k]
        rest = [o for o in graded if o not in low]
        high = sorted(rest, key=lambda o: (-_share(o), -o.grades, o.question_id))[:k]
        lines.append(f"**Hardest** (lowest share of Good/Easy, {MIN_GRADES}+ grades) — reword or re-level:")
        lines += [f"• {label(o)}: {round(_share(o) * 100)}% Good/Easy of {o.grades} grades" for o in low]
        if high:
            lines.append("**Easiest** (highest share of Good/Easy):")
            lines += [f"• {label(o)}: {round(_share(o) * 100)}% Good/Easy of {o.grades} grades" for o in high]
    else:
        lines.append(f"No question has {MIN_GRADES} or more grades in this team yet, so there are no outliers.")
    skipped = sorted((o for o in outcomes if o.skips), key=lambda o: (-o.skips, o.question_id))[:OUTLIERS]
    if skipped:
        lines.append("**Most skipped:**")
        lines += [f"• {label(o)}: skipped {o.skips} time{'s' if o.skips != 1 else ''}" for o in skipped]
    else:
        lines.append("No question has been skipped yet.")
    return lines


async def qotd_stats(store: Store, pictures: PictureCache, bank: Bank, platform: str, team_id: str, now: datetime,
                     team_tz: str | None) -> Reply:
    """The /qotd stats reply: a participation chart, the same numbers as text, and the outlier questions."""
    today = local_date(now, team_tz or "UTC")
    this_monday = week_start(today)
    activity = await progress_store.qotd_activity(store, platform, team_id, this_monday - timedelta(weeks=WEEKS - 1))
    weeks = weekly_rows(activity, this_monday)
    outcomes = await progress_store.question_outcomes(store, platform, team_id)
    title = f"Question of the day: last {WEEKS} weeks"
    png = await pictures.get(("qotd-stats", platform, team_id), today, (title, weeks),
                             partial(render_participation, weeks, title))
    lines = [f"**Participation per week** (people, not clicks; weeks from Monday, {team_tz or 'UTC'}):",
             text_participation(weeks)]
    lines += ["", *outlier_lines(outcomes, bank)]
    image = Image(png, "qotd-stats.png", f"{title}: posts, people who revealed, graded, and answered in their own "
                                         "words, per week")
    return Reply(text="\n".join(lines), title="Question of the day: stats", images=(image,))
