# German texts. German is the club's first language.
# Every id here must also exist in en.ftl (a unit test checks).

points = { $count ->
    [one] { $count } Punkt
   *[other] { $count } Punkte
}

## Commands: summaries (3–100 characters) and argument names

cmd-start = Begrüßung und erste Schritte
cmd-help = Zeigt alle Befehle, die du nutzen kannst
cmd-balance = Punktestand, Rang und Fan-seit-Datum
cmd-history = Deine letzten Punktebuchungen
cmd-grant = Punkte oder eine Aktivität gutschreiben, auch abziehen (Moderation)
cmd-faq = Sucht die Antwort auf deine Frage im FAQ
cmd-faq_link = Ordnet die beantwortete Frage einem FAQ-Eintrag zu (Moderation)
cmd-faq_learned = Zeigt gelernte Formulierungen (Moderation)
cmd-faq_forget = Löscht eine gelernte Formulierung (Moderation)
cmd-faq_unanswered = Häufige Fragen, die das FAQ nicht beantwortet (Moderation)
cmd-faq_reload = Lädt das FAQ neu aus der Datei (Moderation)
cmd-faq_not_covered = Markiert eine Frage als nicht im FAQ beantwortet (Moderation)
cmd-faq_entries = Listet die FAQ-Einträge mit ihrer Frage (Moderation)
arg-question = frage
arg-entry = eintrag
arg-number = nummer
arg-tag = tag
cmd-upvote = Als Antwort gesendet: bedankt sich für eine hilfreiche Nachricht
cmd-solved = Als Antwort gesendet: markiert die Lösung deiner Frage
cmd-leaderboard = Rangliste: wer in diesem Zeitraum am meisten verdient hat
cmd-profile = Profil mit Punkten, Rang, Abzeichen und Fan-seit-Jahr
cmd-why = Heutige Stimmen für ein Mitglied und warum sie zählten (Moderation)
cmd-whois = Nummer, Namen und Konten eines Mitglieds (Moderation)
cmd-suspicious = Mitglieder, die sich auffällig oft gegenseitig hochvoten (Moderation)
cmd-revoke_votes = Nimmt alle Punkte aus den Stimmen eines Mitglieds zurück (Moderation)
arg-amount = punkte|kategorie
arg-period = woche|monat|saison|alle
arg-since = seit
cmd-shop = Was du mit deinen Punkten einlösen kannst
cmd-redeem = Löst Punkte gegen einen Artikel aus dem Shop ein
cmd-claims = Deine Bestellungen und ihr Stand
cmd-cancel = Storniert eine offene Bestellung, die Punkte kommen zurück
cmd-pending = Offene Bestellungen, die auf Freigabe warten (Moderation)
cmd-approve = Gibt eine Bestellung frei (Moderation)
cmd-reject = Lehnt eine Bestellung mit Grund ab, die Punkte gehen zurück (Moderation)
cmd-fulfil = Markiert eine Bestellung als versandt (Moderation)
cmd-shop_reload = Lädt den Shop-Katalog neu aus der Datei (Moderation)
arg-item = artikel
arg-claim = bestellung
arg-note = notiz
arg-tracking = sendungsnummer
arg-member = mitglied
arg-count = anzahl
arg-reason = grund

## /start and /help

welcome = Willkommen im { $club }, { $name }! 🎉
    Hier hilfst du anderen Fans, sammelst Punkte für hilfreiche Antworten und tauschst sie gegen Merch. Drei erste Schritte:
    1. Frag etwas: /faq und deine Frage.
    2. Hilf anderen im Support-Kanal: Hilfreiche Antworten bringen Punkte, /balance zeigt deinen Stand.
    3. Schau in den /shop, was du mit Punkten bekommst.
    /help zeigt alle Befehle, /help und ein Befehl erklärt ihn.
help-header = Befehle, die du nutzen kannst:
help-moderator-note = Als Moderator*in kannst du zusätzlich Punkte vergeben.
help-one = { $usage }
    { $summary }
