package store_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
	"kaohe/workflow/store"
	"kaohe/workflow/store/storetest"
)

// TestScoringNodesScoreAsNodes: scoring the benchmark's data (missing,
// late, rejected and half-awarded nodes, missing and late months) from
// Tx.ScoringNodes, which sums accepted on-time nodes, gives byte for byte
// the results of scoring every node read one by one through Tx.Nodes, on
// both databases; and a run twice gives the same digest.
func TestScoringNodesScoreAsNodes(t *testing.T) {
	t.Parallel()
	withBenchData(t, 30, func(t *testing.T, db *store.DB) {
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
	months, err := tx.MonthlyReports(2019)
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

func resultsOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goldenDigest is the inputs digest of generate(db, 30) scored at
// goldenAsOf, and testdata/scoring-results-30.json the JSON of its results,
// both as kaohe computed them when it read the submissions' documents and
// stored a run's results as one JSON text.
const goldenDigest = "988752c56698adec573b0ada784b805bd42f8f2baa80cb6188da131c67749af3"

var goldenAsOf = time.Date(2019, 12, 20, 1, 0, 0, 0, time.UTC)

// TestScoringResultsAsBefore: a run over the benchmark's data (30 units)
// scores, hashes and reads back byte for byte as it did when scoring read
// documents and stored one JSON text per run, on both databases: the
// results computed, the results read back from their rows (the whole run
// and each unit alone) and the inputs digest. The facts scoring reads are
// those the documents give.
func TestScoringResultsAsBefore(t *testing.T) {
	t.Parallel()
	golden, err := os.ReadFile("testdata/scoring-results-30.json")
	if err != nil {
		t.Fatal(err)
	}
	withBenchData(t, 30, func(t *testing.T, db *store.DB) {
		svc := service.New(db, nil, workflow.NewManualClock(goldenAsOf), service.Options{})
		run, err := svc.RunScoring(t.Context(), service.SystemActor, 2019)
		if err != nil {
			t.Fatal(err)
		}
		if run.InputsDigest != goldenDigest {
			t.Errorf("inputs digest %s, was %s", run.InputsDigest, goldenDigest)
		}
		sameBytes(t, "the results computed", resultsOf(t, run.Results), string(golden))
		stored, err := svc.ScoringRun(t.Context(), service.SystemActor, 2019, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameBytes(t, "the results read back", resultsOf(t, stored.Results), string(golden))
		err = db.View(t.Context(), func(tx service.Tx) error {
			got, want, err := storetest.SubmissionFacts(tx, 2019)
			if err != nil {
				return err
			}
			if len(got) != 30 || resultsOf(t, got) != resultsOf(t, want) {
				t.Errorf("facts read differ from the documents'")
			}
			for _, r := range stored.Results {
				one, err := tx.ScoringResult(2019, run.ID, r.Unit)
				if err != nil {
					return err
				}
				sameBytes(t, r.Unit+"'s result alone", resultsOf(t, one), resultsOf(t, &r))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// sameBytes fails unless got is want, naming where they first differ.
func sameBytes(t *testing.T, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-200)
	t.Errorf("%s differ at byte %d of %d (want %d):\n got …%.400s\nwant …%.400s", what, i, len(got), len(want), got[from:], want[from:])
}

// withBenchData runs fn on SQLite and on MariaDB, each a database of its
// own holding the scoring benchmark's data for units units.
func withBenchData(t *testing.T, units int, fn func(t *testing.T, db *store.DB)) {
	for _, backend := range []struct {
		name string
		open func(t *testing.T) *store.DB
	}{{"sqlite", openSQLite}, {"mariadb", openMariaDB}} {
		t.Run(backend.name, func(t *testing.T) {
			db := backend.open(t)
			if _, err := generate(db, units); err != nil {
				t.Fatal(err)
			}
			fn(t, db)
		})
	}
}
