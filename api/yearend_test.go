package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"kaohe/workflow"
)

// TestWholeYearOnRealData runs the 2019 plan from submission to the
// published ranking through the API on each database, with the real
// execution records behind scoring (no stand-in facts): gjz submits on time,
// reports every node but one, one report comes two days late, one award is
// half a point short, August's member count is never reported and
// October's is late, and the office records one manual deduction. zs never
// submits. Every number below is worked out from the plan's amounts:
// missing node 1, late node 0.5, missing month 0.5, late month 0.2.
func TestWholeYearOnRealData(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			e.clock.Set(time.Date(2019, 6, 13, 10, 0, 0, 0, shanghai))
			e.toState("executing") // innovation item 0 certified, item 1 not
			nodes := e.nodes("gjz", "office", "")
			if len(nodes) == 0 {
				t.Fatal("no nodes after release")
			}

			// Pick the special nodes: P2's first node is never reported,
			// B3's first node is reported two days after its checkpoint, B13's
			// first node is awarded half a point less than its points.
			missing, late, short := first(t, nodes, "P2"), first(t, nodes, "B3"), first(t, nodes, "B13")
			var innovationPoints workflow.Points
			for _, n := range nodes {
				if n.Category == workflow.CategoryInnovation {
					innovationPoints += pts(n.Points)
				}
				if n.Category == workflow.CategoryInnovation && n.Indicator != "I1" {
					t.Fatalf("an uncertified innovation item has a node: %+v", n)
				}
			}
			if innovationPoints == 0 {
				t.Fatal("the certified innovation item has no nodes")
			}

			pdf := pdfOfSize(t, 2048)
			for _, n := range nodes {
				if n.ID == missing.ID {
					continue
				}
				due, _ := time.ParseInLocation(time.DateOnly, n.Due, shanghai)
				at := due.Add(10 * time.Hour) // on the checkpoint's day: on time
				if n.ID == late.ID {
					at = due.Add(58 * time.Hour)
				}
				e.clock.Set(at)
				if status, out := e.upload(n.ID, "unitA", "节点完成情况", upFile{"佐证材料.pdf", pdf}); status != 201 && status != 200 {
					t.Fatalf("upload node %d: %d %s", n.ID, status, out)
				}
			}

			// Monthly counts: June–November except August, October late.
			for _, m := range []string{"2019-06", "2019-07", "2019-09", "2019-10", "2019-11"} {
				month, _ := time.ParseInLocation("2006-01", m, shanghai)
				at := month.AddDate(0, 1, 2).Add(9 * time.Hour) // the 3rd of the next month
				if m == "2019-10" {
					at = month.AddDate(0, 1, 7).Add(9 * time.Hour) // November 8: after the 5th
				}
				e.clock.Set(at)
				e.mustDo("PUT", "/api/v1/plans/2019/units/gjz/monthly/"+m, "unitA", map[string]any{"count": 10000}, 200)
			}

			// The office reviews every reported node but one.
			e.clock.Set(time.Date(2019, 12, 10, 9, 0, 0, 0, shanghai))
			var unreviewed nodeJSON
			for _, n := range nodes {
				switch n.ID {
				case missing.ID:
					continue
				case short.ID:
					e.mustDo("POST", fmt.Sprintf("/api/v1/nodes/%d/review", n.ID), "office", map[string]any{"verdict": "accept", "points": n.Points - 0.5}, 200)
				default:
					if unreviewed.ID == 0 && n.Indicator == "B7" {
						unreviewed = n
						continue
					}
					e.mustDo("POST", fmt.Sprintf("/api/v1/nodes/%d/review", n.ID), "office", map[string]any{"verdict": "accept", "points": n.Points}, 200)
				}
			}
			e.mustDo("POST", "/api/v1/plans/2019/units/gjz/deductions", "office", map[string]any{"points": 2, "reason": "B5完成标准不严，未按要求整改", "rule": "质量不高"}, 201)

			// The year-end run.
			e.clock.Set(time.Date(2019, 12, 20, 9, 0, 0, 0, shanghai))
			var run runView
			e.mustDecode("POST", runsPath, "office", nil, 201, &run)
			if len(run.Results) != 2 || run.Results[0].Unit != "gjz" || run.Results[1].Unit != "zs" {
				t.Fatalf("results %+v", run.Results)
			}
			gjz, zs := run.Results[0], run.Results[1]

			wantParty := 100*workflow.Point - pts(missing.Points)
			// The unreviewed node is not awarded yet.
			wantBusiness := 100*workflow.Point - 50 - pts(unreviewed.Points)
			wantDeductions := map[string]workflow.Points{
				workflow.RuleMissingNode: 100, workflow.RuleLateNode: 50,
				workflow.RuleMonthlyMissing: 50, workflow.RuleMonthlyLate: 20, "质量不高": 200,
			}
			if gjz.Party != wantParty || gjz.Business != wantBusiness || gjz.Innovation != innovationPoints {
				t.Fatalf("gjz party %s business %s innovation %s; want %s %s %s", gjz.Party, gjz.Business, gjz.Innovation, wantParty, wantBusiness, innovationPoints)
			}
			got := map[string]workflow.Points{}
			for _, d := range gjz.Deductions {
				got[d.Rule] += d.Points
				if d.Reason == "" || d.Ref == "" {
					t.Errorf("a deduction without its fact: %+v", d)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(wantDeductions) {
				t.Fatalf("deductions %v, want %v", got, wantDeductions)
			}
			if want := wantParty + wantBusiness + innovationPoints - 420; gjz.Total != want || gjz.Rank != 1 {
				t.Fatalf("gjz total %s rank %d, want %s rank 1", gjz.Total, gjz.Rank, want)
			}
			if zs.Total != 0 || zs.Rank != 0 || zs.Grade != "" || zs.Reason == "" {
				t.Fatalf("zs never submitted: %+v", zs)
			}

			// Publication waits for the unreviewed node and names it.
			status, out := e.do("POST", fmt.Sprintf("%s/%d/publish", runsPath, run.ID), "office", nil)
			if status != 409 || !strings.Contains(string(out), "B7") {
				t.Fatalf("publish with a node unreviewed: %d %s", status, out)
			}
			if e.sub("gjz").State != "executing" {
				t.Fatal("a refused publish changed the submission")
			}

			// Reviewed, a new run gains its points and can be published.
			e.mustDo("POST", fmt.Sprintf("/api/v1/nodes/%d/review", unreviewed.ID), "office", map[string]any{"verdict": "accept", "points": unreviewed.Points}, 200)
			var final runView
			e.mustDecode("POST", runsPath, "office", nil, 201, &final)
			if final.Results[0].Business != wantBusiness+pts(unreviewed.Points) {
				t.Fatalf("business after the last review %s", final.Results[0].Business)
			}
			e.mustDo("POST", fmt.Sprintf("%s/%d/publish", runsPath, final.ID), "office", nil, 200)
			if e.sub("gjz").State != "scored" {
				t.Fatalf("state after publish %s", e.sub("gjz").State)
			}
			var mine workflow.UnitResult
			e.mustDecode("GET", "/api/v1/plans/2019/units/gjz/result", "unitA", nil, 200, &mine)
			if mine.Total != final.Results[0].Total {
				t.Fatalf("the unit's own result %s, the run's %s", mine.Total, final.Results[0].Total)
			}
			e.mustDo("GET", "/api/v1/plans/2019/units/gjz/result", "unitB", nil, 404)
		})
	}
}

// first returns the first node of an indicator.
func first(t *testing.T, ns []nodeJSON, indicator string) nodeJSON {
	t.Helper()
	for _, n := range ns {
		if n.Indicator == indicator {
			return n
		}
	}
	t.Fatalf("no node of %s", indicator)
	return nodeJSON{}
}

// pts converts a node's points as JSON decoded them (a decimal with at most
// two places) to exact Points.
func pts(f float64) workflow.Points {
	p, err := workflow.ParsePoints(fmt.Sprintf("%.2f", f))
	if err != nil {
		panic(err)
	}
	return p
}
