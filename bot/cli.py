"""Command line: `python -m bot [run|questions|db] ...`. With no arguments: run every configured adapter, or
the console playground when no platform token is set."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.bank.loader import BankError, lint_paths
from bot.bank.model import DIFFICULTIES, TOPICS, compute_stats
from bot.config import ConfigError, Settings, discord_shards, platforms_configured
from bot.dbtools.backup import backup_postgres
from bot.log_redaction import protect_handlers
from bot.resources import questions_dir
from bot.store.backend import is_postgres_url, redacted, scrub
from bot.store.db import backup_database, upgrade_database
from bot.store.migrations import SchemaTooNewError

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger("bot")
PLATFORMS = ("discord", "slack", "console")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="ML interview practice bot for Discord and Slack. With no command: runs the adapters whose "
        "tokens are set, or the console playground when none are.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot on discord, slack, or the console playground",
                         description="Run adapters. Without a platform: every platform whose tokens are set "
                         "(DISCORD_TOKEN; SLACK_BOT_TOKEN or SLACK_CLIENT_ID), else the console playground.")
    run.add_argument("platform", nargs="?", choices=PLATFORMS, help="which adapter to run")
    run.add_argument("--start", help="console only: start the playground clock at this ISO time (UTC)")

    questions = sub.add_parser("questions", help="import, lint and count the question bank",
                               description="Tools for the question bank.")
    qsub = questions.add_subparsers(dest="questions_command", metavar="ACTION", required=True)
    imp = qsub.add_parser("import", help="build questions/*.yaml from the seed documents",
                          description="Parse the seed documents and (re)write the bank. Prints, per seed, entries "
                          "found, merged and kept; fails if a section yields nothing.")
    imp.add_argument("seeds", nargs="+", type=Path, help="seed documents (e.g. ../shared/seeds/*.txt)")
    imp.add_argument("--out", type=Path, default=None, help="output folder (default: the repo's questions/)")
    lint = qsub.add_parser("lint", help="validate question packs",
                           description="Validate the shipped bank and any pack files or folders given. Errors name "
                           "file and line and exit 1; a clean run prints counts.")
    lint.add_argument("paths", nargs="*", type=Path, help="pack files or folders (default: the shipped bank)")
    stats = qsub.add_parser("stats", help="count questions by topic and difficulty",
                            description="Print counts by topic and difficulty and answer coverage.")
    stats.add_argument("paths", nargs="*", type=Path, help="pack files or folders (default: the shipped bank)")

    similar = qsub.add_parser("similar", help="list prompt pairs that may ask the same thing",
                              description="Scan every pair of prompts (rapidfuzz token_set_ratio plus a content-word "
                              "check) and print candidate duplicates with ids and scores, for review in "
                              "questions/curation/merges.yaml.")
    similar.add_argument("paths", nargs="*", type=Path, help="pack files or folders (default: the shipped bank)")
    similar.add_argument("--threshold", type=float, default=85.0, help="token_set_ratio for a close pair (default 85)")
    similar.add_argument("--loose", type=float, default=70.0,
                         help="lower ratio for reworded pairs with strong content-word overlap (default 70)")
    similar.add_argument("--unreviewed", action="store_true",
                         help="hide pairs already decided in questions/curation/merges.yaml (merged or kept_apart)")

    check = qsub.add_parser("check-written", help="check written answers before importing them",
                            description="Check a questions/written/*.yaml file against the bank: ids exist, each "
                            "answer mentions its prompt's central terms, 80-250 words, hints present, no duplicate "
                            "text, 3..6 key points of at most 160 characters, no hint that gives the answer away, "
                            "renders within Discord and Slack limits. Exit 1 on problems.")
    check.add_argument("files", nargs="+", type=Path, help="written answer files")

    export = qsub.add_parser("export", help="write a team's own questions as a YAML pack",
                             description="Write the questions a team approved from members' suggestions "
                             "(BOT_DATABASE) as a YAML pack that `questions lint` accepts.")
    export.add_argument("--team", required=True, metavar="PLATFORM:TEAM", help="e.g. discord:123456789 or slack:T0123")
    export.add_argument("--out", type=Path, default=None, help="the pack file to write (default: print it)")
    csv_import = qsub.add_parser("import-csv", help="turn a CSV of questions into a YAML pack",
                                 description="Read a CSV with a header row: prompt, answer, topic, difficulty, hints "
                                 "(answer and hints optional; several hints separated by '|' or new lines). Every "
                                 "row is checked like a pack question; bad rows are reported by line and left out. "
                                 "Exit 1 when any row was bad.")
    csv_import.add_argument("file", type=Path, help="the CSV file")
    csv_import.add_argument("--out", type=Path, default=None, help="the pack to write (default: FILE with .yaml)")
    csv_import.add_argument("--pack", default=None, help="pack name and id prefix (default: from the file name)")

    db = sub.add_parser("db", help="database maintenance", description="Database maintenance (BOT_DATABASE).")
    dsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    dsub.add_parser("upgrade", help="apply pending migrations", description="Apply pending schema migrations.")
    backup = dsub.add_parser("backup", help="copy the live database",
                             description="SQLite: copy the database with the online backup API (safe while running). "
                             "PostgreSQL: run pg_dump (custom format) when it is installed, else print the command.")
    backup.add_argument("path", type=Path, help="where to write the copy")
    copy = dsub.add_parser("copy", help="copy every table from one database into another",
                           description="Copy every table from SOURCE into TARGET (each a SQLite file path or a "
                           "postgresql:// URL), e.g. from SQLite to PostgreSQL or back. Both are upgraded to the current "
                           "schema first; the copy is one transaction on TARGET. Refuses a TARGET with rows unless "
                           "--force. Prints the rows per table on both sides.")
    copy.add_argument("source", help="the database to read (path or URL)")
    copy.add_argument("target", help="the database to write (path or URL)")
    copy.add_argument("--force", action="store_true", help="replace what TARGET holds (its rows are deleted first)")
    return parser


def _bank_paths(paths: Sequence[Path]) -> list[Path]:
    return list(paths) if paths else [questions_dir()]


def stats_table(questions: Sequence) -> str:
    """Counts by topic and difficulty, with answers by origin, as an aligned text table."""
    stats = compute_stats(list(questions))
    header = f"{'topic':<18}" + "".join(f"{d:>8}" for d in DIFFICULTIES) + f"{'total':>8}{'answered':>10}" \
        f"{'seed':>7}{'written':>9}"
    lines = [header, "-" * len(header)]
    totals = dict.fromkeys(DIFFICULTIES, 0)
    for topic in TOPICS:
        per = stats.by_topic.get(topic)
        if not per:
            continue
        origins = stats.origin_by_topic[topic]
        for d in DIFFICULTIES:
            totals[d] += per[d]
        lines.append(f"{topic:<18}" + "".join(f"{per[d]:>8}" for d in DIFFICULTIES) + f"{sum(per.values()):>8}"
                     f"{stats.answered_by_topic.get(topic, 0):>10}{origins['seed']:>7}{origins['written']:>9}")
    lines.append("-" * len(header))
    seed = sum(o["seed"] for o in stats.origin_by_topic.values())
    written = sum(o["written"] for o in stats.origin_by_topic.values())
    lines.append(f"{'all':<18}" + "".join(f"{totals[d]:>8}" for d in DIFFICULTIES) + f"{stats.total:>8}"
                 f"{stats.answered:>10}{seed:>7}{written:>9}")
    share = 100 * stats.answered / stats.total if stats.total else 0
    lines.append(f"{stats.total} questions in {len(stats.by_topic)} topics; {stats.answered} with an answer "
                 f"({share:.0f}%).")
    return "\n".join(lines)


def cmd_lint(paths: Sequence[Path]) -> int:
    questions, errors = lint_paths(_bank_paths(paths))
    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        print(f"{len(errors)} problem(s) found.", file=sys.stderr)
        return 1
    print(stats_table(questions))
    print("lint: no problems found.")
    return 0


def cmd_stats(paths: Sequence[Path]) -> int:
    questions, errors = lint_paths(_bank_paths(paths))
    print(stats_table(questions))
    if errors:
        print(f"({len(errors)} problem(s) left out; run `python -m bot questions lint`)", file=sys.stderr)
    return 0


def cmd_similar(paths: Sequence[Path], threshold: float, loose: float, only_unreviewed: bool) -> int:
    from bot.bank.similarity import format_pairs, load_curation, similar_pairs, unreviewed

    questions, errors = lint_paths(_bank_paths(paths))
    if errors:
        print(f"({len(errors)} problem(s) left out; run `python -m bot questions lint`)", file=sys.stderr)
    pairs = similar_pairs(questions, threshold=threshold, loose_threshold=min(loose, threshold))
    if only_unreviewed:
        pairs = unreviewed(pairs, load_curation(questions_dir() / "curation" / "merges.yaml"))
    print(format_pairs(pairs))
    return 0


def cmd_import(seeds: Sequence[Path], out: Path | None) -> int:
    from bot.bank.importer.pipeline import SeedImportError, format_report, run_import

    try:
        report = run_import(list(seeds), out or questions_dir())
    except SeedImportError as exc:
        print(f"import failed: {exc}", file=sys.stderr)
        return 1
    print(format_report(report))
    return 0


def cmd_export(team: str, out: Path | None) -> int:
    from bot.store.store import Store
    from bot.suggestions.files import export_team

    platform, sep, team_id = team.partition(":")
    if not sep or not platform or not team_id:
        print(f"error: --team must be PLATFORM:TEAM, e.g. discord:123456789 (got {team!r})", file=sys.stderr)
        return 2
    settings = Settings.from_env()

    async def export() -> tuple[str, int]:
        async with Store.open(settings.database) as store:
            return await export_team(store, platform, team_id)

    try:
        text, count = asyncio.run(export())
    except SchemaTooNewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        print(f"wrote {count} question(s) of {platform}:{team_id} to {out}")
    if count == 0:
        print(f"note: {platform}:{team_id} has no questions of its own yet (approved suggestions)", file=sys.stderr)
    return 0


def cmd_import_csv(file: Path, out: Path | None, pack: str | None) -> int:
    from bot.suggestions.files import import_csv, slug
    from bot.suggestions.validate import prompt_index

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {file}: {exc}", file=sys.stderr)
        return 2
    shipped, _ = lint_paths([questions_dir()])
    name = slug(pack or file.stem)
    result = import_csv(text, str(file), pack=name, existing=prompt_index(shipped))
    for problem in result.errors:
        print(problem, file=sys.stderr)
    target = out or file.with_suffix(".yaml")
    if result.count:
        target.write_text(result.text, encoding="utf-8")
        print(f"wrote {result.count} question(s) to {target}")
    else:
        print("no valid rows: nothing written", file=sys.stderr)
    if result.errors:
        print(f"{len(result.errors)} problem(s) found; those rows were left out.", file=sys.stderr)
        return 1
    return 0


async def _run_platforms(platforms: list[str], settings: Settings, start: str | None) -> None:
    if platforms == ["console"]:
        from datetime import datetime

        from adapters.console.runner import run_console

        begin = datetime.fromisoformat(start.replace("Z", "+00:00")) if start else None
        await run_console(settings.database, extra_packs=settings.extra_packs, start=begin)
        return
    from adapters.llm_http import grader_from_env
    from bot.app import open_core
    from bot.qotd.scheduler import start_scheduler

    async with open_core(database=settings.database, extra_packs=settings.extra_packs,
                         grader=grader_from_env()) as core:
        scheduler = start_scheduler(core)
        try:
            async with asyncio.TaskGroup() as group:
                for platform in platforms:
                    group.create_task(_serve(platform, core))
        finally:
            scheduler.shutdown(wait=False)


async def _serve(platform: str, core: Core) -> None:
    if platform == "discord":
        from adapters.discord.runner import serve as serve_discord
        from adapters.discord.runner import shards_from_env

        env = os.environ
        guild = env.get("DISCORD_GUILD_ID")
        await serve_discord(core, token=env.get("DISCORD_TOKEN"), guild_id=int(guild) if guild else None,
                            api_base_url=env.get("DISCORD_API_BASE_URL"), gateway_url=env.get("DISCORD_GATEWAY_URL"),
                            shards=shards_from_env(env))
    elif platform == "slack":
        from adapters.slack.runner import serve as serve_slack

        await serve_slack(core, env=dict(os.environ))


def _run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop when it is installed (`pip install .[speed]`: 7-27% less CPU in bench/), else on asyncio's."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def _database_errors() -> tuple[type[BaseException], ...]:
    """Start-up failures that are one line for the operator: a refused or unreachable database, a newer schema."""
    from bot.store.postgres_backend import DatabaseConnectError

    return (DatabaseConnectError, SchemaTooNewError)


def _protect_database_secret(database: str | Path) -> None:
    """The PostgreSQL password is a secret: registered with the log redaction before anything can log it."""
    if not is_postgres_url(database):
        return
    from urllib.parse import urlsplit

    from bot.log_redaction import REDACTION

    try:
        REDACTION.add(urlsplit(str(database)).password, str(database))
    except ValueError:
        REDACTION.add(str(database))


def cmd_run(platform: str | None, start: str | None) -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    protect_handlers()  # every record, from any logger (bot.*, asyncio, aiohttp, slack_*, discord.*), is redacted
    _protect_database_secret(settings.database)
    platforms = [platform] if platform else (platforms_configured() or ["console"])
    if platforms == ["console"]:
        logging.getLogger().setLevel(logging.WARNING)
    one_line: tuple[type[BaseException], ...] = (BankError, ConfigError, *_database_errors())
    try:
        if "discord" in platforms:
            discord_shards()  # bad shard settings stop the bot before it opens anything
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        _run_loop(_run_platforms(platforms, settings, start))
    except KeyboardInterrupt:
        return 0
    except one_line as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ExceptionGroup as group:
        startup = _startup_error(group)
        if startup is None:
            raise
        print(f"error: {startup}", file=sys.stderr)
        return 2
    return 0


def _startup_error(group: BaseExceptionGroup) -> BaseException | None:
    """An adapter's one-line StartupError inside a task group, if that is what stopped the run."""
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            found = _startup_error(exc)
            if found:
                return found
        elif type(exc).__name__ == "StartupError":
            return exc
    return None


