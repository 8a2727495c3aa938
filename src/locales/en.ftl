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
cmd-faq = Looks up the answer to your question in the FAQ
cmd-faq_link = Links the question replied to with a FAQ entry (moderators)
cmd-faq_learned = Shows learned phrasings (moderators)
cmd-faq_forget = Deletes a learned phrasing (moderators)
cmd-faq_unanswered = Frequent questions the FAQ does not answer (moderators)
cmd-faq_reload = Reloads the FAQ from its file (moderators)
arg-question = question
arg-entry = entry
arg-number = number
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

## FAQ

faq-helpful = Helpful
faq-not-helpful = Not helpful
faq-suggest-header = Did you mean one of these questions?
faq-none = There is no answer in the FAQ yet. A helper will pick this question up.
faq-thanks-helpful = Thanks for your feedback, glad it helped!
faq-thanks-not-helpful = Thanks for your feedback! A helper will look at the question.
faq-feedback-again = You already gave feedback on this answer. Thanks!
faq-reloaded = FAQ reloaded: { $entries } entries.
faq-reload-failed = The FAQ was not reloaded; the previous version stays active: { $error }
faq-linked = Learned: "{ $phrase }" belongs to { $entry }.
faq-link-known = I knew that already: "{ $phrase }" belongs to { $entry }.
faq-link-needs-reply = Send /faq_link as a reply to the message with the question.
faq-unknown-entry = There is no FAQ entry "{ $entry }".
faq-learned-header = Learned phrasings:
faq-learned-line = { $number }. { $entry }: "{ $phrase }" ({ $source }, by { $name }, { $date })
faq-learned-empty = No learned phrasings yet.
faq-forgot = Forgot phrasing { $number }: "{ $phrase }" ({ $entry }).
faq-no-such-learned = There is no learned phrasing number { $number }.
faq-unanswered-header = Frequent questions without an answer (last { $days } days):
faq-unanswered-line = { $times }× { $question }
faq-unanswered-empty = No question went unanswered in the last { $days } days.
error-word-too-long = "{ $value }" is too long.
error-foreign-button = That button does not belong to that message.

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
