#!/usr/bin/python3
"""Read a `loa report` output back, independently of loa, for the tests.

Usage: report_read.py text|csv|json|xlsx|pdf FILE

Prints one line per table row, tab-separated:
  row|total|outside  ID  LABEL  planned aired completed interrupted failed missed dropped
  AIRTIME  COMPLETION  notice_times notice_seconds
ID is the row key (csv, json, xlsx) or its number (text, pdf: "-" for totals and the
rows outside them); AIRTIME is milliseconds (csv, json, xlsx) or whole seconds (text,
pdf); COMPLETION is tenths of a percent or -1 for "—". Also prints "meta" lines about
the file and "error" lines for anything wrong with it (the tests fail on any).
"""
import csv
import io
import json
import re
import subprocess
import sys
import unicodedata
import zipfile

COUNT = re.compile(r"^\d{1,3}([.,]\d{3})*$")
DUR = re.compile(r"^(\d+):(\d\d):(\d\d)$")
PCT = re.compile(r"^(\d+)[.,](\d)$")
DMY = re.compile(r"^\d\d/\d\d/\d{4}$")


def count(s):
    return int(s.replace(".", "").replace(",", ""))


def pct(s):
    if s in ("—", "", None):
        return -1
    m = PCT.match(s)
    if not m:
        raise ValueError("completion %r" % s)
    return int(m.group(1)) * 10 + int(m.group(2))


def out(kind, ident, label, nums):
    print("\t".join([kind, str(ident), label] + [str(n) for n in nums]))


def figures_tail(tokens):
    """The 11 figure columns at the end of a text/pdf table line, or None."""
    if len(tokens) < 12:
        return None
    t = tokens[-11:]
    if not all(COUNT.match(x) for x in t[0:7]):
        return None
    m = DUR.match(t[7])
    if not m or not (t[8] == "—" or PCT.match(t[8])):
        return None
    if not COUNT.match(t[9]) or not COUNT.match(t[10]):
        return None
    secs = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
    return [count(x) for x in t[0:7]] + [secs, pct(t[8]), count(t[9]), count(t[10])]


def read_lines(lines, total_words, outside_words):
    """Table lines of the text and PDF reports."""
    for line in lines:
        tokens = line.split()
        nums = figures_tail(tokens)
        if nums is None:
            continue
        head = tokens[:-11]
        if head and head[0].isdigit():
            out("row", head[0], " ".join(head[1:]), nums)
            continue
        label = " ".join(head)
        if label in total_words:
            out("total", "-", label, nums)
        else:
            out("outside", "-", label, nums)


def read_text(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    read_lines(text.splitlines(), ("Tổng cộng", "Total"), ())


def read_pdf(path):
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", path, "-"],
                          check=True, capture_output=True).stdout.decode("utf-8")
    text = unicodedata.normalize("NFC", text)
    print("meta\tpages\t%d" % (text.count("\f") or 1))
    for h in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
              "Người lập biểu", "Thủ trưởng đơn vị", "BÁO CÁO"):
        print("meta\theading\t%s\t%s" % (h, "yes" if h in text else "no"))
    m = re.search(r"ngày (\d\d|[1-3]\d) tháng (\d\d|1[0-2]|[3-9]) năm (\d{4})", text)
    print("meta\tdate-line\t%s" % (m.group(0) if m else "no"))
    read_lines(text.splitlines(), ("Tổng cộng", "Total"), ())


def read_csv(path):
    with open(path, "rb") as f:
        raw = f.read()
    if not raw.startswith(b"\xef\xbb\xbf"):
        print("error\tno BOM")
    if b"\r" in raw:
        print("error\tCR in the file")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    print("meta\theader\t%s" % "|".join(rows[0]))
    for r in rows[1:]:
        kind = r[0]
        if kind.startswith("source"):
            print("meta\t%s\t%s\t%s" % (kind, r[3], r[4]))
            continue
        for d in (r[1], r[2]):
            if not DMY.match(d):
                print("error\tdate %r" % d)
        nums = [int(x) for x in r[5:12]] + [int(r[12]), pct(r[14]), int(r[15]), int(r[16])]
        if nums[0] != nums[2] + nums[3] + nums[4] + nums[5] or nums[1] != nums[2] + nums[3]:
            print("error\tplanned/aired of %s" % r[3])
        if not DUR.match(r[13]):
            print("error\tduration %r" % r[13])
        out(kind, r[3], r[4], nums)


