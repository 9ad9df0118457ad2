package service

import (
	"context"
	"kaohe/workflow"
	"time"
)

// Store is the persistence the service needs. Package workflow/store
// implements it with gorm on SQLite and MySQL. Every service call is one
// transaction: a request either changes everything it meant to or nothing.
type Store interface {
	// Update runs fn in one read-write transaction, committing when fn
	// returns nil and rolling back otherwise. fn's error is returned
	// unchanged. Writers take turns (on SQLite one writer at a time).
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in one read-only transaction that sees one consistent
	// snapshot and never waits for a writer; any write inside it fails.
	View(ctx context.Context, fn func(tx Tx) error) error
	// Ping reports whether the database answers (readiness).
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// Tx is the set of reads and writes available inside one transaction, one
// interface per aggregate. Lookups of one record return an *Error with code
// ENOTFOUND when it does not exist, never a nil record with a nil error.
// Inserts that hit a unique key return ECONFLICT.
type Tx interface {
	PlanTx
	UnitTx
	AccountTx
	SubmissionTx
	AuditTx
	NodeTx
	MonthlyTx
	ScoringTx
	WaiverTx
	ReceiptTx
	ObjectionTx
	BackupTx
	JobsTx
	RobotTx
	CalendarTx
}

// RobotTx reads and writes the group robots of the units and the office.
// An owner "" is the office.
type RobotTx interface {
	// AddRobot stores r and sets its ID (ECONFLICT when its owner has the
	// same webhook already).
	AddRobot(r *workflow.Robot) error
	// Robot returns one robot, credentials included (ENOTFOUND).
	Robot(id int64) (*workflow.Robot, error)
	// RobotsOf lists the robots of unit ("" the office's) by ID.
	RobotsOf(unit string) ([]workflow.Robot, error)
	// AllRobots returns every robot by owner, each owner's by ID.
	AllRobots() (map[string][]workflow.Robot, error)
	// DeleteRobot removes robot id of unit (ENOTFOUND when unit has no
	// robot id).
	DeleteRobot(unit string, id int64) error
	// RecordRobotTest records when a test message was sent and what the
	// robot answered ("" accepted) (ENOTFOUND).
	RecordRobotTest(id int64, at time.Time, errText string) error
}

// CalendarTx reads and writes the addresses of the calendar feeds.
type CalendarTx interface {
	// CalendarFeed returns the feed of owner (a unit, "" the office)
	// (ENOTFOUND when it has none yet).
	CalendarFeed(owner string) (*workflow.CalendarFeed, error)
	// CalendarFeedByToken returns the feed whose address has token
	// (ENOTFOUND).
	CalendarFeedByToken(token string) (*workflow.CalendarFeed, error)
	// SaveCalendarFeed stores f as its owner's feed, replacing the token of
	// an existing one (ECONFLICT when another feed has the token).
	SaveCalendarFeed(f *workflow.CalendarFeed) error
}

// WaiverTx reads and writes the waivers of deductions.
type WaiverTx interface {
	// AddWaiver stores w in force and sets its ID: ECONFLICT when the unit
	// has a waiver in force for the same ref (a unique key, not a check).
	AddWaiver(w *workflow.Waiver) error
	// Waivers lists the year's waivers of unit ("" for every unit),
	// withdrawn ones included, by ID.
	Waivers(year int, unit string) ([]workflow.Waiver, error)
	// WithdrawWaiver marks a waiver in force withdrawn (ENOTFOUND when the
	// year's unit has no such waiver in force).
	WithdrawWaiver(year int, unit string, id int64, at time.Time, by string) error
}

// ReceiptTx reads and writes when units' tables arrived by other means.
type ReceiptTx interface {
	// PutReceipt records r, replacing the unit's earlier record of the
	// year.
	PutReceipt(r *workflow.Receipt) error
	// DeleteReceipt removes the unit's record (ENOTFOUND when none).
	DeleteReceipt(year int, unit string) error
	// Receipts lists the year's records of unit ("" for every unit).
	Receipts(year int, unit string) ([]workflow.Receipt, error)
}

// ObjectionTx reads and writes objections, their files and answers.
type ObjectionTx interface {
	// AddObjection stores o open with its files and sets their IDs.
	AddObjection(o *workflow.Objection) error
	// Objection returns one objection with its files (ENOTFOUND).
	Objection(id int64) (*workflow.Objection, error)
	// Objections lists the objections matching f with their files, by ID.
	Objections(f ObjectionFilter) ([]workflow.Objection, error)
	// AnswerObjection records o's answer if o is still open (ESTATE when
	// it was answered meanwhile).
	AnswerObjection(o *workflow.Objection) error
	// ObjectionFile returns one file's row (ENOTFOUND).
	ObjectionFile(id int64) (*workflow.ObjectionFile, error)
}

// ObjectionFilter selects a year's objections: of one unit ("" for all),
// only the open or only the answered ones, only those answered since a
// time (zero: any).
type ObjectionFilter struct {
	Year          int
	Unit          string
	Open          bool
	Answered      bool
	AnsweredSince time.Time
}

// BackupTx records the backups written and reads the latest.
type BackupTx interface {
	// AddBackup stores one backup attempted, failed or not, and sets its ID.
	AddBackup(r *workflow.BackupRecord) error
	// LastBackups returns the latest backup attempted and the latest that
	// succeeded; either is nil when there is none.
	LastBackups() (last, good *workflow.BackupRecord, err error)
}

// PlanTx reads and writes the plans: the versions of each year's plan as
// the office edits them, and the plan in force of each year (the latest
// published version), which almost every request reads.
type PlanTx interface {
	// Plan returns the plan in force of year (ENOTFOUND when none is
	// published). The plan may be shared with other transactions: read
	// it, never change it (Plan.Clone gives a copy to change).
	Plan(year int) (*workflow.Plan, error)
	// Plans returns every plan in force, oldest first, shared as Plan's.
	Plans() ([]*workflow.Plan, error)
	// SavePlan stores p as the next version of its year, published at at
	// by the system, and makes it the plan in force.
	SavePlan(p *workflow.Plan, at time.Time) error
	// AddPlanVersion stores v, unpublished (ECONFLICT when the year has
	// v.Version already).
	AddPlanVersion(v *workflow.PlanVersion) error
	// PublishPlanVersion publishes a version and makes its plan the plan in
	// force of its year (ENOTFOUND, ESTATE when published already).
	PublishPlanVersion(year, version int, at time.Time, by string) error
	// PlanVersions lists the versions of year (every year for 0), by year
	// and newest first, without their plans.
	PlanVersions(year int) ([]workflow.PlanVersion, error)
	// PlanVersion returns one version with its plan as a document, which
	// may have problems (ENOTFOUND).
	PlanVersion(year, version int) (*workflow.PlanVersion, error)
}

// UnitTx reads and writes units and their contacts.
type UnitTx interface {
	Unit(code string) (*workflow.Unit, error)
	Units() ([]workflow.Unit, error)
	CreateUnit(u *workflow.Unit) error
	Contacts(unit string) ([]workflow.Contact, error)
	SetContacts(unit string, cs []workflow.Contact) error
}

// AccountTx reads and writes accounts, sessions and failed logins.
type AccountTx interface {
	UserByName(username string) (*workflow.User, error)
	UserByID(id int64) (*workflow.User, error)
	Users() ([]workflow.User, error)
	CreateUser(u *workflow.User) error
	SetPassword(id int64, hash string) error
	CreateSession(s *workflow.Session) error
	// Session returns the live session with the token hash (ENOTFOUND when
	// absent or expired at now).
	Session(tokenHash string, now time.Time) (*workflow.Session, error)
	// SessionUser returns the account of the live session with the token
	// hash, in one read, without its password hash (ENOTFOUND when the
	// session is absent or expired at now, or the account gone).
	SessionUser(tokenHash string, now time.Time) (*workflow.User, error)
	DeleteSession(tokenHash string) error
	// DeleteSessionsOf ends every session of the account except the one
	// with keepTokenHash ("" keeps none).
	DeleteSessionsOf(userID int64, keepTokenHash string) error
	// LoginFailures counts the failed logins since the given time of
	// username, from address, and of username from address.
	LoginFailures(username, address string, since time.Time) (workflow.LoginFailures, error)
	AddLoginFailure(username, address string, at time.Time) error
	// ClearLoginFailures forgets the failures of username from address.
	ClearLoginFailures(username, address string) error
	// PurgeLoginFailures forgets the failures before the given time.
	PurgeLoginFailures(before time.Time) error
}

// SubmissionTx reads and writes submissions and their history.
type SubmissionTx interface {
	Submission(year int, unit string) (*workflow.Submission, error)
	// SubmissionJSON is Submission without decoding the document: Doc is
	// empty and the stored JSON of the document comes beside it, with the
	// tables' receipt (nil when none), in one read.
	SubmissionJSON(year int, unit string) (*workflow.Submission, *workflow.Receipt, string, error)
	Submissions(year int) ([]workflow.Submission, error)
	CreateSubmission(s *workflow.Submission) error
	// UpdateSubmission writes s if the stored version is still prevVersion,
	// else returns ESTALE and writes nothing.
	UpdateSubmission(s *workflow.Submission, prevVersion int) error
	AddHistory(h *workflow.HistoryEntry) error
	// Releases returns when each unit's submission of year was released
	// (units whose submission was not are absent).
	Releases(year int) (map[string]time.Time, error)
	History(year int, unit string) ([]workflow.HistoryEntry, error)
}

// AuditTx appends to and reads the audit log.
type AuditTx interface {
	AddAudit(a *workflow.AuditEntry) error
	Audit(f AuditFilter) ([]workflow.AuditEntry, error)
}

// NodeTx reads and writes the nodes of executing submissions, their
// evidence and reviews.
type NodeTx interface {
	// Nodes of executing submissions (node.go), their evidence and reviews.
	// CreateNodes stores ns, setting their IDs (ECONFLICT when a node of the
	// same year, unit, category and position exists).
	CreateNodes(ns []workflow.NodeRecord) error
	// Nodes lists the nodes matching f by unit, category (party, business,
	// innovation), item, work and node.
	// Nodes and Node fill each record's Released from its submission.
	Nodes(f NodeFilter) ([]workflow.NodeRecord, error)
	Node(id int64) (*workflow.NodeRecord, error)
	// UpdateNode writes n's mutable fields (state, late, note, reported_at,
	// awarded, reviewed_at, version) if the stored version is still
	// prevVersion, else returns ESTALE and writes nothing.
	UpdateNode(n *workflow.NodeRecord, prevVersion int) error
	// ScoringNodes returns the nodes of the given units as year-end
	// scoring reads them, in no particular order (none for an empty list):
	// the accepted nodes reported on time summed per unit, category, item
	// and indicator (NodeFact.Count nodes each, with Points and Awarded
	// summed and no work, node or due date), every other node one by one
	// (Count 0).
	ScoringNodes(year int, units []string) ([]workflow.NodeFact, error)
	AddEvidence(e *workflow.Evidence) error
	// Evidence returns one file's row, withdrawn or not (ENOTFOUND).
	Evidence(id int64) (*workflow.Evidence, error)
	// EvidenceList lists the current files matching f in upload order.
	EvidenceList(f EvidenceFilter) ([]workflow.Evidence, error)
	// WithdrawEvidence marks a current file withdrawn (ENOTFOUND when it is
	// absent or withdrawn already).
	WithdrawEvidence(id int64, at time.Time, by string) error
	AddReview(r *workflow.Review) error
	// Reviews lists a node's reviews, oldest first.
	Reviews(nodeID int64) ([]workflow.Review, error)
	// ReviewsOf lists every review of the year's nodes of unit, oldest
	// first.
	ReviewsOf(year int, unit string) ([]workflow.Review, error)
}

// MonthlyTx reads and writes the monthly member counts.
type MonthlyTx interface {
	// Monthly member counts (monthly.go), kept per source: the unit's own
	// report (SourceAPI) and the member information system's import
	// (SourceImport) side by side. PutMonthlyReport makes m the current
	// value of its year, unit, month and source and appends it to the
	// history.
	PutMonthlyReport(m *workflow.MonthlyReport) error
	// MonthlyReports returns the current value of every unit, month and
	// source of year, by month, unit and source.
	MonthlyReports(year int) ([]workflow.MonthlyReport, error)
	// MonthlyReportsOf is MonthlyReports for the given units only, by
	// unit, month and source (none for an empty list).
	MonthlyReportsOf(year int, units []string) ([]workflow.MonthlyReport, error)
	// MonthlyFactsOf returns what scoring reads of the current values of
	// the given units: the first figure of each month and source (its
	// ReportedAt is the value's FirstReportedAt), by unit, month and source
	// (none for an empty list).
	MonthlyFactsOf(year int, units []string) ([]workflow.MonthlyFact, error)
	// MonthlyHistory returns every value reported for a unit and month,
	// from either source, oldest first.
	MonthlyHistory(year int, unit string, m workflow.Month) ([]workflow.MonthlyReport, error)
}

// ScoringTx reads and writes what year-end scoring needs: manual
// deductions and scoring runs.
type ScoringTx interface {
	// Year-end scoring (scoring_run.go): submissions by batch of units,
	// manual deductions and immutable scoring runs.
	// SubmissionsOf returns the year's submissions of the given units, by
	// unit; units without one are left out.
	SubmissionsOf(year int, units []string) ([]workflow.Submission, error)
	// SubmissionFacts returns what scoring reads of the year's submissions
	// of the given units, by unit (units without one are left out), as
	// workflow.Submission.Facts made them when the submission was last
	// written, without reading documents: the state, the first submission,
	// the release and the innovation items with the office's certification.
	SubmissionFacts(year int, units []string) ([]workflow.SubmissionFact, error)
	// AddDeduction stores d and sets its ID.
	AddDeduction(d *workflow.ManualDeduction) error
	// Deductions lists the year's manual deductions of unit ("" for every
	// unit) by ID.
	Deductions(year int, unit string) ([]workflow.ManualDeduction, error)
	// DeleteDeduction removes one (ENOTFOUND when the year and unit have no
	// deduction id).
	DeleteDeduction(year int, unit string, id int64) error
	// CreateScoringRun stores r with its results and sets its ID.
	CreateScoringRun(r *workflow.ScoringRun) error
	// ScoringRun returns a run with its results (ENOTFOUND when absent).
	ScoringRun(year int, id int64) (*workflow.ScoringRun, error)
	// ScoringResult returns one unit's result in a run, reading no other
	// (ENOTFOUND when the run or the unit's result is absent).
	ScoringResult(year int, id int64, unit string) (*workflow.UnitResult, error)
	// ScoringRuns lists the year's runs, newest first, without results.
	ScoringRuns(year int) ([]workflow.ScoringRun, error)
	// PublishScoringRun marks a run published as the year's publication
	// number publication (1 for the first) with the objection period's end:
	// ENOTFOUND when absent, ESTATE when already published, ECONFLICT when
	// the year's publication of that number exists (a unique key, not a
	// check: two publishers racing get one winner).
	PublishScoringRun(year int, id int64, at time.Time, by string, publication int, periodEnds *time.Time) error
	// PublishedScoringRun returns the year's latest published run without
	// its results (ENOTFOUND before the first publication).
	PublishedScoringRun(year int) (*workflow.ScoringRun, error)
}

// JobsTx is the part of Tx that the scheduled jobs use.
type JobsTx interface {
	// EnqueueMessages inserts ms as pending; a message whose key (kind,
	// unit, deadline, lead, recipient) is already in the outbox, in any
	// state, is skipped by the database's unique key. It returns how many
	// rows were new.
	EnqueueMessages(ms []workflow.OutboxMessage) (int, error)
	// OutboxKeys returns, for each of notices, "unit/recipient" of every
	// message of it already in the outbox, in any state (a notice without
	// any has no entry), in one query that the unique key's index answers
	// alone. The reminder pass uses it to skip what it would not insert
	// anyway; the unique key, not this read, is what prevents duplicates.
	OutboxKeys(notices []workflow.NoticeKey) (map[workflow.NoticeKey]map[string]bool, error)
	// OutboxMessage returns one message (ENOTFOUND when absent).
	OutboxMessage(id int64) (*workflow.OutboxMessage, error)
	// OutboxMessages returns the messages matching f, newest first.
	OutboxMessages(f OutboxFilter) ([]workflow.OutboxMessage, error)
	// ClaimMessages claims up to limit pending messages due at now (by
	// next_attempt_at) that no live claim holds, under the new claim token
	// until the given time, and returns them earliest due first (by
	// next_attempt_at, then id). Messages whose id is in skip are never
	// claimed, whatever their claim: a dispatcher passes the ones it still
	// holds whose claim ran out, so that it does not take a message it is
	// still sending a second time.
	ClaimMessages(claim string, now, until time.Time, limit int, skip ...int64) ([]workflow.OutboxMessage, error)
	// ReleaseClaims gives back the messages of claim that are still pending,
	// without counting an attempt (the mail server was unreachable).
	ReleaseClaims(claim string) error
	// RecordSend records the outcome of one send of a claimed message: sent,
	// pending again at r.Retry, or failed. It returns ESTALE when the claim
	// was lost (another dispatcher took the message over).
	RecordSend(r workflow.SendResult) error
	// RecordSends records the outcomes of several sends at once, as
	// RecordSend does each (the dispatcher's group commit), except that a
	// sent message keeps its claim token (which claim sent it). It returns
	// the ids whose claim was lost instead of failing with ESTALE; the
	// others are recorded.
	RecordSends(rs []workflow.SendResult) (stale []int64, err error)
	// ExpireMessage marks a claimed pending message expired.
	ExpireMessage(id int64, claim string, now time.Time) error
	// RequeueMessage makes a failed or expired message pending again with
	// no attempts, due at now. Its expiry is kept: a requeued reminder that
	// is not sent before its deadline still expires.
	RequeueMessage(id int64, now time.Time) error
	// CountMessages counts the messages in each state.
	CountMessages() (map[workflow.OutboxState]int, error)
	// CountMessagesOfUnit counts one unit's messages in each state.
	CountMessagesOfUnit(unit string) (map[workflow.OutboxState]int, error)

	// EnsureLease creates the row of the lease name, expired, if it is
	// missing. Run it in a transaction of its own before AcquireLease: on
	// MySQL an insert racing in the acquiring transaction would deadlock.
	EnsureLease(name string) error
	// AcquireLease takes or renews the lease name for holder until
	// now+ttl, if it is free, expired or already holder's, with one
	// conditional UPDATE. It reports whether holder now holds it; a lease
	// without a row (see EnsureLease) is never acquired.
	AcquireLease(name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease up if holder holds it.
	ReleaseLease(name, holder string) error

	// JobDone reports whether the once-only job run name was recorded.
	JobDone(name string) (bool, error)
	// MarkJobDone records the once-only job run name (ECONFLICT when it
	// already was).
	MarkJobDone(name string, at time.Time) error

	// SubmissionStates returns the state of each unit's submission of
	// year (units without one are absent), without loading documents.
	SubmissionStates(year int) (map[string]workflow.State, error)
	// UnitNames returns every unit's code, name and place, in list order
	// (CreatedAt zero): what the notices name units by, read on every tick
	// a notice is due.
	UnitNames() ([]workflow.Unit, error)
	// AllContacts returns every unit's contacts, by unit code.
	AllContacts() (map[string][]workflow.Contact, error)
	// ContactAddresses returns every unit's contacts, by unit code, in
	// each unit's order, with their names and email addresses only (the
	// other fields empty): whom the notices reach, and whether a unit can
	// be reached at all.
	ContactAddresses() (map[string][]workflow.Contact, error)

	// SaveMonthlySummary stores the summary of a month (ECONFLICT when the
	// month already has one).
	SaveMonthlySummary(s *workflow.MonthlySummary) error
	// MonthlySummaries returns the stored summaries of year by month.
	MonthlySummaries(year int) ([]workflow.MonthlySummary, error)
}

// AuditFilter selects audit entries; zero fields select everything. Limit
// 0 means 200.
type AuditFilter struct {
	Unit   string
	Action string
	Since  time.Time
	Limit  int
}
