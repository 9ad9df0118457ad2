package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"kaohe/workflow"
)

// deductionRow is one manual deduction of a unit for a year. Month is ""
// unless the deduction cites a month of the member counts, with the unit's
// and the system's figures.
type deductionRow struct {
	ID          int64     `gorm:"primaryKey"`
	Year        int       `gorm:"not null;index:deductions_year_unit,priority:1"`
	Unit        ident     `gorm:"size:64;not null;index:deductions_year_unit,priority:2"`
	Rule        string    `gorm:"size:64;not null"`
	Points      int64     `gorm:"not null"`
	Reason      string    `gorm:"type:longtext;not null"`
	Actor       string    `gorm:"size:255;not null"`
	CreatedAt   time.Time `gorm:"not null;precision:6;autoCreateTime:false"`
	Month       string    `gorm:"size:7;not null;default:''"`
	UnitCount   *int64
	SystemCount *int64
}

// TableName is the table of deductionRow.
func (deductionRow) TableName() string { return "manual_deductions" }

// scoringRunRow is one immutable scoring run. Publication numbers the
// year's published runs (1, 2, …) and is NULL before publication: the
// unique index over (year, publication) lets two publishers racing for the
// same number have one winner (NULLs never collide, on SQLite and MySQL
// alike).
type scoringRunRow struct {
	ID                  int64      `gorm:"primaryKey"`
	Year                int        `gorm:"not null;index:scoring_runs_year;uniqueIndex:scoring_runs_published,priority:1"`
	CreatedAt           time.Time  `gorm:"not null;precision:6;autoCreateTime:false"`
	CreatedBy           string     `gorm:"size:255;not null"`
	InputsDigest        string     `gorm:"size:64;not null"`
	Units               int        `gorm:"not null"`
	Published           bool       `gorm:"not null"`
	PublishedAt         *time.Time `gorm:"precision:6"`
	PublishedBy         string     `gorm:"size:255;not null"`
	Publication         *int       `gorm:"uniqueIndex:scoring_runs_published,priority:2"`
	ObjectionPeriodEnds *time.Time `gorm:"precision:6"`
}

// TableName is the table of scoringRunRow.
func (scoringRunRow) TableName() string { return "scoring_runs" }

func (r scoringRunRow) run() workflow.ScoringRun {
	out := workflow.ScoringRun{ID: r.ID, Year: r.Year, CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy,
		InputsDigest: r.InputsDigest, Units: r.Units, Published: r.Published, PublishedAt: utcPtr(r.PublishedAt),
		PublishedBy: r.PublishedBy, ObjectionPeriodEnds: utcPtr(r.ObjectionPeriodEnds)}
	if r.Publication != nil {
		out.Publication = *r.Publication
	}
	return out
}

// scoringResultRow is one unit's result in a run, as the JSON of
// workflow.UnitResult; Seq is its place in the run's ranking order (0 for
// the first). One row per unit lets a run be written without building one
// text of every result, and one unit's result be read alone.
type scoringResultRow struct {
	RunID  int64  `gorm:"primaryKey;autoIncrement:false;uniqueIndex:scoring_results_unit,priority:1"`
	Seq    int    `gorm:"primaryKey;autoIncrement:false"`
	Unit   ident  `gorm:"size:64;not null;uniqueIndex:scoring_results_unit,priority:2"`
	Result string `gorm:"type:longtext;not null"`
}

// TableName is the table of scoringResultRow.
func (scoringResultRow) TableName() string { return "scoring_results" }

func runName(year int, id int64) string { return fmt.Sprintf("%d年度第%d次计分", year, id) }

// SubmissionsOf returns the year's submissions of units, ordered by unit.
// It scans its rows itself rather than through gorm's reflection: a
// year-end run reads every unit's submission, batch by batch.
func (t *tx) SubmissionsOf(year int, units []string) ([]workflow.Submission, error) {
	if len(units) == 0 {
		return []workflow.Submission{}, nil
	}
	rows, err := t.db.Model(&submissionRow{}).Select("id", "year", "unit", "state", "version", "doc", "comment", "comments",
		"certified", "submitted_at", "first_submitted_at", "late", "created_at", "updated_at").
		Where("year = ? AND unit IN ?", year, units).Order("unit").Rows()
	if err != nil {
		return nil, internal(err, "submissions of units")
	}
	defer rows.Close()
	out := make([]workflow.Submission, 0, len(units))
	for rows.Next() {
		var r submissionRow
		if err := rows.Scan(&r.ID, &r.Year, &r.Unit, &r.State, &r.Version, &r.Doc, &r.Comment, &r.Comments,
			&r.Certified, &r.SubmittedAt, &r.FirstSubmittedAt, &r.Late, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, internal(err, "submissions of units")
		}
		s, err := r.submission()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "submissions of units")
	}
	return out, nil
}

