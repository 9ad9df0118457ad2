package workflow

import (
	"fmt"
	"net/url"
	"time"
)

// TodoItem is one line of a person's to-do list (工作台): what kind of
// thing is owed, in words, how many, by when (nil when it has no deadline
// or its deadline passed long ago and only the count matters), and the page
// where it is done (a hash of the web pages).
type TodoItem struct {
	Kind  string     `json:"kind"`
	Title string     `json:"title"`
	Count int        `json:"count"`
	DueAt *time.Time `json:"due_at"`
	Link  string     `json:"link"`
}

// Kinds of to-do items. A unit owes its tables, its nodes and its monthly
// counts; the office certifies, releases, reviews, resends and answers
// objections; a leader watches the units at risk.
const (
	TodoSubmitTables   = "submit_tables"
	TodoReturnedTables = "returned_tables"
	TodoOverdueNodes   = "overdue_nodes"
	TodoDueSoonNodes   = "due_soon_nodes"
	TodoRejectedNodes  = "rejected_nodes"
	TodoMonthlyCount   = "monthly_count"
	TodoMonthlyOverdue = "monthly_overdue"
	TodoCertifyTables  = "certify_tables"
	TodoReleaseTables  = "release_tables"
	TodoReviewNodes    = "review_nodes"
	TodoFailedMail     = "failed_mail"
	TodoObjections     = "objections"
	TodoUnitsAtRisk    = "units_at_risk"
)

// UnitTodoInput is what a unit's to-do list is made of: its submission's
// state (StateNone without one) and the number of comments of the last
// return, its nodes, and the months whose count it reported.
type UnitTodoInput struct {
	Unit     string
	State    State
	Comments int
	Nodes    []NodeRecord
	Reported map[Month]bool
}

// UnitTodo is a unit's to-do list at now, most urgent first: returned or
// unsent tables, nodes sent back, overdue nodes, nodes due within warn,
// and the monthly counts owed.
func UnitTodo(p *Plan, in UnitTodoInput, now time.Time, warn time.Duration) []TodoItem {
	out := []TodoItem{}
	code := url.PathEscape(in.Unit)
	tables := "#/units/" + code
	switch in.State {
	case StateReturned:
		out = append(out, TodoItem{Kind: TodoReturnedTables, Title: "指标表被退回，请按意见修改后重新报送", Count: max(1, in.Comments), Link: tables})
	case StateNone, StateDraft:
		due := p.SubmissionDue().At
		out = append(out, TodoItem{Kind: TodoSubmitTables, Title: "填写并报送本单位指标表", Count: 1, DueAt: &due, Link: tables})
	}
	var rejected, overdue, soon []NodeRecord
	for _, n := range in.Nodes {
		st := n.StateAt(p, now)
		switch {
		case n.State == NodeRejected:
			rejected = append(rejected, n)
		case st == NodeOverdue || st == NodeMissing:
			overdue = append(overdue, n)
		case st == NodePending && n.ColourAt(p, now, warn) == Yellow:
			soon = append(soon, n)
		}
	}
	exec := "#/exec/" + code
	if len(rejected) > 0 {
		out = append(out, TodoItem{Kind: TodoRejectedNodes, Title: "被退回的节点，请补充佐证材料后重新报送", Count: len(rejected), DueAt: earliestDue(p, rejected), Link: exec + "/rejected"})
	}
	if len(overdue) > 0 {
		out = append(out, TodoItem{Kind: TodoOverdueNodes, Title: "已过时间节点仍未报送的节点", Count: len(overdue), Link: exec + "/overdue"})
	}
	if len(soon) > 0 {
		out = append(out, TodoItem{Kind: TodoDueSoonNodes, Title: "临近时间节点尚未报送的节点", Count: len(soon), DueAt: earliestDue(p, soon), Link: exec + "/pending"})
	}
	return append(out, monthlyTodo(p, in.Reported, now)...)
}

// earliestDue is the earliest due time of ns (which is not empty).
func earliestDue(p *Plan, ns []NodeRecord) *time.Time {
	t := ns[0].DueAt(p)
	for _, n := range ns[1:] {
		if d := n.DueAt(p); d.Before(t) {
			t = d
		}
	}
	return &t
}

// monthlyTodo lists the monthly counts owed at now: the months whose due
// time passed without a count, and the month that has ended and whose count
// is due next.
func monthlyTodo(p *Plan, reported map[Month]bool, now time.Time) []TodoItem {
	var out []TodoItem
	missed := 0
	for _, m := range p.Months() {
		if reported[m] {
			continue
		}
		due := p.MonthDeadline(m).At
		ended := m.Next().Start(p.Location())
		switch {
		case !now.Before(due):
			missed++
		case !now.Before(ended):
			out = append(out, TodoItem{Kind: TodoMonthlyCount, Title: fmt.Sprintf("报送%d年%d月会员实名制信息采集数量", m.Year, m.Month), Count: 1, DueAt: &due, Link: "#/monthly/" + m.String()})
		}
	}
	if missed > 0 {
		out = append([]TodoItem{{Kind: TodoMonthlyOverdue, Title: "逾期未报送的月份会员实名制数量", Count: missed, Link: "#/monthly"}}, out...)
	}
	return out
}

// Start is the first instant of the month in loc.
func (m Month) Start(loc *time.Location) time.Time {
	return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, loc)
}

// OfficeTodoInput is what the office's to-do list is made of: the state
// of every unit's submission, the nodes waiting for review, and the
// messages that failed.
type OfficeTodoInput struct {
	States     map[string]State
	Reported   int
	FailedMail int
}

// OfficeTodo is the office's to-do list: tables to certify, certified
// tables to release, nodes to review and mail that failed.
func OfficeTodo(in OfficeTodoInput) []TodoItem {
	out := []TodoItem{}
	var submitted, certified int
	for _, s := range in.States {
		switch s {
		case StateSubmitted:
			submitted++
		case StateCertified:
			certified++
		}
	}
	if submitted > 0 {
		out = append(out, TodoItem{Kind: TodoCertifyTables, Title: "已报送待审核认定的指标表", Count: submitted, Link: "#/tables"})
	}
	if certified > 0 {
		out = append(out, TodoItem{Kind: TodoReleaseTables, Title: "已认定待返各单位执行的指标表", Count: certified, Link: "#/tables"})
	}
	if in.Reported > 0 {
		out = append(out, TodoItem{Kind: TodoReviewNodes, Title: "已报送待审核的节点佐证材料", Count: in.Reported, Link: "#/reviews"})
	}
	if in.FailedMail > 0 {
		out = append(out, TodoItem{Kind: TodoFailedMail, Title: "发送失败的提醒邮件", Count: in.FailedMail, Link: "#/notify"})
	}
	return out
}

// RiskTodo is the line of the units whose light is red, for leaders and
// the office; none when no unit is.
func RiskTodo(red int) []TodoItem {
	if red == 0 {
		return nil
	}
	return []TodoItem{{Kind: TodoUnitsAtRisk, Title: "逾期节点较多（红灯）的单位", Count: red, Link: "#/dashboard"}}
}

// ObjectionsTodo is the office's line of the objections to a published
// result that wait for an answer; none when there are none. Link is the
// objections' page.
func ObjectionsTodo(open int) []TodoItem {
	if open == 0 {
		return nil
	}
	return []TodoItem{{Kind: TodoObjections, Title: "待答复的考核结果异议", Count: open, Link: "#/objections"}}
}
