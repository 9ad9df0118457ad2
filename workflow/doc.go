// Package workflow holds the rules of the assessment as plain Go: what the
// year's plan says, what a unit's tables must satisfy, how a submission and
// a node move, when a deadline passes, and how the year is scored. It has
// no context, no transactions, no HTTP, SQL, cron, mail or spreadsheets:
// every function here takes its facts as arguments and returns its answer,
// so the rules can be read and tested on their own. The service that runs
// them against the database is package workflow/service.
//
// # The plan
//
// A Plan (plan.go) is one year's notice as data: the deadline, the
// checkpoints, the indicators with their ranges, steps and required
// contents, the innovation limits, the forbidden phrases, the monthly
// counts, the deduction amounts, the grade bands and the official calendar
// of days off and make-up working days. due.go is the one place where a
// date the plan writes becomes the instant it passes, moved off a day off.
//
// # The tables and their rules
//
// A Document (document.go) is a unit's three tables. Validate
// (validate.go) checks every rule of the plan at once and locates each
// violation by the JSON path of its field.
//
// # A submission's states
//
// One table of transitions (state.go) decides every move; Next answers
// "not for this role" (EFORBIDDEN) apart from "not from this state"
// (ESTATE):
//
//	          save                               save
//	          ┌──┐                               ┌──┐
//	          ▼  │                               ▼  │
//	(none) ──► draft ──submit──► submitted ◄──submit── returned
//	                                │  │                 ▲
//	                                │  └────return───────┘
//	                             certify
//	                                ▼
//	                            certified ──release──► executing ──score──► scored
//
// A unit and the office save and submit; only the office returns,
// certifies, releases (every certified table at once) and publishes the
// scores.
//
// # A node's states
//
// Every node of a released table is tracked (node.go). Four states are
// stored; overdue and missing are read from the clock, so they never
// depend on a job having run:
//
//	pending ──report──► reported ──accept──► accepted
//	   ▲                   │  ▲
//	   │                 reject│report again
//	   │                   ▼  │
//	   │                 rejected
//	   └─ (no report when the node's due time passes: overdue; at year end: missing)
//
// # Time, points and errors
//
// Deadline, reminder and scoring code reads the time from a Clock
// (clock.go), never the wall clock. Points are hundredths in an int64
// (points.go), never floats. Errors are one type with a stable code and a
// Chinese message (errors.go); the API maps codes to statuses in one table.
//
// # Scoring and reminders
//
// ScoreUnit and Rank (scoring.go) turn a unit's facts into its result and
// the year's ranking; every deduction names its rule, its reason and the
// ref of the fact behind it. DueNotices and Owed (remind.go) say which
// reminders and overdue notices are due at an instant and who owes what.
package workflow
