"""The CSV tables as one XLSX workbook: one sheet per table, what a French spreadsheet opens as is.

A CSV file in UTF-8 opens with broken accents in a French spreadsheet unless told its encoding; an
XLSX file carries its own, so data.gouv.fr users get it as the convention of French public data
expects. The sheets hold the same columns and rows as the CSV files (tables.py), names beside IRIs.
The file is reproducible: a fixed creation date, which xlsxwriter also gives to the parts it zips.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import xlsxwriter

from polegraph.publish.export.entities import GROUPS

WORKBOOK_FILE = "polegraph.xlsx"
WORKBOOK_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXED_DATE = datetime(2026, 1, 1)  # the same file for the same graph, whatever the day it is written


def workbook_files() -> dict[str, tuple[str, str, str]]:
    """File name → (media type, English title, French title) of the workbook."""
    return {WORKBOOK_FILE: (WORKBOOK_MEDIA_TYPE, "The tables as one spreadsheet (XLSX), one sheet per table",
                            "Les tables en un classeur (XLSX), une feuille par table")}


def write_workbook(out: Path) -> None:
    """Write polegraph.xlsx from the CSV tables already in `out`."""
    book = xlsxwriter.Workbook(str(out / WORKBOOK_FILE), {"strings_to_urls": False, "strings_to_numbers": False})
    book.set_properties({"title": "polegraph", "author": "polegraph", "created": FIXED_DATE,
                         "comments": "Licence Ouverte / Open Licence 2.0 (Etalab)"})
    header = book.add_format({"bold": True})
    for group in GROUPS:
        with (out / f"{group.name}.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(io.StringIO(handle.read())))
        sheet = book.add_worksheet(group.name[:31])
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row, header if r == 0 else None)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows) - 1, 0), max(len(rows[0]) - 1, 0))
    book.close()
