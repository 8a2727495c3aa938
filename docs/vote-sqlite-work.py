"""SQLite's own work for one paying vote, without sqlx (docs/performance.md,
"Four round trips in the lock, and SQLite's own work per vote").

Run `fanclub` once on an empty database to create it with the migrations
(`fanclub --database sqlite:///tmp/pv.db < /dev/null`: the console
ends at once), then `python3 docs/vote-sqlite-work.py`. It copies that file,
adds 2,000 members with their messages, and times the statements a paying
reaction vote writes (the vote, its ledger row, the balance, the digest
row, the handled mark; their text as in src/store at 2026-11-30) in
Python's own SQLite, in one process: per vote one at a time and in batches
of 64, with the kept totals' triggers and without them, and a raw
single-row commit for scale.
"""
import os, random, shutil, sqlite3, sys, tempfile, time
src = sys.argv[1] if len(sys.argv) > 1 else "/tmp/pv.db"
work = tempfile.mkdtemp()
def fresh(path, drop_triggers=()):
    shutil.copy(src, path)
    for ext in ("-wal","-shm"):
        try: shutil.copy(src+ext, path+ext)
        except FileNotFoundError: pass
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=NORMAL"); c.execute("PRAGMA foreign_keys=ON")
    for t in drop_triggers: c.execute(f"DROP TRIGGER {t}")
    c.execute("BEGIN")
    now="2026-11-30T10:00:00+00:00"
    for i in range(1, 2001):
        c.execute("INSERT INTO members (id, display_name, language, fan_since, created_at) VALUES (?,?,?,?,?)", (i, f"m{i}", "de", now, now))
        c.execute("INSERT INTO balances (member_id, updated_at) VALUES (?,?)", (i, now))
    for i in range(1, 2001):
        c.execute("INSERT INTO messages (id, platform, place, external_id, author_id, from_bot, private, body, created_at) VALUES (?,?,?,?,?,?,?,?,?)", (i, "telegram", "1", str(i), i, 0, 0, "hello", now))
    c.execute("COMMIT")
    return c

VOTE = ("INSERT INTO votes (id, message_id, voter_id, author_id, kind, via, emoji, points, outcome, day, event_key, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
LEDGER = ("INSERT INTO ledger (member_id, amount, kind, reason, actor_id, source, idempotency_key, earning, created_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id AS entry")
BAL = ("UPDATE balances SET balance = balance + ?, lifetime_earned = lifetime_earned + CASE WHEN ? THEN ? ELSE 0 END, updated_at = ? WHERE member_id = ? AND balance + ? >= 0 AND changes() = 1 RETURNING balance")
EARN = ("INSERT INTO earned_points (member_id, kind, points, from_name, reason, source_key, created_at) SELECT ?,?,?,?,?,?,? WHERE changes() = 1 ON CONFLICT DO NOTHING")
HANDLED = "INSERT INTO handled_events (event_key, created_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING RETURNING 1 AS newly_handled"
def run(c, n, batch, start):
    random.seed(1)
    now="2026-11-30T10:00:00Z"
    t0=time.perf_counter()
    vid=start
    for b in range(0, n, batch):
        c.execute("BEGIN IMMEDIATE")
        for k in range(batch):
            vid+=1
            voter=random.randint(1,2000); author=random.randint(1,2000)
            if voter==author: author = author%2000+1
            msg=author
            c.execute(VOTE,(vid,msg,voter,author,"upvote","reaction","👍",1,"paid","2026-11-30",f"tg:{vid}",now)).fetchall()
            c.execute(LEDGER,(author,1,"upvote_received","",voter,None,f"vote:{vid}",1,now)).fetchall()
            c.execute(BAL,(1,1,1,now,author,1)).fetchall()
            c.execute(EARN,(author,"upvote",1,"x",None,f"vote:{vid}",now)).fetchall()
            c.execute(HANDLED,(f"tg:{vid}",now)).fetchall()
        c.execute("COMMIT")
    return (time.perf_counter()-t0)/n*1e6

c = fresh(os.path.join(work, "a.db"))
# raw single-row commit
c.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, v TEXT)")
t0=time.perf_counter()
for i in range(5000):
    c.execute("BEGIN IMMEDIATE"); c.execute("INSERT INTO raw (v) VALUES (?)", ("x",)); c.execute("COMMIT")
print("raw commit µs", (time.perf_counter()-t0)/5000*1e6)
run(c, 2000, 64, 0)
print("vote µs, batch 1:", run(c, 3000, 1, 100000))
print("vote µs, batch 64:", run(c, 6400, 64, 200000))
trig = [r[0] for r in c.execute("select name from sqlite_master where type='trigger' and name not like 'ledger_is%'")]
print(trig)
c2 = fresh(os.path.join(work, "b.db"), drop_triggers=trig)
run(c2, 2000, 64, 0)
print("no triggers, batch 1:", run(c2, 3000, 1, 100000))
print("no triggers, batch 64:", run(c2, 6400, 64, 200000))

def per_stmt(c, n, start):
    now="2026-11-30T10:00:00Z"; random.seed(2)
    tot=[0.0]*5; vid=start
    c.execute("BEGIN IMMEDIATE")
    for k in range(n):
        vid+=1
        voter=random.randint(1,2000); author=random.randint(1,2000)
        if voter==author: author = author%2000+1
        stmts=[(VOTE,(vid,author,voter,author,"upvote","reaction","👍",1,"paid","2026-11-30",f"tg:{vid}",now)),
               (LEDGER,(author,1,"upvote_received","",voter,None,f"vote:{vid}",1,now)),
               (BAL,(1,1,1,now,author,1)),
               (EARN,(author,"upvote",1,"x",None,f"vote:{vid}",now)),
               (HANDLED,(f"tg:{vid}",now))]
        for i,(s,p) in enumerate(stmts):
            t=time.perf_counter(); c.execute(s,p).fetchall(); tot[i]+=time.perf_counter()-t
    c.execute("COMMIT")
    print([round(x/n*1e6,1) for x in tot])
print("with triggers"); per_stmt(c, 3000, 300000)
print("without"); per_stmt(c2, 3000, 300000)
c.execute("PRAGMA foreign_keys=OFF"); c2.execute("PRAGMA foreign_keys=OFF")
print("with triggers, no FK"); per_stmt(c, 3000, 400000)
print("without, no FK"); per_stmt(c2, 3000, 400000)
