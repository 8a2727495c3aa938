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
cmd-grant = Credit points or an activity, or debit points (moderators)
cmd-faq = Looks up the answer to your question in the FAQ
cmd-faq_link = Links the question replied to with a FAQ entry (moderators)
cmd-faq_learned = Shows learned phrasings (moderators)
cmd-faq_forget = Deletes a learned phrasing (moderators)
cmd-faq_unanswered = Frequent questions the FAQ does not answer (moderators)
cmd-faq_reload = Reloads the FAQ from its file (moderators)
cmd-faq_not_covered = Marks a question as not covered by the FAQ (moderators)
cmd-faq_entries = Lists the FAQ entries with their question (moderators)
arg-question = question
arg-entry = entry
arg-number = number
arg-tag = tag
cmd-upvote = Sent as a reply: thanks the author for a helpful message
cmd-solved = Sent as a reply: marks the answer that solved your question
cmd-leaderboard = Leaderboard: who earned most in a period
cmd-profile = Profile with points, rank, badges and fan-since year
cmd-why = Today's votes for a member and why they paid or not (moderators)
cmd-whois = A member's number, names and accounts (moderators)
cmd-suspicious = Members who upvote each other suspiciously often (moderators)
cmd-revoke_votes = Takes back every point a member's votes paid (moderators)
arg-amount = points|category
arg-period = week|month|season|all
arg-since = since
cmd-shop = What you can trade your points for
cmd-redeem = Trades points for an item from the shop
cmd-claims = Your claims and where they stand
cmd-cancel = Cancels a pending claim; your points come back
cmd-pending = Claims waiting for a decision (moderators)
cmd-approve = Approves a claim (moderators)
cmd-reject = Rejects a claim with a reason; the points go back (moderators)
cmd-fulfil = Marks a claim as shipped (moderators)
cmd-shop_reload = Reloads the shop catalog from its file (moderators)
arg-item = item
arg-claim = claim
arg-note = note
arg-tracking = tracking
arg-member = member
arg-count = count
arg-reason = reason

## /start and /help

welcome = Welcome to { $club }, { $name }! 🎉
    Here you help other fans, earn points for helpful answers and trade them for merch. Three first steps:
    1. Ask something: /faq and your question.
    2. Help others in the support channel: helpful answers earn points, /balance shows yours.
    3. Look into the /shop to see what points buy.
    /help shows every command, /help and a command explains it.
help-header = Commands you can use:
help-moderator-note = As a moderator you can also grant points.
help-one = { $usage }
    { $summary }
help-one-moderators = For moderators only.
help-one-private = Only you get the answer; asked in a group, as a private message.
help-unknown = There is no command /{ $command }. /help shows every command.
arg-command = command

## /balance

balance-line = { $name }: { $balance } · earned in total: { $lifetime }{ $rank ->
    [0] {""}
   *[other] {" "}· rank { $rank } of { $members }
} · fan since { $since }

balance-held = {" "}· held for pending claims: { $held }

## /history

history-header = Latest bookings of { $name }:
history-line = { $date }  { $amount }  { $reason }  ({ $kind })
history-empty = No bookings yet. Helpful answers bring the first points!
kind-grant = granted by a moderator
reason-upvote = helpful answer { $message }, vote by { $name }
reason-solution = solution { $message }, marked by { $name }
reason-someone = someone
reason-vote-reversed = { $why ->
    [withdrawn] vote withdrawn
    [revoked] vote revoked by the moderators
   *[other] vote cancelled
}

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

## Points for helpful answers

