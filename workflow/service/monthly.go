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

// yearMonth reads the plan of year and returns it with the month named s
// (ENOTFOUND when there is no plan or it does not ask for that month).
func yearMonth(tx Tx, year int, s string) (*workflow.Plan, workflow.Month, error) {
	p, err := planOf(tx, year)
	if err != nil {
		return nil, workflow.Month{}, err
	}
	m, err := planMonth(p, s)
	if err != nil {
		return nil, workflow.Month{}, err
	}
	return p, m, nil
}

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

// MonthlyLine is one unit's line of a month's overview. A month has two
// figures, kept side by side: the unit's own report (UnitReport, reported
// through the API by the unit or keyed by the office) and the member
// information system's import (System). Reported says either exists. The
// top-level Count, ReportedAt, Late, By, Source and Corrections are those
// of the figure that counts for the monthly report: the unit's own, else
// the system's (null when neither). Comparison is set when both exist;
// Flagged says the unit's figure exceeds the system's by more than the
// plan's threshold.
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
	// ByName says who reported in words: 本单位, 市总工会办公室 or 导入.
	ByName string `json:"by_name,omitempty"`
	// Corrections is how many times the value was replaced.
	Corrections int                  `json:"corrections"`
	UnitReport  *MonthlyFigure       `json:"unit_report"`
	System      *MonthlyFigure       `json:"system"`
	Comparison  *workflow.Comparison `json:"comparison"`
	Flagged     bool                 `json:"flagged"`
}

// MonthlyFigure is one source's current figure for a unit and month, with
// how many times that source replaced it.
type MonthlyFigure struct {
	Count       int64     `json:"count"`
	ReportedAt  time.Time `json:"reported_at"`
	Late        bool      `json:"late"`
	By          string    `json:"by"`
	Corrections int       `json:"corrections"`
}

// monthFigures are a unit's two figures for a month.
type monthFigures struct {
	unit, system *workflow.MonthlyReport
}

// primary is the figure that counts for the monthly report: the unit's
// own, else the system's.
func (f monthFigures) primary() *workflow.MonthlyReport {
	if f.unit != nil {
		return f.unit
	}
	return f.system
}

// figuresOf groups current values by unit and month.
func figuresOf(rs []workflow.MonthlyReport) map[string]map[workflow.Month]monthFigures {
	out := map[string]map[workflow.Month]monthFigures{}
	for i := range rs {
		r := &rs[i]
		if out[r.Unit] == nil {
			out[r.Unit] = map[workflow.Month]monthFigures{}
		}
		f := out[r.Unit][r.Month]
		if r.Source == workflow.SourceImport {
			f.system = r
		} else {
			f.unit = r
		}
		out[r.Unit][r.Month] = f
	}
	return out
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
	p, m, err := yearMonth(tx, year, month)
	if err != nil {
		return nil, workflow.Month{}, err
	}
	if now.Before(workflow.Date{Year: m.Year, Month: m.Month, Day: 1}.In(p.Location())) {
		return nil, workflow.Month{}, workflow.Errorf(workflow.ESTATE, "%s月尚未开始，不能报送该月数量", m)
	}
	return p, m, nil
}

// putMonthly writes one value of a source, keeping the lateness of that
// source's first value for the month.
func putMonthly(tx Tx, p *workflow.Plan, unit string, m workflow.Month, count int64, by, source string, now time.Time) (*workflow.MonthlyReport, error) {
	r := &workflow.MonthlyReport{Year: p.Year, Unit: unit, Month: m, Count: count, ReportedAt: now, FirstReportedAt: now,
		Late: !now.Before(p.MonthDueTime(m)), By: by, Source: source}
	hist, err := tx.MonthlyHistory(p.Year, unit, m)
	if err != nil {
		return nil, err
	}
	for _, h := range hist {
		if h.Source == source {
			r.FirstReportedAt, r.Late = h.ReportedAt, h.Late
			break
		}
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
	if err := a.checkUnit(unit, workflow.RoleUnit, workflow.RoleOffice); err != nil {
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
		p, m, err := yearMonth(tx, year, month)
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
		figures := figuresOf(rs)
		names := map[string]string{}
		due := p.MonthDeadline(m)
		out = &MonthlyOverview{Year: year, Month: m, Due: due.Date, DueEndsOn: due.EndsOn, DueLabel: due.Label, Overdue: !now.Before(due.At),
			Units: []MonthlyLine{}, NotReported: []string{}}
		for _, u := range units {
			f := figures[u.Code][m]
			r := f.primary()
			if r == nil {
				out.NotReported = append(out.NotReported, u.Code)
				out.Units = append(out.Units, MonthlyLine{Unit: u.Code, Name: u.Name})
				continue
			}
			hist, err := tx.MonthlyHistory(year, u.Code, m)
			if err != nil {
				return err
			}
			byName, err := reporterName(tx, *r, names)
			if err != nil {
				return err
			}
			out.Units = append(out.Units, f.line(u, hist, byName, p.Monthly.DiscrepancyPercent))
		}
		return nil
	})
	return out, err
}

