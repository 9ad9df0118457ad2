package store

import (
	"database/sql"
	"time"

	"kaohe/workflow"
)

// monthlyRow is the current member count of a unit for a month ("2019-06")
// from one source (the unit's report, "api", or the member information
// system's import, "import"); (year, unit, month, source) is unique, so
// that one source never replaces the other.
type monthlyRow struct {
	ID              int64     `gorm:"primaryKey"`
	Year            int       `gorm:"not null;uniqueIndex:monthly_year_unit_month,priority:1"`
	Unit            ident     `gorm:"size:64;not null;uniqueIndex:monthly_year_unit_month,priority:2"`
	Month           string    `gorm:"size:7;not null;uniqueIndex:monthly_year_unit_month,priority:3"`
	Count           int64     `gorm:"not null"`
	ReportedAt      time.Time `gorm:"not null;precision:6"`
	FirstReportedAt time.Time `gorm:"not null;precision:6"`
	Late            bool      `gorm:"not null"`
	ReportedBy      string    `gorm:"size:255;not null"`
	Source          string    `gorm:"size:16;not null;uniqueIndex:monthly_year_unit_month,priority:4"`
}

// TableName is the table of monthlyRow.
func (monthlyRow) TableName() string { return "monthly_reports" }

// monthlyHistoryRow is every value ever reported, corrections included.
type monthlyHistoryRow struct {
	ID              int64     `gorm:"primaryKey"`
	Year            int       `gorm:"not null;index:monthly_history_key,priority:1"`
	Unit            ident     `gorm:"size:64;not null;index:monthly_history_key,priority:2"`
	Month           string    `gorm:"size:7;not null;index:monthly_history_key,priority:3"`
	Count           int64     `gorm:"not null"`
	ReportedAt      time.Time `gorm:"not null;precision:6"`
	FirstReportedAt time.Time `gorm:"not null;precision:6"`
	Late            bool      `gorm:"not null"`
	ReportedBy      string    `gorm:"size:255;not null"`
	Source          string    `gorm:"size:16;not null"`
}

// TableName is the table of monthlyHistoryRow.
func (monthlyHistoryRow) TableName() string { return "monthly_report_history" }

func (r monthlyHistoryRow) report() (workflow.MonthlyReport, error) {
	return monthlyOf(r.Year, string(r.Unit), r.Month, r.Count, r.ReportedAt, r.FirstReportedAt, r.Late, r.ReportedBy, r.Source)
}

func monthlyOf(year int, unit, month string, count int64, at, first time.Time, late bool, by, source string) (workflow.MonthlyReport, error) {
	m, err := workflow.ParseMonth(month)
	if err != nil {
		return workflow.MonthlyReport{}, internal(err, "stored month")
	}
	return workflow.MonthlyReport{Year: year, Unit: unit, Month: m, Count: count, ReportedAt: at.UTC(),
		FirstReportedAt: first.UTC(), Late: late, By: by, Source: source}, nil
}

// PutMonthlyReport makes m the current value of its year, unit, month and
// source (an UPDATE, or an INSERT when there is none) and appends it to
// the history. It normalises m's times.
func (t *tx) PutMonthlyReport(m *workflow.MonthlyReport) error {
	r := monthlyRow{Year: m.Year, Unit: ident(m.Unit), Month: m.Month.String(), Count: m.Count, ReportedAt: utc(m.ReportedAt),
		FirstReportedAt: utc(m.FirstReportedAt), Late: m.Late, ReportedBy: m.By, Source: m.Source}
	res := t.db.Model(&monthlyRow{}).Where("year = ? AND unit = ? AND month = ? AND source = ?", r.Year, r.Unit, r.Month, r.Source).Updates(map[string]any{
		"count": r.Count, "reported_at": r.ReportedAt, "first_reported_at": r.FirstReportedAt,
		"late": r.Late, "reported_by": r.ReportedBy,
	})
	if res.Error != nil {
		return internal(res.Error, "put monthly report")
	}
	if res.RowsAffected == 0 {
		if err := t.db.Create(&r).Error; err != nil {
			return translate(err, "put monthly report", "单位“"+m.Unit+"”"+m.Month.String()+"月的数量")
		}
	}
	h := monthlyHistoryRow{Year: r.Year, Unit: r.Unit, Month: r.Month, Count: r.Count, ReportedAt: r.ReportedAt,
		FirstReportedAt: r.FirstReportedAt, Late: r.Late, ReportedBy: r.ReportedBy, Source: r.Source}
	if err := t.db.Create(&h).Error; err != nil {
		return internal(err, "monthly history")
	}
	m.ReportedAt, m.FirstReportedAt = r.ReportedAt, r.FirstReportedAt
	return nil
}