vote-counted = Thanks! { $name } receives { $points } for the helpful answer.
solution-counted = ✅ Marked as the solution: { $name } receives { $points }.
vote-not-counted = That does not count: { $why }
vote-not-support = Votes do not count here, only in the support channels.
vote-bot-message = The bot's messages cannot be upvoted.
outcome-paid = paid
outcome-daily_cap_partial = paid up to the daily cap
outcome-self_vote = own message
outcome-bot_author = a bot's message
outcome-duplicate = already voted
outcome-already_solved = the question already has a solution
outcome-new_voter = a new member's vote (counts from day { $days })
outcome-too_old = message older than { $days } days
outcome-daily_cap = daily cap of { $cap } points reached
outcome-voter_cap = daily limit of { $cap } votes reached
outcome-pair_cap = { $cap } votes for the same person today
outcome-not_asker = only the member who asked can mark the solution
outcome-not_booked = not booked
why-header = Votes for { $name } today ({ $date }):
why-line = { $message } by { $voter }: { $kind } +{ $points } ({ $why })
why-withdrawn = withdrawn, { $reversed } taken back
why-empty = { $name } received no votes today.
kind-upvote = upvote
kind-solution = solution
kind-upvote_reversal = upvote withdrawn
kind-solution_reversal = solution withdrawn
suspicious-header = Suspicious votes (last { $days } days, from { $threshold } votes each way):
suspicious-pair = { $a } ⇄ { $b }: { $ab } / { $ba } votes
suspicious-ring = ring { $a } → { $b } → { $c } → { $a }: { $ab } / { $bc } / { $ca } votes
suspicious-none = Nobody stands out in the last { $days } days.
revoked = Votes of { $name } revoked: { $votes ->
    [one] one vote
   *[other] { $votes } votes
}, { $points } taken back.
member-votes-revoked = −{ $points }: the votes of { $name } on your answers were revoked by the moderators.
revoke-bad-since = "{ $since }" is not a start date. Use e.g. 2026-11-01 or 7d.
leaderboard-header = 🏆 Leaderboard ({ $period }):
leaderboard-line = { $rank }. { $name } – { $points }
leaderboard-you = You: rank { $rank } with { $count ->
    [one] { $count } point
   *[other] { $count } points
}
leaderboard-you-none = You have not earned points in this period yet.
leaderboard-empty = Nobody has earned points in this period yet.
leaderboard-unknown-period = I don't know "{ $period }". Choose week, month, season or all.
period-week = this week
period-month = this month
period-season = this season
period-all = all time
profile-header = { $name } – fan since { $year }
profile-points = Balance: { $balance } · earned in total: { $lifetime }{ $rank ->
    [0] {" "}· not ranked yet
   *[other] {" "}· rank { $rank } of { $members }
}
profile-help = Helpful answers: { $answers } · solutions: { $solutions }
profile-badges = Badges: { $badges }
badge-tenure = Fan since { $year }
badge-first-solution = First solution
badge-helpful-10 = 10 helpful answers
badge-helpful-100 = 100 helpful answers
milestone = 🎉 Congratulations, { $name }: { $badge }!
welcome-new-member = Welcome to { $club }, { $name }! Ask your questions, and help others: helpful answers earn points. /help shows every command.
grant-unknown-category = There is no category "{ $name }". Known: { $known }.
error-reply-needed = Send /{ $command } as a reply to the message you mean.

## Shop

