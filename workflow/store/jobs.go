package store

import (
	"time"

	"gorm.io/gorm/clause"

	"kaohe/workflow"
)

// The tables and reads of package jobs other than the outbox: the lease,
// once-only job marks, monthly summaries, and the light reads of the
// reminder pass.

// SubmissionStates returns the state of each unit's submission of year,
// without loading documents.
func (t *tx) SubmissionStates(year int) (map[string]workflow.State, error) {
	rows, err := t.db.Raw("SELECT unit, state FROM submissions WHERE year = ?", year).Rows()
	if err != nil {
		return nil, internal(err, "submission states")
	}
	defer rows.Close()
	out := map[string]workflow.State{}
	for rows.Next() {
		var unit, state string
		if err := rows.Scan(&unit, &state); err != nil {
			return nil, internal(err, "submission states")
		}
		out[unit] = workflow.State(state)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "submission states")
	}
	return out, nil
}

// AllContacts returns every unit's contacts, in each unit's order.
func (t *tx) AllContacts() (map[string][]workflow.Contact, error) {
	var rows []contactRow
	if err := t.db.Order("unit_code").Order("seq").Order("id").Find(&rows).Error; err != nil {
		return nil, internal(err, "all contacts")
	}
	out := map[string][]workflow.Contact{}
	for _, r := range rows {
		u := string(r.UnitCode)
		out[u] = append(out[u], workflow.Contact{Name: r.Name, Duty: r.Duty, Position: r.Position, Phone: r.Phone, Mobile: r.Mobile, Email: r.Email})
	}
	return out, nil
}

// ContactAddresses returns every unit's contacts' names and email
// addresses, in each unit's order. The reminder pass reads them on every
// tick a notice is due (20,000 rows for 10,000 units), so they are read
// narrow and scanned without gorm's reflection.
func (t *tx) ContactAddresses() (map[string][]workflow.Contact, error) {
	rows, err := t.db.Raw("SELECT unit_code, name, email FROM unit_contacts ORDER BY unit_code, seq, id").Rows()
	if err != nil {
		return nil, internal(err, "contact addresses")
	}
	defer rows.Close()
	out := map[string][]workflow.Contact{}
	var unit string
	var cs []workflow.Contact
	for rows.Next() {
		var u string
		var c workflow.Contact
		if err := rows.Scan(&u, &c.Name, &c.Email); err != nil {
			return nil, internal(err, "contact addresses")
		}
		if u != unit && cs != nil {
			out[unit] = cs
			cs = nil
		}
		unit, cs = u, append(cs, c)
	}
	if cs != nil {
		out[unit] = cs
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "contact addresses")
	}
	return out, nil
}

// leaseRow is a named lease: who holds it and until when.
type leaseRow struct {
	Name      ident     `gorm:"primaryKey;size:64"`
	Holder    string    `gorm:"size:128;not null"`
	ExpiresAt time.Time `gorm:"not null;precision:6"`
}

// TableName is the table of leaseRow.
func (leaseRow) TableName() string { return "leases" }

// EnsureLease inserts the lease row, expired, unless it exists (ON
// CONFLICT DO NOTHING, INSERT IGNORE on MySQL).
func (t *tx) EnsureLease(name string) error {
	q := t.db
	if t.db.Dialector.Name() == "mysql" {
		q = q.Clauses(clause.Insert{Modifier: "IGNORE"})
	} else {
		q = q.Clauses(clause.OnConflict{DoNothing: true})
	}
	return internal(q.Create(&leaseRow{Name: ident(name), ExpiresAt: time.Unix(0, 0).UTC()}).Error, "ensure lease")
}

