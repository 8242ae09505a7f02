"""Mirakl stock imports: the STO01 file (``offer-sku;quantity;warehouse-code;update-delete``,
one line per offer), the STO02 status of an import as a Verdict, and the STO03 error
report's lines as the SKUs that failed. No HTTP here."""

import csv
import io
from datetime import UTC, datetime, timedelta

from urllib3 import encode_multipart_formdata

from ..idempotency import parse_iso_utc
from .base import FAILURE, PENDING, SUCCESS, TIMEOUT, Verdict

STOCK_COLUMNS = ("offer-sku", "quantity", "warehouse-code", "update-delete")
UPDATE = "update"
SEPARATOR = ";"
FILE_PART = "file"
FILE_NAME = "stock.csv"
CSV_TYPE = "text/csv"
# STO02 statuses
WAITING = "WAITING"
RUNNING = "RUNNING"
COMPLETE = "COMPLETE"
FAILED = "FAILED"
IMPORT_FAILED = "Mirakl could not process the stock import (status FAILED)"
UNREADABLE_REPORT = "{} line(s) in error; the error report names no SKU of this import"
# the first line of the file is its header: the first offer is line 2
FIRST_LINE = 2
OFFER_SKU = STOCK_COLUMNS[0]


def stock_rows(items, location_id=""):
    """(sku, quantity, warehouse code) of each item, the lines of one offer together
    (sorted by SKU: an error report's line numbers name the SKUs again, see
    report_errors); an empty warehouse code is the offer's global quantity."""
    rows = [
        (item.sku, max(0, int(item.quantity)), item.external_location_id or location_id or "")
        for item in items
    ]
    return sorted(rows, key=lambda row: (row[0], row[2]))


def stock_csv(rows):
    """The STO01 file of ``rows`` (standard CSV, ``;``-separated, quoted when needed)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\n")
    writer.writerow(STOCK_COLUMNS)
    writer.writerows((sku, quantity, warehouse, UPDATE) for sku, quantity, warehouse in rows)
    return out.getvalue()


def multipart(csv_text):
    """(body bytes, Content-Type) of a multipart/form-data body with the file part."""
    fields = {FILE_PART: (FILE_NAME, csv_text.encode("utf-8"), CSV_TYPE)}
    return encode_multipart_formdata(fields)


def _count(status, name):
    value = status.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _created(status):
    try:
        return parse_iso_utc(str(status.get("date_created") or ""))
    except (ValueError, OverflowError):
        return None


def needs_report(status):
    """A completed import with lines in error (the SKUs come from its error report)."""
    return status.get("status") == COMPLETE and (
        _count(status, "lines_in_error") > 0 or status.get("has_error_report") is True
    )


def verdict(status, body, timeout_minutes, errors=None, now=None):
    """The Verdict of an STO02 answer (``errors``: {sku: why} read from its STO03 error
    report). WAITING or RUNNING is pending, until the import is older than
    ``timeout_minutes`` (Mirakl never gives up on it: the push is sent again)."""
    state = status.get("status")
    if state == COMPLETE:
        errors = dict(errors or {})
        in_error = _count(status, "lines_in_error")
        if in_error and not errors:
            reason = UNREADABLE_REPORT.format(in_error)
            if "lines_in_success" in status and _count(status, "lines_in_success") == 0:
                return Verdict(FAILURE, reason=reason, body=body)
            return Verdict(SUCCESS, reason=reason, body=body)
        return Verdict(SUCCESS, item_errors=errors, body=body)
    if state == FAILED:
        return Verdict(FAILURE, item_errors=dict(errors or {}), reason=IMPORT_FAILED, body=body)
    created = _created(status)
    now = now or datetime.now(UTC)
    if created and now - created > timedelta(minutes=timeout_minutes):
        return Verdict(TIMEOUT, reason=f"the import is still {state} on Mirakl", body=body)
    return Verdict(PENDING, body=body)


def report_text(response):
    """The text of an STO03 answer (CSV)."""
    return response.text or ""


def report_errors(text, skus):
    """{sku: why} of an STO03 error report: column 1 the line number in error, column 2
    the reason, then the line as it was sent. The SKU is read from the ``offer-sku``
    column when there is one, else from the line number (the file's lines are the
    import's SKUs in order, see stock_rows)."""
    rows = list(csv.reader(io.StringIO(text), delimiter=SEPARATOR))
    sku_column = None
    if rows and rows[0] and not rows[0][0].strip().isdigit():
        header = [name.strip().lower() for name in rows.pop(0)]
        sku_column = header.index(OFFER_SKU) if OFFER_SKU in header else None
    ordered = sorted(set(skus))
    known = set(skus)
    errors = {}
    for row in rows:
        if len(row) < 2:
            continue
        sku = _row_sku(row, sku_column, ordered)
        if sku in known:
            errors[sku] = row[1].strip() or "refused by Mirakl"
    return errors


def _row_sku(row, sku_column, ordered):
    if sku_column is not None and sku_column < len(row):
        return row[sku_column].strip()
    try:
        index = int(row[0]) - FIRST_LINE
    except ValueError:
        return None
    return ordered[index] if 0 <= index < len(ordered) else None
