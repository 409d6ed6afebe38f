"""Help texts shown by /help and /qotd help."""

HELP_TEXT = """Practise machine-learning interview questions, alone or as a team.

**Practice**
• `/quiz [topic] [difficulty]` — a private question, e.g. `/quiz pytorch hard` or `/quiz sql`. Reveal the answer, \
then grade yourself Again / Hard / Good / Easy. You won't see a question twice until you've seen every one in \
your selection.
• `/quiz review` — the questions your spaced-repetition schedule says are due.
• **Answer** (a button on every card) — write your answer in your own words: I say which key points you covered, \
partly covered or missed, suggest a grade, then show the reference answer. Your click still decides the grade. \
Typed answers are private to you and kept 30 days.
• `/quiz ID` — open one question by its id (shown on every card), to retry it or share it.
• `/answer` — today's question-of-the-day answer, privately.
• `/topics` — what the bank holds, by topic and difficulty.
• `/suggest` — propose a question for this team (`/suggest TOPIC DIFFICULTY PROMPT | ANSWER` as text); an admin \
reviews it with `/qotd suggestions`, and approved ones join this team's questions.

**Progress**
• `/progress` — your readiness by topic (how likely you recall its questions now; unseen ones count as not \
ready), coverage, and what to practise next, with a chart. `/progress 2027-02-01` forecasts that date; \
`/progress goal=2027-02-01` keeps the date (shown on `/streak`); `/progress team` shows the team's averages.
• `/streak [timezone]` — your streak (days in a row with at least one grade) and freezes. \
`/streak Europe/Berlin` sets your timezone; `/streak remind=3` nudges you 3 h before your midnight.
• `/leaderboard [week|month|all] [topic] [chart]` — the team's top 10 and your rank (`chart`: as a picture too). \
`/leaderboard hide` takes you off every board (you still see your own rank); `/leaderboard show` puts you back.

**Your data**: `/privacy export` sends you everything the bot holds about you as a JSON file; `/privacy delete` \
deletes it (after a confirmation).

**Points**: easy 1, medium 2, hard 3 for Good or Easy; half for Hard; none for Again. Grading again changes \
your grade, it never adds.

**Question of the day** (admins): `/qotd setup`, `/qotd now`, `/qotd pause`, `/qotd resume`, `/qotd status`, \
`/qotd stats`; `/qotd help` explains the settings."""

QOTD_HELP = """**/qotd setup** sets this channel's question of the day. Words in any order, all optional:
• a time `09:00` (24 h, or `9am`) and an IANA timezone `Europe/Berlin` (default: 09:00 in the team's timezone)
• days: `mon-fri` (default), `daily`, `weekends`, `mon,wed,fri`
• topics: `pytorch sql` (default: any) and a difficulty: `easy`, `medium`, `hard`, `any`; `topics=weakest` draws \
from the team's weakest topic by readiness each day (the whole pool while the team is new)
• `reveal=12h` — when the answer is posted publicly (default 12h)
• `thread=on|off` — discuss in a thread (default on)
• `mention=ROLE` (Discord role / Slack user group) — who is pinged with the question
• `admins=USER,USER` — people besides admins who may change the schedule
• `weekly=on` — post last week's leaderboard on Mondays
• `champion=ROLE` (Discord role / Slack user group) — on the 1st of each month it moves to last month's top scorer
**/qotd now** posts today's question now; **/qotd pause** / **resume**; **/qotd status** lists the team's schedules;
**/qotd stats** shows participation per week and the questions with outlier results;
**/qotd suggestions** lists members' suggestions with Approve / Edit / Reject (`approve ID`, `reject ID reason`);
**/qotd reload** re-reads the question packs (a broken pack is refused with its lint errors; the bank is kept).
Example: `/qotd setup 08:30 America/New_York mon-fri pytorch deep-learning medium reveal=6h`"""