shop-header = 🛍 Shop – your balance: { $balance }
shop-empty = There is nothing in the shop right now.
shop-line = • { $name } ({ $sku }) – { $cost } · { $stock } · { $status }
shop-stock-left = { $left } left
shop-stock-unlimited = unlimited
shop-claimable = claim with /redeem { $sku }
shop-needs-points = you need { $needed } more
shop-limit-reached = limit of { $limit } per member reached
shop-tenure = only after { $required } days of membership (you: { $days })
shop-sold-out = sold out
shop-reloaded = Shop reloaded: { $items } items.
shop-reload-failed = The shop was not reloaded; the previous catalog stays active: { $error }
redeem-unknown-item = There is no item "{ $sku }" in the shop right now. /shop shows what there is.
redeem-not-available = That does not work right now: { $why }.
redeem-pending = Claim #{ $claim }: { $item }{ $options } for { $cost } is reserved. A moderator usually decides within a few days (by { $expires } at the latest, or you get your points back). /claims shows where it stands.
redeem-approved-at-once = Claim #{ $claim }: { $item }{ $options } for { $cost } is confirmed!
claim-for-moderators = New claim #{ $claim }: { $name } would like { $item } ({ $sku }{ $options_inline }) for { $cost }.
claim-needs-approvals = This item needs { $needed } approvals from different moderators.
button-approve = Approve
button-reject = Reject
claims-header = Your claims:
claims-empty = You have not claimed anything yet. /shop shows what there is.
pending-header = Claims waiting for a decision:
pending-empty = No claims are waiting.
claim-line = #{ $claim } { $member }: { $item } · { $cost } · { $state }
claim-state-pending = reserved, waiting for approval ({ $approvals }/{ $needed }), claimed { $created }, expires { $expires }
claim-state-approved = approved { $decided } by { $by } (note: { $note }), not shipped yet
claim-state-confirmed = confirmed { $decided }
claim-state-rejected = rejected { $decided } by { $by }: { $note }; points refunded
claim-state-cancelled = cancelled { $decided }, points refunded
claim-state-expired = expired { $decided }, points refunded
claim-state-fulfilled = shipped { $shipped } (tracking: { $tracking })
claim-word-pending = reserved
claim-word-approved = approved
claim-word-rejected = rejected
claim-word-cancelled = cancelled
claim-word-expired = expired
claim-word-fulfilled = shipped
claim-cancelled = Claim #{ $claim } is cancelled; { $cost } are back in your account.
claim-approved = Claim #{ $claim } is approved.
claim-rejected = Claim #{ $claim } is rejected; the points go back.
claim-approval-recorded = Approval { $approvals } of { $needed } for claim #{ $claim } is recorded; another moderator still has to approve.
claim-already-approved-by-you = You approved claim #{ $claim } already; another moderator still has to approve.
claim-fulfilled = Claim #{ $claim } is marked as shipped.
claim-not-found = There is no claim #{ $claim }.
claim-not-open = Claim #{ $claim } is no longer open ({ $state }).
claim-already-decided = Claim #{ $claim } was already decided by { $by } ({ $state }).
claim-own = Other moderators decide on your own claims.
claim-no-reason = no reason given
member-claim-approved = 🎉 Your claim #{ $claim } ({ $item }) is approved! Note: { $note }
member-claim-rejected = Your claim #{ $claim } ({ $item }) was rejected: { $note }. The { $cost } are back in your account.
member-claim-expired = Your claim #{ $claim } ({ $item }) expired after { $days } days without a decision. The { $cost } are back in your account.
member-claim-fulfilled = 📦 Your claim #{ $claim } ({ $item }) is on its way! Tracking: { $tracking }
kind-hold = held for a claim
kind-refund = claim refunded

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
error-ambiguous-member = { $name } could mean several members: { $candidates }. Which one do you mean? Name them by their number, such as #{ $first }.
error-not-a-members-message = The message you reply to is not a member's. Name the member as @name or #number.
error-too-long = The message is too long ({ $length } characters, at most { $max }).
error-odd-characters = The message contains invisible control characters. Please type it again without them.
error-unknown-message = There is no message { $message }.
error-no-such-button = Message { $message } has no button "{ $label }".
error-internal = Sorry, something went wrong on my side. Please try again in a moment.

## /whois

whois-header = Member #{ $number }: { $name } · fan since { $since }
whois-identity = { platform-name }: @{ $username } (account { $id })
whois-identity-nameless = { platform-name }: no username (account { $id })
claim-to-ship = Claim #{ $claim } to ship: { $name } gets { $item } ({ $sku }{ $options_inline }) for { $cost }; no approval needed.
digest = { $points }: { $parts }. (/notify off stops these messages.)
digest-upvotes = 👍 from { $names }
digest-thanks = 🙏 thanks from { $names }
digest-solutions = ✅ solution from { $names }
digest-grant = 🎁 { $points } from a moderator: { $reason }
list-and = { $rest } and { $last }
notify-on = You will hear privately when you earn points (at most once every { $minutes } minutes).
notify-off = You will no longer hear when you earn points. /notify on switches it back on.
notify-usage = Use /notify on, /notify off, or /notify here (private messages on this platform).
claims-reminder = Claims waiting for a decision for more than { $hours } hours:
cmd-notify = Private messages when you earn points: on or off
arg-switch = on|off|here
digest-badge = 🏅 new badge: { $badge }
notify-here = Your private messages now come here ({ platform-name }), while it can reach you.
faq-not-covered = Noted: the FAQ does not answer "{ $question }". The search practises refusing such questions from now on.
faq-not-covered-known = I knew that already: the FAQ does not answer "{ $question }".
faq-not-covered-needs-question = Send /faq_not_covered as a reply to the message with the question, or write the question after it.
faq-entries = FAQ entries ({ $count }):
faq-entries-empty = No FAQ entries with this tag.

