package workflow

import "time"

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
	Code string `json:"code"`
	Name string `json:"name"`
	// Seq is the unit's place in every list: units are listed in the
	// notice's order, which is the order they were created in.
	Seq       int64     `json:"seq"`
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
	// ReleasedAt is when the office released the tables (nil before).
	ReleasedAt *time.Time `json:"released_at"`
	Late       bool       `json:"late"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// SubmissionFact is what year-end scoring reads of a submission: its
// state, its first submission, and its innovation items (title and
// declared points) with the office's certification of each.
type SubmissionFact struct {
	Unit             string
	State            State
	FirstSubmittedAt *time.Time
	// ReleasedAt is when the office released the tables (nil before).
	ReleasedAt *time.Time
	Innovation []InnovationFact
}

// Facts returns what year-end scoring reads of s: each innovation item of
// its document with its declared points, certified when the decision at
// its index in s.Certified is true. The store keeps them beside the
// submission, written with it, so that scoring never reads documents.
func (s *Submission) Facts() SubmissionFact {
	f := SubmissionFact{Unit: s.Unit, State: s.State, FirstSubmittedAt: s.FirstSubmittedAt, ReleasedAt: s.ReleasedAt,
		Innovation: make([]InnovationFact, len(s.Doc.Innovation))}
	for i, it := range s.Doc.Innovation {
		f.Innovation[i] = InnovationFact{Title: it.Title, Points: it.Points, Certified: i < len(s.Certified) && s.Certified[i]}
	}
	return f
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

// MonthlyReport is a unit's member real-name collection count
// (会员实名制信息采集数量) for one month, required by business item 1. The
// current value of a unit and month is the latest one; every value is kept
// in the history.
type MonthlyReport struct {
	Year  int    `json:"year"`
	Unit  string `json:"unit"`
	Month Month  `json:"month"`
	Count int64  `json:"count"`
	// ReportedAt is when this value was reported, FirstReportedAt when the
	// month's first value was.
	ReportedAt      time.Time `json:"reported_at"`
	FirstReportedAt time.Time `json:"first_reported_at"`
	// Late says the month's first value came after the end of its due day
	// in the plan's zone; a later correction does not change it.
	Late bool   `json:"late"`
	By   string `json:"by"`
	// ByName says who reported in words (本单位, 市总工会办公室); the
	// service fills it when it answers.
	ByName string `json:"by_name,omitempty"`
	// Source is "api" or "import".
	Source string `json:"source"`
}

// Monthly report sources.
const (
	SourceAPI    = "api"
	SourceImport = "import"
)

// UnmarshalText reads "2006-01".
func (m *Month) UnmarshalText(b []byte) error {
	v, err := ParseMonth(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// ScoringRun is a stored, immutable snapshot of the year-end scores: the
// results of every unit, when and by whom they were computed, and the
// SHA-256 of the inputs they were computed from. Publishing it is the only
// change it ever sees.
//
// A year may publish several runs: the first opens the objection period,
// and each later one publishes the corrections of accepted objections.
// Publication numbers them 1, 2, … (0 while unpublished); the year's
// result is its latest published run, and the earlier ones stay as they
// were published. ObjectionPeriodEnds is the end of the year's objection
// period, set by the first publication and kept by the corrections (nil
// for a run published before objection periods existed).
type ScoringRun struct {
	ID                  int64        `json:"id"`
	Year                int          `json:"year"`
	CreatedAt           time.Time    `json:"created_at"`
	CreatedBy           string       `json:"created_by"`
	InputsDigest        string       `json:"inputs_digest"`
	Published           bool         `json:"published"`
	PublishedAt         *time.Time   `json:"published_at"`
	PublishedBy         string       `json:"published_by,omitempty"`
	Publication         int          `json:"publication,omitempty"`
	ObjectionPeriodEnds *time.Time   `json:"objection_period_ends,omitempty"`
	Units               int          `json:"units"`
	Results             []UnitResult `json:"results"`
}

// Result returns the run's result of unit.
func (r *ScoringRun) Result(unit string) (*UnitResult, bool) {
	for i := range r.Results {
		if r.Results[i].Unit == unit {
			return &r.Results[i], true
		}
	}
	return nil, false
}

// Review verdicts.
const (
	VerdictAccept = "accept"
	VerdictReject = "reject"
)

// Review is one decision of the office on a reported node. Every review is
// kept.
type Review struct {
	ID      int64  `json:"id"`
	NodeID  int64  `json:"node_id"`
	Year    int    `json:"-"`
	Unit    string `json:"-"`
	Verdict string `json:"verdict"`
	// Points are the points awarded (zero for a rejection).
	Points  Points    `json:"points"`
	Comment string    `json:"comment,omitempty"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// ReviewStep is the smallest unit of awarded points (0.5).
const ReviewStep Points = 50

// ImportRow is one data row of a member-count file: its line number
// (1-based, for messages), the unit (code or name), the month ("2019-06",
// empty when the file has no month column) and the count, as the file
// wrote them.
type ImportRow struct {
	Line  int
	Unit  string
	Month string
	Count string
}

// Summarise builds the summary of month from counts[unit][month]: one line
// per unit in the order of units, the total of the reported counts, and
// the change from the month before where both months were reported.
func Summarise(year int, month Month, units []Unit, counts map[string]map[Month]int64, at time.Time) *MonthlySummary {
	s := &MonthlySummary{Year: year, Month: month, CreatedAt: at, Units: []SummaryLine{}}
	for _, u := range units {
		line := SummaryLine{Unit: u.Code}
		if n, ok := counts[u.Code][month]; ok {
			line.Reported, line.Count = true, n
			s.Total += n
			if prev, ok := counts[u.Code][month.Prev()]; ok {
				c := n - prev
				line.Change = &c
			}
		}
		s.Units = append(s.Units, line)
	}
	return s
}
