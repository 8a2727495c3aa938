//! One member across platforms: `/link` and `/unlink`.
//!
//! Why codes: the club cannot see that a Telegram account and a Discord
//! account belong to the same fan; only the fan can show it, by saying on
//! the second account what the first was told. The code is therefore a key
//! to the member's points:
//! - it comes from the operating system's random source through `rand`
//!   (50 bits: ten characters of Crockford's base 32), works for
//!   [`CODE_MINUTES`] minutes and once, and is stored only as its SHA-256;
//! - it is only ever said privately (`/link` asked in a group is answered
//!   in private), and a code sent in a group is void at once;
//! - a member asks for at most [`CODES_PER_HOUR`] codes and tries at most
//!   [`WRONG_CODES_PER_HOUR`] wrong ones an hour, so codes cannot be
//!   guessed.
//!
//! Joining the two members (balances, ledger, holds, claims, votes and
//! badges) is the store's, in one transaction ([`crate::store::links`]);
//! here the core decides who may, and tells the member.

use chrono::{Duration, NaiveDate};
use rand::Rng;
use sha2::{Digest, Sha256};

use super::Context;
use super::error::ClubError;
use super::handlers::{format_date, points as points_text};
use super::i18n::{args, text};
use super::model::Platform;
use super::reply::Reply;
use crate::store::links::{CodeIssued, CodeRequest, Redeem, Redemption};

/// How long a code works.
pub const CODE_MINUTES: i64 = 10;
/// How many codes a member may ask for in an hour.
pub const CODES_PER_HOUR: i64 = 5;
/// How many wrong codes a member may try in an hour.
pub const WRONG_CODES_PER_HOUR: i64 = 5;

/// Crockford's base 32: digits and letters without I, L, O and U, so a
/// code read aloud or typed from a screen is not mistaken.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code: 10 × 5 = 50 bits.
const CODE_CHARS: usize = 10;
// Each character carries log2(32) = 5 bits; the issue asks for 40 at least.
const _: () = assert!(CODE_CHARS * 5 >= 40, "a code needs at least 40 bits");

/// The platforms a member can have an account on.
const PLATFORMS: [Platform; 3] = [Platform::Console, Platform::Telegram, Platform::Discord];

/// `/link` and `/link <code>`.
pub(super) async fn link(
    context: &Context<'_>,
    code: Option<&str>,
) -> Result<Vec<Reply>, ClubError> {
    let text = match code {
        None => issue(context).await?,
        Some(typed) => match normalize(typed) {
            None => context.club.texts().get(
                context.lang,
                "link-bad-code",
                Some(&args([("code", text(typed))])),
            ),
            Some(code) if !context.place.private => expose(context, &code).await?,
            Some(code) => redeem(context, &code).await?,
        },
    };
    // The code is a key to the member's points: never said in a group.
    if context.place.private {
        return Ok(vec![Reply::in_place(
            context.place,
            text,
            Some(context.message),
        )]);
    }
    Ok(vec![Reply::to_member(context.member.id, text)])
}

/// `/unlink <platform>`: that platform's account becomes a member of its
/// own, starting at zero; the points stay with the member.
pub(super) async fn unlink(context: &Context<'_>, platform: &str) -> Result<String, ClubError> {
    let texts = context.club.texts();
    let lang = context.lang;
    let Some(platform) = Platform::parse(platform).filter(|parsed| PLATFORMS.contains(parsed))
    else {
        let known: Vec<&str> = PLATFORMS.iter().map(|platform| platform.as_str()).collect();
        return Ok(texts.get(
            lang,
            "unlink-unknown-platform",
            Some(&args([
                ("platform", text(platform)),
                ("platforms", text(&known.join(", "))),
            ])),
        ));
    };
    let named = args([("platform", text(platform.as_str()))]);
    let store = context.club.store();
    let accounts = store.identities_of(context.member.id).await?;
    let Some(account) = accounts
        .iter()
        .find(|account| account.platform == platform.as_str())
    else {
        return Ok(texts.get(lang, "unlink-not-linked", Some(&named)));
    };
    if accounts.len() < 2 {
        return Ok(texts.get(lang, "unlink-last-account", Some(&named)));
    }
    // The account has been a fan since it was first seen.
    let fan_since: NaiveDate =
        super::points::local_day(account.created_at, &context.club.config().points);
    let Some(split) = store
        .unlink(context.member.id, platform, fan_since, context.now)
        .await?
    else {
        return Ok(texts.get(lang, "unlink-not-linked", Some(&named)));
    };
    Ok(texts.get(
        lang,
        "unlink-done",
        Some(&args([
            ("platform", text(platform.as_str())),
            ("number", text(&split.0.to_string())),
            ("member", text(&context.member.id.0.to_string())),
        ])),
    ))
}

/// A new code for the member, unless they asked for too many lately.
async fn issue(context: &Context<'_>) -> Result<String, ClubError> {
    let texts = context.club.texts();
    let code = new_code();
    let hash = code_hash(&code);
    let request = CodeRequest {
        member: context.member.id,
        platform: context.actor.platform,
        code_hash: &hash,
        expires_at: context.now + Duration::minutes(CODE_MINUTES),
        recent_since: context.now - Duration::hours(1),
        max_recent: CODES_PER_HOUR,
    };
    let issued = context
        .club
        .store()
        .issue_link_code(&request, context.now)
        .await?;
    Ok(match issued {
        CodeIssued::Issued => texts.get(
            context.lang,
            "link-code",
            Some(&args([
                ("code", text(&shown(&code))),
                ("minutes", CODE_MINUTES.into()),
            ])),
        ),
        CodeIssued::TooMany => texts.get(
            context.lang,
            "link-too-many-codes",
            Some(&args([("max", CODES_PER_HOUR.into())])),
        ),
    })
}

