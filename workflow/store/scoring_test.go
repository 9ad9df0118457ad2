package store_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
	"kaohe/workflow/store"
)

// TestScoringNodesScoreAsNodes: scoring the benchmark's data (missing,
// late, rejected and half-awarded nodes, missing and late months) from
// Tx.ScoringNodes, which sums accepted on-time nodes, gives byte for byte
// the results of scoring every node read one by one through Tx.Nodes, on
// both databases; and a run twice gives the same digest.
func TestScoringNodesScoreAsNodes(t *testing.T) {
	t.Parallel()
	for _, backend := range []struct {
		name string
		open func(t *testing.T) *store.DB
	}{{"sqlite", openSQLite}, {"mariadb", openMariaDB}} {
		t.Run(backend.name, func(t *testing.T) {
			db := backend.open(t)
			if _, err := generate(db, 30); err != nil {
				t.Fatal(err)
			}
			asOf := time.Date(2019, 12, 20, 1, 0, 0, 0, time.UTC)
			var summed, oneByOne string
			err := db.View(t.Context(), func(tx service.Tx) error {
				p, err := tx.Plan(2019)
				if err != nil {
					return err
				}
				su, err := scoringUnits(tx)
				if err != nil {
					return err
				}
				byNode := make([]workflow.ScoringUnit, len(su))
				copy(byNode, su)
				for i := range su {
					if su[i].Nodes, err = tx.ScoringNodes(2019, []string{su[i].Code}); err != nil {
						return err
					}
					if byNode[i].Nodes, err = nodesOneByOne(tx, su[i].Code); err != nil {
						return err
					}
				}
				opt := workflow.ScoringOptions{AsOf: asOf, MonthlyTracked: true}
				summed, oneByOne = resultsOf(t, workflow.Score(p, su, opt)), resultsOf(t, workflow.Score(p, byNode, opt))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if summed != oneByOne {
				t.Fatalf("results differ from reading node by node:\n got %.2000s\nwant %.2000s", summed, oneByOne)
			}
			svc := service.New(db, nil, workflow.NewManualClock(asOf), service.Options{})
			r1, err := svc.RunScoring(t.Context(), service.SystemActor, 2019)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := svc.RunScoring(t.Context(), service.SystemActor, 2019)
			if err != nil {
				t.Fatal(err)
			}
			if r1.InputsDigest != r2.InputsDigest || resultsOf(t, r1.Results) != resultsOf(t, r2.Results) {
				t.Errorf("two runs differ: digest %s, then %s", r1.InputsDigest, r2.InputsDigest)
			}
			rules := map[string]int{}
			for _, r := range r1.Results {
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

// scoringUnits reads every unit of 2019 as scoring sees it, without nodes.
func scoringUnits(tx service.Tx) ([]workflow.ScoringUnit, error) {
	units, err := tx.Units()
	if err != nil {
		return nil, err
	}
	codes := make([]string, len(units))
	for i, u := range units {
		codes[i] = u.Code
	}
	facts, err := tx.SubmissionFacts(2019, codes)
	if err != nil {
		return nil, err
	}
	months, err := tx.MonthlyReportsOf(2019, codes)
	if err != nil {
		return nil, err
	}
	var out []workflow.ScoringUnit
	for _, f := range facts {
		u := workflow.ScoringUnit{Code: f.Unit, State: string(f.State), FirstSubmittedAt: f.FirstSubmittedAt, Innovation: f.Innovation}
		for _, m := range months {
			if m.Unit == f.Unit {
				u.Monthly = append(u.Monthly, workflow.MonthlyFact{Unit: m.Unit, Month: m.Month, ReportedAt: m.FirstReportedAt, Late: m.Late})
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// nodesOneByOne is every node of a unit read whole through Tx.Nodes.
func nodesOneByOne(tx service.Tx, unit string) ([]workflow.NodeFact, error) {
	ns, err := tx.Nodes(service.NodeFilter{Year: 2019, Unit: unit})
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

func resultsOf(t *testing.T, rs []workflow.UnitResult) string {
	t.Helper()
	b, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestResultsJSON: the stored results are exactly what json.Marshal makes
// of them, for an empty year, one unit and many.
func TestResultsJSON(t *testing.T) {
	t.Parallel()
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
