package workflow

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

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

// planMonth returns the month named s if the plan asks for it (ENOTFOUND
// otherwise).
func planMonth(p *Plan, s string) (Month, error) {
	m, err := ParseMonth(s)
	if err == nil {
		for _, pm := range p.Months() {
			if pm == m {
				return m, nil
			}
		}
	}
	return Month{}, Errorf(ENOTFOUND, "%d年度考核方案没有“%s”月的会员实名制信息采集数量报送", p.Year, s)
}

// MonthlyLine is one unit's line of a month's overview: its current count,
// or Reported false when it has not reported.
type MonthlyLine struct {
	Unit     string `json:"unit"`
	Name     string `json:"name"`
	Reported bool   `json:"reported"`
	// Count, ReportedAt, Late, By and Source are those of the current value
	// (null when not reported).
	Count      *int64     `json:"count"`
	ReportedAt *time.Time `json:"reported_at"`
	Late       bool       `json:"late"`
	By         string     `json:"by,omitempty"`
	Source     string     `json:"source,omitempty"`
	// Corrections is how many times the value was replaced.
	Corrections int `json:"corrections"`
}

// MonthlyOverview is a month's counts for every unit.
type MonthlyOverview struct {
	Year  int   `json:"year"`
	Month Month `json:"month"`
	// Due is the due day as the plan writes it; DueEndsOn the day the
	// count is due by after the rule for days off, DueLabel both for
	// people. Overdue says the deadline has passed.
	Due       Date          `json:"due"`
	DueEndsOn Date          `json:"due_ends_on"`
	DueLabel  string        `json:"due_label"`
	Overdue   bool          `json:"overdue"`
	Units     []MonthlyLine `json:"units"`
	// NotReported lists the codes of the units without a count.
	NotReported []string `json:"not_reported"`
}

// checkMonthlyWrite loads the plan and month and refuses a month that has
// not begun (ESTATE).
func checkMonthlyWrite(tx Tx, year int, month string, now time.Time) (*Plan, Month, error) {
	p, err := planOf(tx, year)
	if err != nil {
		return nil, Month{}, err
	}
	m, err := planMonth(p, month)
	if err != nil {
		return nil, Month{}, err
	}
	if now.Before(Date{m.Year, m.Month, 1}.In(p.Location())) {
		return nil, Month{}, Errorf(ESTATE, "%s月尚未开始，不能报送该月数量", m)
	}
	return p, m, nil
}

// putMonthly writes one value, keeping lateness of the month's first value.
func putMonthly(tx Tx, p *Plan, unit string, m Month, count int64, by, source string, now time.Time) (*MonthlyReport, error) {
	r := &MonthlyReport{Year: p.Year, Unit: unit, Month: m, Count: count, ReportedAt: now, FirstReportedAt: now,
		Late: !now.Before(p.MonthDueTime(m)), By: by, Source: source}
	hist, err := tx.MonthlyHistory(p.Year, unit, m)
	if err != nil {
		return nil, err
	}
	if len(hist) > 0 {
		r.FirstReportedAt, r.Late = hist[0].ReportedAt, hist[0].Late
	}
	if err := tx.PutMonthlyReport(r); err != nil {
		return nil, err
	}
	return r, nil
}

// PutMonthly reports a unit's count for a month of the plan ("2019-06"), by
// the unit or the office. A second report corrects the first, which stays
// in the history. Errors: ENOTFOUND (plan, month, unit, or another unit's),
// EFORBIDDEN (viewer), EVALIDATION (negative count), ESTATE (month not
// begun).
func (s *Service) PutMonthly(ctx context.Context, a Actor, year int, unit, month string, count int64) (*MonthlyReport, error) {
	if err := a.checkUnit(unit); err != nil {
		return nil, err
	}
	if err := a.requireRole(RoleUnit, RoleOffice); err != nil {
		return nil, err
	}
	if count < 0 {
		return nil, &Error{Code: EVALIDATION, Message: "数量有误", Details: []Violation{{"count", "monthly.count.negative", "会员实名制信息采集数量应为非负整数"}}}
	}
	var out *MonthlyReport
	err := s.tx(ctx, func(tx Tx, now time.Time) error {
		p, m, err := checkMonthlyWrite(tx, year, month, now)
		if err != nil {
			return err
		}
		if _, err := unitOf(tx, unit); err != nil {
			return err
		}
		if out, err = putMonthly(tx, p, unit, m, count, a.Username, SourceAPI, now); err != nil {
			return err
		}
		return audit(tx, now, a, unit, "monthly.report", fmt.Sprintf("monthly:%d/%s/%s", year, unit, m), fmt.Sprintf("数量 %d", count))
	})
	return out, err
}

