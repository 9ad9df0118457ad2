package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"kaohe/jobs"
	"kaohe/workflow"
)

// dueNode is a node with the fields that place it and its deadline.
type dueNode struct {
	ID        int64     `json:"id"`
	Category  string    `json:"category"`
	ItemIndex int       `json:"item_index"`
	WorkIndex int       `json:"work_index"`
	NodeIndex int       `json:"node_index"`
	Due       string    `json:"due"`
	DueAt     time.Time `json:"due_at"`
	DueEndsOn string    `json:"due_ends_on"`
	DueLabel  string    `json:"due_label"`
	State     string    `json:"state"`
	Late      bool      `json:"late"`
}

// reportDue reports n with one PDF as unitA and returns the node as the
// office then reads it.
func reportDue(t *testing.T, e *env, n dueNode) dueNode {
	t.Helper()
	if status, out := e.upload(n.ID, "unitA", "", upFile{"a.pdf", pdfOfSize(t, 600)}); status != 201 {
		t.Fatalf("report node %d: %d %s", n.ID, status, out)
	}
	var got dueNode
	e.mustDecode("GET", fmt.Sprintf("/api/v1/nodes/%d", n.ID), "office", nil, 200, &got)
	return got
}

func (n dueNode) path() string {
	return fmt.Sprintf("%s[%d].works[%d].nodes[%d]", n.Category, n.ItemIndex, n.WorkIndex, n.NodeIndex)
}

