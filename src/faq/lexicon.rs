//! The small bilingual lexicon of the club's domain.
//!
//! Character n-grams cannot see that "Rangliste" and "leaderboard" or
//! "Bestellung" and "claim" mean the same thing. This lexicon maps German
//! and English words (and the slang members use: "mods", "geliked",
//! "merch") onto shared concepts, so a German question meets an English
//! phrasing and the other way round. It is written from the club's domain,
//! not from any evaluation question, and stays small on purpose: generic
//! words are better handled by IDF than by hand.
//!
//! Words are stored folded (see [`super::text::fold`]); a word is found by
//! its folded form or by its stem.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::text::{fold, stem};

/// Function words of both languages and chat filler ("hey leute, kurze
/// frage"). They carry no meaning for matching a question to an entry.
const STOPWORDS: &[&str] = &[
    // German
    "ich",
    "du",
    "er",
    "sie",
    "es",
    "wir",
    "ihr",
    "man",
    "mich",
    "mir",
    "dich",
    "dir",
    "uns",
    "euch",
    "mein",
    "meine",
    "meinen",
    "meinem",
    "meiner",
    "meines",
    "dein",
    "deine",
    "deinen",
    "sein",
    "seine",
    "der",
    "die",
    "das",
    "den",
    "dem",
    "des",
    "ein",
    "eine",
    "einen",
    "einem",
    "einer",
    "eines",
    "und",
    "oder",
    "aber",
    "wie",
    "was",
    "ist",
    "sind",
    "bin",
    "bist",
    "war",
    "hab",
    "habe",
    "hat",
    "haben",
    "hast",
    "kann",
    "kannst",
    "koennen",
    "konnte",
    "mit",
    "von",
    "vom",
    "zu",
    "zum",
    "zur",
    "fuer",
    "auf",
    "in",
    "im",
    "an",
    "am",
    "als",
    "auch",
    "hier",
    "da",
    "dann",
    "mal",
    "ne",
    "nen",
    "wenn",
    "dass",
    "so",
    "noch",
    "schon",
    "denn",
    "doch",
    "ja",
    "eigentlich",
    "irgendwie",
    "bitte",
    "hallo",
    "hey",
    "hi",
    "moin",
    "servus",
    "leute",
    "kurze",
    "kurz",
    "frage",
    "gibt",
    "gibts",
    "geht",
    "gerade",
    "grad",
    "jetzt",
    "wird",
    "werden",
    "werd",
    "wurde",
    "muss",
    "musst",
    "darf",
    "soll",
    "sollte",
    "um",
    "bei",
    "nach",
    "ob",
    "s",
    "nur",
    "sich",
    "diese",
    "dieser",
    "diesen",
    "dieses",
    "alle",
    "alles",
    "welche",
    "welcher",
    "welches",
    "etwas",
    "was",
    "ueber",
    "aus",
    "bis",
    "zusammen",
    "sowas",
    // English
    "i",
    "me",
    "my",
    "mine",
    "you",
    "your",
    "we",
    "our",
    "he",
    "she",
    "it",
    "its",
    "they",
    "them",
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "how",
    "what",
    "is",
    "are",
    "am",
    "was",
    "were",
    "be",
    "been",
    "do",
    "does",
    "did",
    "can",
    "could",
    "would",
    "should",
    "will",
    "to",
    "of",
    "for",
    "on",
    "at",
    "with",
    "from",
    "by",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "have",
    "has",
    "had",
    "if",
    "so",
    "just",
    "please",
    "pls",
    "plz",
    "hello",
    "hey",
    "hi",
    "guys",
    "folks",
    "quick",
    "question",
    "any",
    "anyone",
    "some",
    "which",
    "about",
    "into",
    "up",
    "out",
    "as",
    "then",
    "than",
    "all",
    "really",
    "still",
    "s",
    "t",
    "m",
    "d",
    "ll",
    "re",
    "ve",
    "im",
    "dont",
    "didnt",
    "doesnt",
    "isnt",
    "cant",
    "whats",
    "way",
    "thing",
    "something",
];