help-one-moderators = Nur für Moderator*innen.
help-one-private = Die Antwort bekommst nur du, in einer Gruppe als private Nachricht.
help-unknown = Einen Befehl /{ $command } gibt es nicht. /help zeigt alle Befehle.
arg-command = befehl

## /balance

balance-line = { $name }: { $balance } · insgesamt verdient: { $lifetime }{ $rank ->
    [0] {""}
   *[other] {" "}· Rang { $rank } von { $members }
} · Fan seit { $since }

balance-held = {" "}· für offene Bestellungen reserviert: { $held }

## /history

history-header = Letzte Buchungen von { $name }:
history-line = { $date }  { $amount }  { $reason }  ({ $kind })
history-empty = Noch keine Buchungen. Hilfreiche Antworten bringen die ersten Punkte!
kind-grant = Vergabe durch Moderation
reason-upvote = hilfreiche Antwort { $message }, Stimme von { $name }
reason-solution = Lösung { $message }, markiert von { $name }
reason-someone = jemandem
reason-vote-reversed = { $why ->
    [withdrawn] Stimme zurückgenommen
    [revoked] Stimme von der Moderation entzogen
   *[other] Stimme aufgehoben
}

## /grant

grant-credited = { $name } erhält { $points } ({ $reason }). Neuer Punktestand: { $balance }.
grant-debited = { $name } wurden { $points } abgezogen ({ $reason }). Neuer Punktestand: { $balance }.
grant-zero = Eine Vergabe von 0 Punkten ändert nichts. Gib eine positive oder negative Zahl an.
grant-over-limit = Eine einzelne Vergabe darf höchstens { $limit } bewegen.
grant-self = Moderator*innen können sich selbst keine Punkte geben.
grant-below-zero = Das geht nicht: { $name } hat nur { $balance ->
    [one] { $balance } Punkt
   *[other] { $balance } Punkte
}, und der Punktestand kann nicht unter null fallen.
grant-reason-too-long = Der Grund ist zu lang (höchstens { $max } Zeichen).

## Points for helpful answers