def json_nums(r):
    c = r["completion_pct"]
    return [r["planned"], r["aired"], r["completed"], r["interrupted"], r["failed"],
            r["missed"], r["dropped"], r["airtime_ms"],
            -1 if c is None else int(round(c * 10)),
            r["notices_shown"]["times"], r["notices_shown"]["seconds"]]


def read_json(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    for k in ("from", "to", "sources", "by", "rows", "totals"):
        if k not in doc:
            print("error\tmissing key %s" % k)
    for k in ("from", "to"):
        if not re.match(r"^\d{4}-\d\d-\d\d$", doc[k]):
            print("error\tdate %r" % doc[k])
    print("meta\tby\t%s" % doc["by"])
    for s in doc["sources"]:
        print("meta\tsource-%s\t%s\t%s" % (s["status"], s["path"], s["message"]))
    for r in doc["rows"]:
        keys = list(r.keys())[:11]
        if keys != ["key", "label", "from", "to", "planned", "aired", "completed",
                    "interrupted", "failed", "missed", "dropped"]:
            print("error\trow keys %s" % keys)
        out("row", r["key"], r["label"], json_nums(r))
    out("total", "total", "", json_nums(doc["totals"]))
    for r in doc["outside_totals"]:
        out("outside", r["key"], r["label"], json_nums(r))


def read_xlsx(path):
    import datetime
    import openpyxl
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    print("meta\tcharts\t%d" % len(charts))
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows())
    head = None
    for i, r in enumerate(rows):
        a = r[0].value
        if a in ("Kỳ báo cáo", "Period"):
            for c in (r[1], r[2]):
                if not isinstance(c.value, datetime.datetime) or c.number_format != "dd/mm/yyyy":
                    print("error\tperiod cell %s %r %s" % (c.coordinate, c.value, c.number_format))
                else:
                    print("meta\tperiod-date\t%s" % c.value.date().isoformat())
        if a in ("STT", "No."):
            head = i
            break
    if head is None:
        print("error\tno table")
        return
    for r in rows[head + 1:]:
        key = r[3].value
        if isinstance(r[0].value, (int, float)):
            kind = "row"  # numbered: a row of the table (an empty key reads as None)
            key = key or ""
        elif key == "total":
            kind = "total"
        elif key in ("chime", "play-now", "test"):
            kind = "outside"
        else:
            continue
        for c in (r[1], r[2]):
            if not isinstance(c.value, datetime.datetime) or c.number_format != "dd/mm/yyyy":
                print("error\tdate cell %s %r %s" % (c.coordinate, c.value, c.number_format))
        comp = r[14].value
        nums = [int(r[k].value) for k in range(5, 12)] + [
            int(r[13].value), -1 if isinstance(comp, str) else int(round(comp * 1000)),
            int(r[15].value), int(r[16].value)]
        dur = r[12].value
        secs = dur.total_seconds() if isinstance(dur, datetime.timedelta) else (
            dur.hour * 3600 + dur.minute * 60 + dur.second if isinstance(dur, datetime.time)
            else float(dur) * 86400)
        if abs(secs * 1000 - nums[7]) > 1000:
            print("error\tduration cell %s %r vs %d ms" % (r[12].coordinate, dur, nums[7]))
        out(kind, key, r[4].value or "", nums)
    cws = wb.worksheets[1]
    n = 0
    for r in cws.iter_rows(min_row=2):
        if r[0].value is None:
            continue
        n += 1
        if not isinstance(r[0].value, datetime.datetime) or r[0].number_format != "dd/mm/yyyy":
            print("error\tchart date cell %s" % r[0].coordinate)
    print("meta\tchart-rows\t%d" % n)


def main():
    fmt, path = sys.argv[1], sys.argv[2]
    {"text": read_text, "csv": read_csv, "json": read_json, "xlsx": read_xlsx,
     "pdf": read_pdf}[fmt](path)


if __name__ == "__main__":
    main()
