//! Stories of the shop: claiming never loses or double-spends points, never
//! oversells, and always ends in a clear state the member can see.

use chrono::{Duration, Utc};
use fanclub::club::model::{Actor, MemberId};
use fanclub::club::reply::{Audience, Reply};
use fanclub::store::PostingOutcome;
use fanclub::store::Store;
use fanclub::store::claims::{ClaimAttempt, ClaimState, Decided, Decision, NewClaim};

use crate::support::{TempStore, TestClub, actor, said};

async fn credit(store: &Store, member: MemberId, amount: i64, key: &str) {
    let posting = crate::support::grant_posting(member, amount, key);
    assert!(matches!(
        store.post(&posting, Utc::now()).await.unwrap(),
        PostingOutcome::Applied { .. }
    ));
}

fn shirt(member: MemberId, stock: Option<i64>, limit: Option<i64>) -> NewClaim<'static> {
    NewClaim {
        member,
        sku: "tshirt-2026",
        cost: 300,
        stock,
        per_member_limit: limit,
        approvals_needed: 1,
        expires_at: Utc::now() + Duration::days(14),
        event_key: None,
        options: &NO_OPTIONS,
        shipping: false,
    }
}

static NO_OPTIONS: fanclub::shop::Chosen = fanclub::shop::Chosen::new();