vote-counted = Danke! { $name } erhält { $points } für die hilfreiche Antwort.
solution-counted = ✅ Als Lösung markiert: { $name } erhält { $points }.
vote-not-counted = Das zählt nicht: { $why }
vote-not-support = Hier zählen keine Stimmen, nur in den Support-Kanälen.
vote-bot-message = Nachrichten des Bots kann man nicht hochvoten.
outcome-paid = gezählt
outcome-daily_cap_partial = gezählt bis zum Tageslimit
outcome-self_vote = eigene Nachricht
outcome-bot_author = Nachricht eines Bots
outcome-duplicate = schon abgestimmt
outcome-already_solved = die Frage hat schon eine Lösung
outcome-new_voter = Stimme eines neuen Mitglieds (zählt ab dem { $days }. Tag)
outcome-too_old = Nachricht älter als { $days } Tage
outcome-daily_cap = Tageslimit von { $cap } Punkten erreicht
outcome-voter_cap = Tageslimit von { $cap } Stimmen erreicht
outcome-pair_cap = { $cap } Stimmen für dieselbe Person heute
outcome-not_asker = nur wer gefragt hat, kann die Lösung markieren
outcome-not_booked = nicht gebucht
why-header = Stimmen für { $name } heute ({ $date }):
why-line = { $message } von { $voter }: { $kind } +{ $points } ({ $why })
why-withdrawn = zurückgenommen, { $reversed } abgezogen
why-empty = { $name } hat heute keine Stimmen bekommen.
kind-upvote = hilfreich
kind-solution = Lösung
kind-upvote_reversal = hilfreich zurückgenommen
kind-solution_reversal = Lösung zurückgenommen
suspicious-header = Auffällige Stimmen (letzte { $days } Tage, ab { $threshold } Stimmen je Richtung):
suspicious-pair = { $a } ⇄ { $b }: { $ab } / { $ba } Stimmen
suspicious-ring = Ring { $a } → { $b } → { $c } → { $a }: { $ab } / { $bc } / { $ca } Stimmen
suspicious-none = In den letzten { $days } Tagen fällt niemand auf.
revoked = Stimmen von { $name } zurückgenommen: { $votes ->
    [one] eine Stimme
   *[other] { $votes } Stimmen
}, { $points } abgezogen.
member-votes-revoked = −{ $points }: Die Stimmen von { $name } für deine Antworten wurden von der Moderation zurückgenommen.
revoke-bad-since = „{ $since }“ ist kein Startdatum. Nutze z. B. 2026-11-01 oder 7d.
leaderboard-header = 🏆 Rangliste ({ $period }):
leaderboard-line = { $rank }. { $name } – { $points }
leaderboard-you = Du: Platz { $rank } mit { $count ->
    [one] { $count } Punkt
   *[other] { $count } Punkten
}
leaderboard-you-none = Du hast in diesem Zeitraum noch keine Punkte verdient.
leaderboard-empty = In diesem Zeitraum hat noch niemand Punkte verdient.
leaderboard-unknown-period = „{ $period }“ kenne ich nicht. Möglich sind woche, monat, saison und alle.
period-week = diese Woche
period-month = dieser Monat
period-season = diese Saison
period-all = seit Beginn
profile-header = { $name } – Fan seit { $year }
profile-points = Punktestand: { $balance } · insgesamt verdient: { $lifetime }{ $rank ->
    [0] {" "}· noch ohne Rang
   *[other] {" "}· Rang { $rank } von { $members }
}
profile-help = Hilfreiche Antworten: { $answers } · Lösungen: { $solutions }
profile-badges = Abzeichen: { $badges }
badge-tenure = Fan seit { $year }
badge-first-solution = Erste Lösung
badge-helpful-10 = 10 hilfreiche Antworten
badge-helpful-100 = 100 hilfreiche Antworten
milestone = 🎉 Glückwunsch, { $name }: { $badge }!
welcome-new-member = Willkommen im { $club }, { $name }! Stell gern deine Fragen, und hilf anderen: hilfreiche Antworten bringen Punkte. /help zeigt alle Befehle.
grant-unknown-category = Die Kategorie „{ $name }“ gibt es nicht. Möglich: { $known }.
error-reply-needed = Sende /{ $command } als Antwort auf die Nachricht, um die es geht.

## Shop