def cmd_db_copy(source: str, target: str, *, force: bool) -> int:
    """`db copy`: 0 copied (counts printed), 1 refused or the counts differ, 2 the copy failed."""
    from bot.dbtools.copy import CopyError, copy_database

    try:
        report = asyncio.run(copy_database(source, target, force=force))
    except (CopyError, SchemaTooNewError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # one clear line (no password), not a traceback: the target was rolled back
        message = str(exc)
        for url in (source, target):
            message = scrub(message.replace(url, redacted(url)), url)
        print(f"error: the copy failed and nothing was written to the target: {type(exc).__name__}: {message}",
              file=sys.stderr)
        return 2
    print("\n".join(report.lines(source, target)))
    if any(s != d for _, s, d in report.counts):
        print("error: the row counts differ", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in (None, "run"):
        return cmd_run(getattr(args, "platform", None), getattr(args, "start", None))
    if args.command == "questions":
        if args.questions_command == "import":
            return cmd_import(args.seeds, args.out)
        if args.questions_command == "check-written":
            from bot.bank.written_check import check_written_files

            return check_written_files(args.files)
        if args.questions_command == "lint":
            return cmd_lint(args.paths)
        if args.questions_command == "export":
            return cmd_export(args.team, args.out)
        if args.questions_command == "import-csv":
            return cmd_import_csv(args.file, args.out, args.pack)
        if args.questions_command == "similar":
            return cmd_similar(args.paths, args.threshold, args.loose, args.unreviewed)
        return cmd_stats(args.paths)
    if args.db_command == "copy":
        return cmd_db_copy(args.source, args.target, force=args.force)
    return cmd_db(args)


def cmd_db(args: argparse.Namespace) -> int:
    """`db upgrade` and `db backup`, on a SQLite file or a PostgreSQL URL (shown without its password)."""
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    shown = redacted(settings.database)
    try:
        if args.db_command == "upgrade":
            before, after = upgrade_database(settings.database)
            print(f"{shown}: schema version {before} -> {after}" if after != before
                  else f"{shown}: already at schema version {after}")
        elif is_postgres_url(settings.database):
            result = backup_postgres(str(settings.database), args.path)
            print(result.message, file=sys.stdout if result.ok else sys.stderr)
            return 0 if result.ok else 1
        else:
            upgrade_database(settings.database)
            backup_database(settings.database, args.path)
            print(f"backed up {shown} to {args.path}")
    except _database_errors() as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
