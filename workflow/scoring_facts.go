package workflow

// ExecutionFacts is the ScoringFacts of the year's execution records: the
// nodes materialised at release with the office's reviews, and the monthly
// member counts. It holds no state; its zero value is ready to use.
type ExecutionFacts struct{}

var _ ScoringFacts = ExecutionFacts{}

// Nodes returns the nodes of the given units through Tx.ScoringNodes: the
// accepted nodes reported on time come summed per indicator (NodeFact.Count),
// which scores exactly as the nodes one by one; every node that can cost a
// deduction or score nothing comes alone.
func (ExecutionFacts) Nodes(tx Tx, year int, units []string) ([]NodeFact, error) {
	if len(units) == 0 {
		return []NodeFact{}, nil
	}
	return tx.ScoringNodes(year, units)
}

// Monthly returns the current monthly report of the given units, one per
// unit and month reported. Lateness is decided by the month's first report.
func (ExecutionFacts) Monthly(tx Tx, year int, units []string) ([]MonthlyFact, error) {
	ms, err := tx.MonthlyReportsOf(year, units)
	if err != nil {
		return nil, err
	}
	out := make([]MonthlyFact, 0, len(ms))
	for _, m := range ms {
		out = append(out, MonthlyFact{Unit: m.Unit, Month: m.Month, ReportedAt: m.FirstReportedAt, Late: m.Late})
	}
	return out, nil
}

// Unreviewed returns every reported node of the year that the office has
// not reviewed yet.
func (ExecutionFacts) Unreviewed(tx Tx, year int) ([]NodeFact, error) {
	ns, err := tx.Nodes(NodeFilter{Year: year, States: []NodeState{NodeReported}})
	if err != nil {
		return nil, err
	}
	return nodeFacts(ns), nil
}

func nodeFacts(ns []NodeRecord) []NodeFact {
	out := make([]NodeFact, 0, len(ns))
	for _, n := range ns {
		out = append(out, NodeFact{
			Unit: n.Unit, Category: n.Category, Indicator: n.Indicator,
			ItemIndex: n.ItemIndex, WorkIndex: n.WorkIndex, NodeIndex: n.NodeIndex,
			Due: n.Due, Points: n.Points, State: string(n.State), Late: n.Late, Awarded: n.Awarded,
		})
	}
	return out
}