shop-header = 🛍 Shop – dein Punktestand: { $balance }
shop-empty = Im Moment gibt es nichts im Shop.
shop-line = • { $name } ({ $sku }) – { $cost } · { $stock } · { $status }
shop-stock-left = noch { $left } da
shop-stock-unlimited = unbegrenzt
shop-claimable = einlösbar mit /redeem { $sku }
shop-needs-points = dir fehlen { $needed }
shop-limit-reached = Limit von { $limit } pro Mitglied erreicht
shop-tenure = erst ab { $required } Tagen Mitgliedschaft (du: { $days })
shop-sold-out = ausverkauft
shop-reloaded = Shop neu geladen: { $items } Artikel.
shop-reload-failed = Der Shop wurde nicht neu geladen, der bisherige Katalog bleibt aktiv: { $error }
redeem-unknown-item = Einen Artikel „{ $sku }“ gibt es im Shop gerade nicht. /shop zeigt, was es gibt.
redeem-not-available = Das geht gerade nicht: { $why }.
redeem-pending = Bestellung #{ $claim }: { $item }{ $options } für { $cost } ist reserviert. Eine Moderatorin oder ein Moderator entscheidet meist in wenigen Tagen (spätestens bis { $expires }, sonst bekommst du die Punkte zurück). /claims zeigt den Stand.
redeem-approved-at-once = Bestellung #{ $claim }: { $item }{ $options } für { $cost } ist bestätigt!
claim-for-moderators = Neue Bestellung #{ $claim }: { $name } möchte { $item } ({ $sku }{ $options_inline }) für { $cost }.
claim-needs-approvals = Dieser Artikel braucht { $needed } Freigaben von verschiedenen Moderator*innen.
button-approve = Genehmigen
button-reject = Ablehnen
claims-header = Deine Bestellungen:
claims-empty = Du hast noch nichts bestellt. /shop zeigt, was es gibt.
pending-header = Offene Bestellungen:
pending-empty = Keine offenen Bestellungen.
claim-line = #{ $claim } { $member }: { $item } · { $cost } · { $state }
claim-state-pending = reserviert, wartet auf Freigabe ({ $approvals }/{ $needed }), bestellt am { $created }, verfällt am { $expires }
claim-state-approved = genehmigt am { $decided } von { $by } (Notiz: { $note }), noch nicht versandt
claim-state-confirmed = bestätigt am { $decided }
claim-state-rejected = abgelehnt am { $decided } von { $by }: { $note }; Punkte erstattet
claim-state-cancelled = storniert am { $decided }, Punkte erstattet
claim-state-expired = verfallen am { $decided }, Punkte erstattet
claim-state-fulfilled = versandt am { $shipped } (Sendung: { $tracking })
claim-word-pending = reserviert
claim-word-approved = genehmigt
claim-word-rejected = abgelehnt
claim-word-cancelled = storniert
claim-word-expired = verfallen
claim-word-fulfilled = versandt
claim-cancelled = Bestellung #{ $claim } ist storniert, { $cost } sind zurück auf deinem Konto.
claim-approved = Bestellung #{ $claim } ist genehmigt.
claim-rejected = Bestellung #{ $claim } ist abgelehnt, die Punkte gehen zurück.
claim-approval-recorded = Freigabe { $approvals } von { $needed } für Bestellung #{ $claim } ist vermerkt; es fehlt noch eine Freigabe von jemand anderem.
claim-already-approved-by-you = Du hast Bestellung #{ $claim } schon freigegeben; es fehlt noch eine Freigabe von jemand anderem.
claim-fulfilled = Bestellung #{ $claim } ist als versandt markiert.
claim-not-found = Eine Bestellung #{ $claim } gibt es nicht.
claim-not-open = Bestellung #{ $claim } ist nicht mehr offen ({ $state }).
claim-already-decided = Bestellung #{ $claim } wurde schon von { $by } entschieden ({ $state }).
claim-own = Über eigene Bestellungen entscheiden andere Moderator*innen.
claim-no-reason = ohne Angabe von Gründen
member-claim-approved = 🎉 Deine Bestellung #{ $claim } ({ $item }) ist genehmigt! Notiz: { $note }
member-claim-rejected = Deine Bestellung #{ $claim } ({ $item }) wurde abgelehnt: { $note }. Die { $cost } sind zurück auf deinem Konto.
member-claim-expired = Deine Bestellung #{ $claim } ({ $item }) ist nach { $days } Tagen ohne Entscheidung verfallen. Die { $cost } sind zurück auf deinem Konto.
member-claim-fulfilled = 📦 Deine Bestellung #{ $claim } ({ $item }) ist unterwegs! Sendung: { $tracking }
kind-hold = für eine Bestellung reserviert
kind-refund = Erstattung einer Bestellung

## FAQ

faq-helpful = Hilfreich
faq-not-helpful = Nicht hilfreich
faq-suggest-header = Meinst du eine dieser Fragen?
faq-none = Dazu steht noch nichts im FAQ. Eine Helferin oder ein Helfer wird die Frage aufgreifen.
faq-thanks-helpful = Danke für dein Feedback, das freut uns!
faq-thanks-not-helpful = Danke für dein Feedback! Eine Helferin oder ein Helfer schaut sich die Frage an.
faq-feedback-again = Zu dieser Antwort hast du schon Feedback gegeben. Danke!
faq-reloaded = FAQ neu geladen: { $entries } Einträge.
faq-reload-failed = Das FAQ wurde nicht neu geladen, die bisherige Fassung bleibt aktiv: { $error }
faq-linked = Gelernt: „{ $phrase }“ gehört zu { $entry }.
faq-link-known = Das kannte ich schon: „{ $phrase }“ gehört zu { $entry }.
faq-link-needs-reply = Antworte mit /faq_link auf die Nachricht mit der Frage.
faq-unknown-entry = Einen FAQ-Eintrag „{ $entry }“ gibt es nicht.
faq-learned-header = Gelernte Formulierungen:
faq-learned-line = { $number }. { $entry }: „{ $phrase }“ ({ $source }, von { $name }, { $date })
faq-learned-empty = Noch keine gelernten Formulierungen.
faq-forgot = Formulierung { $number } vergessen: „{ $phrase }“ ({ $entry }).
faq-no-such-learned = Eine gelernte Formulierung mit der Nummer { $number } gibt es nicht.
faq-unanswered-header = Häufige Fragen ohne Antwort (letzte { $days } Tage):
faq-unanswered-line = { $times }× { $question }
faq-unanswered-empty = In den letzten { $days } Tagen blieb keine Frage ohne Antwort.
error-word-too-long = „{ $value }“ ist zu lang.
error-foreign-button = Dieser Knopf gehört nicht zu dieser Nachricht.