// SubmissionFacts reads the scoring facts of units' submissions from
// submission_facts, which CreateSubmission and UpdateSubmission write with
// the submission: a few hundred bytes per unit, where reading them out of
// the documents meant reading tens of kilobytes each.
func (t *tx) SubmissionFacts(year int, units []string) ([]workflow.SubmissionFact, error) {
	if len(units) == 0 {
		return []workflow.SubmissionFact{}, nil
	}
	rows, err := t.db.Raw(`SELECT unit, state, first_submitted_at, released_at, innovation
		FROM submission_facts WHERE year = ? AND unit IN ? ORDER BY unit`, year, units).Rows()
	if err != nil {
		return nil, internal(err, "submission facts")
	}
	defer rows.Close()
	out := make([]workflow.SubmissionFact, 0, len(units))
	var unit, state, innovation sql.RawBytes
	for rows.Next() {
		var f workflow.SubmissionFact
		var first, released *time.Time
		if err := rows.Scan(&unit, &state, &first, &released, &innovation); err != nil {
			return nil, internal(err, "submission facts")
		}
		if err := json.Unmarshal(innovation, &f.Innovation); err != nil {
			return nil, internal(err, "stored innovation facts")
		}
		if f.Innovation == nil {
			f.Innovation = []workflow.InnovationFact{}
		}
		f.Unit, f.State, f.FirstSubmittedAt, f.ReleasedAt = string(unit), workflow.State(state), utcPtr(first), utcPtr(released)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "submission facts")
	}
	return out, nil
}

// AddDeduction stores d, sets its ID and normalises its time.
func (t *tx) AddDeduction(d *workflow.ManualDeduction) error {
	r := deductionRow{Year: d.Year, Unit: ident(d.Unit), Rule: d.Rule, Points: int64(d.Points), Reason: d.Reason,
		Actor: d.Actor, CreatedAt: utc(d.CreatedAt), Month: d.Month, UnitCount: d.UnitCount, SystemCount: d.SystemCount}
	if err := t.db.Create(&r).Error; err != nil {
		return internal(err, "add deduction")
	}
	d.ID, d.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// Deductions lists the year's deductions of unit ("" for all) by ID.
func (t *tx) Deductions(year int, unit string) ([]workflow.ManualDeduction, error) {
	q := t.db.Where("year = ?", year)
	if unit != "" {
		q = q.Where("unit = ?", unit)
	}
	var rows []deductionRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, internal(err, "deductions")
	}
	out := make([]workflow.ManualDeduction, 0, len(rows))
	for _, r := range rows {
		out = append(out, workflow.ManualDeduction{ID: r.ID, Year: r.Year, Unit: string(r.Unit), Rule: r.Rule,
			Points: workflow.Points(r.Points), Reason: r.Reason, Actor: r.Actor, CreatedAt: r.CreatedAt.UTC(),
			Month: r.Month, UnitCount: r.UnitCount, SystemCount: r.SystemCount})
	}
	return out, nil
}

// DeleteDeduction removes deduction id of unit for year (ENOTFOUND when
// there is none).
func (t *tx) DeleteDeduction(year int, unit string, id int64) error {
	res := t.db.Where("id = ? AND year = ? AND unit = ?", id, year, unit).Delete(&deductionRow{})
	if res.Error != nil {
		return internal(res.Error, "delete deduction")
	}
	if res.RowsAffected == 0 {
		return workflow.Errorf(workflow.ENOTFOUND, "单位“%s”%d年度编号为%d的扣分不存在", unit, year, id)
	}
	return nil
}