/// Concepts and the words of both languages that name them.
const CONCEPTS: &[(&str, &[&str])] = &[
    (
        "#points",
        &[
            "punkte",
            "punkt",
            "pkt",
            "points",
            "point",
            "pts",
            "punktestand",
            "bonuspunkte",
        ],
    ),
    (
        "#balance",
        &[
            "balance",
            "balnce",
            "kontostand",
            "guthaben",
            "punktestand",
            "saldo",
            "total",
        ],
    ),
    ("#account", &["konto", "konten", "account", "accounts"]),
    ("#profile", &["profil", "profile", "mitgliedsprofil"]),
    (
        "#member",
        &[
            "mitglied",
            "mitglieder",
            "member",
            "members",
            "membership",
            "mitgliedschaft",
            "user",
            "users",
            "nutzer",
        ],
    ),
    (
        "#join",
        &[
            "beitreten",
            "join",
            "joined",
            "mitmachen",
            "anmelden",
            "anmeldung",
            "registrieren",
            "register",
            "signup",
            "sign",
        ],
    ),
    (
        "#command",
        &[
            "befehl",
            "befehle",
            "command",
            "commands",
            "kommando",
            "kommandos",
        ],
    ),
    ("#help", &["hilfe", "help"]),
    (
        "#list",
        &["liste", "list", "uebersicht", "overview", "auflistung"],
    ),
    (
        "#period",
        &[
            "woche", "wochen", "week", "weeks", "weekly", "monat", "monate", "month", "months",
            "monthly", "saison", "season", "jahr", "year",
        ],
    ),
    ("#ask", &["fragen", "frag", "ask", "asked", "asking"]),
    ("#faq", &["faq", "faqs"]),
    ("#bot", &["bot", "bots"]),
    ("#club", &["fanclub", "club", "community", "server"]),
    (
        "#history",
        &[
            "verlauf",
            "history",
            "historie",
            "buchung",
            "buchungen",
            "transaction",
            "transactions",
            "log",
            "punkteverlauf",
        ],
    ),
    (
        "#earn",
        &[
            "sammelt",
            "sammle",
            "sammelst",
            "verdiene",
            "verdienst",
            "earns",
            "earning",
            "collecting",
            "verdienen",
            "verdient",
            "earn",
            "earned",
            "sammeln",
            "collect",
            "gain",
            "erhalten",
        ],
    ),
    (
        "#get",
        &[
            "bekommt",
            "bekommst",
            "kriegt",
            "kriegst",
            "kriege",
            "gekriegt",
            "bekommen",
            "erhalte",
            "erhaelt",
            "received",
            "receiving",
            "getting",
            "gets",
            "bekommen",
            "bekomme",
            "kriegen",
            "krieg",
            "get",
            "got",
            "receive",
        ],
    ),
    (
        "#give",
        &[
            "geben",
            "gebe",
            "give",
            "vergeben",
            "verteilen",
            "hand",
            "grant",
            "granted",
        ],
    ),
    (
        "#upvote",
        &[
            "upvote",
            "upvotes",
            "upvoten",
            "upvoting",
            "like",
            "likes",
            "liken",
            "geliked",
            "gelikt",
            "vote",
            "votes",
            "voted",
            "voting",
            "voten",
            "stimme",
            "stimmen",
            "abstimmen",
            "voter",
        ],
    ),
    (
        "#reaction",
        &[
            "reaktion",
            "reaktionen",
            "reaction",
            "reactions",
            "react",
            "reagieren",
            "reagiere",
            "emoji",
            "emojis",
            "daumen",
            "thumbs",
            "thumb",
            "herz",
            "heart",
            "stern",
            "star",
        ],
    ),
    (
        "#thanks",
        &["danke", "thanks", "thank", "thx", "dankeschoen", "plus1"],
    ),
    (
        "#solution",
        &[
            "loesung",
            "solution",
            "solved",
            "solve",
            "geloest",
            "loesen",
            "haken",
            "accept",
            "accepted",
            "akzeptieren",
        ],
    ),
    (
        "#mark",
        &["markieren", "markiere", "markiert", "mark", "marked"],
    ),
    (
        "#answer",
        &[
            "antwort",
            "antworten",
            "answer",
            "answers",
            "reply",
            "replies",
        ],
    ),
    (
        "#self",
        &[
            "selbst", "own", "eigene", "eigenen", "eigener", "eigenes", "myself",
        ],
    ),
    (
        "#same",
        &[
            "dieselbe",
            "derselben",
            "dasselbe",
            "denselben",
            "gleiche",
            "gleichen",
            "same",
        ],
    ),
    (
        "#twice",
        &[
            "zweimal", "twice", "mehrmals", "oefter", "doppelt", "multiple", "several", "mehrere",
            "mehrfach",
        ],
    ),
    ("#new", &["neu", "neue", "neuer", "new", "newbie"]),
    (
        "#day",
        &[
            "tag", "tage", "tages", "day", "days", "taeglich", "daily", "today", "heute",
        ],
    ),
    (
        "#limit",
        &[
            "limit",
            "limits",
            "grenze",
            "maximum",
            "max",
            "maximal",
            "cap",
            "hoechstens",
            "obergrenze",
            "tageslimit",
            "tageslimits",
        ],
    ),
    (
        "#reset",
        &["zuruecksetzen", "zurueckgesetzt", "reset", "resets"],
    ),
    (
        "#time",
        &[
            "uhrzeit",
            "zeitzone",
            "timezone",
            "uhr",
            "mitternacht",
            "midnight",
            "o'clock",
        ],
    ),
    (
        "#remove",
        &[
            "entfernen",
            "entferne",
            "entfernt",
            "remove",
            "removed",
            "wegnehmen",
            "zuruecknehmen",
            "undo",
            "withdraw",
            "zurueckziehen",
            "rueckgaengig",
        ],
    ),
    (
        "#old",
        &["alt", "alte", "alten", "alter", "old", "older", "aelter"],
    ),
    (
        "#message",
        &[
            "nachricht",
            "nachrichten",
            "message",
            "messages",
            "beitrag",
            "beitraege",
            "post",
            "posts",
        ],
    ),
    ("#missing", &["fehlen", "fehlt", "missing", "verschwunden"]),
    ("#bonus", &["bonus", "bonuspunkte", "extra"]),
    (
        "#beta",
        &["betatest", "betatests", "beta", "test", "testing"],
    ),
    ("#survey", &["umfrage", "umfragen", "survey", "surveys"]),
    (
        "#recommend",
        &[
            "empfehlung",
            "empfehlungen",
            "empfehlen",
            "weiterempfehlen",
            "recommend",
            "recommendation",
            "recommendations",
            "referral",
        ],
    ),
    (
        "#event",
        &["event", "events", "veranstaltung", "veranstaltungen"],
    ),
    (
        "#moderator",
        &[
            "moderator",
            "moderatoren",
            "moderatorin",
            "mod",
            "mods",
            "admin",
            "admins",
        ],
    ),
    (
        "#negative",
        &["negativ", "negative", "minus", "null", "zero"],
    ),
    (
        "#leaderboard",
        &[
            "leaderboard",
            "rangliste",
            "bestenliste",
            "ranking",
            "rank",
            "rang",
            "platz",
            "place",
            "position",
        ],
    ),
    (
        "#shop",
        &[
            "shop",
            "store",
            "laden",
            "katalog",
            "catalogue",
            "catalog",
            "merch",
            "merchandise",
            "sortiment",
        ],
    ),
    (
        "#claim",
        &[
            "bestellung",
            "bestellungen",
            "bestellen",
            "bestelle",
            "bestellt",
            "order",
            "orders",
            "ordered",
            "ordering",
            "claim",
            "claims",
            "einloesen",
            "einloese",
            "einloesung",
            "einloesungen",
            "redeem",
            "redeemed",
            "redemption",
            "eintauschen",
            "tauschen",
            "kaufen",
            "buy",
            "purchase",
        ],
    ),
    ("#item", &["artikel", "item", "items", "sku"]),
    ("#tshirt", &["tshirt", "shirt", "shirts"]),
    ("#backpack", &["rucksack", "backpack"]),
    ("#mug", &["tasse", "tassen", "mug", "mugs", "becher"]),
    ("#sticker", &["sticker", "stickerpack", "aufkleber"]),
    (
        "#licence",
        &["lizenz", "licence", "license", "produktlizenz"],
    ),
    ("#ticket", &["ticket", "tickets"]),
    (
        "#hold",
        &[
            "reserviert",
            "reservieren",
            "reserve",
            "reserved",
            "hold",
            "gesperrt",
            "blockiert",
            "zurueckgehalten",
            "eingefroren",
        ],
    ),
    (
        "#approve",
        &[
            "genehmigen",
            "genehmigt",
            "approve",
            "approved",
            "approval",
            "freigeben",
            "freigegeben",
            "bestaetigt",
            "bestaetigen",
            "confirm",
            "confirmed",
        ],
    ),
    ("#status", &["status", "zustand", "state"]),
    (
        "#cancel",
        &[
            "stornieren",
            "storniere",
            "storno",
            "cancel",
            "cancelled",
            "canceled",
            "abbrechen",
            "rueckgaengig",
            "undo",
            "zuruecknehmen",
        ],
    ),
    (
        "#expire",
        &[
            "ablaufen",
            "ablaeuft",
            "abgelaufen",
            "expire",
            "expires",
            "expired",
            "verfallen",
            "verfaellt",
        ],
    ),
    (
        "#reject",
        &[
            "abgelehnt",
            "ablehnen",
            "reject",
            "rejected",
            "declined",
            "decline",
            "denied",
        ],
    ),
    (
        "#refund",
        &[
            "erstattung",
            "erstatten",
            "erstattet",
            "refund",
            "refunded",
            "zurueck",
            "back",
        ],
    ),
    (
        "#link",
        &[
            "verknuepfen",
            "verknuepft",
            "link",
            "linked",
            "linking",
            "verbinden",
            "connect",
            "zusammenlegen",
            "zusammenfuehren",
            "merge",
            "combine",
            "kombinieren",
        ],
    ),
    ("#discord", &["discord"]),
    ("#telegram", &["telegram"]),
    (
        "#private",
        &[
            "privat",
            "private",
            "privately",
            "sichtbar",
            "visible",
            "oeffentlich",
            "public",
        ],
    ),
    (
        "#group",
        &[
            "gruppe",
            "gruppen",
            "group",
            "groups",
            "gruppenchat",
            "channel",
            "kanal",
        ],
    ),
    (
        "#others",
        &[
            "andere", "anderen", "anderer", "other", "others", "jemand", "jemandem", "someone",
            "somebody", "else", "freund", "friend", "kumpel",
        ],
    ),
    ("#why", &["warum", "wieso", "weshalb", "why"]),
    ("#many", &["viele", "wieviel", "wieviele", "many", "much"]),
    ("#when", &["wann", "when"]),
    ("#where", &["wo", "where"]),
    (
        "#see",
        &[
            "sehen",
            "sehe",
            "seh",
            "see",
            "anzeigen",
            "show",
            "view",
            "anschauen",
            "nachschauen",
            "check",
            "checken",
            "abfragen",
            "look",
        ],
    ),
    ("#long", &["lange", "long", "dauert", "dauern", "dauer"]),
    (
        "#not",
        &[
            "nicht", "not", "no", "keine", "keinen", "nix", "nichts", "nothing", "never", "nie",
        ],
    ),
    ("#password", &["passwort", "password", "kennwort"]),
    ("#change", &["aendern", "aenderung", "change", "wechseln"]),
    (
        "#count",
        &["zaehlen", "zaehlt", "count", "counts", "counted"],
    ),
    (
        "#spend",
        &["ausgeben", "ausgegeben", "spend", "spent", "spending"],
    ),
];

