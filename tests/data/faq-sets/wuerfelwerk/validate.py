#!/usr/bin/env python3
"""Check the Würfelwerk FAQ evaluation set (faq.toml + queries.toml) and print its counts.

Usage: python3 validate.py [directory]   (default: the directory of this script)
Exit code 0 when no errors were found, 1 otherwise. Warnings do not fail the run.
"""
import difflib
import re
import sys
import tomllib
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

LANGS = ("de", "en")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SECTION_RE = re.compile(r"^#\s*(answerable:\s*(?P<id>\S+)|unanswerable:\s*(?P<kind>off-topic|near-miss))\s*$")
MIN_PER_ENTRY, MAX_PER_ENTRY = 5, 8
MIN_SENT, MAX_SENT = 2, 5
SIMILAR = 0.9  # warn when a query is this similar to a FAQ question/alternative

errors, warnings = [], []


def err(msg):
    errors.append(msg)


def warn(msg):
    warnings.append(msg)


def norm(text):
    """Lower case, drop punctuation/symbols/emoji, collapse whitespace."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch if (ch.isalnum() or ch.isspace()) else " " for ch in text)
    return " ".join(text.split())


MONTHS = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"


def sentences(text):
    t = re.sub(r"\b(\d{1,2})\. (?=(%s)\b)" % MONTHS, r"\1 ", text)  # German dates: "15. November"
    parts = re.split(r"(?<=[.!?])[\"'’‘“”]?\s+(?=[A-ZÄÖÜ„‚\"'(])", t.strip())
    return [p for p in parts if p.strip()]


def check_faq(faq):
    entries = faq.get("entry")
    if not isinstance(entries, list) or not entries:
        err("faq.toml: no [[entry]] tables")
        return [], {}
    ids, phrasings = [], {}
    for i, e in enumerate(entries):
        eid = e.get("id")
        where = f"faq entry #{i + 1} ({eid!r})"
        if not isinstance(eid, str) or not ID_RE.match(eid):
            err(f"{where}: id missing or not kebab-case")
            continue
        ids.append(eid)
        tags = e.get("tags")
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) and t for t in tags):
            err(f"{where}: tags must be a non-empty list of strings")
        for lang in LANGS:
            block = e.get(lang)
            if not isinstance(block, dict):
                err(f"{where}: missing [entry.{lang}]")
                continue
            q, alts, ans = block.get("question"), block.get("alternatives"), block.get("answer")
            if not isinstance(q, str) or not q.strip():
                err(f"{where} [{lang}]: question missing")
                q = ""
            if not isinstance(alts, list) or len(alts) != 2 or not all(isinstance(a, str) and a.strip() for a in alts):
                err(f"{where} [{lang}]: needs exactly 2 non-empty alternatives")
                alts = [a for a in (alts or []) if isinstance(a, str)]
            if not isinstance(ans, str) or not ans.strip():
                err(f"{where} [{lang}]: answer missing")
            else:
                n = len(sentences(ans))
                if not MIN_SENT <= n <= MAX_SENT:
                    err(f"{where} [{lang}]: answer has {n} sentences (want {MIN_SENT}-{MAX_SENT})")
            extra = set(block) - {"question", "alternatives", "answer"}
            if extra:
                warn(f"{where} [{lang}]: unexpected keys {sorted(extra)}")
            for p in [q, *alts]:
                if p:
                    phrasings.setdefault(norm(p), (eid, p))
    for eid, n in Counter(ids).items():
        if n > 1:
            err(f"faq.toml: id {eid!r} used {n} times")
    return ids, phrasings


def read_sections(raw):
    """Section (kind, id) for each [[query]] in file order, from the marker comments."""
    current, out = None, []
    for line in raw.splitlines():
        s = line.strip()
        m = SECTION_RE.match(s)
        if m:
            current = ("answerable", m.group("id")) if m.group("id") else (m.group("kind"), "")
        elif s == "[[query]]":
            out.append(current)
    return out


def check_queries(queries, sections, ids, phrasings):
    idset = set(ids)
    counts = defaultdict(Counter)  # kind -> lang -> n
    per_entry = Counter()
    seen = {}
    phr_keys = list(phrasings)
    if len(sections) != len(queries):
        err(f"queries.toml: {len(queries)} queries but {len(sections)} [[query]] headers found")
    for i, q in enumerate(queries):
        where = f"query #{i + 1}"
        text, lang, expect = q.get("text"), q.get("lang"), q.get("expect")
        if not isinstance(text, str) or not text.strip():
            err(f"{where}: text missing")
            continue
        where += f" ({text[:50]!r})"
        if lang not in LANGS:
            err(f"{where}: lang must be one of {LANGS}")
        if not isinstance(expect, str):
            err(f"{where}: expect missing (use \"\" for unanswerable)")
            continue
        if set(q) - {"text", "lang", "expect"}:
            warn(f"{where}: unexpected keys {sorted(set(q) - {'text', 'lang', 'expect'})}")
        sec = sections[i] if i < len(sections) else None
        if sec is None:
            err(f"{where}: not under a section comment")
            kind = "answerable" if expect else "unknown"
        else:
            kind = sec[0]
            if kind == "answerable" and expect != sec[1]:
                err(f"{where}: under '# answerable: {sec[1]}' but expect = {expect!r}")
            if kind != "answerable" and expect != "":
                err(f"{where}: under '# unanswerable: {kind}' but expect = {expect!r}")
        if expect:
            if expect not in idset:
                err(f"{where}: expect {expect!r} is not a FAQ id")
            per_entry[expect] += 1
        counts[kind][lang] += 1
        n = norm(text)
        if n in seen:
            err(f"{where}: duplicate of query #{seen[n] + 1}")
        seen.setdefault(n, i)
        if n in phrasings:
            eid, p = phrasings[n]
            err(f"{where}: equals FAQ question/alternative of {eid!r}: {p!r}")
        else:
            close = difflib.get_close_matches(n, phr_keys, n=1, cutoff=SIMILAR)
            if close:
                eid, p = phrasings[close[0]]
                err(f"{where}: nearly verbatim FAQ phrasing of {eid!r}: {p!r}")
    for eid in ids:
        n = per_entry[eid]
        if not MIN_PER_ENTRY <= n <= MAX_PER_ENTRY:
            err(f"entry {eid!r}: {n} answerable queries (want {MIN_PER_ENTRY}-{MAX_PER_ENTRY})")
        langs = Counter(q["lang"] for q in queries if q.get("expect") == eid)
        if not all(langs[l] for l in LANGS):
            err(f"entry {eid!r}: needs queries in both languages, has {dict(langs)}")
    return counts, per_entry


def main():
    base = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    try:
        faq = tomllib.loads((base / "faq.toml").read_text(encoding="utf-8"))
        raw = (base / "queries.toml").read_text(encoding="utf-8")
        queries = tomllib.loads(raw).get("query", [])
    except (OSError, tomllib.TOMLDecodeError) as e:
        print(f"ERROR: cannot read set: {e}")
        return 1
    ids, phrasings = check_faq(faq)
    counts, per_entry = check_queries(queries, read_sections(raw), ids, phrasings)

    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("ERROR:", e)

    print(f"\nfaq.toml: {len(ids)} entries, {len(phrasings)} distinct questions/alternatives (de + en)")
    print(f"answerable queries per entry: min {min(per_entry.values(), default=0)}, "
          f"max {max(per_entry.values(), default=0)}")
    print(f"\n{'kind':<26}{'de':>6}{'en':>6}{'total':>7}")
    total = Counter()
    for kind, label in (("answerable", "answerable"), ("off-topic", "unanswerable: off-topic"),
                        ("near-miss", "unanswerable: near-miss"), ("unknown", "unknown")):
        c = counts.get(kind)
        if not c:
            continue
        total.update(c)
        print(f"{label:<26}{c['de']:>6}{c['en']:>6}{sum(c.values()):>7}")
    unans = counts["off-topic"] + counts["near-miss"]
    print(f"{'unanswerable (all)':<26}{unans['de']:>6}{unans['en']:>6}{sum(unans.values()):>7}")
    print(f"{'all':<26}{total['de']:>6}{total['en']:>6}{sum(total.values()):>7}")
    print(f"\n{len(errors)} error(s), {len(warnings)} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