// CreateScoringRun stores r, its results one row each in their order, sets
// its ID and normalises its times. A run is stored unpublished.
func (t *tx) CreateScoringRun(r *workflow.ScoringRun) error {
	row := scoringRunRow{Year: r.Year, CreatedAt: utc(r.CreatedAt), CreatedBy: r.CreatedBy, InputsDigest: r.InputsDigest,
		Units: r.Units}
	if err := t.db.Create(&row).Error; err != nil {
		return internal(err, "create scoring run")
	}
	if err := t.insertResults(row.ID, r.Results); err != nil {
		return err
	}
	r.ID, r.CreatedAt, r.Published, r.PublishedAt, r.PublishedBy = row.ID, row.CreatedAt, false, nil, ""
	return nil
}

// resultsPerInsert is how many results one INSERT carries: four values
// each, so that SQLite's binding (costly in modernc) stays near the 500
// values that measured best, and a statement of results of a few
// kilobytes each stays far below MySQL's max_allowed_packet.
const resultsPerInsert = 100

// resultEncoders is how many goroutines encode results for insertResults,
// and resultsAhead how many statements' results they may have encoded
// ahead of the INSERTs (a bound on the memory they hold).
const resultEncoders, resultsAhead = 2, 4

// insertResults writes rs as the rows of run id, each the JSON of one
// result, in multi-row INSERTs, in order. Encoding costs more than the
// INSERTs, so goroutines encode the next statements' results while one
// runs.
func (t *tx) insertResults(id int64, rs []workflow.UnitResult) error {
	type part struct {
		args []any
		err  error
	}
	n := (len(rs) + resultsPerInsert - 1) / resultsPerInsert
	ready := make([]chan part, n)
	for k := range ready {
		ready[k] = make(chan part, 1)
	}
	// A slot is taken before a statement's results are claimed, so the
	// statements in hand are always the next ones the INSERTs need.
	slots, stop := make(chan struct{}, resultsAhead), make(chan struct{})
	defer close(stop)
	var next atomic.Int64
	for range resultEncoders {
		go func() {
			for {
				select {
				case slots <- struct{}{}:
				case <-stop:
					return
				}
				k := int(next.Add(1) - 1)
				if k >= n {
					return
				}
				chunk := rs[k*resultsPerInsert : min((k+1)*resultsPerInsert, len(rs))]
				p := part{args: make([]any, 0, 4*len(chunk))}
				for i := range chunk {
					b, err := json.Marshal(&chunk[i])
					if err != nil {
						p.err = err
						break
					}
					p.args = append(p.args, id, k*resultsPerInsert+i, chunk[i].Unit, string(b))
				}
				ready[k] <- p
			}
		}()
	}
	const prefix, one = "INSERT INTO scoring_results (run_id, seq, unit, result) VALUES ", "(?,?,?,?)"
	full := prefix + strings.TrimSuffix(strings.Repeat(one+",", resultsPerInsert), ",")
	for k := range n {
		p := <-ready[k]
		if p.err != nil {
			return internal(p.err, "encode scoring result")
		}
		q := full
		if rows := len(p.args) / 4; rows < resultsPerInsert {
			q = prefix + strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
		}
		if err := t.db.Exec(q, p.args...).Error; err != nil {
			return internal(err, "store scoring results")
		}
		<-slots
	}
	return nil
}

// runRow reads run id of year without its results.
func (t *tx) runRow(year int, id int64) (*workflow.ScoringRun, error) {
	var row scoringRunRow
	if err := t.db.Where("id = ? AND year = ?", id, year).Take(&row).Error; err != nil {
		return nil, translate(err, "scoring run", runName(year, id))
	}
	r := row.run()
	return &r, nil
}

// ScoringRun returns run id of year with its results in their order.
func (t *tx) ScoringRun(year int, id int64) (*workflow.ScoringRun, error) {
	r, err := t.runRow(year, id)
	if err != nil {
		return nil, err
	}
	rows, err := t.db.Raw(`SELECT result FROM scoring_results WHERE run_id = ? ORDER BY seq`, id).Rows()
	if err != nil {
		return nil, internal(err, "scoring results")
	}
	defer rows.Close()
	r.Results = make([]workflow.UnitResult, 0, r.Units)
	var b sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&b); err != nil {
			return nil, internal(err, "scoring results")
		}
		r.Results = append(r.Results, workflow.UnitResult{})
		if err := json.Unmarshal(b, &r.Results[len(r.Results)-1]); err != nil {
			return nil, internal(err, "stored scoring result")
		}
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "scoring results")
	}
	return r, nil
}

