package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"kaohe/workflow"
)

// submissionRow is a unit's submission for one year; (year, unit) is unique
// and Version is the optimistic lock.
type submissionRow struct {
	ID               int64      `gorm:"primaryKey"`
	Year             int        `gorm:"not null;uniqueIndex:submissions_year_unit,priority:1"`
	Unit             ident      `gorm:"size:64;not null;uniqueIndex:submissions_year_unit,priority:2"`
	State            string     `gorm:"size:16;not null"`
	Version          int        `gorm:"not null"`
	Doc              string     `gorm:"type:longtext;not null"`
	Comment          string     `gorm:"type:longtext;not null"`
	Comments         string     `gorm:"type:longtext;not null"`
	Certified        string     `gorm:"type:longtext;not null"`
	SubmittedAt      *time.Time `gorm:"precision:6"`
	FirstSubmittedAt *time.Time `gorm:"precision:6"`
	Late             bool       `gorm:"not null"`
	ReleasedAt       *time.Time `gorm:"precision:6"`
	CreatedAt        time.Time  `gorm:"not null;precision:6;autoCreateTime:false"`
	UpdatedAt        time.Time  `gorm:"not null;precision:6;autoUpdateTime:false"`
}

// TableName is the table of submissionRow.
func (submissionRow) TableName() string { return "submissions" }

// submissionFactRow is what year-end scoring reads of a submission
// (workflow.Submission.Facts), one row per submission, written in the same
// statement sequence as the submission by CreateSubmission and
// UpdateSubmission, the only writers of submissions. Innovation is the
// JSON of the items as workflow.InnovationFact (title, points,
// certified). A run reads these few hundred bytes per unit instead of the
// document, tens of kilobytes whose later columns SQLite reaches only
// through the document's overflow pages.
type submissionFactRow struct {
	Year             int        `gorm:"primaryKey;autoIncrement:false"`
	Unit             ident      `gorm:"primaryKey;size:64"`
	State            string     `gorm:"size:16;not null"`
	FirstSubmittedAt *time.Time `gorm:"precision:6"`
	ReleasedAt       *time.Time `gorm:"precision:6"`
	Innovation       string     `gorm:"type:longtext;not null"`
}

// TableName is the table of submissionFactRow.
func (submissionFactRow) TableName() string { return "submission_facts" }

// putFacts writes the scoring facts of s, replacing the earlier ones.
func (t *tx) putFacts(s *workflow.Submission) error {
	f := s.Facts()
	innovation, err := toJSON(f.Innovation)
	if err != nil {
		return internal(err, "encode submission facts")
	}
	row := submissionFactRow{Year: s.Year, Unit: ident(s.Unit), State: string(f.State), FirstSubmittedAt: utcPtr(f.FirstSubmittedAt),
		ReleasedAt: utcPtr(f.ReleasedAt), Innovation: innovation}
	err = t.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "year"}, {Name: "unit"}},
		DoUpdates: clause.AssignmentColumns([]string{"state", "first_submitted_at", "released_at", "innovation"}),
	}).Create(&row).Error
	if err != nil {
		return internal(err, "put submission facts")
	}
	return nil
}

// historyRow is one step of a submission's life. Doc is "" when the step
// carries no document.
type historyRow struct {
	ID        int64     `gorm:"primaryKey"`
	Year      int       `gorm:"not null;index:history_year_unit,priority:1"`
	Unit      ident     `gorm:"size:64;not null;index:history_year_unit,priority:2"`
	Action    string    `gorm:"size:16;not null"`
	State     string    `gorm:"size:16;not null"`
	Version   int       `gorm:"not null"`
	Doc       string    `gorm:"type:longtext;not null"`
	Comment   string    `gorm:"type:longtext;not null"`
	Comments  string    `gorm:"type:longtext;not null"`
	Certified string    `gorm:"type:longtext;not null"`
	Actor     string    `gorm:"size:255;not null"`
	At        time.Time `gorm:"not null;precision:6"`
}

// TableName is the table of historyRow.
func (historyRow) TableName() string { return "submission_history" }

func submissionName(year int, unit string) string {
	return fmt.Sprintf("单位“%s”%d年度的指标表", unit, year)
}

