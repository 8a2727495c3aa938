"""SQLite's own work per paying vote when a batch of votes is written as
data: one statement reads the facts of all of them, one multi-row statement
per table writes them, and the kept totals are summed per batch (here in
Python) instead of by a trigger per row (docs/performance.md, "The vote
writer"). Compare with docs/vote-sqlite-work.py, which times the statements
one vote at a time.

Make the database as that script says (`fanclub --database
sqlite:///tmp/pv.db < /dev/null`), then `python3
docs/vote-batch-prototype.py`. It prints, per batch size, with 16 or 2,000
authors and with 0 or 3 registered leaderboard periods: the time per vote,
the facts read's share, and SQLite's time inside the statements' execute
calls (the Python that builds parameters left out); and a raw single-row
commit for scale.
"""
import os, random, shutil, sqlite3, sys, tempfile, time
from collections import defaultdict
src = "/tmp/pv.db"
work = tempfile.mkdtemp()
NOW = "2026-11-30T10:00:00Z"; DAY = "2026-11-30"
def fresh(path, drop_triggers=(), periods=0, members=2000):
    shutil.copy(src, path)
    for ext in ("-wal", "-shm"):
        try: shutil.copy(src + ext, path + ext)
        except FileNotFoundError: pass
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=NORMAL"); c.execute("PRAGMA foreign_keys=ON")
    for t in drop_triggers: c.execute(f"DROP TRIGGER {t}")
    c.execute("BEGIN")
    now = "2026-11-30T10:00:00+00:00"
    for i in range(1, members + 1):
        c.execute("INSERT INTO members (id, display_name, language, fan_since, created_at) VALUES (?,?,?,?,?)", (i, f"m{i}", "de", now, now))
        c.execute("INSERT INTO balances (member_id, updated_at) VALUES (?,?)", (i, now))
        c.execute("INSERT INTO messages (id, platform, place, external_id, author_id, from_bot, private, body, created_at) VALUES (?,?,?,?,?,?,?,?,?)", (i, "telegram", "1", str(i), i, 0, 0, "hello", now))
    for k, (s, e) in enumerate([("2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z"), ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"), ("2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z")][:periods]):
        c.execute("INSERT INTO leaderboard_periods (id, kind, starts_at, ends_at) VALUES (?,?,?,?)", (k + 1, ["week", "month", "season"][k], s, e))
    c.execute("COMMIT")
    return c

def rows(n, cols):
    return ",".join(["(" + ",".join("?" * cols) + ")"] * n)

def votes_for(n, start, authors, members=2000):
    random.seed(start)
    out = []
    for k in range(n):
        vid = start + k + 1
        voter = random.randint(1, members); author = random.randint(1, authors)
        if voter == author: voter = voter % members + 1
        out.append((vid, author, voter))
    return out

FACTS = """WITH b(i, voter, author, msg, day, ek) AS (VALUES {vals})
SELECT b.i,
  EXISTS (SELECT 1 FROM handled_events h WHERE h.event_key = b.ek),
  EXISTS (SELECT 1 FROM votes v WHERE v.message_id = b.msg AND v.voter_id = b.voter AND v.kind = 'upvote' AND v.active = 1),
  COALESCE((SELECT earned FROM vote_days_author a WHERE a.author_id = b.author AND a.day = b.day), 0),
  COALESCE((SELECT paid FROM vote_days_voter a WHERE a.voter_id = b.voter AND a.day = b.day), 0),
  COALESCE((SELECT paid FROM vote_days_pair a WHERE a.voter_id = b.voter AND a.author_id = b.author AND a.day = b.day), 0),
  (SELECT lifetime_earned FROM balances WHERE member_id = b.author),
  COALESCE((SELECT upvotes FROM help_answers WHERE author_id = b.author AND message_id = b.msg), 0),
  (SELECT author_id FROM messages WHERE id = b.msg)
FROM b"""

EXEC = [0.0]
class Timed:
    def __init__(s, c): s.c = c
    def execute(s, *a):
        t = time.perf_counter(); r = s.c.execute(*a); 
        if hasattr(r, "fetchall") and a[0].lstrip().startswith(("WITH", "SELECT")): r = Cur(r.fetchall())
        EXEC[0] += time.perf_counter() - t; return r
class Cur:
    def __init__(s, r): s.r = r
    def fetchall(s): return s.r
def batch_as_data(c, votes, periods):
    c = Timed(c)
    """One batch: facts read, then multi-row writes and per-batch totals."""
    n = len(votes)
    t = time.perf_counter()
    c.execute("BEGIN IMMEDIATE")
    fp = []
    for i, (vid, author, voter) in enumerate(votes):
        fp += [i, voter, author, author, DAY, f"tg:{vid}"]
    facts = c.execute(FACTS.format(vals=rows(n, 6)), fp).fetchall()
    t_read = time.perf_counter() - t
    # Decide in "Rust": every vote pays 1; sum totals.
    lifetime = {}; help_up = {}
    for (i, _h, _a, _ae, _vp, _pp, life, up, _m) in facts:
        vid, author, voter = votes[i]
        lifetime.setdefault(author, life); help_up.setdefault((author, author), up)
    da = defaultdict(int); dv = defaultdict(int); dp = defaultdict(int); bal = defaultdict(int)
    ha = defaultdict(int); hr_ans = defaultdict(int)
    for vid, author, voter in votes:
        da[author] += 1; dv[voter] += 1; dp[(voter, author)] += 1; bal[author] += 1; ha[(author, author)] += 1
    for (author, msg), k in ha.items():
        if help_up[(author, msg)] == 0: hr_ans[author] += 1
    ranks = defaultdict(int)
    for author, d in bal.items():
        old = lifetime[author]; new = old + d
        if old > 0: ranks[old] -= 1
        ranks[new] += 1
    t2 = time.perf_counter()
    vp = []; lp = []; ep = []; hp = []
    for vid, author, voter in votes:
        vp += [vid, author, voter, author, "upvote", "reaction", "👍", 1, "paid", DAY, f"tg:{vid}", NOW]
        lp += [author, 1, "upvote_received", "", voter, None, f"vote:{vid}", 1, NOW]
        ep += [author, "upvote", 1, "x", None, f"vote:{vid}", NOW]
        hp += [f"tg:{vid}", NOW]
    c.execute("INSERT INTO votes (id, message_id, voter_id, author_id, kind, via, emoji, points, outcome, day, event_key, created_at) VALUES " + rows(n, 12), vp)
    c.execute("INSERT INTO ledger (member_id, amount, kind, reason, actor_id, source, idempotency_key, earning, created_at) VALUES " + rows(n, 9), lp)
    c.execute("INSERT INTO earned_points (member_id, kind, points, from_name, reason, source_key, created_at) VALUES " + rows(n, 7), ep)
    c.execute("INSERT INTO handled_events (event_key, created_at) VALUES " + rows(n, 2), hp)
    bp = []
    for a, d in bal.items(): bp += [a, d, d, NOW]
    c.execute("INSERT INTO balances (member_id, balance, lifetime_earned, updated_at) VALUES " + rows(len(bal), 4) +
              " ON CONFLICT (member_id) DO UPDATE SET balance = balance + excluded.balance, lifetime_earned = lifetime_earned + excluded.lifetime_earned, updated_at = excluded.updated_at", bp)
    def upsert(table, cols, key, val, items):
        p = []
        for k, v in items:
            p += list(k) + [v]
        c.execute(f"INSERT INTO {table} ({cols}) VALUES " + rows(len(items), len(cols.split(","))) +
                  f" ON CONFLICT ({key}) DO UPDATE SET {val} = {val} + excluded.{val}", p)
    upsert("vote_days_author", "author_id, day, earned", "author_id, day", "earned", [((a, DAY), d) for a, d in da.items()])
    upsert("vote_days_voter", "voter_id, day, paid", "voter_id, day", "paid", [((a, DAY), d) for a, d in dv.items()])
    upsert("vote_days_pair", "voter_id, author_id, day, paid", "voter_id, author_id, day", "paid", [((v, a, DAY), d) for (v, a), d in dp.items()])
    upsert("earned_hours", "member_id, hour, earned", "hour, member_id", "earned", [((a, NOW[:13]), d) for a, d in bal.items()])
    upsert("help_answers", "author_id, message_id, upvotes", "author_id, message_id", "upvotes", [((a, m), d) for (a, m), d in ha.items()])
    if hr_ans:
        p = []
        for a, d in hr_ans.items(): p += [a, d, 0]
        c.execute("INSERT INTO help_records (member_id, answers, solutions) VALUES " + rows(len(hr_ans), 3) +
                  " ON CONFLICT (member_id) DO UPDATE SET answers = answers + excluded.answers", p)
    upsert("earned_ranks", "lifetime_earned, members", "lifetime_earned", "members", [((k,), d) for k, d in ranks.items()])
    c.execute("DELETE FROM earned_ranks WHERE members = 0 AND lifetime_earned IN (" + ",".join("?" * len(ranks)) + ")", list(ranks))
    for pid in range(1, periods + 1):
        old = dict(c.execute("SELECT member_id, earned FROM period_earned WHERE period_id = ? AND member_id IN (" + ",".join("?" * len(bal)) + ")", [pid] + list(bal)).fetchall())
        upsert("period_earned", "period_id, member_id, earned", "period_id, member_id", "earned", [((pid, a), d) for a, d in bal.items()])
        pr = defaultdict(int)
        for a, d in bal.items():
            o = old.get(a, 0)
            if o > 0: pr[o] -= 1
            pr[o + d] += 1
        upsert("period_ranks", "period_id, earned, members", "period_id, earned", "members", [((pid, k), d) for k, d in pr.items()])
    c.execute("COMMIT")
    return t_read, time.perf_counter() - t2

def run_batches(c, n, batch, start, authors, periods):
    EXEC[0] = 0.0; t0 = time.perf_counter(); rd = 0.0; wr = 0.0
    for b in range(0, n, batch):
        r, w = batch_as_data(c, votes_for(batch, start + b, authors), periods)
        rd += r; wr += w
    return (time.perf_counter() - t0) / n * 1e6, rd / n * 1e6, EXEC[0] / n * 1e6

def raw(c):
    c.execute("CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, v TEXT)")
    t0 = time.perf_counter()
    for i in range(5000):
        c.execute("BEGIN IMMEDIATE"); c.execute("INSERT INTO raw (v) VALUES (?)", ("x",)); c.execute("COMMIT")
    return (time.perf_counter() - t0) / 5000 * 1e6

trig = ["vote_days_insert", "vote_days_update", "earned_hours_insert", "earned_hours_move", "earned_ranks_update",
        "help_records_insert", "help_records_update", "period_earned_insert", "period_earned_move", "period_ranks_insert", "period_ranks_update"]
for periods in (0, 3):
    for authors in (16, 2000):
        for batch in (64, 1):
            c = fresh(os.path.join(work, f"p{periods}-{authors}-{batch}.db"), trig, periods)
            run_batches(c, 640, batch, 0, authors, periods)
            total, rd, wr = run_batches(c, 6400 if batch > 1 else 2000, batch, 100000, authors, periods)
            print(f"periods {periods} authors {authors:>4} batch {batch:>2}: {total:6.1f} µs/vote (facts read {rd:5.1f}, SQLite in execute {wr:5.1f}); raw commit {raw(c):.1f} µs", flush=True)