#[tokio::test]
async fn a_hundred_fans_race_for_the_last_shirt_and_exactly_one_gets_it() {
    let temp = TempStore::new().await;
    let mut fans = Vec::new();
    for i in 0..100 {
        let fan = temp.member(&format!("fan{i}")).await;
        credit(&temp.store, fan, 500, &format!("start-{i}")).await;
        fans.push(fan);
    }
    let claims = fans.iter().map(|fan| {
        let store = temp.store.clone();
        let fan = *fan;
        tokio::spawn(async move {
            store
                .make_claim(&shirt(fan, Some(1), None), Utc::now())
                .await
                .unwrap()
        })
    });
    let mut made = 0;
    let mut sold_out = 0;
    for claim in claims {
        match claim.await.unwrap() {
            ClaimAttempt::Made(claim) => {
                assert_eq!(claim.state, ClaimState::Pending);
                made += 1;
            }
            ClaimAttempt::SoldOut => sold_out += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((made, sold_out), (1, 99));
    let mut charged = 0;
    for fan in &fans {
        let balance = temp.store.balance(*fan).await.unwrap();
        let held = temp.store.held(*fan).await.unwrap();
        assert_eq!(balance + held, 500, "nobody lost points");
        charged += held;
    }
    assert_eq!(charged, 300, "exactly one hold");
    let report = temp.store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

#[tokio::test]
async fn fifty_claims_at_once_by_a_member_with_points_for_three_make_exactly_three() {
    let temp = TempStore::new().await;
    let alice = temp.member("alice").await;
    credit(&temp.store, alice, 950, "start").await;
    let claims = (0..50).map(|_| {
        let store = temp.store.clone();
        tokio::spawn(async move {
            store
                .make_claim(&shirt(alice, None, None), Utc::now())
                .await
                .unwrap()
        })
    });
    let mut made = 0;
    for claim in claims {
        match claim.await.unwrap() {
            ClaimAttempt::Made(_) => made += 1,
            ClaimAttempt::NotEnoughPoints { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(made, 3);
    assert_eq!(temp.store.balance(alice).await.unwrap(), 50);
    assert_eq!(temp.store.held(alice).await.unwrap(), 900);
    assert!(temp.store.doctor().await.unwrap().is_healthy());
}

#[tokio::test]
async fn two_moderators_deciding_at_once_yield_exactly_one_decision() {
    for round in 0..10 {
        let temp = TempStore::new().await;
        let alice = temp.member("alice").await;
        let (mia, max) = (temp.member("mia").await, temp.member("max").await);
        credit(&temp.store, alice, 300, "start").await;
        let ClaimAttempt::Made(claim) = temp
            .store
            .make_claim(&shirt(alice, None, None), Utc::now())
            .await
            .unwrap()
        else {
            panic!("the claim is made");
        };
        let approve = {
            let store = temp.store.clone();
            tokio::spawn(async move {
                store
                    .decide_claim(claim.id, mia, &Decision::Approve { note: None }, Utc::now())
                    .await
            })
        };
        let reject = {
            let store = temp.store.clone();
            let reason = Decision::Reject {
                reason: "zu spät".into(),
            };
            tokio::spawn(
                async move { store.decide_claim(claim.id, max, &reason, Utc::now()).await },
            )
        };
        let outcomes = [
            approve.await.unwrap().unwrap(),
            reject.await.unwrap().unwrap(),
        ];
        let decided = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Decided::Approved(_) | Decided::Rejected(_)))
            .count();
        let refused = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Decided::AlreadyDecided(_)))
            .count();
        assert_eq!((decided, refused), (1, 1), "round {round}: {outcomes:?}");
        let balance = temp.store.balance(alice).await.unwrap();
        assert!(
            balance == 0 || balance == 300,
            "spent or refunded, never both: {balance}"
        );
        assert_eq!(temp.store.held(alice).await.unwrap(), 0);
        assert!(temp.store.doctor().await.unwrap().is_healthy());
    }
}

/// The labels of a notice's buttons, in order.
fn button_labels(notice: &Reply) -> Vec<&str> {
    notice
        .buttons
        .iter()
        .map(|button| button.label.as_str())
        .collect()
}

/// A club where alice has points, mia and max moderate.
struct Shop {
    test: TestClub,
    alice: Actor,
    mia: Actor,
    max: Actor,
}

async fn shop() -> Shop {
    shop_where(|_| {}).await
}

/// [`shop`] on a club the operator configured with `configure`.
async fn shop_where(configure: impl FnOnce(&mut fanclub::club::ClubConfig)) -> Shop {
    let test = TestClub::configured(|config| {
        config.support_channels.clear();
        configure(config);
    })
    .await;
    let (alice, mia, max) = (
        actor("alice", false),
        actor("mia", true),
        actor("max", true),
    );
    test.post(&alice, "Hallo!", "hello").await;
    test.send(said(&mia, "/grant @alice 1000 Beta-Test", "grant"))
        .await;
    Shop {
        test,
        alice,
        mia,
        max,
    }
}

#[tokio::test]
async fn a_german_club_with_an_english_moderator_team_posts_claims_in_english() {
    let s = shop_where(|config| config.moderators_language = fanclub::lang::Lang::En).await;
    let anna = Actor {
        locale: Some("de".to_owned()),
        ..actor("anna", false)
    };
    s.test.post(&anna, "Hallo!", "hello-anna").await;
    s.test
        .send(said(&s.mia, "/grant @anna 1000 Beta-Test", "grant-anna"))
        .await;
    let redeemed = s
        .test
        .send(said(&anna, "/redeem tshirt-2026 L", "r-anna"))
        .await;
    assert!(
        redeemed.replies[0].text.starts_with("Bestellung #1"),
        "Anna reads German: {:?}",
        redeemed.replies[0]
    );
    let posted = &redeemed.replies[1];
    assert_eq!(posted.audience, Audience::Moderators);
    let labels = button_labels(posted);
    assert_eq!(labels, ["Approve", "Reject"]);
    assert!(
        posted
            .text
            .starts_with("New claim #1: anna would like Fan club T-shirt 2026"),
        "{}",
        posted.text
    );
}

#[tokio::test]
async fn a_member_claims_the_shirt_and_a_moderator_approves_it_with_the_button() {
    let s = shop().await;
    let redeemed = s
        .test
        .send(said(&s.alice, "/redeem tshirt-2026 L", "r1"))
        .await;
    assert_eq!(redeemed.replies.len(), 3, "{:?}", redeemed.replies);
    assert!(
        redeemed.replies[0]
            .text
            .starts_with("Claim #1: Fan club T-shirt 2026 (size: L) for 300 points is reserved."),
        "{:?}",
        redeemed.replies[0]
    );
    let posted = &redeemed.replies[1];
    assert_eq!(posted.audience, Audience::Moderators);
    let labels = button_labels(posted);
    assert_eq!(
        labels,
        ["Genehmigen", "Ablehnen"],
        "the moderators' place speaks the club's language"
    );
    let posted_id = s
        .test
        .club
        .record_sent(
            fanclub::club::model::Platform::Telegram,
            &crate::support::group(),
            Some("900"),
            posted,
        )
        .await
        .unwrap();
    assert_eq!(s.test.balance(&s.alice).await, 700);

    let press = |who: &Actor, key: &str| fanclub::club::model::Incoming {
        actor: who.clone(),
        place: crate::support::group(),
        event_key: Some(key.to_owned()),
        event: fanclub::club::model::Event::Button {
            message: posted_id,
            action: "claim:approve:1".to_owned(),
        },
    };
    let refused = s.test.send(press(&s.alice, "b1")).await;
    assert_eq!(refused.replies[0].text, "Only moderators can use /approve.");
    let approved = s.test.send(press(&s.mia, "b2")).await;
    let texts: Vec<&str> = approved
        .replies
        .iter()
        .map(|reply| reply.text.as_str())
        .collect();
    assert_eq!(texts[0], "Claim #1 is approved.");
    assert_eq!(
        approved.replies[1].audience,
        Audience::Member(
            s.test
                .club
                .store()
                .identity_member(s.alice.platform, &s.alice.external_id)
                .await
                .unwrap()
                .unwrap()
                .id
        )
    );
    assert_eq!(
        texts[1],
        "🎉 Your claim #1 (Fan club T-shirt 2026, size: L) is approved! Note: -"
    );
    // The edit finds the claim's message by the notice it came from, on
    // every platform it went to, not by searching the buttons.
    assert_eq!(approved.replies[2].audience, Audience::Moderators);
    assert_eq!(
        approved.replies[2].replaces_notice.as_deref(),
        posted.dedupe.as_deref(),
        "the claim message shows the decision"
    );
    assert!(posted.dedupe.is_some());
    assert!(
        texts[2].contains("genehmigt") && texts[2].contains("von mia"),
        "in the club's language: {}",
        texts[2]
    );
    let again = s.test.send(press(&s.max, "b3")).await;
    assert_eq!(
        again.replies[0].text,
        "Claim #1 was already decided by mia (approved)."
    );
    assert_eq!(
        s.test.balance(&s.alice).await,
        700,
        "approving spends the hold"
    );
    assert!(s.test.temp.store.doctor().await.unwrap().is_healthy());
}

#[tokio::test]
async fn cancel_reject_and_expiry_refund_exactly() {
    let s = shop().await;
    s.test.send(said(&s.alice, "/redeem mug", "r1")).await;
    s.test.send(said(&s.alice, "/redeem mug", "r2")).await;
    s.test
        .send(said(&s.alice, "/redeem tshirt-2026 L", "r3"))
        .await;
    assert_eq!(s.test.balance(&s.alice).await, 1000 - 120 - 120 - 300);

    let cancelled = s.test.send(said(&s.alice, "/cancel 1", "c1")).await;
    assert_eq!(
        cancelled.replies[0].text,
        "Claim #1 is cancelled; 120 points are back in your account."
    );
    let twice = s.test.send(said(&s.alice, "/cancel 1", "c2")).await;
    assert_eq!(
        twice.replies[0].text,
        "Claim #1 is no longer open (cancelled)."
    );
    let rejected = s
        .test
        .send(said(&s.mia, "/reject 2 Tassen sind aus", "x1"))
        .await;
    assert_eq!(
        rejected.replies[1].text,
        "Your claim #2 (Fan club mug) was rejected: Tassen sind aus. The 120 points are back in your account."
    );
    assert_eq!(s.test.balance(&s.alice).await, 1000 - 300);

    s.test.days_pass(15);
    let expired = s.test.club.expire_claims().await.unwrap();
    assert!(
        expired[0]
            .text
            .starts_with("Your claim #3 (Fan club T-shirt 2026, size: L) expired after 14 days"),
        "{expired:?}"
    );
    assert!(
        s.test.club.expire_claims().await.unwrap().is_empty(),
        "a claim expires once"
    );
    assert_eq!(s.test.balance(&s.alice).await, 1000);
    let report = s.test.temp.store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

#[tokio::test]
async fn a_restart_in_the_middle_of_the_expiry_timer_loses_nothing() {
    let s = shop().await;
    s.test
        .send(said(&s.alice, "/redeem tshirt-2026 L", "r1"))
        .await;
    s.test.days_pass(10);
    assert!(
        s.test.club.expire_claims().await.unwrap().is_empty(),
        "not yet"
    );
    let alice = s.alice.clone();
    let restarted = s.test.restarted(Duration::days(5)).await;
    assert_eq!(
        restarted.balance(&alice).await,
        700,
        "the hold survived the restart"
    );
    let expired = restarted.club.expire_claims().await.unwrap();
    assert_eq!(
        expired
            .iter()
            .filter(|reply| matches!(reply.audience, Audience::Member(_)))
            .count(),
        1
    );
    assert_eq!(restarted.balance(&alice).await, 1000);
    assert!(restarted.temp.store.doctor().await.unwrap().is_healthy());
}

#[tokio::test]
async fn valuable_items_need_two_different_moderators_and_nobody_decides_their_own_claim() {
    let s = shop().await;
    s.test
        .send(said(&s.mia, "/grant @alice 600 event", "more"))
        .await;
    s.test
        .send(said(&s.alice, "/redeem licence-pro-1y", "r1"))
        .await;
    let first = s.test.send(said(&s.mia, "/approve 1", "a1")).await;
    assert_eq!(
        first.replies[0].text,
        "Approval 1 of 2 for claim #1 is recorded; another moderator still has to approve."
    );
    let same = s.test.send(said(&s.mia, "/approve 1", "a2")).await;
    assert_eq!(
        same.replies[0].text,
        "You approved claim #1 already; another moderator still has to approve."
    );
    let second = s
        .test
        .send(said(&s.max, "/approve 1 Lizenz kommt per Mail", "a3"))
        .await;
    assert_eq!(second.replies[0].text, "Claim #1 is approved.");
    assert!(
        second.replies[1]
            .text
            .ends_with("Note: Lizenz kommt per Mail"),
        "{:?}",
        second.replies
    );

    s.test
        .send(said(&s.max, "/grant @mia 200 event", "mia-points"))
        .await;
    s.test.send(said(&s.mia, "/redeem mug", "mia-mug")).await;
    let own = s.test.send(said(&s.mia, "/approve 2", "own")).await;
    assert_eq!(
        own.replies[0].text,
        "Other moderators decide on your own claims."
    );
}

#[tokio::test]
async fn the_shop_says_why_an_item_is_not_available_and_the_member_sees_their_claims() {
    let s = shop().await;
    let listing = s.test.send(said(&s.alice, "/shop", "s")).await;
    let text = &listing.replies[0].text;
    assert!(
        text.starts_with("🛍 Shop – your balance: 1000 points"),
        "{text}"
    );
    assert!(text.contains("Backpack 2026 (backpack-2026) – 900 points · 40 left · only after 180 days of membership (you: 0)"), "{text}");
    assert!(text.contains("Pro licence for one year (licence-pro-1y) – 1500 points · 25 left · you need 500 points more"), "{text}");
    assert!(
        text.contains(
            "Sticker pack (stickers) – 40 points · unlimited · claim with /redeem stickers"
        ),
        "{text}"
    );

    let stickers = s.test.send(said(&s.alice, "/redeem stickers", "r1")).await;
    assert_eq!(
        stickers.replies.len(),
        2,
        "no approval needed, but the moderators ship it"
    );
    assert_eq!(stickers.replies[1].audience, Audience::Moderators);
    assert!(
        stickers.replies[1].text.contains("zum Versand") && stickers.replies[1].buttons.is_empty(),
        "{:?}",
        stickers.replies[1]
    );
    assert_eq!(
        stickers.replies[0].text,
        "Claim #1: Sticker pack for 40 points is confirmed!"
    );
    let unknown = s.test.send(said(&s.alice, "/redeem yacht", "r2")).await;
    assert_eq!(
        unknown.replies[0].text,
        "There is no item \"yacht\" in the shop right now. /shop shows what there is."
    );
    let claims = s.test.send(said(&s.alice, "/claims", "c")).await;
    assert!(
        matches!(claims.replies[0].audience, Audience::Member(_)),
        "claims are private"
    );
    assert!(
        claims.replies[0]
            .text
            .contains("#1 alice: Sticker pack · 40 points · confirmed"),
        "{:?}",
        claims.replies
    );
}

#[test]
fn a_console_session_claims_the_shirt_gets_it_approved_and_sees_a_rejection_refunded_in_german() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
alice: Hallo!
mod: /grant @alice 500 Beta-Test
alice: /redeem tshirt-2026 L
mod [Genehmigen] #6
alice: /redeem mug
mod: /reject 2 Tassen sind gerade aus
alice: /claims
alice: /balance
";
    let run = crate::support::console(dir.path(), "de", script);
    let out = &run.stdout;
    assert!(out.contains("#6 bot: Neue Bestellung #1: alice möchte Fanclub-T-Shirt 2026 (tshirt-2026, Größe: L) für 300 Punkte.\n    📦 Wird verschickt: Die Anschrift des Mitglieds fehlt noch. [Genehmigen] [Ablehnen]"), "{out}");
    assert!(
        out.contains(
            "bot → alice (private): 🎉 Deine Bestellung #1 (Fanclub-T-Shirt 2026, Größe: L) ist genehmigt!"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "#6 bot (edited): #1 alice: Fanclub-T-Shirt 2026 (Größe: L) · 300 Punkte · genehmigt am"
        ),
        "{out}"
    );
    assert!(out.contains("bot → alice (private): Deine Bestellung #2 (Fanclub-Tasse) wurde abgelehnt: Tassen sind gerade aus. Die 120 Punkte sind zurück auf deinem Konto."), "{out}");
    assert!(
        out.contains(
            "Deine Bestellungen:\n    #2 alice: Fanclub-Tasse · 120 Punkte · abgelehnt am"
        ),
        "{out}"
    );
    assert!(out.contains("alice: 200 Punkte"), "{out}");
}

#[test]
fn a_console_session_in_english_and_the_fulfilment_export() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
bob: hi
mod: /grant @bob 700 survey
bob: /redeem mug
mod: /pending
mod [Approve] #6
bob: /claims
";
    let mut command = crate::support::fanclub();
    command.env("FANCLUB__CLUB__DEFAULT_LANGUAGE", "en");
    let url = crate::support::url_in(dir.path());
    let run = crate::support::run_command(
        command,
        dir.path(),
        &["--database", &url, "--lang", "en", "console"],
        script,
    );
    assert!(run.success, "{}", run.stderr);
    let out = &run.stdout;
    assert!(out.contains("#6 bot: New claim #1: bob would like Fan club mug (mug) for 120 points. [Approve] [Reject]"), "{out}");
    assert!(
        out.contains("#1 bob: Fan club mug · 120 points · reserved, waiting for approval (0/1)"),
        "{out}"
    );
    assert!(
        out.contains("bot → bob (private): 🎉 Your claim #1 (Fan club mug) is approved!"),
        "{out}"
    );

    let export = crate::support::run_in(
        dir.path(),
        &[
            "--database",
            &url,
            "claims",
            "export",
            "--state",
            "approved",
            "--csv",
        ],
        "",
    );
    assert!(export.success, "{}", export.stderr);
    let mut lines = export.stdout.lines();
    assert_eq!(
        lines.next(),
        Some(
            "claim,sku,member,contact,state,decided_at,note,tracking,\
             created_at,shipped_at,options,address,accounts"
        ),
        "the README's eight columns first, newer ones after them"
    );
    let row = lines.next().expect("one approved claim");
    assert!(row.starts_with("1,mug,bob,console:bob,approved,"), "{row}");
    assert_eq!(lines.next(), None);
    let doctor = crate::support::run_in(dir.path(), &["--database", &url, "doctor"], "");
    assert!(doctor.success, "{}", doctor.stdout);
}

#[tokio::test]
async fn a_reload_with_less_stock_keeps_claims_valid_and_a_broken_catalog_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.toml");
    std::fs::copy(crate::support::starter_catalog(), &catalog).unwrap();
    let test = TestClub::configured(|config| config.shop.catalog = catalog.clone()).await;
    let (alice, mia) = (actor("alice", false), actor("mia", true));
    test.post(&alice, "hi", "hi").await;
    test.send(said(&mia, "/grant @alice 1000 event", "g")).await;
    test.send(said(&alice, "/redeem tshirt-2026 L", "r1")).await;

    let text = std::fs::read_to_string(&catalog)
        .unwrap()
        .replace("stock = 150", "stock = 1");
    std::fs::write(&catalog, text).unwrap();
    let reloaded = test.send(said(&mia, "/shop_reload", "reload")).await;
    assert_eq!(reloaded.replies[0].text, "Shop reloaded: 6 items.");
    assert_eq!(test.temp.store.audit_count("shop_reload").await.unwrap(), 1);
    let listing = test.send(said(&alice, "/shop", "s")).await;
    assert!(
        listing.replies[0]
            .text
            .contains("(tshirt-2026) – 300 points · 0 left · sold out"),
        "{:?}",
        listing.replies
    );
    let approved = test.send(said(&mia, "/approve 1", "a")).await;
    assert_eq!(
        approved.replies[0].text, "Claim #1 is approved.",
        "the claim made before the reload stands"
    );

    std::fs::write(&catalog, "[[item]]\nsku = \"mug\"\ncost = -5\n").unwrap();
    let failed = test.send(said(&mia, "/shop_reload", "reload2")).await;
    let text = &failed.replies[0].text;
    assert!(
        text.starts_with("The shop was not reloaded; the previous catalog stays active:"),
        "{text}"
    );
    assert!(
        text.contains("item `mug`") && text.contains("catalog.toml"),
        "{text}"
    );
    let still = test.send(said(&alice, "/redeem stickers", "r2")).await;
    assert_eq!(
        still.replies[0].text,
        "Claim #2: Sticker pack for 40 points is confirmed!"
    );
}