## Mistakes

usage = Aufruf: { $usage }
error-unknown-command = Den Befehl /{ $command } kenne ich nicht. /help zeigt alle Befehle.
error-missing-argument = Da fehlt noch <{ $arg }>.
error-not-a-number = <{ $arg }> muss eine ganze Zahl sein, nicht „{ $value }“.
error-out-of-range = <{ $arg }> muss zwischen { $min } und { $max } liegen.
error-bad-member-name = „{ $value }“ ist kein Mitgliedsname.
error-too-many-arguments = Das ist ein Argument zu viel: „{ $extra }“.
error-not-allowed = /{ $command } dürfen nur Moderator*innen verwenden.
error-unknown-member = Ein Mitglied namens { $name } kenne ich noch nicht.
error-ambiguous-member = { $name } passt auf mehrere Mitglieder: { $candidates }. Welches meinst du? Nenne es mit seiner Nummer, etwa #{ $first }.
error-not-a-members-message = Die Nachricht, auf die du antwortest, ist nicht von einem Mitglied. Nenne das Mitglied als @name oder #Nummer.
error-too-long = Die Nachricht ist zu lang ({ $length } Zeichen, höchstens { $max }).
error-odd-characters = Die Nachricht enthält unsichtbare Steuerzeichen. Bitte tippe sie ohne sie noch einmal.
error-unknown-message = Eine Nachricht { $message } gibt es nicht.
error-no-such-button = Die Nachricht { $message } hat keinen Knopf „{ $label }“.
error-internal = Entschuldige, da ist bei mir etwas schiefgegangen. Bitte versuch es gleich noch einmal.

## /whois

whois-header = Mitglied #{ $number }: { $name } · Fan seit { $since }
whois-identity = { platform-name }: @{ $username } (Konto { $id })
whois-identity-nameless = { platform-name }: ohne Benutzernamen (Konto { $id })
claim-to-ship = Bestellung #{ $claim } zum Versand: { $name } bekommt { $item } ({ $sku }{ $options_inline }) für { $cost }; keine Freigabe nötig.
digest = { $points }: { $parts }. (/notify aus stellt diese Nachrichten ab.)
digest-upvotes = 👍 von { $names }
digest-thanks = 🙏 Dank von { $names }
digest-solutions = ✅ Lösung von { $names }
digest-grant = 🎁 { $points } von der Moderation: { $reason }
list-and = { $rest } und { $last }
notify-on = Du erfährst privat, wenn du Punkte verdienst (höchstens alle { $minutes } Minuten).
notify-off = Du erfährst nicht mehr, wenn du Punkte verdienst. /notify an schaltet es wieder ein.
notify-usage = Schreib /notify an, /notify aus oder /notify hier (private Nachrichten auf dieser Plattform).
claims-reminder = Bestellungen, die seit mehr als { $hours } Stunden auf eine Entscheidung warten:
cmd-notify = Private Nachricht, wenn du Punkte verdienst: an oder aus
arg-switch = an|aus|hier
digest-badge = 🏅 neues Abzeichen: { $badge }
notify-here = Deine privaten Nachrichten kommen jetzt hierher ({ platform-name }), solange das geht.
faq-not-covered = Gemerkt: „{ $question }“ beantwortet das FAQ nicht. Die Suche übt ab jetzt, so etwas abzulehnen.
faq-not-covered-known = Das wusste ich schon: „{ $question }“ beantwortet das FAQ nicht.
faq-not-covered-needs-question = Antworte mit /faq_not_covered auf die Nachricht mit der Frage oder schreib die Frage dahinter.
faq-entries = FAQ-Einträge ({ $count }):
faq-entries-empty = Keine FAQ-Einträge mit diesem Tag.

