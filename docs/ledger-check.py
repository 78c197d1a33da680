#!/usr/bin/env python3
"""Re-check a Loa ledger's hash chain independently (docs/ledger.md "Canonical form").
Usage: python3 ledger-check.py ledger.db | airtime.csv     (stdlib only; exit 1 if bad)"""
import csv, hashlib, sqlite3, sys
F = ("kind phase written device key_id unit_codes province_code province_name district_code "
     "district_name commune_code commune_name clock_trust source airing_kind playlist reference "
     "campaign_from campaign_until item title category class media_sha256 session session_date "
     "airing_key planned_start actual_start actual_end played_ms outcome reason gain_cdb "
     "shown_first shown_last shown_times shown_seconds event_type event_detail caller_uid "
     "checkpoint_seq checkpoint_head signature").split()
def rows(path):
    if path.endswith(".csv"):
        r = csv.reader(open(path, encoding="utf-8-sig", newline=""), strict=True)
        if next(r) != F + ["seq", "prev_hash", "hash"]: sys.exit("unexpected CSV header")
        for x in r: yield x[:-3], int(x[-3]), bytes.fromhex(x[-2]), bytes.fromhex(x[-1])
    else:
        q = "SELECT %s, seq, prev_hash, hash FROM records ORDER BY seq" % ",".join(F)
        for x in sqlite3.connect("file:%s?mode=ro" % path, uri=True).execute(q):
            yield ["" if v is None else str(v) for v in x[:-3]], x[-3], x[-2], x[-1]
last, n = None, 0
for fields, seq, prev, h in rows(sys.argv[1]):
    if last and (seq != last[0] + 1 or prev != last[1]): sys.exit("seq %d: chain broken" % seq)
    m = hashlib.sha256(prev + b"%d:%d," % (len(str(seq)), seq))
    for v in fields: m.update(b"%d:%s," % (len(v.encode()), v.encode()))
    if m.digest() != h: sys.exit("seq %d: hash mismatch" % seq)
    last, n = (seq, h), n + 1
print("ok: %d records, seq %d-%d, head %s" % (n, last[0] - n + 1, last[0], last[1].hex())
      if n else "ok: no records")