struct Lexicon {
    stopwords: HashSet<String>,
    concepts: HashMap<String, Vec<&'static str>>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(build)
}

fn build() -> Lexicon {
    let stopwords = STOPWORDS.iter().map(|w| fold(w)).collect();
    let mut concepts: HashMap<String, Vec<&'static str>> = HashMap::new();
    let mut add = |key: String, concept: &'static str| {
        let list = concepts.entry(key).or_default();
        if !list.contains(&concept) {
            list.push(concept);
        }
    };
    for (concept, words) in CONCEPTS {
        for word in *words {
            let folded = fold(word);
            add(stem(&folded), concept);
            add(folded, concept);
        }
    }
    Lexicon {
        stopwords,
        concepts,
    }
}

/// Is this folded word a function word or chat filler?
pub fn is_stopword(word: &str) -> bool {
    lexicon().stopwords.contains(word)
}

/// The concepts a folded word names, looked up by the word or its stem.
pub fn concepts(word: &str) -> Option<&'static [&'static str]> {
    let lexicon = lexicon();
    lexicon
        .concepts
        .get(word)
        .or_else(|| lexicon.concepts.get(&stem(word)))
        .map(Vec::as_slice)
}

/// Every folded surface word of the lexicon, for typo correction.
pub fn surface_words() -> impl Iterator<Item = String> {
    CONCEPTS
        .iter()
        .flat_map(|(_, words)| words.iter())
        .map(|word| fold(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_and_english_words_share_concepts() {
        assert_eq!(concepts("bestellung"), concepts("claims"));
        assert_eq!(concepts("mods"), concepts("moderatoren"));
    }

    #[test]
    fn inflected_words_are_found_by_stem() {
        assert!(concepts("upvoted").is_some());
        assert!(concepts("punkten").is_some());
    }

    #[test]
    fn filler_is_a_stopword() {
        assert!(is_stopword("leute"));
        assert!(is_stopword("the"));
        assert!(!is_stopword("punkte"));
    }
}