## One member across platforms: /link and /unlink

cmd-link = Verbindet deine Konten auf mehreren Plattformen zu einem Mitglied
cmd-unlink = Trennt das Konto einer Plattform wieder von dir ab
arg-code = code
arg-platform = plattform
link-code = Dein Verknüpfungscode: { $code }
    Sende mir innerhalb von { $minutes } Minuten privat „/link { $code }“ von deinem Konto auf einer anderen Plattform. Dann sind beide Konten ein Mitglied: ein Punktestand, eine Geschichte, ein Rang. Der Code gilt einmal; gib ihn niemandem weiter.
link-too-many-codes = Du hast in der letzten Stunde schon { $max } Codes angefordert. Bitte versuch es später noch einmal.
link-linked = Verknüpft: { $platforms } gehören jetzt zu einem Mitglied (#{ $number }). Punktestand: { $balance }, Fan seit { $since }.
link-collapsed = { $votes ->
    [one] Eine Stimme, die du von beiden Konten für dieselbe Nachricht oder für dich selbst abgegeben hattest, zählt nicht mehr
   *[other] { $votes } Stimmen, die du von beiden Konten für dieselbe Nachricht oder für dich selbst abgegeben hattest, zählen nicht mehr
} ({ $points } zurückgenommen).
link-wrong-code = Diesen Code kenne ich nicht. Prüfe ihn, oder fordere auf deinem anderen Konto mit /link einen neuen an.
link-too-many-wrong = Zu viele falsche Codes. Bitte versuch es in einer Stunde wieder.
link-expired = Dieser Code ist abgelaufen (ein Code gilt { $minutes } Minuten). Fordere auf deinem anderen Konto mit /link einen neuen an.
link-used = Dieser Code wurde schon benutzt. Fordere auf deinem anderen Konto mit /link einen neuen an.
link-own-code = Das ist dein eigener Code: Sende ihn von deinem Konto auf der anderen Plattform. Er gilt weiter.
link-shared-platform = Beide Mitglieder haben schon ein Konto auf { platform-name }, und ein Mitglied hat höchstens ein Konto je Plattform. Trenne eines zuerst mit /unlink { $platform } ab. Dieser Code ist verbraucht.
link-not-private = Sende Codes nur privat an mich, nie in einer Gruppe: Dort können alle sie lesen. Dieser Code gilt nicht mehr; fordere mit /link einen neuen an.
link-bad-code = „{ $code }“ ist kein Verknüpfungscode. Ein Code sieht so aus: 7KQ2M-X9RTA.
unlink-done = Dein Konto auf { platform-name } ist abgetrennt: Es ist ab jetzt ein eigenes Mitglied (#{ $number }) und beginnt bei 0 Punkten. Deine Punkte bleiben bei dir (#{ $member }).
unlink-not-linked = Du hast kein Konto auf { platform-name }.
unlink-last-account = Dein Konto auf { platform-name } ist dein einziges; es gibt nichts abzutrennen.
unlink-unknown-platform = „{ $platform }“ ist keine Plattform. Möglich sind: { $platforms }.

## German names of the slash commands on Discord (lowercase letters,
## digits and _; a command without one keeps its name).
cmdname-help = hilfe
cmdname-balance = punkte
cmdname-history = verlauf
cmdname-grant = gutschreiben
cmdname-faq_learned = faq_gelernt
cmdname-faq_forget = faq_vergessen
cmdname-faq_unanswered = faq_unbeantwortet
cmdname-faq_reload = faq_neu_laden
cmdname-faq_not_covered = faq_nicht_abgedeckt
cmdname-faq_entries = faq_eintraege
cmdname-leaderboard = rangliste
cmdname-profile = profil
cmdname-why = warum
cmdname-whois = wer_ist
cmdname-suspicious = auffaellig
cmdname-revoke_votes = stimmen_entziehen
cmdname-redeem = einloesen
cmdname-claims = bestellungen
cmdname-cancel = stornieren
cmdname-pending = offen
cmdname-approve = freigeben
cmdname-reject = ablehnen
cmdname-fulfil = versandt
cmdname-shop_reload = shop_neu_laden
cmdname-notify = benachrichtigen
cmdname-link = verbinden
cmdname-unlink = trennen

## Platform names; messages that name one refer to this with their $platform
platform-name = { $platform ->
    [telegram] Telegram
    [discord] Discord
   *[cli] Konsole
}

## Discord
discord-answered-elsewhere = Die Antwort kam als private Nachricht auf { platform-name }.

## Datenrechte (Issue 13): /privacy, /mydata, /forget_me, /leaderboard_hide.
cmd-privacy = Was der Club über dich speichert, und warum
cmd-mydata = Deine Daten als Datei, privat geschickt
cmd-forget_me = Deine Daten beim Club löschen (mit Rückfrage)
cmd-leaderboard_hide = Nicht in den Bestenlisten erscheinen: an oder aus
arg-confirm = bestätigen
arg-hidden = an|aus
cmdname-privacy = datenschutz
cmdname-mydata = meinedaten
cmdname-forget_me = vergiss_mich
cmdname-leaderboard_hide = bestenliste_verbergen
privacy-info = Was { $club } über dich speichert (Mitglied #{ $number }), und warum:
    • Deine Konten (Plattform, Konto-ID, Benutzername, Anzeigename, Sprache) und dein „Fan seit“-Datum: damit wir dich auf jeder Plattform erkennen und in deiner Sprache antworten.
    • Deine Punkte: jede Buchung mit Grund, die Stimmen, die du gegeben und bekommen hast, deine Bestellungen: damit Punktestände, Bestenlisten und der Shop fair bleiben. Gespeichert, solange du Mitglied bist. Offene Bestellungen verfallen nach { $claim_days } Tagen.
    • Was du schreibst, wo der Bot mitliest (Support-Gruppen, dein privater Chat mit dem Bot): um Danke und Stimmen zu zählen und zu antworten. Fragen, die die FAQ nicht beantworten konnte, sehen Moderatoren { $unanswered_days } Tage lang, nie in einer öffentlichen Gruppe.
    • Nachrichten, die auf dich warten: einige Tage nach der Zustellung gelöscht.
    Nichts verlässt den Club. /mydata schickt dir alles als Datei; /forget_me löscht dich (deine Punktebuchungen bleiben, ohne deinen Namen); /leaderboard_hide an nimmt dich aus den Bestenlisten.
mydata-sent = Hier ist alles, was der Club über dich speichert, als Datei ({ $file }). Sie ist nur für dich: bewahre sie gut auf.
forget-me-ask = Soll der Club dich vergessen? Gelöscht werden dein Name, deine Konten, deine Nachrichten, deine Fragen und die Formulierungen, die die FAQ von dir gelernt hat, und Versanddaten; offene Bestellungen werden storniert und erstattet; deine Punktebuchungen bleiben ohne deinen Namen. Das lässt sich nicht rückgängig machen. Drück den Knopf oder schick /forget_me bestätigen.
forget-me-button = Ja, vergiss mich
forget-me-usage = Zum Bestätigen schick /forget_me bestätigen (oder drück den Knopf unter meiner Frage).
forget-me-done = Erledigt: Der Club hat dich vergessen. Wenn du wieder schreibst, fängst du als neues Mitglied an.
forget-me-refunded = { $claims ->
    [one] Eine offene Bestellung wurde storniert und erstattet.
   *[other] { $claims } offene Bestellungen wurden storniert und erstattet.
}
forget-me-already = Hier gibt es nichts mehr zu vergessen.
leaderboard-hide-on = Ab jetzt erscheinst du in keiner Bestenliste. Deinen eigenen Platz siehst du weiterhin, privat. /leaderboard_hide aus holt dich zurück.
leaderboard-hide-off = Du erscheinst wieder in den Bestenlisten.
leaderboard-hide-usage = Schick /leaderboard_hide an (raus aus den Bestenlisten) oder /leaderboard_hide aus (wieder hinein).
leaderboard-you-hidden = Du bist in den Bestenlisten verborgen; frag mich privat nach deinem Platz.
profile-points-hidden = Punktestand: { $balance } · insgesamt verdient: { $lifetime } · nicht in den Bestenlisten

## The shop ships: options, postal addresses, suggestions.
cmd-address = Deine Postanschrift für Bestellungen, die verschickt werden (privat)
cmdname-address = adresse
arg-option = option
arg-address = anschrift
redeem-did-you-mean = Einen Artikel „{ $sku }“ gibt es im Shop nicht. Meintest du { $suggestions }? Zum Beispiel: /redeem { $first }
redeem-unknown-option = „{ $option }“ ist keine Option von { $item }.
redeem-option-twice = Du hast für { $option } zwei Werte angegeben; wähle einen.
redeem-choose = { $item } gibt es in mehreren Ausführungen; wähle je eine, zum Beispiel: { $example }
redeem-no-options = { $item } gibt es nur in einer Ausführung: /redeem { $sku }
redeem-choice-not-yours = Diese Knöpfe gehören dem Mitglied, das gefragt hat; sende selbst /redeem, um zu wählen.
redeem-address-follows = Der Artikel wird verschickt: Ich frage dich privat nach deiner Anschrift.
address-ask = 📦 Bestellung #{ $claim } ({ $item }{ $options_inline }) wird per Post verschickt. Bitte antworte auf diese Nachricht mit deiner Postanschrift (Name, Straße und Hausnummer, PLZ und Ort, Land) oder sende /address und die Anschrift. Nur die Moderator*innen sehen sie, und sie wird gelöscht, nachdem das Paket unterwegs ist.
claim-address-waiting = 📦 Wird verschickt: Die Anschrift des Mitglieds fehlt noch.
claim-address-given = Anschrift liegt vor
claim-address-missing = Anschrift fehlt
claim-address-erased = Anschrift gelöscht
claim-fulfil-needs-address = Bestellung #{ $claim } kann noch nicht als versandt markiert werden: Das Mitglied hat noch keine Postanschrift angegeben. Es wurde privat gefragt; /address setzt sie.
address-too-short = Das ist zu kurz für eine Postanschrift (mindestens { $min } Zeichen): Name, Straße und Hausnummer, PLZ und Ort, Land.
address-too-long = Das ist zu lang für eine Postanschrift (höchstens { $max } Zeichen und { $lines } Zeilen).
address-no-claim = Du hast keine offene Bestellung, die verschickt wird; es gibt also keine Anschrift zu setzen.
address-not-private = Sende deine Anschrift bitte nur privat an mich, nie in einer Gruppe: Ich habe sie nicht gespeichert. Lösche die Nachricht dort am besten.
address-saved = Danke! Deine Anschrift für { $count ->
    [one] Bestellung
   *[other] die Bestellungen
} { $claims } ist gespeichert: { $address } – Falsch? Sende /address mit der richtigen.
address-for-moderators = 📦 Die Postanschrift für { $count ->
    [one] Bestellung
   *[other] die Bestellungen
} { $claims } liegt vor. /pending im privaten Chat mit mir zeigt sie, ebenso der Export.
pending-to-ship = Genehmigt, per Post zu verschicken:
address-shown = Bestellung #{ $claim }: { $address }
address-shown-missing = Bestellung #{ $claim }: noch keine Anschrift; sende /address und die Anschrift.
ledger-claim-hold = Bestellung #{ $claim }: { $item } ({ $state })
ledger-claim-refund = Erstattung für Bestellung #{ $claim }: { $item } ({ $state })
