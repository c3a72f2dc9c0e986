"""``manage.py transparency_report --from YYYY-MM-DD --to YYYY-MM-DD [--out DIR]``: the
transparency report for the days ``[from, to)`` (docs/moderation.md, "Transparency report").

Prints the Markdown report and writes ``report.md`` and ``report.csv`` (section, key, value)
into ``--out`` (default ``./transparency/<from>_<to>/``). A bad date or an empty period is a
``CommandError``: one line on stderr, exit code 1, no traceback.
"""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from moderation import transparency, transparency_render


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Print and write (Markdown and CSV) the transparency report for [--from, --to)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument(
            "--to", dest="end", required=True, help="day after the last, YYYY-MM-DD"
        )
        parser.add_argument("--out", help="directory (default ./transparency/<from>_<to>/)")

    def handle(self, *args, **options):
        start, end = _date(options["start"], "--from"), _date(options["end"], "--to")
        if end <= start:
            raise CommandError("--to must be after --from (the period is [from, to)).")
        out = Path(options["out"] or Path("transparency") / f"{start}_{end}")
        report = transparency.transparency_report(start=start, end=end)
        text = transparency_render.markdown(report)
        try:
            out.mkdir(parents=True, exist_ok=True)
            (out / "report.md").write_text(text, encoding="utf-8")
            (out / "report.csv").write_text(transparency_render.csv_text(report), encoding="utf-8")
        except OSError as error:
            raise CommandError(f"--out: cannot write to {out}: {error.strerror}.") from None
        self.stdout.write(text, ending="")
        self.stderr.write(f"Wrote {out / 'report.md'} and {out / 'report.csv'}.")