// TestDeadlinesOnDaysOff: a deadline on a day off ends with the next
// working day, and the API says so everywhere: the plan, the node views,
// lateness of a report, the monthly overview, and year-end scoring.
// 2019-06-30 is a Sunday (→ Monday July 1), 2019-11-30 a Saturday
// (→ Monday December 2), and September's count is due on October 5, in
// the National Day holiday (→ October 8).
func TestDeadlinesOnDaysOff(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			set := func(m time.Month, d, h, min int) { e.clock.Set(time.Date(2019, m, d, h, min, 0, 0, shanghai)) }

			var plan struct {
				DueOnDayOff string `json:"due_on_day_off"`
				Checkpoints []struct {
					Date string       `json:"date"`
					Due  workflow.Due `json:"due"`
				} `json:"checkpoints"`
				Monthly struct {
					Dues []workflow.MonthlyDue `json:"dues"`
				} `json:"monthly"`
			}
			e.mustDecode("GET", "/api/v1/plans/2019", "unitA", nil, 200, &plan)
			if plan.DueOnDayOff != "next_working_day" || len(plan.Checkpoints) != 3 ||
				plan.Checkpoints[0].Due.Label != "6月30日前（遇休息日顺延至7月1日）" || plan.Checkpoints[0].Due.EndsOn.String() != "2019-07-01" ||
				plan.Checkpoints[1].Due.Moved || plan.Checkpoints[2].Due.EndsOn.String() != "2019-12-02" {
				t.Fatalf("plan deadlines %+v", plan)
			}
			if sept := plan.Monthly.Dues[3]; sept.Month.String() != "2019-09" || sept.Due.EndsOn.String() != "2019-10-08" || sept.Due.Date.String() != "2019-10-05" {
				t.Fatalf("September's due %+v", sept)
			}

			e.toState("executing")
			var ns []dueNode
			e.mustDecode("GET", "/api/v1/plans/2019/units/gjz/nodes", "unitA", nil, 200, &ns)
			var june, nov []dueNode
			for _, n := range ns {
				switch n.Due {
				case "2019-06-30":
					june = append(june, n)
				case "2019-11-30":
					nov = append(nov, n)
				}
			}
			if len(june) < 2 || len(nov) == 0 {
				t.Fatalf("fixture: %d June and %d November nodes", len(june), len(nov))
			}
			if n := june[0]; n.DueEndsOn != "2019-07-01" || n.DueLabel != "6月30日前（遇休息日顺延至7月1日）" ||
				!n.DueAt.Equal(time.Date(2019, 7, 2, 0, 0, 0, 0, shanghai)) {
				t.Fatalf("June node %+v", n)
			}
			if n := nov[0]; n.DueEndsOn != "2019-12-02" || n.DueLabel != "11月30日前（遇休息日顺延至12月2日）" {
				t.Fatalf("November node %+v", n)
			}

			// Reported on Monday July 1, the day the checkpoint moved to: on
			// time; another, still unreported, is not overdue yet.
			set(7, 1, 17, 0)
			if got := reportDue(t, e, june[0]); got.State != "reported" || got.Late {
				t.Fatalf("reported on July 1: %+v", got)
			}
			var pending dueNode
			e.mustDecode("GET", fmt.Sprintf("/api/v1/nodes/%d", june[1].ID), "office", nil, 200, &pending)
			if pending.State != "pending" {
				t.Fatalf("on July 1 an unreported June node is %s", pending.State)
			}
			// Reported on July 2: late.
			set(7, 2, 9, 0)
			if got := reportDue(t, e, june[1]); got.State != "reported" || !got.Late {
				t.Fatalf("reported on July 2: %+v", got)
			}

			// September's count on October 8: on time; the overview shows
			// both dates and is overdue from October 9.
			set(10, 8, 23, 0)
			var line struct{ Late bool }
			e.mustDecode("PUT", "/api/v1/plans/2019/units/gjz/monthly/2019-09", "unitA", map[string]any{"count": 12000}, 200, &line)
			if line.Late {
				t.Fatal("September's count on October 8 is late")
			}
			var ov struct {
				Due       string `json:"due"`
				DueEndsOn string `json:"due_ends_on"`
				DueLabel  string `json:"due_label"`
				Overdue   bool   `json:"overdue"`
			}
			e.mustDecode("GET", "/api/v1/plans/2019/monthly/2019-09", "office", nil, 200, &ov)
			if ov.Due != "2019-10-05" || ov.DueEndsOn != "2019-10-08" || ov.DueLabel != "10月5日前（遇休息日顺延至10月8日）" || ov.Overdue {
				t.Fatalf("September on October 8: %+v", ov)
			}
			set(10, 9, 0, 0)
			e.mustDecode("GET", "/api/v1/plans/2019/monthly/2019-09", "office", nil, 200, &ov)
			if !ov.Overdue {
				t.Fatal("September not overdue on October 9")
			}
			var late struct{ Late bool }
			e.mustDecode("PUT", "/api/v1/plans/2019/units/zs/monthly/2019-09", "unitB", map[string]any{"count": 1}, 200, &late)
			if !late.Late {
				t.Fatal("September's count on October 9 is on time")
			}

			// Year-end scoring reads the same lateness: one late node, and
			// no late count for September.
			e.clock.Set(e.plan.YearEnd())
			var run struct {
				Results []workflow.UnitResult `json:"results"`
			}
			e.mustDecode("POST", "/api/v1/plans/2019/scoring-runs", "office", nil, 201, &run)
			var lateNodes, septLate []string
			for _, r := range run.Results {
				if r.Unit != "gjz" {
					continue
				}
				for _, d := range r.Deductions {
					switch {
					case d.Rule == workflow.RuleLateNode:
						lateNodes = append(lateNodes, d.Ref)
					case d.Ref == "monthly:2019-09":
						septLate = append(septLate, d.Rule)
					case d.Rule == workflow.RuleMonthlyMissing && !strings.Contains(d.Reason, "前"):
						t.Errorf("a monthly deduction without its due date: %q", d.Reason)
					}
				}
			}
			if !slices.Equal(lateNodes, []string{june[1].path()}) || len(septLate) != 0 {
				t.Fatalf("late nodes %v (want %s), September %v", lateNodes, june[1].path(), septLate)
			}
		})
	}
}

