package workflow

import "time"

// A unit's light (红黄绿灯 of a unit) reflects the share of its nodes at
// risk, not any single node: by November almost every unit has one node
// overdue somewhere, and a light that turns red for one node says nothing a
// leader can act on.
//
// The rule, on the nodes whose checkpoint has passed ("due") and the nodes
// whose checkpoint falls within the warning window ("due soon"):
//
//   - red when more than RedShare percent of the due nodes are overdue
//     (no report, or a rejected report not sent again);
//   - yellow when it is not red and more than YellowShare percent of the
//     due and due-soon nodes are overdue or still owe a report;
//   - green otherwise (and for a unit with no node due yet).
const (
	// RedShare is the percentage of due nodes overdue above which a unit
	// is red.
	RedShare = 10
	// YellowShare is the percentage of due and due-soon nodes at risk
	// above which a unit is yellow.
	YellowShare = 10
)

// NodeRisk counts a unit's nodes for its light: Due have their checkpoint
// passed, Overdue of them owe a report; DueSoon have their checkpoint
// within the warning window, Owing of them owe a report.
type NodeRisk struct {
	Due     int `json:"due"`
	Overdue int `json:"overdue"`
	DueSoon int `json:"due_soon"`
	Owing   int `json:"owing"`
}

// Add counts node n at now with the warning window warn.
func (r *NodeRisk) Add(p *Plan, n NodeRecord, now time.Time, warn time.Duration) {
	due := n.DueAt(p)
	owes := n.State == NodePending || n.State == NodeRejected
	switch {
	case !now.Before(due):
		r.Due++
		if owes {
			r.Overdue++
		}
	case !now.Before(due.Add(-warn)):
		r.DueSoon++
		if owes {
			r.Owing++
		}
	}
}

// Light is the unit's colour by the rule above.
func (r NodeRisk) Light() Colour {
	if r.Due > 0 && r.Overdue*100 > RedShare*r.Due {
		return Red
	}
	if base := r.Due + r.DueSoon; base > 0 && (r.Overdue+r.Owing)*100 > YellowShare*base {
		return Yellow
	}
	return Green
}