// AcquireLease is one conditional UPDATE, which succeeds for exactly one of
// several racers: it takes the row's write lock directly, and MySQL counts
// matched rather than changed rows (clientFoundRows), so a renewal at an
// unchanged time still counts.
func (t *tx) AcquireLease(name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	now = utc(now)
	res := t.db.Model(&leaseRow{}).Where("name = ? AND (expires_at < ? OR holder = ?)", name, now, holder).
		Updates(map[string]any{"holder": holder, "expires_at": now.Add(ttl)})
	if res.Error != nil {
		return false, internal(res.Error, "acquire lease")
	}
	return res.RowsAffected == 1, nil
}

// ReleaseLease expires the lease if holder holds it.
func (t *tx) ReleaseLease(name, holder string) error {
	err := t.db.Model(&leaseRow{}).Where("name = ? AND holder = ?", name, holder).
		Update("expires_at", time.Unix(0, 0).UTC()).Error
	return internal(err, "release lease")
}

// jobMarkRow records a once-only job run, such as the year-end scoring.
type jobMarkRow struct {
	Name   ident     `gorm:"primaryKey;size:128"`
	DoneAt time.Time `gorm:"not null;precision:6"`
}

// TableName is the table of jobMarkRow.
func (jobMarkRow) TableName() string { return "job_marks" }

// JobDone reports whether name was recorded.
func (t *tx) JobDone(name string) (bool, error) {
	var n int64
	if err := t.db.Model(&jobMarkRow{}).Where("name = ?", name).Count(&n).Error; err != nil {
		return false, internal(err, "job done")
	}
	return n > 0, nil
}

// MarkJobDone records name (ECONFLICT when it already was).
func (t *tx) MarkJobDone(name string, at time.Time) error {
	return translate(t.db.Create(&jobMarkRow{Name: ident(name), DoneAt: utc(at)}).Error, "mark job", "任务记录“"+name+"”")
}

// monthlySummaryRow is a month's snapshot of the member counts.
type monthlySummaryRow struct {
	ID        int64     `gorm:"primaryKey"`
	Year      int       `gorm:"not null;uniqueIndex:monthly_summary_key,priority:1"`
	Month     string    `gorm:"size:7;not null;uniqueIndex:monthly_summary_key,priority:2"`
	Total     int64     `gorm:"not null"`
	Units     string    `gorm:"type:longtext;not null"`
	CreatedAt time.Time `gorm:"not null;precision:6;autoCreateTime:false"`
}

// TableName is the table of monthlySummaryRow.
func (monthlySummaryRow) TableName() string { return "monthly_summaries" }

// SaveMonthlySummary stores s (ECONFLICT when its month has a summary).
func (t *tx) SaveMonthlySummary(s *workflow.MonthlySummary) error {
	units, err := toJSON(s.Units)
	if err != nil {
		return internal(err, "save monthly summary")
	}
	r := monthlySummaryRow{Year: s.Year, Month: s.Month.String(), Total: s.Total, Units: units, CreatedAt: utc(s.CreatedAt)}
	if err := t.db.Create(&r).Error; err != nil {
		return translate(err, "save monthly summary", s.Month.String()+"月度汇总")
	}
	s.CreatedAt = r.CreatedAt
	return nil
}

// MonthlySummaries returns the summaries of year by month.
func (t *tx) MonthlySummaries(year int) ([]workflow.MonthlySummary, error) {
	var rows []monthlySummaryRow
	if err := t.db.Where("year = ?", year).Order("month").Find(&rows).Error; err != nil {
		return nil, internal(err, "monthly summaries")
	}
	out := make([]workflow.MonthlySummary, 0, len(rows))
	for _, r := range rows {
		m, err := workflow.ParseMonth(r.Month)
		if err != nil {
			return nil, internal(err, "monthly summaries")
		}
		s := workflow.MonthlySummary{Year: r.Year, Month: m, Total: r.Total, CreatedAt: r.CreatedAt.UTC()}
		if err := fromJSON(r.Units, &s.Units); err != nil {
			return nil, internal(err, "monthly summaries")
		}
		out = append(out, s)
	}
	return out, nil
}
