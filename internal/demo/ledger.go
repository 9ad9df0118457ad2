package demo

import (
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Ledger is every fact of the played year that year-end scoring counts,
// written by the play as it happens: when each unit first submitted and
// when the office recorded its tables received, each node's reports and
// the office's verdicts, each month's count, the innovation items and
// their certification, the manual deductions, the waivers, the objections
// with their answers and corrections, and the published runs; and the
// group robots that were told of it all. A test computes every unit's
// figures from it without the scoring code.
type Ledger struct {
	FirstSubmitted map[string]time.Time
	// Receipts are the office's records of when tables arrived by other
	// means, by unit.
	Receipts map[string]workflow.Receipt
	// Nodes are the released nodes, by unit and by their path in the tables ("business[2].works[0].nodes[1]",
	// "innovation[0].nodes[2]").
	Nodes map[string]map[string]*NodeLog
	// Months are the counts reported, by unit and month.
	Months map[string]map[workflow.Month]MonthLog
	// Innovation are each unit's declared items, in order.
	Innovation map[string][]InnovationLog
	Manual     []workflow.ManualDeduction
	// Waivers are the waivers the office granted on its own, before the
	// year-end run (those an accepted objection granted are in its
	// answer's correction).
	Waivers []workflow.Waiver
	// Objections are the units' objections, as answered once they are:
	// an accepted one carries its correction (a waiver or a changed
	// review).
	Objections []workflow.Objection
	// Published is the first published scoring run (nil before December
	// 23); Corrected the run that published the accepted objections'
	// corrections (nil before December 27).
	Published *workflow.ScoringRun
	Corrected *workflow.ScoringRun
	// Robots are the group robots registered, by outbox recipient
	// ("robot:3").
	Robots map[string]RobotLog
}

// RobotLog is one group robot of the play: whose it is ("" the office),
// its kind, and the directory under Robots.Dir that holds what it
// received (the test message first).
type RobotLog struct {
	Owner string
	Kind  workflow.RobotKind
	Dir   string
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
	return &Ledger{FirstSubmitted: map[string]time.Time{}, Receipts: map[string]workflow.Receipt{}, Nodes: map[string]map[string]*NodeLog{},
		Months: map[string]map[workflow.Month]MonthLog{}, Innovation: map[string][]InnovationLog{}, Robots: map[string]RobotLog{}}
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
