package service

import (
	"cmp"
	"context"
	"fmt"
	"kaohe/workflow"
	"slices"
	"strconv"
	"strings"
	"time"
)

// planMonth returns the month named s if the plan asks for it (ENOTFOUND
// otherwise).
func planMonth(p *workflow.Plan, s string) (workflow.Month, error) {
	m, err := workflow.ParseMonth(s)
	if err == nil {
		for _, pm := range p.Months() {
			if pm == m {
				return m, nil
			}
		}
	}
	return workflow.Month{}, workflow.Errorf(workflow.ENOTFOUND, "%d年度考核方案没有“%s”月的会员实名制信息采集数量报送", p.Year, s)
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
	Year  int            `json:"year"`
	Month workflow.Month `json:"month"`
	// Due is the due day as the plan writes it; DueEndsOn the day the
	// count is due by after the rule for days off, DueLabel both for
	// people. Overdue says the deadline has passed.
	Due       workflow.Date `json:"due"`
	DueEndsOn workflow.Date `json:"due_ends_on"`
	DueLabel  string        `json:"due_label"`
	Overdue   bool          `json:"overdue"`
	Units     []MonthlyLine `json:"units"`
	// NotReported lists the codes of the units without a count.
	NotReported []string `json:"not_reported"`
}

// checkMonthlyWrite loads the plan and month and refuses a month that has
// not begun (ESTATE).
func checkMonthlyWrite(tx Tx, year int, month string, now time.Time) (*workflow.Plan, workflow.Month, error) {
	p, err := planOf(tx, year)
	if err != nil {
		return nil, workflow.Month{}, err
	}
	m, err := planMonth(p, month)
	if err != nil {
		return nil, workflow.Month{}, err
	}
	if now.Before(workflow.Date{Year: m.Year, Month: m.Month, Day: 1}.In(p.Location())) {
		return nil, workflow.Month{}, workflow.Errorf(workflow.ESTATE, "%s月尚未开始，不能报送该月数量", m)
	}
	return p, m, nil
}

// putMonthly writes one value, keeping lateness of the month's first value.
func putMonthly(tx Tx, p *workflow.Plan, unit string, m workflow.Month, count int64, by, source string, now time.Time) (*workflow.MonthlyReport, error) {
	r := &workflow.MonthlyReport{Year: p.Year, Unit: unit, Month: m, Count: count, ReportedAt: now, FirstReportedAt: now,
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
func (s *Service) PutMonthly(ctx context.Context, a Actor, year int, unit, month string, count int64) (*workflow.MonthlyReport, error) {
	if err := a.checkUnit(unit); err != nil {
		return nil, err
	}
	if err := a.requireRole(workflow.RoleUnit, workflow.RoleOffice); err != nil {
		return nil, err
	}
	if count < 0 {
		return nil, &workflow.Error{Code: workflow.EVALIDATION, Message: "数量有误", Details: []workflow.Violation{{Path: "count", Rule: "monthly.count.negative", Message: "会员实名制信息采集数量应为非负整数"}}}
	}
	var out *workflow.MonthlyReport
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		p, m, err := checkMonthlyWrite(tx, year, month, now)
		if err != nil {
			return err
		}
		if _, err := unitOf(tx, unit); err != nil {
			return err
		}
		if out, err = putMonthly(tx, p, unit, m, count, a.Username, workflow.SourceAPI, now); err != nil {
			return err
		}
		return audit(tx, now, a, unit, "monthly.report", fmt.Sprintf("monthly:%d/%s/%s", year, unit, m), fmt.Sprintf("数量 %d", count))
	})
	return out, err
}