// MonthlyReports returns the current value of every unit, month and
// source of year, by month, unit and source.
func (t *tx) MonthlyReports(year int) ([]workflow.MonthlyReport, error) {
	return t.monthlyReports(year, nil, "month", "unit", "source")
}

// MonthlyReportsOf returns the current values of the given units, by unit,
// month and source: the order of the unique index, so a batch needs no
// sort.
func (t *tx) MonthlyReportsOf(year int, units []string) ([]workflow.MonthlyReport, error) {
	if len(units) == 0 {
		return []workflow.MonthlyReport{}, nil
	}
	return t.monthlyReports(year, units, "unit", "month", "source")
}

// MonthlyFactsOf reads four narrow columns of the given units' current
// values, by unit, month and source: the order of the unique index, so a
// batch needs no sort. Units and months share one string each per batch.
func (t *tx) MonthlyFactsOf(year int, units []string) ([]workflow.MonthlyFact, error) {
	if len(units) == 0 {
		return []workflow.MonthlyFact{}, nil
	}
	rows, err := t.db.Raw(`SELECT unit, month, first_reported_at, late FROM monthly_reports
		WHERE year = ? AND unit IN ? ORDER BY unit, month, source`, year, units).Rows()
	if err != nil {
		return nil, internal(err, "monthly facts")
	}
	defer rows.Close()
	out := make([]workflow.MonthlyFact, 0, 12*len(units))
	months := map[string]workflow.Month{}
	var unit, month sql.RawBytes
	for rows.Next() {
		var f workflow.MonthlyFact
		if err := rows.Scan(&unit, &month, &f.ReportedAt, &f.Late); err != nil {
			return nil, internal(err, "monthly facts")
		}
		m, ok := months[string(month)]
		if !ok {
			if m, err = workflow.ParseMonth(string(month)); err != nil {
				return nil, internal(err, "stored month")
			}
			months[string(month)] = m
		}
		if n := len(out); n > 0 && out[n-1].Unit == string(unit) {
			f.Unit = out[n-1].Unit
		} else {
			f.Unit = string(unit)
		}
		f.Month, f.ReportedAt = m, f.ReportedAt.UTC()
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "monthly facts")
	}
	return out, nil
}

// monthlyReports scans its rows itself rather than through gorm's
// reflection: a year has twelve rows per unit and source.
func (t *tx) monthlyReports(year int, units []string, order ...string) ([]workflow.MonthlyReport, error) {
	q := t.db.Model(&monthlyRow{}).Select("year", "unit", "month", "count", "reported_at", "first_reported_at", "late", "reported_by", "source").
		Where("year = ?", year)
	if units != nil {
		q = q.Where("unit IN ?", units)
	}
	for _, o := range order {
		q = q.Order(o)
	}
	rows, err := q.Rows()
	if err != nil {
		return nil, internal(err, "monthly reports")
	}
	defer rows.Close()
	out := []workflow.MonthlyReport{}
	months := map[string]workflow.Month{}
	var r monthlyRow
	for rows.Next() {
		if err := rows.Scan(&r.Year, &r.Unit, &r.Month, &r.Count, &r.ReportedAt, &r.FirstReportedAt, &r.Late, &r.ReportedBy, &r.Source); err != nil {
			return nil, internal(err, "monthly reports")
		}
		m, ok := months[r.Month]
		if !ok {
			if m, err = workflow.ParseMonth(r.Month); err != nil {
				return nil, internal(err, "stored month")
			}
			months[r.Month] = m
		}
		out = append(out, workflow.MonthlyReport{Year: r.Year, Unit: string(r.Unit), Month: m, Count: r.Count, ReportedAt: r.ReportedAt.UTC(),
			FirstReportedAt: r.FirstReportedAt.UTC(), Late: r.Late, By: r.ReportedBy, Source: r.Source})
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "monthly reports")
	}
	return out, nil
}

// MonthlyHistory returns every value of a unit and month, oldest first.
func (t *tx) MonthlyHistory(year int, unit string, month workflow.Month) ([]workflow.MonthlyReport, error) {
	return findDecoded(t.db.Where("year = ? AND unit = ? AND month = ?", year, unit, month.String()).Order("id"), monthlyHistoryRow.report, "monthly history")
}
