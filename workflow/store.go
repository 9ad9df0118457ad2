package workflow

import (
	"context"
	"time"
)

// Store is the persistence the workflow needs. Package workflow/store
// implements it with gorm on SQLite and MySQL. Every service call is one
// transaction: a request either changes everything it meant to or nothing.
type Store interface {
	// Tx runs fn in one read-write transaction, committing when fn returns
	// nil and rolling back otherwise. fn's error is returned unchanged.
	Tx(ctx context.Context, fn func(tx Tx) error) error
	// Ping reports whether the database answers (readiness).
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// Tx is the set of reads and writes available inside one transaction.
// Lookups of one record return an *Error with code ENOTFOUND when it does not
// exist, never a nil record with a nil error. Inserts that hit a unique key
// return ECONFLICT.
type Tx interface {
	// Plans.
	Plan(year int) (*Plan, error)
	Plans() ([]*Plan, error)
	SavePlan(p *Plan) error

	// Units and their contacts.
	Unit(code string) (*Unit, error)
	Units() ([]Unit, error)
	CreateUnit(u *Unit) error
	Contacts(unit string) ([]Contact, error)
	SetContacts(unit string, cs []Contact) error

	// Accounts and sessions.
	UserByName(username string) (*User, error)
	UserByID(id int64) (*User, error)
	Users() ([]User, error)
	CreateUser(u *User) error
	SetPassword(id int64, hash string) error
	CreateSession(s *Session) error
	// Session returns the live session with the token hash (ENOTFOUND when
	// absent or expired at now).
	Session(tokenHash string, now time.Time) (*Session, error)
	DeleteSession(tokenHash string) error
	// LoginFailures counts the failed logins for key since the given time.
	LoginFailures(key string, since time.Time) (int, error)
	AddLoginFailure(key string, at time.Time) error
	ClearLoginFailures(key string) error

	// Submissions.
	Submission(year int, unit string) (*Submission, error)
	Submissions(year int) ([]Submission, error)
	CreateSubmission(s *Submission) error
	// UpdateSubmission writes s if the stored version is still prevVersion,
	// else returns ESTALE and writes nothing.
	UpdateSubmission(s *Submission, prevVersion int) error
	AddHistory(h *HistoryEntry) error
	History(year int, unit string) ([]HistoryEntry, error)

	// Audit log.
	AddAudit(a *AuditEntry) error
	Audit(f AuditFilter) ([]AuditEntry, error)

	// Nodes of executing submissions (node.go), their evidence and reviews.
	// CreateNodes stores ns, setting their IDs (ECONFLICT when a node of the
	// same year, unit, category and position exists).
	CreateNodes(ns []NodeRecord) error
	// Nodes lists the nodes matching f by unit, category (party, business,
	// innovation), item, work and node.
	Nodes(f NodeFilter) ([]NodeRecord, error)
	Node(id int64) (*NodeRecord, error)
	// UpdateNode writes n's mutable fields (state, late, note, reported_at,
	// awarded, reviewed_at, version) if the stored version is still
	// prevVersion, else returns ESTALE and writes nothing.
	UpdateNode(n *NodeRecord, prevVersion int) error
	// ScoringNodes returns the nodes of the given units as year-end
	// scoring reads them, in no particular order (none for an empty list):
	// the accepted nodes reported on time summed per unit, category, item
	// and indicator (NodeFact.Count nodes each, with Points and Awarded
	// summed and no work, node or due date), every other node one by one
	// (Count 0).
	ScoringNodes(year int, units []string) ([]NodeFact, error)
	AddEvidence(e *Evidence) error
	// Evidence returns one file's row, withdrawn or not (ENOTFOUND).
	Evidence(id int64) (*Evidence, error)
	// EvidenceList lists the current files matching f in upload order.
	EvidenceList(f EvidenceFilter) ([]Evidence, error)
	// WithdrawEvidence marks a current file withdrawn (ENOTFOUND when it is
	// absent or withdrawn already).
	WithdrawEvidence(id int64, at time.Time, by string) error
	AddReview(r *Review) error
	// Reviews lists a node's reviews, oldest first.
	Reviews(nodeID int64) ([]Review, error)

	// Monthly member counts (monthly.go). PutMonthlyReport makes m the
	// current value of its year, unit and month and appends it to the
	// history.
	PutMonthlyReport(m *MonthlyReport) error
	// MonthlyReports returns the current value of every unit and month of
	// year, by month then unit.
	MonthlyReports(year int) ([]MonthlyReport, error)
	// MonthlyReportsOf is MonthlyReports for the given units only, by
	// unit then month (none for an empty list).
	MonthlyReportsOf(year int, units []string) ([]MonthlyReport, error)
	// MonthlyHistory returns every value reported for a unit and month,
	// oldest first.
	MonthlyHistory(year int, unit string, m Month) ([]MonthlyReport, error)

	// Year-end scoring (scoring_run.go): submissions by batch of units,
	// manual deductions and immutable scoring runs.
	// SubmissionsOf returns the year's submissions of the given units, by
	// unit; units without one are left out.
	SubmissionsOf(year int, units []string) ([]Submission, error)
	// SubmissionFacts returns what scoring reads of the year's submissions
	// of the given units, by unit (units without one are left out), without
	// decoding whole documents: the state, the first submission and the
	// innovation items with the office's certification.
	SubmissionFacts(year int, units []string) ([]SubmissionFact, error)
	// AddDeduction stores d and sets its ID.
	AddDeduction(d *ManualDeduction) error
	// Deductions lists the year's manual deductions of unit ("" for every
	// unit) by ID.
	Deductions(year int, unit string) ([]ManualDeduction, error)
	// DeleteDeduction removes one (ENOTFOUND when the year and unit have no
	// deduction id).
	DeleteDeduction(year int, unit string, id int64) error
	// CreateScoringRun stores r with its results and sets its ID.
	CreateScoringRun(r *ScoringRun) error
	// ScoringRun returns a run with its results (ENOTFOUND when absent).
	ScoringRun(year int, id int64) (*ScoringRun, error)
	// ScoringRuns lists the year's runs, newest first, without results.
	ScoringRuns(year int) ([]ScoringRun, error)
	// PublishScoringRun marks a run published: ENOTFOUND when absent, ESTATE
	// when already published, ECONFLICT when another run of the year is
	// published (a unique key, not a check).
	PublishScoringRun(year int, id int64, at time.Time, by string) error
	// PublishedScoringRun returns the year's published run with its results
	// (ENOTFOUND before publication).
	PublishedScoringRun(year int) (*ScoringRun, error)

	// Outbox, leases, job marks and monthly summaries (package jobs).
	JobsTx
}

// JobsTx is the part of Tx that the scheduled jobs use.
type JobsTx interface {
	// EnqueueMessages inserts ms as pending; a message whose key (kind,
	// unit, deadline, lead, recipient) is already in the outbox, in any
	// state, is skipped by the database's unique key. It returns how many
	// rows were new.
	EnqueueMessages(ms []OutboxMessage) (int, error)
	// OutboxKeys returns "unit/recipient" of every message of kind,
	// deadline and lead already in the outbox, in any state. The reminder
	// pass uses it to skip rendering what it would not insert anyway; the
	// unique key, not this read, is what prevents duplicates.
	OutboxKeys(kind NoticeKind, deadline string, lead int) (map[string]bool, error)
	// OutboxMessage returns one message (ENOTFOUND when absent).
	OutboxMessage(id int64) (*OutboxMessage, error)
	// OutboxMessages returns the messages matching f, newest first.
	OutboxMessages(f OutboxFilter) ([]OutboxMessage, error)
	// ClaimMessages claims up to limit pending messages due at now (by
	// next_attempt_at) that no live claim holds, under the new claim token
	// until the given time, and returns them earliest due first (by
	// next_attempt_at, then id). Messages whose id is in skip are never
	// claimed, whatever their claim: a dispatcher passes the ones it still
	// holds whose claim ran out, so that it does not take a message it is
	// still sending a second time.
	ClaimMessages(claim string, now, until time.Time, limit int, skip ...int64) ([]OutboxMessage, error)
	// ReleaseClaims gives back the messages of claim that are still pending,
	// without counting an attempt (the mail server was unreachable).
	ReleaseClaims(claim string) error
	// RecordSend records the outcome of one send of a claimed message: sent,
	// pending again at r.Retry, or failed. It returns ESTALE when the claim
	// was lost (another dispatcher took the message over).
	RecordSend(r SendResult) error
	// RecordSends records the outcomes of several sends at once, as
	// RecordSend does each (the dispatcher's group commit), except that a
	// sent message keeps its claim token (which claim sent it). It returns
	// the ids whose claim was lost instead of failing with ESTALE; the
	// others are recorded.
	RecordSends(rs []SendResult) (stale []int64, err error)
	// ExpireMessage marks a claimed pending message expired.
	ExpireMessage(id int64, claim string, now time.Time) error
	// RequeueMessage makes a failed or expired message pending again with
	// no attempts, due at now. Its expiry is kept: a requeued reminder that
	// is not sent before its deadline still expires.
	RequeueMessage(id int64, now time.Time) error
	// CountMessages counts the messages in each state.
	CountMessages() (map[OutboxState]int, error)
	// CountMessagesOfUnit counts one unit's messages in each state.
	CountMessagesOfUnit(unit string) (map[OutboxState]int, error)

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
	SubmissionStates(year int) (map[string]State, error)
	// AllContacts returns every unit's contacts, by unit code.
	AllContacts() (map[string][]Contact, error)

	// SaveMonthlySummary stores the summary of a month (ECONFLICT when the
	// month already has one).
	SaveMonthlySummary(s *MonthlySummary) error
	// MonthlySummaries returns the stored summaries of year by month.
	MonthlySummaries(year int) ([]MonthlySummary, error)
}

// MonthlySummary is the snapshot of every unit's member real-name count
// for one month, taken by the monthly gathering job.
type MonthlySummary struct {
	Year  int   `json:"year"`
	Month Month `json:"month"`
	// Total is the sum of the reported counts.
	Total int64 `json:"total"`
	// Units has one line per unit, in unit order.
	Units     []SummaryLine `json:"units"`
	CreatedAt time.Time     `json:"created_at"`
}

// SummaryLine is one unit's count in a monthly summary.
type SummaryLine struct {
	Unit string `json:"unit"`
	// Reported is false for a unit that sent no count; Count is then 0.
	Reported bool  `json:"reported"`
	Count    int64 `json:"count"`
	// Change is the difference from the month before (nil when either
	// month is missing).
	Change *int64 `json:"change"`
}

// Unit is a district union (区市县/开放先导区总工会).
type Unit struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// User is an account. UnitCode is set for RoleUnit only.
type User struct {
	ID           int64     `json:"id"`
	Username     string    `json:"username"`
	PasswordHash string    `json:"-"`
	Role         Role      `json:"role"`
	UnitCode     string    `json:"unit_code,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// Session is a signed-in token, stored by the SHA-256 of the token.
type Session struct {
	TokenHash string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Submission is a unit's indicator tables for one plan and where they stand.
type Submission struct {
	ID      int64    `json:"-"`
	Year    int      `json:"year"`
	Unit    string   `json:"unit"`
	State   State    `json:"state"`
	Version int      `json:"version"`
	Doc     Document `json:"-"`
	// Comment and Comments are the office's overall and per-indicator
	// comments of the last return.
	Comment  string            `json:"comment,omitempty"`
	Comments map[string]string `json:"comments,omitempty"`
	// Certified holds the office's decision on each innovation item, by
	// index; it is set at certification.
	Certified []bool `json:"-"`
	// SubmittedAt is the last submission; FirstSubmittedAt decides lateness.
	SubmittedAt      *time.Time `json:"submitted_at"`
	FirstSubmittedAt *time.Time `json:"first_submitted_at"`
	Late             bool       `json:"late"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// SubmissionFact is what year-end scoring reads of a submission: its
// state, its first submission, and its innovation items (title and
// declared points) with the office's certification of each.
type SubmissionFact struct {
	Unit             string
	State            State
	FirstSubmittedAt *time.Time
	Innovation       []InnovationFact
}

// HistoryEntry is one step of a submission's life: each submitted version
// with its document, each return with the office's comments, each
// certification with its decisions.
type HistoryEntry struct {
	ID        int64             `json:"id"`
	Year      int               `json:"year"`
	Unit      string            `json:"unit"`
	Action    Action            `json:"action"`
	State     State             `json:"state"`
	Version   int               `json:"version"`
	Doc       *Document         `json:"document,omitempty"`
	Comment   string            `json:"comment,omitempty"`
	Comments  map[string]string `json:"comments,omitempty"`
	Certified []bool            `json:"innovation_certified,omitempty"`
	Actor     string            `json:"actor"`
	At        time.Time         `json:"at"`
}

// AuditEntry records one write: who, on which unit, did what to what, when.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Role   Role      `json:"role"`
	Unit   string    `json:"unit,omitempty"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"`
}

// AuditFilter selects audit entries; zero fields select everything. Limit
// 0 means 200.
type AuditFilter struct {
	Unit   string
	Action string
	Since  time.Time
	Limit  int
}