// TestMinimumPointUnitInEveryColumn: a business node of 1.5 points is
// refused at its own path even when the nodes still add up to the work
// (annex 2: 最小分值单位为1分). Awards stay in half points
// (TestReviewAndOverdueOnTheClock awards 6.5).
func TestMinimumPointUnitInEveryColumn(t *testing.T) {
	e := newEnv(t, "sqlite")
	doc := validDoc(t)
	nodes := doc["business"].([]any)[0].(map[string]any)["works"].([]any)[0].(map[string]any)["nodes"].([]any)
	a, b := nodes[0].(map[string]any), nodes[1].(map[string]any)
	a["points"] = a["points"].(float64) - 0.5
	b["points"] = b["points"].(float64) + 0.5
	status, out := e.do("POST", subPath+"/validate", "unitA", withVersion(doc, 0))
	if status != 422 {
		t.Fatalf("validate: %d %s", status, out)
	}
	var got []string
	for _, d := range decodeError(t, out).Error.Details {
		got = append(got, d.Path+" "+d.Rule)
		if !strings.Contains(d.Message, "最小分值单位为1分") {
			t.Errorf("message %q", d.Message)
		}
	}
	want := []string{"business[0].works[0].nodes[0].points node.points.step", "business[0].works[0].nodes[1].points node.points.step"}
	if !slices.Equal(got, want) {
		t.Fatalf("violations %v, want %v", got, want)
	}
	// The stored draft may hold it; submitting it may not.
	e.mustDo("PUT", subPath, "unitA", withVersion(doc, 0), 201)
	status, out = e.do("POST", subPath+"/submit", "unitA", nil)
	if status != 422 || !strings.Contains(string(out), "node.points.step") {
		t.Fatalf("submit: %d %s", status, out)
	}
}

// TestLateReleaseMovesNodes: tables released on Wednesday July 3, 2019 owe
// their June 30 nodes by the end of the 5th working day after, Wednesday
// July 10: the node views say so, a report on July 10 is on time and one on
// July 11 late, no overdue notice goes out for them after June 30, and the
// reminders follow the moved day.
func TestLateReleaseMovesNodes(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, backend)
			set := func(m time.Month, d, h, min int) { e.clock.Set(time.Date(2019, m, d, h, min, 0, 0, shanghai)) }
			e.toState("certified")
			set(7, 3, 16, 0)
			e.mustDo("POST", "/api/v1/plans/2019/release", "office", nil, 200)

			var ns []dueNode
			e.mustDecode("GET", "/api/v1/plans/2019/units/gjz/nodes?checkpoint=2019-06-30", "unitA", nil, 200, &ns)
			if len(ns) < 2 {
				t.Fatalf("%d June nodes", len(ns))
			}
			for _, n := range ns {
				if n.DueEndsOn != "2019-07-10" || !n.DueAt.Equal(time.Date(2019, 7, 11, 0, 0, 0, 0, shanghai)) ||
					n.DueLabel != "6月30日前（指标表7月3日返回执行，顺延至7月10日）" || n.State != "pending" {
					t.Fatalf("June node after a July 3 release: %+v", n)
				}
			}
			var sept []dueNode
			e.mustDecode("GET", "/api/v1/plans/2019/units/gjz/nodes?checkpoint=2019-09-30", "unitA", nil, 200, &sept)
			if len(sept) == 0 || sept[0].DueEndsOn != "2019-09-30" {
				t.Fatalf("September node %+v", sept)
			}

			// No overdue notice for the June nodes before July 10: the day
			// after the release the unit hears of the moved deadline (the
			// 7-day reminder, whose day has come), then 1 day before it.
			reminders := &jobs.Reminders{Service: e.svc}
			keys := func() []string {
				t.Helper()
				ms, err := reminders.Due(e.t.Context())
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, m := range ms {
					if m.Unit == "gjz" && strings.HasPrefix(m.Deadline, "checkpoint:2019-06-30") {
						out = append(out, string(m.Kind)+" "+m.Deadline+" "+fmt.Sprint(m.Lead))
					}
				}
				slices.Sort(out)
				return slices.Compact(out)
			}
			set(7, 4, 10, 0)
			if got := keys(); len(got) != 1 || got[0] != "reminder checkpoint:2019-06-30@2019-07-03 7" {
				t.Fatalf("on July 4: %v, want the moved deadline's reminder and no overdue notice", got)
			}
			set(7, 9, 10, 0)
			if got := keys(); len(got) != 1 || got[0] != "reminder checkpoint:2019-06-30@2019-07-03 1" {
				t.Fatalf("on July 9: %v, want the 1-day reminder of the moved deadline", got)
			}

			set(7, 10, 23, 0)
			if got := reportDue(t, e, ns[0]); got.Late {
				t.Fatalf("reported on July 10: late")
			}
			set(7, 11, 9, 0)
			if got := reportDue(t, e, ns[1]); !got.Late {
				t.Fatalf("reported on July 11: on time")
			}
			if got := keys(); len(got) != 1 || got[0] != "overdue checkpoint:2019-06-30@2019-07-03 0" {
				t.Fatalf("on July 11: %v, want the moved deadline's overdue notice", got)
			}
		})
	}
}