// line is the overview line of unit u, which has a figure this month:
// the figure in force (the unit's over the import's) reported by byName,
// each source's figure with its corrections among hist (every value
// reported for the month), and their comparison when both are there.
func (f monthFigures) line(u workflow.Unit, hist []workflow.MonthlyReport, byName string, threshold workflow.Points) MonthlyLine {
	r := f.primary()
	line := MonthlyLine{Unit: u.Code, Name: u.Name, ByName: byName}
	line.UnitReport, line.System = monthlyFigure(f.unit, hist), monthlyFigure(f.system, hist)
	c, at := r.Count, r.ReportedAt
	line.Reported, line.Count, line.ReportedAt, line.Late, line.By, line.Source = true, &c, &at, r.Late, r.By, r.Source
	line.Corrections = monthlyFigure(r, hist).Corrections
	if f.unit != nil && f.system != nil {
		cmp := workflow.CompareCounts(f.unit.Count, f.system.Count, threshold)
		line.Comparison, line.Flagged = &cmp, cmp.Flagged
	}
	return line
}

// monthlyFigure is r (nil for none) as the overview shows it, with how
// many times its source corrected it: the values of that source in hist
// after the first.
func monthlyFigure(r *workflow.MonthlyReport, hist []workflow.MonthlyReport) *MonthlyFigure {
	if r == nil {
		return nil
	}
	out := &MonthlyFigure{Count: r.Count, ReportedAt: r.ReportedAt, Late: r.Late, By: r.By, Corrections: -1}
	for _, h := range hist {
		if h.Source == r.Source {
			out.Corrections++
		}
	}
	return out
}

// MonthlyHistory returns every value a unit reported for a month, oldest
// first (office, viewers and that unit).
func (s *Service) MonthlyHistory(ctx context.Context, a Actor, year int, unit, month string) ([]workflow.MonthlyReport, error) {
	if err := a.checkUnit(unit); err != nil {
		return nil, err
	}
	var out []workflow.MonthlyReport
	err := s.view(ctx, func(tx Tx, _ time.Time) error {
		_, m, err := yearMonth(tx, year, month)
		if err != nil {
			return err
		}
		if _, err := unitOf(tx, unit); err != nil {
			return err
		}
		if out, err = tx.MonthlyHistory(year, unit, m); err != nil {
			return err
		}
		names := map[string]string{}
		for i := range out {
			if out[i].ByName, err = reporterName(tx, out[i], names); err != nil {
				return err
			}
		}
		return nil
	})
	if out == nil {
		out = []workflow.MonthlyReport{}
	}
	return out, err
}

// ImportResult says what an import stored, and which of the imported
// figures the units' own figures exceed by more than the plan's threshold
// (Flagged, by month and unit).
type ImportResult struct {
	Imported int      `json:"imported"`
	Units    []string `json:"units"`
	// Months lists the months the file reported, in file order.
	Months  []workflow.Month `json:"months"`
	Flagged []ComparisonLine `json:"flagged"`
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
		out = &ImportResult{Units: []string{}, Months: []workflow.Month{}, Flagged: []ComparisonLine{}}
		months := map[workflow.Month]bool{}
		plans := map[int]*workflow.Plan{}
		for _, v := range vals {
			if _, err := putMonthly(tx, v.plan, v.unit, v.month, v.count, a.Username, workflow.SourceImport, now); err != nil {
				return err
			}
			out.Imported++
			out.Units = append(out.Units, v.unit)
			plans[v.plan.Year] = v.plan
			if !months[v.month] {
				months[v.month] = true
				out.Months = append(out.Months, v.month)
			}
		}
		for _, p := range plans {
			c, err := comparison(tx, p, func(l ComparisonLine) bool { return l.Flagged && months[l.Month] })
			if err != nil {
				return err
			}
			out.Flagged = append(out.Flagged, c.Lines...)
		}
		return audit(tx, now, a, "", "monthly.import", fmt.Sprintf("monthly:%d", year), fmt.Sprintf("导入%d条，%d条超出阈值", out.Imported, len(out.Flagged)))
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

// reporterName says who reported r in words: the unit itself, the office
// (entered for it), the member information system (imported); names caches the answer by
// username.
func reporterName(tx Tx, r workflow.MonthlyReport, names map[string]string) (string, error) {
	if r.Source == workflow.SourceImport {
		return "会员信息管理系统（导入）", nil
	}
	key := r.Unit + "/" + r.By
	if n, ok := names[key]; ok {
		return n, nil
	}
	n := "系统"
	u, err := tx.UserByName(r.By)
	switch {
	case workflow.ErrorCode(err) == workflow.ENOTFOUND:
	case err != nil:
		return "", err
	case u.Role == workflow.RoleOffice:
		n = "市总工会办公室（代填）"
	case u.Role == workflow.RoleUnit && u.UnitCode == r.Unit:
		n = "本单位"
	default:
		n = u.Role.Label()
	}
	names[key] = n
	return n, nil
}

// MonthlyComparison sets the units' own monthly figures against the member
// information system's, for every unit and month of a year that has
// either.
type MonthlyComparison struct {
	Year int `json:"year"`
	// ThresholdPercent is the plan's monthly.discrepancy_percent.
	ThresholdPercent workflow.Points  `json:"threshold_percent"`
	Lines            []ComparisonLine `json:"lines"`
	// Flagged counts the flagged lines.
	Flagged int `json:"flagged"`
}

// ComparisonLine is one unit and month: both figures (null when that
// source has none), their comparison when both exist, and the manual
// deductions that already cite the month (by ID), so that a flag acted on
// can be told from one that was not.
type ComparisonLine struct {
	Unit        string         `json:"unit"`
	Name        string         `json:"name"`
	Month       workflow.Month `json:"month"`
	UnitCount   *int64         `json:"unit_count"`
	SystemCount *int64         `json:"system_count"`
	workflow.Comparison
	Compared   bool    `json:"compared"`
	Deductions []int64 `json:"deductions"`
}

// MonthlyComparison returns the year's comparison (office and viewers;
// EFORBIDDEN for units), every line or, with flaggedOnly, the flagged ones.
func (s *Service) MonthlyComparison(ctx context.Context, a Actor, year int, flaggedOnly bool) (*MonthlyComparison, error) {
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleViewer, workflow.RoleSystem); err != nil {
		return nil, err
	}
	return viewValue(s, ctx, func(tx Tx, _ time.Time) (*MonthlyComparison, error) {
		p, err := planOf(tx, year)
		if err != nil {
			return nil, err
		}
		return comparison(tx, p, func(l ComparisonLine) bool { return !flaggedOnly || l.Flagged })
	})
}