## One member across platforms: /link and /unlink

cmd-link = Joins your accounts on several platforms into one member
cmd-unlink = Splits a platform's account off from you again
arg-code = code
arg-platform = platform
link-code = Your link code: { $code }
    Within { $minutes } minutes, send me "/link { $code }" privately from your account on another platform. Both accounts are then one member: one balance, one history, one rank. The code works once; never share it.
link-too-many-codes = You already asked for { $max } codes in the last hour. Please try again later.
link-linked = Linked: { $platforms } belong to one member now (#{ $number }). Balance: { $balance }, fan since { $since }.
link-collapsed = { $votes ->
    [one] One vote you had cast from both accounts on the same message, or for yourself, no longer counts
   *[other] { $votes } votes you had cast from both accounts on the same message, or for yourself, no longer count
} ({ $points } taken back).
link-wrong-code = I do not know this code. Check it, or ask for a new one with /link on your other account.
link-too-many-wrong = Too many wrong codes. Please try again in an hour.
link-expired = This code has expired (a code is good for { $minutes } minutes). Ask for a new one with /link on your other account.
link-used = This code was used already. Ask for a new one with /link on your other account.
link-own-code = This is your own code: send it from your account on the other platform. It still works.
link-shared-platform = Both members already have an account on { platform-name }, and a member has at most one account per platform. Split one off first with /unlink { $platform }. This code is used up.
link-not-private = Send codes to me privately only, never in a group: everyone there can read them. This code no longer works; ask for a new one with /link.
link-bad-code = "{ $code }" is not a link code. A code looks like this: 7KQ2M-X9RTA.
unlink-done = Your { platform-name } account is split off: from now on it is a member of its own (#{ $number }) and starts at 0 points. Your points stay with you (#{ $member }).
unlink-not-linked = You have no { platform-name } account.
unlink-last-account = Your { platform-name } account is your only one; there is nothing to split off.
unlink-unknown-platform = "{ $platform }" is not a platform. These are: { $platforms }.

## Names of the slash commands on Discord (see de.ftl for the German ones).
cmdname-help = help
cmdname-balance = balance
cmdname-history = history
cmdname-grant = grant
cmdname-faq_learned = faq_learned
cmdname-faq_forget = faq_forget
cmdname-faq_unanswered = faq_unanswered
cmdname-faq_reload = faq_reload
cmdname-faq_not_covered = faq_not_covered
cmdname-faq_entries = faq_entries
cmdname-leaderboard = leaderboard
cmdname-profile = profile
cmdname-why = why
cmdname-whois = whois
cmdname-suspicious = suspicious
cmdname-revoke_votes = revoke_votes
cmdname-redeem = redeem
cmdname-claims = claims
cmdname-cancel = cancel
cmdname-pending = pending
cmdname-approve = approve
cmdname-reject = reject
cmdname-fulfil = fulfil
cmdname-shop_reload = shop_reload
cmdname-notify = notify
cmdname-link = link
cmdname-unlink = unlink

## Platform names; messages that name one refer to this with their $platform
platform-name = { $platform ->
    [telegram] Telegram
    [discord] Discord
   *[cli] console
}

## Discord
discord-answered-elsewhere = The answer went to your private messages on { platform-name }.

## Data rights (issue 13): /privacy, /mydata, /forget_me, /leaderboard_hide.
cmd-privacy = What the club stores about you, and why
cmd-mydata = Your data as a file, sent privately
cmd-forget_me = Erase your data from the club (asks first)
cmd-leaderboard_hide = Leave the leaderboards: on or off
arg-confirm = confirm
arg-hidden = on|off
cmdname-privacy = privacy
cmdname-mydata = mydata
cmdname-forget_me = forget_me
cmdname-leaderboard_hide = leaderboard_hide
privacy-info = What { $club } stores about you (member #{ $number }) and why:
    • Your accounts (platform, account id, username, display name, language) and your "fan since" date: to recognise you on every platform and answer in your language.
    • Your points: every booking with its reason, the votes you gave and received, your claims: to keep balances, leaderboards and the shop fair. Kept while you are a member. Unclaimed pending claims expire after { $claim_days } days.
    • What you write where the bot reads (support groups, your private chat with the bot): to count thanks and votes and to answer. Questions the FAQ could not answer are shown to moderators for { $unanswered_days } days, never in a public group.
    • Messages waiting for you: deleted some days after they were delivered.
    Nothing leaves the club. /mydata sends you all of it as a file; /forget_me erases you (your points stay booked, without your name); /leaderboard_hide on keeps you off the leaderboards.
mydata-sent = Here is everything the club stores about you, as a file ({ $file }). It is for you alone: keep it safe.
forget-me-ask = Do you want the club to forget you? Your name, your accounts, your messages, your questions and phrasings the FAQ learned from you, and shipping data are erased; claims still waiting are cancelled and refunded; your points bookings stay without your name. This cannot be undone. Press the button, or send /forget_me confirm.
forget-me-button = Yes, forget me
forget-me-usage = To confirm, send /forget_me confirm (or press the button under my question).
forget-me-done = Done: the club has forgotten you. If you write again, you start as a new member.
forget-me-refunded = { $claims ->
    [one] One waiting claim was cancelled and refunded.
   *[other] { $claims } waiting claims were cancelled and refunded.
}
forget-me-already = There is nothing left to forget.
leaderboard-hide-on = You are left out of the leaderboards from now on. You still see your own rank, privately. /leaderboard_hide off brings you back.
leaderboard-hide-off = You are on the leaderboards again.
leaderboard-hide-usage = Send /leaderboard_hide on (leave the leaderboards) or /leaderboard_hide off (be on them again).
leaderboard-you-hidden = You are hidden from the leaderboards; ask me privately to see your rank.
profile-points-hidden = Balance: { $balance } · earned in total: { $lifetime } · not on the leaderboards

## The shop ships: options, postal addresses, suggestions.
cmd-address = Your postal address for claims sent by post (privately)
cmdname-address = address
arg-option = option
arg-address = address
redeem-did-you-mean = There is no item "{ $sku }" in the shop. Did you mean { $suggestions }? For example: /redeem { $first }
redeem-unknown-option = "{ $option }" is not an option of { $item }.
redeem-option-twice = You gave two values for { $option }; pick one.
redeem-choose = { $item } comes in several options; pick one of each, for example: { $example }
redeem-no-options = { $item } comes in one kind only: /redeem { $sku }
redeem-choice-not-yours = These buttons belong to the member who asked; send /redeem yourself to choose.
redeem-address-follows = It is sent by post: I will ask you for your address in a private message.
address-ask = 📦 Claim #{ $claim } ({ $item }{ $options_inline }) is sent by post. Please answer this message with your postal address (name, street and number, postcode and town, country), or send /address followed by it. Only the moderators see it, and it is erased after the parcel is on its way.
claim-address-waiting = 📦 Sent by post: waiting for the member's address.
claim-address-given = address received
claim-address-missing = address missing
claim-address-erased = address erased
claim-fulfil-needs-address = Claim #{ $claim } cannot be marked as shipped yet: the member has not given a postal address. They were asked privately; /address sets it.
address-too-short = That is too short for a postal address (at least { $min } characters): name, street and number, postcode and town, country.
address-too-long = That is too long for a postal address (at most { $max } characters and { $lines } lines).
address-no-claim = You have no open claim that is sent by post, so there is no address to set.
address-not-private = Please send your address only in a private message to me, never in a group: I did not save it. You may want to delete that message.
address-saved = Thank you! Your address for { $count ->
    [one] claim
   *[other] claims
} { $claims } is saved: { $address } – Wrong? Send /address with the right one.
address-for-moderators = 📦 The postal address for { $count ->
    [one] claim
   *[other] claims
} { $claims } is in. /pending in a private chat with me shows it, and so does the export.
pending-to-ship = Approved, to send by post:
address-shown = Claim #{ $claim }: { $address }
address-shown-missing = Claim #{ $claim }: no address yet; send /address followed by it.
ledger-claim-hold = claim #{ $claim }: { $item } ({ $state })
ledger-claim-refund = refund of claim #{ $claim }: { $item } ({ $state })
