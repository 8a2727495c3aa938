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
cmd-grant = Punkte gutschreiben oder abziehen (Moderation)
cmd-faq = Sucht die Antwort auf deine Frage im FAQ
cmd-faq_link = Ordnet die beantwortete Frage einem FAQ-Eintrag zu (Moderation)
cmd-faq_learned = Zeigt gelernte Formulierungen (Moderation)
cmd-faq_forget = Löscht eine gelernte Formulierung (Moderation)
cmd-faq_unanswered = Häufige Fragen, die das FAQ nicht beantwortet (Moderation)
cmd-faq_reload = Lädt das FAQ neu aus der Datei (Moderation)
arg-question = frage
arg-entry = eintrag
arg-number = nummer
arg-member = mitglied
arg-count = anzahl
arg-points = punkte
arg-reason = grund

## /start and /help

welcome = Willkommen im { $club }, { $name }! 🎉
    Hier hilfst du anderen Fans, sammelst Punkte für hilfreiche Antworten und tauschst sie gegen Merch.
help-header = Befehle, die du nutzen kannst:
help-moderator-note = Als Moderator*in kannst du zusätzlich Punkte vergeben.

## /balance

balance-line = { $name }: { $balance } · insgesamt verdient: { $lifetime } · Rang { $rank } von { $members } · Fan seit { $since }
balance-others-only-moderators = Den Punktestand anderer Mitglieder sehen nur Moderator*innen.

## /history

history-header = Letzte Buchungen von { $name }:
history-line = { $date }  { $amount }  { $reason }  ({ $kind })
history-empty = Noch keine Buchungen. Hilfreiche Antworten bringen die ersten Punkte!
kind-grant = Vergabe durch Moderation

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
error-too-long = Die Nachricht ist zu lang ({ $length } Zeichen, höchstens { $max }).
error-odd-characters = Die Nachricht enthält unsichtbare Steuerzeichen. Bitte tippe sie ohne sie noch einmal.
error-unknown-message = Eine Nachricht { $message } gibt es nicht.
error-no-such-button = Die Nachricht { $message } hat keinen Knopf „{ $label }“.
error-internal = Entschuldige, da ist bei mir etwas schiefgegangen. Bitte versuch es gleich noch einmal.