// Monthly returns a month's overview for the office and viewers: every
// unit's current count and who has not reported (EFORBIDDEN for units).
func (s *Service) Monthly(ctx context.Context, a Actor, year int, month string) (*MonthlyOverview, error) {
	if err := a.requireRole(RoleOffice, RoleViewer, RoleSystem); err != nil {
		return nil, err
	}
	var out *MonthlyOverview
	err := s.tx(ctx, func(tx Tx, now time.Time) error {
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		m, err := planMonth(p, month)
		if err != nil {
			return err
		}
		units, err := tx.Units()
		if err != nil {
			return err
		}
		rs, err := tx.MonthlyReports(year)
		if err != nil {
			return err
		}
		cur := map[string]MonthlyReport{}
		for _, r := range rs {
			if r.Month == m {
				cur[r.Unit] = r
			}
		}
		due := p.MonthDeadline(m)
		out = &MonthlyOverview{Year: year, Month: m, Due: due.Date, DueEndsOn: due.EndsOn, DueLabel: due.Label, Overdue: !now.Before(due.At),
			Units: []MonthlyLine{}, NotReported: []string{}}
		for _, u := range units {
			line := MonthlyLine{Unit: u.Code, Name: u.Name}
			if r, ok := cur[u.Code]; ok {
				hist, err := tx.MonthlyHistory(year, u.Code, m)
				if err != nil {
					return err
				}
				c, at := r.Count, r.ReportedAt
				line.Reported, line.Count, line.ReportedAt, line.Late, line.By, line.Source = true, &c, &at, r.Late, r.By, r.Source
				line.Corrections = len(hist) - 1
			} else {
				out.NotReported = append(out.NotReported, u.Code)
			}
			out.Units = append(out.Units, line)
		}
		return nil
	})
	return out, err
}

// MonthlyHistory returns every value a unit reported for a month, oldest
// first (office, viewers and that unit).
func (s *Service) MonthlyHistory(ctx context.Context, a Actor, year int, unit, month string) ([]MonthlyReport, error) {
	if err := a.checkUnit(unit); err != nil {
		return nil, err
	}
	var out []MonthlyReport
	err := s.tx(ctx, func(tx Tx, _ time.Time) error {
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		m, err := planMonth(p, month)
		if err != nil {
			return err
		}
		if _, err := unitOf(tx, unit); err != nil {
			return err
		}
		out, err = tx.MonthlyHistory(year, unit, m)
		return err
	})
	if out == nil {
		out = []MonthlyReport{}
	}
	return out, err
}

// ImportRow is one data row of an imported file: its line number (1-based,
// for messages) and its unit (code or name) and count cells as text.
type ImportRow struct {
	Line  int
	Unit  string
	Count string
}

// ImportResult says what an import stored.
type ImportResult struct {
	Month    Month    `json:"month"`
	Imported int      `json:"imported"`
	Units    []string `json:"units"`
}

// ImportMonthly stores a month's counts from the rows of a file exported by
// the member information system (office only). Every row is checked first:
// the unit must be a known code or name, appear once, and the count be a
// non-negative integer; any bad row is EVALIDATION with every bad row
// located ("rows[line].unit"), and nothing is stored.
func (s *Service) ImportMonthly(ctx context.Context, a Actor, year int, month string, rows []ImportRow) (*ImportResult, error) {
	if err := a.requireRole(RoleOffice, RoleSystem); err != nil {
		return nil, err
	}
	var out *ImportResult
	err := s.tx(ctx, func(tx Tx, now time.Time) error {
		p, m, err := checkMonthlyWrite(tx, year, month, now)
		if err != nil {
			return err
		}
		units, err := tx.Units()
		if err != nil {
			return err
		}
		byKey := map[string]string{}
		for _, u := range units {
			byKey[u.Code] = u.Code
			byKey[u.Name] = u.Code
		}
		type value struct {
			unit  string
			count int64
		}
		var vals []value
		var vs []Violation
		seen := map[string]int{}
		for _, r := range rows {
			path := fmt.Sprintf("rows[%d]", r.Line)
			code, ok := byKey[strings.TrimSpace(r.Unit)]
			if !ok {
				vs = append(vs, Violation{path + ".unit", "import.unit.unknown", fmt.Sprintf("第%d行：单位“%s”不存在", r.Line, r.Unit)})
			} else if first, dup := seen[code]; dup {
				vs = append(vs, Violation{path + ".unit", "import.unit.duplicate", fmt.Sprintf("第%d行：单位“%s”与第%d行重复", r.Line, r.Unit, first)})
			} else {
				seen[code] = r.Line
			}
			n, err := strconv.ParseInt(strings.TrimSpace(r.Count), 10, 64)
			if err != nil || n < 0 {
				vs = append(vs, Violation{path + ".count", "import.count.invalid", fmt.Sprintf("第%d行：数量“%s”应为非负整数", r.Line, r.Count)})
			}
			vals = append(vals, value{code, n})
		}
		if len(rows) == 0 {
			vs = append(vs, Violation{"rows", "import.empty", "文件中没有数据行"})
		}
		if len(vs) > 0 {
			return &Error{Code: EVALIDATION, Message: fmt.Sprintf("导入文件有%d处错误，未导入任何数据", len(vs)), Details: vs}
		}
		out = &ImportResult{Month: m, Units: []string{}}
		for _, v := range vals {
			if _, err := putMonthly(tx, p, v.unit, m, v.count, a.Username, SourceImport, now); err != nil {
				return err
			}
			out.Imported++
			out.Units = append(out.Units, v.unit)
		}
		return audit(tx, now, a, "", "monthly.import", fmt.Sprintf("monthly:%d/%s", year, m), fmt.Sprintf("导入%d个单位", out.Imported))
	})
	return out, err
}