#[tokio::test]
async fn after_a_price_change_and_a_shop_reload_the_faq_quotes_the_new_price() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.toml");
    std::fs::copy(crate::support::starter_catalog(), &catalog).unwrap();
    let faq = dir.path().join("faq.toml");
    std::fs::write(
        &faq,
        "[[entry]]\nid = \"sticker-price\"\n\n[entry.en]\nquestion = \"What do the stickers cost?\"\n\
         answer = \"The sticker pack costs {shop.stickers.cost} points.\"\n",
    )
    .unwrap();
    let test = TestClub::configured(|config| {
        config.shop.catalog = catalog.clone();
        config.faq.path = faq.clone();
    })
    .await;
    let (alice, mia) = (actor("alice", false), actor("mia", true));
    let asked = test
        .send(said(&alice, "/faq What do the stickers cost?", "q1"))
        .await;
    assert!(
        asked.replies[0].text.contains("costs 40 points"),
        "{:?}",
        asked.replies
    );

    let cheaper = std::fs::read_to_string(&catalog)
        .unwrap()
        .replace("cost = 40", "cost = 25");
    std::fs::write(&catalog, cheaper).unwrap();
    test.send(said(&mia, "/shop_reload", "reload")).await;

    let again = test
        .send(said(&alice, "/faq What do the stickers cost?", "q2"))
        .await;
    assert!(
        again.replies[0].text.contains("costs 25 points"),
        "the answer follows the shop: {:?}",
        again.replies
    );
}
