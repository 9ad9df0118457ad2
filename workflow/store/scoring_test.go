package store_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/store"
)

// nodeByNode is the facts source scoring had before Tx.ScoringNodes: every
// node read whole through Tx.Nodes and handed over one by one.
type nodeByNode struct{ workflow.ExecutionFacts }

func (nodeByNode) Nodes(tx workflow.Tx, year int, units []string) ([]workflow.NodeFact, error) {
	ns, err := tx.Nodes(workflow.NodeFilter{Year: year, Units: units})
	if err != nil {
		return nil, err
	}
	out := make([]workflow.NodeFact, 0, len(ns))
	for _, n := range ns {
		out = append(out, workflow.NodeFact{Unit: n.Unit, Category: n.Category, Indicator: n.Indicator,
			ItemIndex: n.ItemIndex, WorkIndex: n.WorkIndex, NodeIndex: n.NodeIndex, Due: n.Due, Points: n.Points,
			State: string(n.State), Late: n.Late, Awarded: n.Awarded})
	}
	return out, nil
}

// TestScoringNodesScoreAsNodes: a run over the benchmark's data (missing,
// late, rejected and half-awarded nodes, missing and late months) gives
// byte for byte the results of reading every node one by one, on both
// databases, and the same run twice gives the same digest.
func TestScoringNodesScoreAsNodes(t *testing.T) {
	for _, backend := range []struct {
		name string
		open func(t *testing.T) *store.DB
	}{{"sqlite", openSQLite}, {"mariadb", openMariaDB}} {
		t.Run(backend.name, func(t *testing.T) {
			db := backend.open(t)
			if _, err := generate(db, 30); err != nil {
				t.Fatal(err)
			}
			run := func(facts workflow.ScoringFacts) (*workflow.ScoringRun, string) {
				t.Helper()
				svc := &workflow.Service{Store: db, Clock: workflow.NewManualClock(time.Date(2019, 12, 20, 1, 0, 0, 0, time.UTC)),
					ScoringFacts: facts}
				r, err := svc.RunScoring(t.Context(), workflow.SystemActor, 2019)
				if err != nil {
					t.Fatal(err)
				}
				b, err := json.Marshal(r.Results)
				if err != nil {
					t.Fatal(err)
				}
				return r, string(b)
			}
			oneByOne, want := run(nodeByNode{})
			summed, got := run(workflow.ExecutionFacts{})
			if got != want {
				t.Fatalf("results differ from reading node by node:\n got %.2000s\nwant %.2000s", got, want)
			}
			again, _ := run(workflow.ExecutionFacts{})
			if again.InputsDigest != summed.InputsDigest {
				t.Errorf("digest %s, then %s", summed.InputsDigest, again.InputsDigest)
			}
			rules := map[string]int{}
			for _, r := range oneByOne.Results {
				for _, d := range r.Deductions {
					rules[d.Rule]++
				}
			}
			for _, rule := range []string{workflow.RuleMissingNode, workflow.RuleLateNode, workflow.RuleMonthlyMissing, workflow.RuleMonthlyLate} {
				if rules[rule] == 0 {
					t.Errorf("no %s deduction: the data does not exercise it (%v)", rule, rules)
				}
			}
		})
	}
}

// TestResultsJSON: the stored results are exactly what json.Marshal makes
// of them, for an empty year, one unit and many.
func TestResultsJSON(t *testing.T) {
	r := workflow.UnitResult{Unit: "gjz", Name: "高新区<总工会>", State: "executing", Party: 9950, Business: 10025,
		Deductions: []workflow.Deduction{{Rule: workflow.RuleLateNode, Points: 50, Reason: "B3 工作1 节点2（2019-09-30） 逾期报送，扣0.5分", Ref: "business[2].works[0].nodes[1]"}},
		Indicators: []workflow.IndicatorScore{{Category: "party", Code: "P1", Name: "党的政治建设", Points: 3400, Awarded: 2550, Nodes: 8, Accepted: 7}},
		Items:      []workflow.InnovationScore{}, Rank: 2, Grade: "优秀"}
	many := make([]workflow.UnitResult, 300)
	for i := range many {
		many[i] = r
		many[i].Unit = fmt.Sprintf("u%03d", i)
		many[i].Deductions = many[i].Deductions[:i%2]
	}
	for _, rs := range [][]workflow.UnitResult{nil, {}, {r}, many} {
		want, err := json.Marshal(rs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := store.ResultsJSON(rs)
		if err != nil || got != string(want) {
			t.Errorf("%d results: got %.300s (%v), want %.300s", len(rs), got, err, want)
		}
	}
}
