package demo

import (
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Ledger is every fact of the played year that year-end scoring counts,
// written by the play as it happens: when each unit first submitted, each
// node's reports and the office's verdicts, each month's count, the
// innovation items and their certification, the manual deductions, and
// the published run. A test computes every unit's figures from it without
// the scoring code.
type Ledger struct {
	FirstSubmitted map[string]time.Time
	// Nodes are the released nodes, by unit and by their path in the tables ("business[2].works[0].nodes[1]",
	// "innovation[0].nodes[2]").
	Nodes map[string]map[string]*NodeLog
	// Months are the counts reported, by unit and month.
	Months map[string]map[workflow.Month]MonthLog
	// Innovation are each unit's declared items, in order.
	Innovation map[string][]InnovationLog
	Manual     []workflow.ManualDeduction
	// Published is the published scoring run (nil before December 23).
	Published *workflow.ScoringRun
}

// NodeLog is one node's reports and verdicts, oldest first.
type NodeLog struct {
	Category  string
	Indicator string
	Points    workflow.Points
	Due       workflow.Date
	Reports   []time.Time
	Verdicts  []Verdict
}

// Verdict is one review of a node.
type Verdict struct {
	At     time.Time
	Accept bool
	Points workflow.Points
}

// MonthLog is one month's count as reported.
type MonthLog struct {
	At    time.Time
	Count int64
}

// InnovationLog is one declared innovation item.
type InnovationLog struct {
	Points    workflow.Points
	Certified bool
}

func newLedger() *Ledger {
	return &Ledger{FirstSubmitted: map[string]time.Time{}, Nodes: map[string]map[string]*NodeLog{},
		Months: map[string]map[workflow.Month]MonthLog{}, Innovation: map[string][]InnovationLog{}}
}

// node returns the log of n, creating it.
func (l *Ledger) node(n service.NodeView) *NodeLog {
	if l.Nodes[n.Unit] == nil {
		l.Nodes[n.Unit] = map[string]*NodeLog{}
	}
	path := workflow.NodeFact{Category: n.Category, ItemIndex: n.ItemIndex, WorkIndex: n.WorkIndex, NodeIndex: n.NodeIndex}.Path()
	log := l.Nodes[n.Unit][path]
	if log == nil {
		log = &NodeLog{Category: n.Category, Indicator: n.Indicator, Points: n.Points, Due: n.Due}
		l.Nodes[n.Unit][path] = log
	}
	return log
}

func (l *Ledger) month(unit string, m workflow.Month, at time.Time, count int64) {
	if l.Months[unit] == nil {
		l.Months[unit] = map[workflow.Month]MonthLog{}
	}
	l.Months[unit][m] = MonthLog{At: at, Count: count}
}
