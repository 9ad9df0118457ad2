package workflow

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// NodeState is where a node (序时进度) of an executing submission stands.
//
// Four states are stored; two are derived from the clock when a node is
// read, so that they never depend on a job having run:
//
//	pending ──report──► reported ──accept──► accepted
//	   ▲                   │  ▲
//	   │                 reject│report again
//	   │                   ▼  │
//	   │                 rejected
//	   └─ (no report when the checkpoint passes: overdue; at year end: missing)
//
// A node owes a report while it is pending or rejected. When its checkpoint
// passes in that condition it reads as overdue. A node never reported reads
// as missing from the year end (the plan's scoring time); a rejected one
// stays overdue, because it was reported and year-end scoring treats it so
// (0 points, no missing-node deduction). A reported, accepted or rejected-then-
// reported node is never overdue: lateness of a report is the Late flag.
type NodeState string

// Node states: the first four are stored, the last two derived.
const (
	NodePending  NodeState = "pending"
	NodeReported NodeState = "reported"
	NodeAccepted NodeState = "accepted"
	NodeRejected NodeState = "rejected"
	NodeOverdue  NodeState = "overdue"
	NodeMissing  NodeState = "missing"
)

var nodeStateNames = map[NodeState]string{
	NodePending:  "待报送",
	NodeReported: "已报送",
	NodeAccepted: "已通过",
	NodeRejected: "已退回",
	NodeOverdue:  "已逾期",
	NodeMissing:  "未报送",
}

// Label is the state's Chinese name.
func (s NodeState) Label() string {
	return nameOf(nodeStateNames, s)
}

// ParseNodeState reads a node state code, stored or derived (EINVALID
// otherwise).
func ParseNodeState(s string) (NodeState, error) {
	if _, ok := nodeStateNames[NodeState(s)]; ok {
		return NodeState(s), nil
	}
	return "", Errorf(EINVALID, "节点状态“%s”无效，应为 pending、reported、accepted、rejected、overdue 或 missing", s)
}

// Colour is a status light (红黄绿灯).
type Colour string

// Status colours.
const (
	Green  Colour = "green"
	Yellow Colour = "yellow"
	Red    Colour = "red"
)

// ParseColour reads a colour (EINVALID otherwise).
func ParseColour(s string) (Colour, error) {
	switch c := Colour(s); c {
	case Green, Yellow, Red:
		return c, nil
	}
	return "", Errorf(EINVALID, "颜色“%s”无效，应为 green、yellow 或 red", s)
}

// RollUp is the colour of a group: red if any member is red, else yellow
// if any is yellow, else green (an empty group is green).
func RollUp(cs ...Colour) Colour {
	out := Green
	for _, c := range cs {
		switch {
		case c == Red:
			return Red
		case c == Yellow:
			out = Yellow
		}
	}
	return out
}

// NodeRecord is one node of a released submission, tracked as a milestone:
// one per node of every party and business work and of every certified
// innovation item, created at release (NodesOf).
type NodeRecord struct {
	ID   int64
	Year int
	Unit string
	// Category is CategoryParty, CategoryBusiness or CategoryInnovation.
	Category string
	// Indicator is P1…P5, B1…B13, or I1, I2 for the innovation items by
	// position.
	Indicator string
	// ItemIndex, WorkIndex and NodeIndex locate the node in the submission
	// document (an innovation item has one work, index 0).
	ItemIndex, WorkIndex, NodeIndex int
	// Work is the work's title (the item's title for innovation).
	Work     string
	Due      Date
	Points   Points
	Target   string
	Standard string
	// Evidence is the evidence the unit promised to provide (佐证材料).
	Evidence string
	// State is the stored state: pending, reported, accepted or rejected.
	State NodeState
	// Late says the current report came after the node's due time.
	Late bool
	// Note is the unit's note on its current report.
	Note       string
	ReportedAt *time.Time
	// Awarded is the office's points once accepted (zero before).
	Awarded    Points
	ReviewedAt *time.Time
	// Version is the optimistic lock, 1 at creation.
	Version int
	// Released is when the node's table was released (its submission's
	// ReleasedAt; zero when not known): a late release moves the node's
	// due time (Plan.NodeDue). The service fills it when it reads nodes.
	Released time.Time
}

// DueAt is when the node falls due (Plan.NodeDue).
func (n NodeRecord) DueAt(p *Plan) time.Time { return p.NodeDue(n.Due, n.Released).At }

