#!/usr/bin/env python3
"""Check the Kaffeewerk FAQ eval set (faq.toml + queries.toml) and print counts.

Usage: python3 validate.py [DIR]   (DIR defaults to this script's folder)
Exit code 0 if everything is fine, 1 if any error was found.
"""
import difflib
import re
import sys
import tomllib
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGS = ("de", "en")
MIN_PER_ENTRY, MAX_PER_ENTRY = 5, 8
NEAR_DUP_RATIO = 0.85  # similarity at/above which a query counts as "nearly verbatim"
SECTION = re.compile(r"^#\s*(answerable|unanswerable):\s*(\S+)\s*$")

errors: list[str] = []
warnings: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def norm(text: str) -> str:
    """Casefold, drop punctuation/symbols, collapse whitespace."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c if (c.isalnum() or c.isspace()) else " " for c in text)
    return " ".join(text.split())


def sentences(text: str) -> int:
    """Rough sentence count: ., ! or ? followed by space and a capital letter,
    not counting a period right after a digit (e.g. '1. Oktober')."""
    parts = re.split(r"(?<![0-9])[.!?]\s+(?=[A-ZÄÖÜ„'\"])", text.strip())
    return len([p for p in parts if p.strip()])


def check_faq(faq: dict) -> tuple[dict, list[tuple[str, str, str]]]:
    entries = faq.get("entry")
    if not isinstance(entries, list) or not entries:
        err("faq.toml: no [[entry]] tables")
        return {}, []
    ids: dict[str, dict] = {}
    phrasings: list[tuple[str, str, str]] = []  # (entry id, lang, text)
    for n, e in enumerate(entries, 1):
        eid = e.get("id")
        where = f"faq entry #{n} ({eid!r})"
        if not isinstance(eid, str) or not KEBAB.match(eid):
            err(f"{where}: id missing or not kebab-case")
            continue
        if eid in ids:
            err(f"{where}: duplicate id")
        ids[eid] = e
        tags = e.get("tags")
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) and t for t in tags):
            err(f"{where}: tags must be a non-empty list of strings")
        for lang in LANGS:
            part = e.get(lang)
            if not isinstance(part, dict):
                err(f"{where}: missing [entry.{lang}]")
                continue
            q = part.get("question")
            alts = part.get("alternatives")
            ans = part.get("answer")
            if not isinstance(q, str) or not q.strip():
                err(f"{where}/{lang}: question missing")
            else:
                phrasings.append((eid, lang, q))
            if not isinstance(alts, list) or len(alts) != 2 or not all(isinstance(a, str) and a.strip() for a in alts):
                err(f"{where}/{lang}: alternatives must be exactly 2 non-empty strings")
            else:
                phrasings.extend((eid, lang, a) for a in alts)
            if not isinstance(ans, str) or not ans.strip():
                err(f"{where}/{lang}: answer missing")
            else:
                s = sentences(ans)
                if not 2 <= s <= 5:
                    err(f"{where}/{lang}: answer has ~{s} sentences (want 2-5)")
            extra = set(part) - {"question", "alternatives", "answer"}
            if extra:
                warnings.append(f"{where}/{lang}: unexpected keys {sorted(extra)}")
    # the same phrasing must not be used by two entries
    seen: dict[str, str] = {}
    for eid, lang, text in phrasings:
        k = norm(text)
        if k in seen and seen[k] != eid:
            err(f"faq: phrasing {text!r} used by both {seen[k]!r} and {eid!r}")
        seen.setdefault(k, eid)
    return ids, phrasings


def section_per_query(raw: str) -> list[tuple[str, str] | None]:
    """For every [[query]] header in file order, the section comment above it."""
    current = None
    out = []
    for line in raw.splitlines():
        m = SECTION.match(line.strip())
        if m:
            current = (m.group(1), m.group(2))
        elif line.strip() == "[[query]]":
            out.append(current)
    return out


def main() -> int:
    base = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    try:
        faq = tomllib.loads((base / "faq.toml").read_text(encoding="utf-8"))
        raw_q = (base / "queries.toml").read_text(encoding="utf-8")
        qs = tomllib.loads(raw_q)
    except (OSError, tomllib.TOMLDecodeError) as ex:
        print(f"ERROR: cannot read/parse files: {ex}")
        return 1

    ids, phrasings = check_faq(faq)
    phr_norm = {norm(t): (eid, t) for eid, _, t in phrasings}

    queries = qs.get("query")
    if not isinstance(queries, list) or not queries:
        err("queries.toml: no [[query]] tables")
        queries = []
    sections = section_per_query(raw_q)
    if len(sections) != len(queries):
        err(f"queries.toml: {len(sections)} '[[query]]' lines but {len(queries)} parsed queries")
        sections = [None] * len(queries)

    per_entry: Counter = Counter()
    per_entry_lang: dict[str, Counter] = defaultdict(Counter)
    counts: dict[str, Counter] = defaultdict(Counter)  # kind -> lang -> n
    seen_q: dict[str, int] = {}
    for n, (q, sec) in enumerate(zip(queries, sections), 1):
        text, lang, exp = q.get("text"), q.get("lang"), q.get("expect")
        where = f"query #{n} ({text!r})"
        if not isinstance(text, str) or not text.strip():
            err(f"query #{n}: text missing")
            continue
        if lang not in LANGS:
            err(f"{where}: lang must be one of {LANGS}")
        if not isinstance(exp, str):
            err(f"{where}: expect missing")
            continue
        if exp and exp not in ids:
            err(f"{where}: expect {exp!r} is not an entry id")
        extra = set(q) - {"text", "lang", "expect"}
        if extra:
            warnings.append(f"{where}: unexpected keys {sorted(extra)}")
        k = norm(text)
        if k in seen_q:
            err(f"{where}: duplicate of query #{seen_q[k]}")
        seen_q.setdefault(k, n)
        if k in phr_norm:
            err(f"{where}: equals FAQ phrasing of {phr_norm[k][0]!r}")
        else:
            for eid, _, ptext in phrasings:
                r = difflib.SequenceMatcher(None, k, norm(ptext)).ratio()
                if r >= NEAR_DUP_RATIO:
                    err(f"{where}: nearly verbatim ({r:.2f}) FAQ phrasing {ptext!r} of {eid!r}")
        # section comment must agree with expect
        if sec is None:
            err(f"{where}: not under a section comment")
            kind = "answerable" if exp else "unanswerable: ?"
        elif sec[0] == "answerable":
            kind = "answerable"
            if exp != sec[1]:
                err(f"{where}: in section 'answerable: {sec[1]}' but expect={exp!r}")
        else:
            kind = f"unanswerable: {sec[1]}"
            if sec[1] not in ("off-topic", "near-miss"):
                err(f"{where}: unknown unanswerable section {sec[1]!r}")
            if exp:
                err(f"{where}: unanswerable section but expect={exp!r}")
        counts[kind][lang] += 1
        if exp:
            per_entry[exp] += 1
            per_entry_lang[exp][lang] += 1

    for eid in ids:
        c = per_entry[eid]
        if not MIN_PER_ENTRY <= c <= MAX_PER_ENTRY:
            err(f"entry {eid!r}: {c} answerable queries (want {MIN_PER_ENTRY}-{MAX_PER_ENTRY})")
        for lang in LANGS:
            if per_entry_lang[eid][lang] < 2:
                warnings.append(f"entry {eid!r}: only {per_entry_lang[eid][lang]} {lang} queries")

    # ---- report
    n_support = sum(1 for e in faq.get("entry", []) if "club" not in e.get("tags", []))
    print(f"faq.toml: {len(ids)} entries ({n_support} product support, {len(ids) - n_support} club), "
          f"{len(phrasings)} phrasings")
    print(f"{'kind':28} {'de':>5} {'en':>5} {'total':>6}")
    order = ["answerable", "unanswerable: off-topic", "unanswerable: near-miss"]
    order += sorted(k for k in counts if k not in order)
    tot = Counter()
    for kind in order:
        c = counts.get(kind, Counter())
        tot.update(c)
        print(f"{kind:28} {c['de']:5} {c['en']:5} {sum(c.values()):6}")
    un = counts["unanswerable: off-topic"] + counts["unanswerable: near-miss"]
    print(f"{'unanswerable (all)':28} {un['de']:5} {un['en']:5} {sum(un.values()):6}")
    print(f"{'all':28} {tot['de']:5} {tot['en']:5} {sum(tot.values()):6}")
    if per_entry:
        print(f"answerable queries per entry: min {min(per_entry[e] for e in ids)}, "
              f"max {max(per_entry[e] for e in ids)}")
    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
