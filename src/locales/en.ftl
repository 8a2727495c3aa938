# English texts. Every id here must also exist in de.ftl (a unit test checks).

points = { $count ->
    [one] { $count } point
   *[other] { $count } points
}

## Commands: summaries (3–100 characters) and argument names

cmd-start = Welcome and first steps
cmd-help = Shows every command you can use
cmd-balance = Points, rank and fan-since date
cmd-history = Your latest point bookings
cmd-grant = Credit or debit points (moderators)
arg-member = member
arg-count = count
arg-points = points
arg-reason = reason

## /start and /help

welcome = Welcome to { $club }, { $name }! 🎉
    Here you help other fans, earn points for helpful answers and trade them for merch.
help-header = Commands you can use:
help-moderator-note = As a moderator you can also grant points.

## /balance

balance-line = { $name }: { $balance } · earned in total: { $lifetime } · rank { $rank } of { $members } · fan since { $since }
balance-others-only-moderators = Only moderators can see other members' balances.

## /history

history-header = Latest bookings of { $name }:
history-line = { $date }  { $amount }  { $reason }  ({ $kind })
history-empty = No bookings yet. Helpful answers bring the first points!
kind-grant = granted by a moderator

## /grant

grant-credited = { $name } receives { $points } ({ $reason }). New balance: { $balance }.
grant-debited = { $name } loses { $points } ({ $reason }). New balance: { $balance }.
grant-zero = Granting 0 points changes nothing. Give a positive or negative number.
grant-over-limit = A single grant may move at most { $limit }.
grant-self = Moderators cannot grant points to themselves.
grant-below-zero = That does not work: { $name } has only { $balance ->
    [one] { $balance } point
   *[other] { $balance } points
}, and a balance cannot go below zero.
grant-reason-too-long = The reason is too long (at most { $max } characters).

## Mistakes

usage = Usage: { $usage }
error-unknown-command = I don't know the command /{ $command }. /help shows every command.
error-missing-argument = <{ $arg }> is missing.
error-not-a-number = <{ $arg }> must be a whole number, not "{ $value }".
error-out-of-range = <{ $arg }> must be between { $min } and { $max }.
error-bad-member-name = "{ $value }" is not a member name.
error-too-many-arguments = That is one argument too many: "{ $extra }".
error-not-allowed = Only moderators can use /{ $command }.
error-unknown-member = I don't know a member called { $name } yet.
error-too-long = The message is too long ({ $length } characters, at most { $max }).
error-odd-characters = The message contains invisible control characters. Please type it again without them.
error-unknown-message = There is no message { $message }.
error-no-such-button = Message { $message } has no button "{ $label }".
error-internal = Sorry, something went wrong on my side. Please try again in a moment.