/// A code sent where others can read it is void at once.
async fn expose(context: &Context<'_>, code: &str) -> Result<String, ClubError> {
    let exposed = context
        .club
        .store()
        .expose_link_code(&code_hash(code), context.member.id, context.now)
        .await?;
    tracing::info!(exposed, "a link code was sent in a group");
    Ok(context.club.texts().plain(context.lang, "link-not-private"))
}

/// Joins the code's member into this one, or says why not.
async fn redeem(context: &Context<'_>, code: &str) -> Result<String, ClubError> {
    let texts = context.club.texts();
    let lang = context.lang;
    let hash = code_hash(code);
    let redeem = Redeem {
        code_hash: &hash,
        member: context.member.id,
        wrong_since: context.now - Duration::hours(1),
        max_wrong: WRONG_CODES_PER_HOUR,
    };
    let minutes = || Some(args([("minutes", CODE_MINUTES.into())]));
    let joined = match context
        .club
        .store()
        .redeem_link_code(&redeem, context.now)
        .await?
    {
        Redemption::Linked(joined) => joined,
        Redemption::Wrong => return Ok(texts.plain(lang, "link-wrong-code")),
        Redemption::TooManyWrong => return Ok(texts.plain(lang, "link-too-many-wrong")),
        Redemption::Expired => return Ok(texts.get(lang, "link-expired", minutes().as_ref())),
        Redemption::Used => return Ok(texts.plain(lang, "link-used")),
        Redemption::Own => return Ok(texts.plain(lang, "link-own-code")),
        Redemption::SharedPlatform { platform } => {
            return Ok(texts.get(
                lang,
                "link-shared-platform",
                Some(&args([("platform", text(&platform))])),
            ));
        }
    };
    linked_text(context, joined.collapsed.votes, joined.collapsed.points).await
}

/// "Linked: console and telegram belong to one member now …"
async fn linked_text(
    context: &Context<'_>,
    collapsed_votes: i64,
    taken_back: i64,
) -> Result<String, ClubError> {
    let texts = context.club.texts();
    let lang = context.lang;
    let store = context.club.store();
    let member = context.member.id;
    // Read inside the event's transaction: the joined member as it is now.
    let platforms: Vec<String> = store
        .identities_of(member)
        .await?
        .into_iter()
        .map(|account| account.platform)
        .collect();
    let standing = store.standing(member).await?;
    let fan_since = store
        .member(member)
        .await?
        .map_or(context.member.fan_since, |member| member.fan_since);
    let mut reply = texts.get(
        lang,
        "link-linked",
        Some(&args([
            ("platforms", text(&platforms.join(" + "))),
            ("number", text(&member.0.to_string())),
            ("balance", text(&points_text(texts, lang, standing.balance))),
            ("since", text(&format_date(lang, fan_since))),
        ])),
    );
    if collapsed_votes > 0 {
        reply.push(' ');
        reply.push_str(&texts.get(
            lang,
            "link-collapsed",
            Some(&args([
                ("votes", collapsed_votes.into()),
                ("points", text(&points_text(texts, lang, taken_back))),
            ])),
        ));
    }
    Ok(reply)
}

/// A fresh code from the operating system's random source (through
/// `rand`'s thread generator, a CSPRNG seeded by it).
fn new_code() -> String {
    let mut random = rand::rng();
    (0..CODE_CHARS)
        .map(|_| char::from(ALPHABET[random.random_range(0..ALPHABET.len())]))
        .collect()
}

/// `7KQ2MX9RTA` as shown: `7KQ2M-X9RTA`.
fn shown(code: &str) -> String {
    let (first, second) = code.split_at(CODE_CHARS / 2);
    format!("{first}-{second}")
}

/// A code as typed, in its canonical form: case, dashes and spaces do not
/// matter, and O, I and L are read as 0, 1 and 1. `None` when it cannot be
/// a code.
fn normalize(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    let fits = code.len() == CODE_CHARS && code.bytes().all(|byte| ALPHABET.contains(&byte));
    fits.then_some(code)
}

/// What the store keeps of a code: its SHA-256, in hex.
fn code_hash(code: &str) -> String {
    Sha256::digest(code.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_carry_fifty_bits_and_differ() {
        let codes: Vec<String> = (0..64).map(|_| new_code()).collect();
        for code in &codes {
            assert_eq!(code.len(), CODE_CHARS);
            assert!(normalize(code).as_deref() == Some(code.as_str()), "{code}");
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
    }

    #[test]
    fn a_code_is_read_whatever_its_case_dashes_or_look_alike_letters() {
        assert_eq!(normalize("7kq2m-x9rta").as_deref(), Some("7KQ2MX9RTA"));
        assert_eq!(normalize("7KQ2M X9RTA").as_deref(), Some("7KQ2MX9RTA"));
        assert_eq!(normalize("O0IL1-22222").as_deref(), Some("0011122222"));
        assert_eq!(normalize("7KQ2M-X9RT"), None, "too short");
        assert_eq!(normalize("7KQ2M-X9RTU"), None, "U is not in the alphabet");
        assert_eq!(shown("7KQ2MX9RTA"), "7KQ2M-X9RTA");
    }

    #[test]
    fn only_the_hash_of_a_code_is_kept() {
        let hash = code_hash("7KQ2MX9RTA");
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains("7KQ2MX9RTA"));
        assert_eq!(hash, code_hash("7KQ2MX9RTA"));
    }
}