// submissionValues are the stored columns of s, its times normalised.
func submissionValues(s *workflow.Submission) (submissionRow, error) {
	r := submissionRow{
		ID: s.ID, Year: s.Year, Unit: ident(s.Unit), State: string(s.State), Version: s.Version,
		Comment: s.Comment, SubmittedAt: utcPtr(s.SubmittedAt), FirstSubmittedAt: utcPtr(s.FirstSubmittedAt),
		Late: s.Late, ReleasedAt: utcPtr(s.ReleasedAt), CreatedAt: utc(s.CreatedAt), UpdatedAt: utc(s.UpdatedAt),
	}
	var err error
	if r.Doc, err = toJSON(s.Doc); err != nil {
		return r, internal(err, "encode document")
	}
	if r.Comments, err = toJSON(s.Comments); err != nil {
		return r, internal(err, "encode comments")
	}
	if r.Certified, err = toJSON(s.Certified); err != nil {
		return r, internal(err, "encode certification")
	}
	return r, nil
}

// normalizeTimes gives s the stored form of its times.
func normalizeTimes(s *workflow.Submission, r submissionRow) {
	s.SubmittedAt, s.FirstSubmittedAt, s.ReleasedAt, s.CreatedAt, s.UpdatedAt = r.SubmittedAt, r.FirstSubmittedAt, r.ReleasedAt, r.CreatedAt, r.UpdatedAt
}

