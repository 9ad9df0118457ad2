// Package jobs runs kaohe's scheduled work: deadline reminders, overdue
// notices and office digests, the monthly gathering of member counts, the
// year-end scoring trigger, and the outbox that delivers all mail.
//
// # Shape
//
//	cron tick (plan zone, SkipIfStillRunning → Recover)
//	   │
//	   ▼
//	Scheduler.RunTick ── lease "jobs" held? ── no ──► nothing
//	   │ yes
//	   ├─► Reminders.Run: DueNotices(now) → Owed(state now) → outbox rows (one tx)
//	   ├─► Monthly.Run:   import folder → monthly reports; due summaries
//	   ├─► Scoring.Run:   scoring instant passed and not marked → Score, mark
//	   └─► Dispatcher.Notify
//
//	Dispatcher (one per server): claim a batch ahead → senders, one per
//	SMTP connection → group commits of sent / retry / failed, at most
//	Window messages accepted by the server and not yet committed
//
// # Guarantees
//
// A tick is only a trigger: every job reads the clock and the database and
// works out what is due now, so a late run, a second run, a restart at
// 09:01 or a second server does the right thing. The outbox key (kind,
// unit, deadline, lead, recipient) is a unique constraint, so a reminder
// is enqueued once; a sender takes one of the dispatcher's Window slots
// before handing a message to the SMTP server and the slot is freed only
// when "sent" is committed, so a crash duplicates at most Window messages
// (TestCrashMidDispatch counts them exactly). Leases, claims and marks are
// rows in the database and work on SQLite and MySQL alike.
//
// Who owes what for node checkpoints and monthly counts comes through
// service.ReminderData, which the server implements over the node and
// monthly-report records; without it only the submission deadline is
// reminded of.
package jobs
