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
