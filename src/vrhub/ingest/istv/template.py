"""The submission template: a CSV an ED fills in for one site and month.

It carries the header lines the receiver reads (site code of treatment, reporting period
start and end, day-first), a blank line, and one heading per ISTV element, in the order the
data set lists them; it is named ``SITE_YYYY-MM.csv`` so the file name says the same. A
filled-in template goes through the same checks as any other file.
"""

from __future__ import annotations

import csv
import io

from vrhub.standards.months import Month

HEADINGS = ("Arrival Date", "Arrival Time", "Assault Date", "Assault Time", "Assault Method",
            "Assault Method Other Description", "Assault Location Type",
            "Assault Location Description", "Age Band")


def template_name(site: str, month: Month) -> str:
    return f"{site}_{month.iso}.csv"


def template_csv(site: str, month: Month) -> str:
    """The template for ``site`` and ``month`` as CSV text (no records)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Site code of treatment", site])
    writer.writerow(["Reporting period start date", f"{month.first_day:%d/%m/%Y}"])
    writer.writerow(["Reporting period end date", f"{month.last_day:%d/%m/%Y}"])
    writer.writerow([])
    writer.writerow(HEADINGS)
    return out.getvalue()