func (r submissionRow) submission() (workflow.Submission, error) {
	s := workflow.Submission{
		ID: r.ID, Year: r.Year, Unit: string(r.Unit), State: workflow.State(r.State), Version: r.Version,
		Comment: r.Comment, SubmittedAt: utcPtr(r.SubmittedAt), FirstSubmittedAt: utcPtr(r.FirstSubmittedAt),
		Late: r.Late, ReleasedAt: utcPtr(r.ReleasedAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	return s, decodeStored(storedJSON{"document", r.Doc, &s.Doc},
		storedJSON{"comments", r.Comments, &s.Comments}, storedJSON{"certification", r.Certified, &s.Certified})
}

// storedJSON is a column stored as JSON: what it is (named in errors), its
// text and where it decodes to.
type storedJSON struct {
	what, text string
	to         any
}

// decodeStored decodes each column in turn; a column that does not decode
// is an internal error naming it.
func decodeStored(cols ...storedJSON) error {
	for _, c := range cols {
		if err := fromJSON(c.text, c.to); err != nil {
			return internal(err, "stored "+c.what)
		}
	}
	return nil
}

// Submission returns the submission of unit for year (ENOTFOUND when
// absent).
func (t *tx) Submission(year int, unit string) (*workflow.Submission, error) {
	return takeDecoded(t.db.Where("year = ? AND unit = ?", year, unit), submissionRow.submission, "submission", submissionName(year, unit))
}

// SubmissionJSON returns the submission of unit for year without decoding
// its document (Doc is left empty), the document as stored (the JSON of
// the normalized document the service wrote), and the office's receipt of
// the tables (nil when none), in one query. ENOTFOUND when absent. It scans
// the row itself (queryRow): it is the hot read of a deadline day.
func (t *tx) SubmissionJSON(year int, unit string) (*workflow.Submission, *workflow.Receipt, string, error) {
	var r submissionRow
	var doc string // as the driver returns it: scanned into []byte, it would be copied
	var receivedAt, recordedAt sql.Null[time.Time]
	var reason, recordedBy sql.NullString
	err := t.queryRow(`SELECT s.id, s.state, s.version, s.doc, s.comment, s.comments, s.certified, s.submitted_at,
		s.first_submitted_at, s.late, s.created_at, s.updated_at, r.received_at, r.reason, r.recorded_by, r.recorded_at
		FROM submissions s LEFT JOIN submission_receipts r ON r.year = s.year AND r.unit = s.unit
		WHERE s.year = ? AND s.unit = ?`, year, unit).
		Scan(&r.ID, &r.State, &r.Version, &doc, &r.Comment, &r.Comments, &r.Certified, &r.SubmittedAt, &r.FirstSubmittedAt,
			&r.Late, &r.CreatedAt, &r.UpdatedAt, &receivedAt, &reason, &recordedBy, &recordedAt)
	if errors.Is(err, sql.ErrNoRows) {
		err = gorm.ErrRecordNotFound
	}
	if err != nil {
		return nil, nil, "", translate(err, "submission", submissionName(year, unit))
	}
	r.Year, r.Unit = year, ident(unit)
	s, err := r.submission()
	if err != nil {
		return nil, nil, "", err
	}
	var rc *workflow.Receipt
	if receivedAt.Valid {
		rc = &workflow.Receipt{Year: year, Unit: unit, At: receivedAt.V.UTC(), Reason: reason.String,
			By: recordedBy.String, RecordedAt: recordedAt.V.UTC()}
	}
	return &s, rc, doc, nil
}

// Submissions returns every submission of year ordered by unit.
func (t *tx) Submissions(year int) ([]workflow.Submission, error) {
	return findDecoded(t.db.Where("year = ?", year).Order("unit"), submissionRow.submission, "submissions")
}

// CreateSubmission stores s (ECONFLICT when the unit already has one for
// the year), sets s.ID and normalises its times.
func (t *tx) CreateSubmission(s *workflow.Submission) error {
	r, err := submissionValues(s)
	if err != nil {
		return err
	}
	r.ID = 0
	if err := t.db.Create(&r).Error; err != nil {
		return translate(err, "create submission", submissionName(s.Year, s.Unit))
	}
	s.ID = r.ID
	normalizeTimes(s, r)
	return t.putFacts(s)
}

// UpdateSubmission writes every field of s, found by its year and unit (and
// ID when set), in one conditional UPDATE that matches only while the
// stored version is still prevVersion. When no row matches it returns
// ESTALE and has written nothing; there is no read before the write.
func (t *tx) UpdateSubmission(s *workflow.Submission, prevVersion int) error {
	r, err := submissionValues(s)
	if err != nil {
		return err
	}
	q := t.db.Model(&submissionRow{}).Where("year = ? AND unit = ? AND version = ?", s.Year, s.Unit, prevVersion)
	if s.ID != 0 {
		q = q.Where("id = ?", s.ID)
	}
	res := q.Updates(map[string]any{
		"state":              r.State,
		"version":            r.Version,
		"doc":                r.Doc,
		"comment":            r.Comment,
		"comments":           r.Comments,
		"certified":          r.Certified,
		"submitted_at":       r.SubmittedAt,
		"first_submitted_at": r.FirstSubmittedAt,
		"late":               r.Late,
		"released_at":        r.ReleasedAt,
		"updated_at":         r.UpdatedAt,
	})
	if err := touched(res, "update submission", workflow.Errorf(workflow.ESTALE, "%s已被修改（不再是版本%d），请刷新后再修改", submissionName(s.Year, s.Unit), prevVersion)); err != nil {
		return err
	}
	normalizeTimes(s, r)
	return t.putFacts(s)
}

// AddHistory appends h, sets h.ID and normalises h.At.
func (t *tx) AddHistory(h *workflow.HistoryEntry) error {
	r := historyRow{Year: h.Year, Unit: ident(h.Unit), Action: string(h.Action), State: string(h.State),
		Version: h.Version, Comment: h.Comment, Actor: h.Actor, At: utc(h.At)}
	var err error
	if h.Doc != nil {
		if r.Doc, err = toJSON(h.Doc); err != nil {
			return internal(err, "encode document")
		}
	}
	if r.Comments, err = toJSON(h.Comments); err != nil {
		return internal(err, "encode comments")
	}
	if r.Certified, err = toJSON(h.Certified); err != nil {
		return internal(err, "encode certification")
	}
	if err := t.db.Create(&r).Error; err != nil {
		return internal(err, "add history")
	}
	h.ID, h.At = r.ID, r.At
	return nil
}

// History returns the steps of unit's submission for year in the order
// they were added.
func (t *tx) History(year int, unit string) ([]workflow.HistoryEntry, error) {
	return findDecoded(t.db.Where("year = ? AND unit = ?", year, unit).Order("id"), historyRow.entry, "history")
}

func (r historyRow) entry() (workflow.HistoryEntry, error) {
	h := workflow.HistoryEntry{ID: r.ID, Year: r.Year, Unit: string(r.Unit), Action: workflow.Action(r.Action),
		State: workflow.State(r.State), Version: r.Version, Comment: r.Comment, Actor: r.Actor, At: r.At.UTC()}
	var cols []storedJSON
	if r.Doc != "" {
		h.Doc = new(workflow.Document)
		cols = append(cols, storedJSON{"document", r.Doc, h.Doc})
	}
	cols = append(cols, storedJSON{"comments", r.Comments, &h.Comments}, storedJSON{"certification", r.Certified, &h.Certified})
	return h, decodeStored(cols...)
}

// Releases returns when each unit's submission of year was released, for
// the units whose submission was (the others are absent).
func (t *tx) Releases(year int) (map[string]time.Time, error) {
	var rows []struct {
		Unit       string
		ReleasedAt *time.Time
	}
	if err := t.db.Model(&submissionRow{}).Select("unit, released_at").Where("year = ? AND released_at IS NOT NULL", year).Scan(&rows).Error; err != nil {
		return nil, internal(err, "releases")
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.Unit] = r.ReleasedAt.UTC()
	}
	return out, nil
}