// StateAt is the node's state as people see it at now: the stored state,
// or overdue (a pending or rejected node whose checkpoint has passed) or
// missing (a pending node from the plan's year end on).
func (n NodeRecord) StateAt(p *Plan, now time.Time) NodeState {
	if n.State == NodePending || n.State == NodeRejected {
		switch {
		case n.State == NodePending && !now.Before(p.YearEnd()):
			return NodeMissing
		case !now.Before(n.DueAt(p)):
			return NodeOverdue
		}
	}
	return n.State
}

// ColourAt is the node's light at now: red when overdue or missing, yellow
// when it still owes a report and its checkpoint is within warn, green
// otherwise (reported, accepted, or not yet near).
func (n NodeRecord) ColourAt(p *Plan, now time.Time, warn time.Duration) Colour {
	switch n.StateAt(p, now) {
	case NodeOverdue, NodeMissing:
		return Red
	case NodePending, NodeRejected:
		if !now.Before(n.DueAt(p).Add(-warn)) {
			return Yellow
		}
	}
	return Green
}

// YearEnd is the instant the year's execution ends and nodes without a
// report become missing: the plan's scoring time.
func (p *Plan) YearEnd() time.Time {
	return p.Scoring.Date.At(p.Scoring.Time, p.Location())
}

// NodePosition locates a node in its submission document: the category,
// the indicator (or innovation item) by index, the work and the node.
type NodePosition struct {
	Category                        string
	ItemIndex, WorkIndex, NodeIndex int
}

// categoryRank orders categories as the annexes do.
var categoryRank = map[string]int{CategoryParty: 0, CategoryBusiness: 1, CategoryInnovation: 2}

// Compare orders positions as the annexes list nodes: party, business,
// innovation, then by item, work and node.
func (a NodePosition) Compare(b NodePosition) int {
	return cmp.Or(
		cmp.Compare(categoryRank[a.Category], categoryRank[b.Category]),
		cmp.Compare(a.ItemIndex, b.ItemIndex),
		cmp.Compare(a.WorkIndex, b.WorkIndex),
		cmp.Compare(a.NodeIndex, b.NodeIndex))
}

// Position is the node's place in its document.
func (n *NodeRecord) Position() NodePosition {
	return NodePosition{n.Category, n.ItemIndex, n.WorkIndex, n.NodeIndex}
}

// SortNodes orders nodes by unit, then in document order (NodePosition),
// the order of the store's node lists.
func SortNodes(ns []NodeRecord) {
	slices.SortStableFunc(ns, func(a, b NodeRecord) int {
		return cmp.Or(cmp.Compare(a.Unit, b.Unit), a.Position().Compare(b.Position()))
	})
}

// NodesOf returns the node records of a submission that starts executing,
// in document order: one per node of every party and business work, and of
// every certified innovation item (an uncertified item costs nothing and
// adds nothing, so it is not tracked). Every record is pending at version 1.
// A node whose date does not parse is an error: validation let it through.
func NodesOf(sub *Submission) ([]NodeRecord, error) {
	var ns []NodeRecord
	add := func(cat, code string, item, work int, title string, nodes []Node) error {
		for k, n := range nodes {
			due, err := ParseDate(n.Due)
			if err != nil {
				return fmt.Errorf("materialise nodes of %s: %s[%d] work %d node %d: %w", sub.Unit, cat, item, work, k, err)
			}
			ns = append(ns, NodeRecord{
				Year: sub.Year, Unit: sub.Unit, Category: cat, Indicator: code,
				ItemIndex: item, WorkIndex: work, NodeIndex: k, Work: title,
				Due: due, Points: n.Points, Target: n.Target, Standard: n.Standard, Evidence: n.Evidence,
				State: NodePending, Version: 1,
			})
		}
		return nil
	}
	for cat, inds := range map[string][]Indicator{CategoryParty: sub.Doc.Party, CategoryBusiness: sub.Doc.Business} {
		for i, ind := range inds {
			for j, w := range ind.Works {
				if err := add(cat, ind.Code, i, j, w.Title, w.Nodes); err != nil {
					return nil, err
				}
			}
		}
	}
	for i, it := range sub.Doc.Innovation {
		if i < len(sub.Certified) && sub.Certified[i] {
			if err := add(CategoryInnovation, fmt.Sprintf("I%d", i+1), i, 0, it.Title, it.Nodes); err != nil {
				return nil, err
			}
		}
	}
	SortNodes(ns)
	return ns, nil
}
