package workflow

import (
	"fmt"
	"strings"
	"time"
)

// ExecutionReminders is the ReminderData of the year's execution records:
// the nodes materialised at release and the monthly member counts. It holds
// no state; its zero value is ready to use.
type ExecutionReminders struct{}

var _ ReminderData = ExecutionReminders{}

// ReminderNodes returns every node of the year with its stored state.
func (ExecutionReminders) ReminderNodes(tx Tx, year int) ([]ReminderNode, error) {
	ns, err := tx.Nodes(NodeFilter{Year: year})
	if err != nil {
		return nil, err
	}
	out := make([]ReminderNode, 0, len(ns))
	for _, n := range ns {
		out = append(out, ReminderNode{Unit: n.Unit, Category: n.Category, Indicator: n.Indicator,
			Work: n.Work, Due: n.Due, Points: n.Points, State: string(n.State)})
	}
	return out, nil
}

// ReminderMonths returns the current count of every unit and month reported.
func (ExecutionReminders) ReminderMonths(tx Tx, year int) ([]ReminderMonth, error) {
	ms, err := tx.MonthlyReports(year)
	if err != nil {
		return nil, err
	}
	out := make([]ReminderMonth, 0, len(ms))
	for _, m := range ms {
		out = append(out, ReminderMonth{Unit: m.Unit, Month: m.Month, Count: m.Count})
	}
	return out, nil
}

// ImportedCount is one line of the member information system's export: a
// unit (by code or by name) and its member real-name count for a month.
type ImportedCount struct {
	Unit  string
	Month Month
	Count int64
}

// RecordImportedCounts records the counts of one export file inside tx, as
// reports of the system from the import folder. Every line is checked
// first: a unit that does not exist, a month that no plan asks for or that
// has not begun at now, a negative count or a unit listed twice for one
// month is a violation, and with any violation nothing is written
// (EVALIDATION listing every bad line, numbered from 1 after the header).
func RecordImportedCounts(tx Tx, rows []ImportedCount, now time.Time) error {
	units, err := tx.Units()
	if err != nil {
		return err
	}
	byKey := map[string]string{}
	for _, u := range units {
		byKey[u.Code], byKey[u.Name] = u.Code, u.Code
	}
	plans, err := tx.Plans()
	if err != nil {
		return err
	}
	planOfMonth := map[Month]*Plan{}
	for _, p := range plans {
		for _, m := range p.Months() {
			planOfMonth[m] = p
		}
	}
	type value struct {
		plan  *Plan
		unit  string
		month Month
		count int64
	}
	var vals []value
	var vs []Violation
	seen := map[string]int{}
	for i, r := range rows {
		line := i + 1
		path := fmt.Sprintf("rows[%d]", line)
		code, ok := byKey[strings.TrimSpace(r.Unit)]
		if !ok {
			vs = append(vs, Violation{path + ".unit", "import.unit.unknown", fmt.Sprintf("第%d行：单位“%s”不存在", line, r.Unit)})
		}
		p, planned := planOfMonth[r.Month]
		switch {
		case !planned:
			vs = append(vs, Violation{path + ".month", "import.month.unknown", fmt.Sprintf("第%d行：考核方案没有“%s”月的数量报送", line, r.Month)})
		case now.Before(Date{r.Month.Year, r.Month.Month, 1}.In(p.Location())):
			vs = append(vs, Violation{path + ".month", "import.month.future", fmt.Sprintf("第%d行：%s月尚未开始", line, r.Month)})
		}
		if r.Count < 0 {
			vs = append(vs, Violation{path + ".count", "import.count.invalid", fmt.Sprintf("第%d行：数量%d应为非负整数", line, r.Count)})
		}
		key := code + "/" + r.Month.String()
		if first, dup := seen[key]; ok && dup {
			vs = append(vs, Violation{path + ".unit", "import.unit.duplicate", fmt.Sprintf("第%d行：单位“%s”%s月的数量与第%d行重复", line, r.Unit, r.Month, first)})
		}
		seen[key] = line
		vals = append(vals, value{p, code, r.Month, r.Count})
	}
	if len(rows) == 0 {
		vs = append(vs, Violation{"rows", "import.empty", "文件中没有数据行"})
	}
	if len(vs) > 0 {
		return &Error{Code: EVALIDATION, Message: fmt.Sprintf("导入文件有%d处错误，未导入任何数据", len(vs)), Details: vs}
	}
	for _, v := range vals {
		if _, err := putMonthly(tx, v.plan, v.unit, v.month, v.count, SystemActor.Username, SourceImport, now); err != nil {
			return err
		}
		if err := audit(tx, now, SystemActor, v.unit, "monthly.import", fmt.Sprintf("monthly:%d/%s/%s", v.plan.Year, v.unit, v.month), fmt.Sprintf("导入文件，数量 %d", v.count)); err != nil {
			return err
		}
	}
	return nil
}

// ReminderData is what reminders need from node execution and monthly
// reports, read inside the reminder pass's transaction. Package jobs
// declares no storage of its own for these: the server implements this
// interface over the node and monthly-report records.
type ReminderData interface {
	// ReminderNodes returns every node of the plan year with its state.
	ReminderNodes(tx Tx, year int) ([]ReminderNode, error)
	// ReminderMonths returns every monthly count reported for the year.
	ReminderMonths(tx Tx, year int) ([]ReminderMonth, error)
}