// ScoringResult returns unit's result in run id of year: ENOTFOUND when
// the run does not exist or has no result of unit.
func (t *tx) ScoringResult(year int, id int64, unit string) (*workflow.UnitResult, error) {
	var result string
	err := t.db.Raw(`SELECT s.result FROM scoring_results s JOIN scoring_runs r ON r.id = s.run_id
		WHERE s.run_id = ? AND s.unit = ? AND r.year = ?`, id, unit, year).Row().Scan(&result)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "%s中没有单位“%s”的结果", runName(year, id), unit)
	}
	if err != nil {
		return nil, internal(err, "scoring result")
	}
	var out workflow.UnitResult
	if err := json.Unmarshal([]byte(result), &out); err != nil {
		return nil, internal(err, "stored scoring result")
	}
	return &out, nil
}

// ScoringRuns lists the year's runs, newest first, without results.
func (t *tx) ScoringRuns(year int) ([]workflow.ScoringRun, error) {
	var rows []scoringRunRow
	err := t.db.Select("id", "year", "created_at", "created_by", "inputs_digest", "units", "published", "published_at", "published_by",
		"publication", "objection_period_ends").
		Where("year = ?", year).Order("id DESC").Find(&rows).Error
	if err != nil {
		return nil, internal(err, "scoring runs")
	}
	out := make([]workflow.ScoringRun, 0, len(rows))
	for _, row := range rows {
		out = append(out, row.run())
	}
	return out, nil
}

// PublishScoringRun marks run id published as the year's publication
// number publication, in one conditional UPDATE that matches only an
// unpublished run; the unique key on (year, publication) refuses a second
// run with the same number.
func (t *tx) PublishScoringRun(year int, id int64, at time.Time, by string, publication int, periodEnds *time.Time) error {
	res := t.db.Model(&scoringRunRow{}).Where("id = ? AND year = ? AND published = ?", id, year, false).
		Updates(map[string]any{"published": true, "published_at": utc(at), "published_by": by, "publication": publication,
			"objection_period_ends": utcPtr(periodEnds)})
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
			return workflow.Errorf(workflow.ECONFLICT, "%d年度的第%d次发布已由他人完成，请刷新", year, publication)
		}
		return internal(res.Error, "publish scoring run")
	}
	if res.RowsAffected == 0 {
		if _, err := t.runRow(year, id); err != nil {
			return err
		}
		return workflow.Errorf(workflow.ESTATE, "%s已发布，不能再修改", runName(year, id))
	}
	return nil
}

// PublishedScoringRun returns the year's latest published run without its
// results (ScoringResult reads a unit's, ScoringRun all of them).
func (t *tx) PublishedScoringRun(year int) (*workflow.ScoringRun, error) {
	var row scoringRunRow
	if err := t.db.Where("year = ? AND publication IS NOT NULL", year).Order("publication DESC").Take(&row).Error; err != nil {
		return nil, translate(err, "published scoring run", fmt.Sprintf("%d年度已发布的计分结果", year))
	}
	r := row.run()
	return &r, nil
}

// ScoringNodes reads the nodes of units for year-end scoring: one
// node_facts row a unit, which holds the sums of its accepted, on-time
// nodes and every other node alone, as CreateNodes and UpdateNode wrote
// them. Repeated strings (units, categories, codes, states) share one copy
// and every due date is parsed once, so a batch costs an allocation per
// distinct value, not one per node.
func (t *tx) ScoringNodes(year int, units []string) ([]workflow.NodeFact, error) {
	// About 20 sums and a few single nodes per unit.
	out := make([]workflow.NodeFact, 0, 32*len(units))
	if len(units) == 0 {
		return out, nil
	}
	rows, err := t.db.Raw("SELECT unit, facts FROM node_facts WHERE year = ? AND unit IN ?", year, units).Rows()
	if err != nil {
		return nil, internal(err, "scoring nodes")
	}
	defer rows.Close()
	r := newFactReader()
	var unit, facts sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&unit, &facts); err != nil {
			return nil, internal(err, "scoring nodes")
		}
		if out, err = r.parse(out, r.str(unit), facts); err != nil {
			return nil, internal(err, "scoring nodes")
		}
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "scoring nodes")
	}
	return out, nil
}