// Monthly returns a month's overview for the office and viewers: every
// unit's current count and who has not reported (EFORBIDDEN for units).
func (s *Service) Monthly(ctx context.Context, a Actor, year int, month string) (*MonthlyOverview, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleViewer, workflow.RoleSystem); err != nil {
		return nil, err
	}
	var out *MonthlyOverview
	err := s.view(ctx, func(tx Tx, now time.Time) error {
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
		cur := map[string]workflow.MonthlyReport{}
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
func (s *Service) MonthlyHistory(ctx context.Context, a Actor, year int, unit, month string) ([]workflow.MonthlyReport, error) {
	if err := a.checkUnit(unit); err != nil {
		return nil, err
	}
	var out []workflow.MonthlyReport
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
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
		out = []workflow.MonthlyReport{}
	}
	return out, err
}

// ImportResult says what an import stored.
type ImportResult struct {
	Imported int      `json:"imported"`
	Units    []string `json:"units"`
	// Months lists the months the file reported, in file order.
	Months []workflow.Month `json:"months"`
}

// importValue is one checked row of an import.
type importValue struct {
	plan  *workflow.Plan
	unit  string
	month workflow.Month
	count int64
}

// ImportMonthly stores member counts from the rows of a file exported by
// the member information system (office, or the system for the import
// folder). A row without a month is for month ("2019-06"; "" when every
// row must name its own). With a year, every month must be one of that
// plan's; with year 0, each month goes to the plan that asks for it. Every
// row is checked first: a unit that is not a known code or name, a month
// that no plan asks for or that has not begun, a count that is not a
// non-negative integer, or a unit listed twice for one month is
// EVALIDATION with every bad row located ("rows[line].unit"), and then
// nothing is stored.
func (s *Service) ImportMonthly(ctx context.Context, a Actor, year int, month string, rows []workflow.ImportRow) (*ImportResult, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleSystem); err != nil {
		return nil, err
	}
	var out *ImportResult
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		if month != "" {
			if _, _, err := checkMonthlyWrite(tx, year, month, now); err != nil {
				return err
			}
		}
		vals, err := checkImport(tx, year, month, rows, now)
		if err != nil {
			return err
		}
		out = &ImportResult{Units: []string{}, Months: []workflow.Month{}}
		months := map[workflow.Month]bool{}
		for _, v := range vals {
			if _, err := putMonthly(tx, v.plan, v.unit, v.month, v.count, a.Username, workflow.SourceImport, now); err != nil {
				return err
			}
			out.Imported++
			out.Units = append(out.Units, v.unit)
			if !months[v.month] {
				months[v.month] = true
				out.Months = append(out.Months, v.month)
			}
		}
		return audit(tx, now, a, "", "monthly.import", fmt.Sprintf("monthly:%d", year), fmt.Sprintf("导入%d条", out.Imported))
	})
	return out, err
}

// checkImport checks every row of an import against the units and plans.
func checkImport(tx Tx, year int, month string, rows []workflow.ImportRow, now time.Time) ([]importValue, error) {
	units, err := tx.Units()
	if err != nil {
		return nil, err
	}
	byKey := map[string]string{}
	for _, u := range units {
		byKey[u.Code], byKey[u.Name] = u.Code, u.Code
	}
	plans, err := importPlans(tx, year)
	if err != nil {
		return nil, err
	}
	var vals []importValue
	var vs []workflow.Violation
	seen := map[string]int{}
	for _, r := range rows {
		path := fmt.Sprintf("rows[%d]", r.Line)
		bad := func(field, rule, format string, args ...any) {
			vs = append(vs, workflow.Violation{Path: path + "." + field, Rule: rule, Message: fmt.Sprintf("第%d行：", r.Line) + fmt.Sprintf(format, args...)})
		}
		code, known := byKey[strings.TrimSpace(r.Unit)]
		if !known {
			bad("unit", "import.unit.unknown", "单位“%s”不存在", r.Unit)
		}
		m, p := importMonth(plans, cmp.Or(strings.TrimSpace(r.Month), month))
		switch {
		case p == nil:
			bad("month", "import.month.unknown", "考核方案没有“%s”月的数量报送", cmp.Or(r.Month, month))
		case now.Before(workflow.Date{Year: m.Year, Month: m.Month, Day: 1}.In(p.Location())):
			bad("month", "import.month.future", "%s月尚未开始", m)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(r.Count), 10, 64)
		if err != nil || n < 0 {
			bad("count", "import.count.invalid", "数量“%s”应为非负整数", r.Count)
		}
		key := code + "/" + m.String()
		if first, dup := seen[key]; known && dup {
			bad("unit", "import.unit.duplicate", "单位“%s”%s月的数量与第%d行重复", r.Unit, m, first)
		}
		seen[key] = r.Line
		vals = append(vals, importValue{p, code, m, n})
	}
	if len(rows) == 0 {
		vs = append(vs, workflow.Violation{Path: "rows", Rule: "import.empty", Message: "文件中没有数据行"})
	}
	if len(vs) > 0 {
		return nil, &workflow.Error{Code: workflow.EVALIDATION, Message: fmt.Sprintf("导入文件有%d处错误，未导入任何数据", len(vs)), Details: vs}
	}
	return vals, nil
}

// importPlans returns the plan of year, or every plan for year 0.
func importPlans(tx Tx, year int) ([]*workflow.Plan, error) {
	if year == 0 {
		return tx.Plans()
	}
	p, err := planOf(tx, year)
	if err != nil {
		return nil, err
	}
	return []*workflow.Plan{p}, nil
}

// importMonth returns the month named s and the plan that asks for it
// (nil when none does).
func importMonth(plans []*workflow.Plan, s string) (workflow.Month, *workflow.Plan) {
	m, err := workflow.ParseMonth(s)
	if err != nil {
		return workflow.Month{}, nil
	}
	for _, p := range plans {
		if slices.Contains(p.Months(), m) {
			return m, p
		}
	}
	return m, nil
}