// comparison builds the year's comparison lines that keep accepts, by
// month then unit.
func comparison(tx Tx, p *workflow.Plan, keep func(ComparisonLine) bool) (*MonthlyComparison, error) {
	units, err := tx.Units()
	if err != nil {
		return nil, err
	}
	rs, err := tx.MonthlyReports(p.Year)
	if err != nil {
		return nil, err
	}
	ds, err := tx.Deductions(p.Year, "")
	if err != nil {
		return nil, err
	}
	cited := map[string][]int64{}
	for _, d := range ds {
		if d.Month != "" {
			cited[d.Unit+"/"+d.Month] = append(cited[d.Unit+"/"+d.Month], d.ID)
		}
	}
	figures := figuresOf(rs)
	out := &MonthlyComparison{Year: p.Year, ThresholdPercent: p.Monthly.DiscrepancyPercent, Lines: []ComparisonLine{}}
	for _, m := range p.Months() {
		for _, u := range units {
			f := figures[u.Code][m]
			if f.primary() == nil {
				continue
			}
			l := ComparisonLine{Unit: u.Code, Name: u.Name, Month: m, Deductions: cited[u.Code+"/"+m.String()]}
			if l.Deductions == nil {
				l.Deductions = []int64{}
			}
			if f.unit != nil {
				c := f.unit.Count
				l.UnitCount = &c
			}
			if f.system != nil {
				c := f.system.Count
				l.SystemCount = &c
			}
			if f.unit != nil && f.system != nil {
				l.Comparison, l.Compared = workflow.CompareCounts(f.unit.Count, f.system.Count, p.Monthly.DiscrepancyPercent), true
			}
			if keep(l) {
				out.Lines = append(out.Lines, l)
				if l.Flagged {
					out.Flagged++
				}
			}
		}
	}
	return out, nil
}

// flaggedMonth returns the comparison of unit's month named month, or
// EVALIDATION (at path "month") when the month is not the plan's or not
// flagged: a deduction may cite only a flagged month.
func flaggedMonth(tx Tx, p *workflow.Plan, unit, month string) (*ComparisonLine, error) {
	bad := func(msg string) error {
		return &workflow.Error{Code: workflow.EVALIDATION, Message: "扣分信息有误",
			Details: []workflow.Violation{{Path: "month", Rule: RuleDeductionMonth, Message: msg}}}
	}
	m, err := planMonth(p, month)
	if err != nil {
		return nil, bad(workflow.ErrorMessage(err))
	}
	c, err := comparison(tx, p, func(l ComparisonLine) bool { return l.Unit == unit && l.Month == m })
	if err != nil {
		return nil, err
	}
	if len(c.Lines) == 0 || !c.Lines[0].Flagged {
		return nil, bad(fmt.Sprintf("%s月单位报送数与会员信息系统数的差异未超过%s%%，不能据此扣分", m, p.Monthly.DiscrepancyPercent))
	}
	return &c.Lines[0], nil
}
