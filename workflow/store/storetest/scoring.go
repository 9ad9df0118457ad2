package storetest

import (
	"fmt"
	"sort"
	"testing"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func testDeductions(t *testing.T, s service.Store) {
	ds := []workflow.ManualDeduction{
		{Year: 2019, Unit: "gjz", Rule: "瞒报", Points: 150, Reason: "瞒报B3完成情况", Actor: "admin", CreatedAt: at(20, 9, 0, 0, 5)},
		{Year: 2019, Unit: "zs", Rule: "质量不高", Points: 25, Reason: "标准不严", Actor: "admin", CreatedAt: at(20, 9, 1, 0, 0)},
		{Year: 2019, Unit: "gjz", Rule: "其他", Points: 100, Reason: "其他", Actor: "admin", CreatedAt: at(20, 9, 2, 0, 0)},
		{Year: 2020, Unit: "gjz", Rule: "其他", Points: 100, Reason: "另一年", Actor: "admin", CreatedAt: at(20, 9, 3, 0, 0)},
	}
	do(t, s, func(tx service.Tx) error {
		for i := range ds {
			if err := tx.AddDeduction(&ds[i]); err != nil {
				t.Fatal(err)
			}
			if ds[i].ID == 0 {
				t.Fatal("AddDeduction set no ID")
			}
			wantUTC(t, "created_at", ds[i].CreatedAt, at(20, 9, i, 0, map[int]int{0: 5}[i]))
		}
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.Deductions(2019, "gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "gjz 2019", got, []workflow.ManualDeduction{ds[0], ds[2]})
		got, err = tx.Deductions(2019, "")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "all of 2019", got, ds[:3])
		wantCode(t, tx.DeleteDeduction(2019, "zs", ds[0].ID), workflow.ENOTFOUND) // gjz's, not zs's
		if err := tx.DeleteDeduction(2019, "gjz", ds[0].ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, tx.DeleteDeduction(2019, "gjz", ds[0].ID), workflow.ENOTFOUND)
		got, _ = tx.Deductions(2019, "gjz")
		wantEqual(t, "after delete", got, []workflow.ManualDeduction{ds[2]})
		return nil
	})
}

func sampleRun(year int, digest string) *workflow.ScoringRun {
	return &workflow.ScoringRun{Year: year, CreatedAt: at(20, 9, 0, 0, 7), CreatedBy: "admin", InputsDigest: digest, Units: 2,
		Results: []workflow.UnitResult{
			{Unit: "gjz", Name: "甘井子区总工会", State: "executing", Party: 9950, Business: 10000, Innovation: 250,
				Deductions:     []workflow.Deduction{{Rule: "late_node", Points: 50, Reason: "B3 工作1 节点2（2019-09-30） 逾期报送，扣0.5分", Ref: "business[2].works[0].nodes[1]"}},
				DeductionTotal: 50, Total: 20150, Rank: 1, Grade: "优秀",
				Indicators: []workflow.IndicatorScore{{Category: "party", Code: "P1", Name: "党的政治建设", Points: 2000, Awarded: 1950, Nodes: 3, Accepted: 3}},
				Items:      []workflow.InnovationScore{{Code: "I1", Title: "“互联网+”", Declared: 300, Certified: true, Completed: true, Points: 250, Note: "已认定"}}},
			{Unit: "zs", Name: "中山区总工会", State: "none", Deductions: []workflow.Deduction{}, Rank: 2, Grade: "不合格",
				Reason: "未填报指标表", Indicators: []workflow.IndicatorScore{}, Items: []workflow.InnovationScore{}},
		}}
}

func testScoringRunRoundTrip(t *testing.T, s service.Store) {
	first, second := sampleRun(2019, "aa"), sampleRun(2019, "bb")
	do(t, s, func(tx service.Tx) error {
		for _, r := range []*workflow.ScoringRun{first, second, sampleRun(2020, "cc")} {
			if err := tx.CreateScoringRun(r); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.ScoringRun(2019, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantUTC(t, "created_at", got.CreatedAt, at(20, 9, 0, 0, 7))
		got.CreatedAt = first.CreatedAt
		wantEqual(t, "run", *got, *first)
		_, err = tx.ScoringRun(2020, first.ID)
		wantCode(t, err, workflow.ENOTFOUND)
		list, err := tx.ScoringRuns(2019)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID || list[0].Results != nil || list[0].InputsDigest != "bb" || list[0].Units != 2 {
			t.Fatalf("runs of 2019: %+v", list)
		}
		zs, err := tx.ScoringResult(2019, first.ID, "zs")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "zs's result alone", *zs, first.Results[1])
		_, err = tx.ScoringResult(2020, first.ID, "zs")
		wantCode(t, err, workflow.ENOTFOUND)
		_, err = tx.ScoringResult(2019, first.ID, "xg")
		wantCode(t, err, workflow.ENOTFOUND)
		return nil
	})
	// A run of more results than one INSERT carries keeps their order,
	// and one without results reads back with none (not null).
	many := sampleRun(2019, "dd")
	many.Results, many.Units = nil, 257
	for i := range many.Units {
		r := sampleRun(2019, "")
		one := r.Results[i%2]
		one.Unit, one.Rank = fmt.Sprintf("u%03d", (i*7919)%many.Units), i+1
		many.Results = append(many.Results, one)
	}
	empty := sampleRun(2019, "ee")
	empty.Results, empty.Units = []workflow.UnitResult{}, 0
	do(t, s, func(tx service.Tx) error {
		for _, r := range []*workflow.ScoringRun{many, empty} {
			if err := tx.CreateScoringRun(r); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		for _, want := range []*workflow.ScoringRun{many, empty} {
			got, err := tx.ScoringRun(2019, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			got.CreatedAt = want.CreatedAt
			wantEqual(t, fmt.Sprintf("run of %d results", want.Units), *got, *want)
		}
		u, err := tx.ScoringResult(2019, many.ID, many.Results[200].Unit)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "the 201st result alone", *u, many.Results[200])
		return nil
	})
}

func testScoringRunPublish(t *testing.T, s service.Store) {
	first, second, other := sampleRun(2019, "aa"), sampleRun(2019, "bb"), sampleRun(2020, "cc")
	ends := at(28, 0, 0, 0, 0)
	do(t, s, func(tx service.Tx) error {
		for _, r := range []*workflow.ScoringRun{first, second, other} {
			if err := tx.CreateScoringRun(r); err != nil {
				t.Fatal(err)
			}
		}
		_, err := tx.PublishedScoringRun(2019)
		wantCode(t, err, workflow.ENOTFOUND)
		wantCode(t, tx.PublishScoringRun(2019, other.ID, at(21, 9, 0, 0, 0), "admin", 1, &ends), workflow.ENOTFOUND)
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		return tx.PublishScoringRun(2019, first.ID, at(21, 9, 0, 0, 0), "admin", 1, &ends)
	})
	do(t, s, func(tx service.Tx) error {
		wantCode(t, tx.PublishScoringRun(2019, first.ID, at(22, 9, 0, 0, 0), "other", 2, &ends), workflow.ESTATE)
		return nil
	})
	// The same publication number twice: the unique key has one winner.
	err := s.Update(t.Context(), func(tx service.Tx) error {
		return tx.PublishScoringRun(2019, second.ID, at(22, 9, 0, 0, 0), "admin", 1, &ends)
	})
	wantCode(t, err, workflow.ECONFLICT)
	do(t, s, func(tx service.Tx) error {
		return tx.PublishScoringRun(2020, other.ID, at(22, 9, 0, 0, 0), "admin", 1, nil)
	})
	do(t, s, func(tx service.Tx) error {
		pub, err := tx.PublishedScoringRun(2019)
		if err != nil {
			t.Fatal(err)
		}
		if pub.ID != first.ID || !pub.Published || pub.PublishedBy != "admin" || pub.PublishedAt == nil || pub.Results != nil ||
			pub.Publication != 1 || pub.ObjectionPeriodEnds == nil {
			t.Fatalf("published %+v", pub)
		}
		wantUTC(t, "published_at", *pub.PublishedAt, at(21, 9, 0, 0, 0))
		wantUTC(t, "objection_period_ends", *pub.ObjectionPeriodEnds, ends)
		again, _ := tx.ScoringRun(2019, second.ID)
		if again.Published || again.Publication != 0 {
			t.Fatal("the refused run was published")
		}
		return nil
	})
	// A correction: the second publication is the year's result, and the
	// first stays published as it was.
	do(t, s, func(tx service.Tx) error {
		return tx.PublishScoringRun(2019, second.ID, at(23, 9, 0, 0, 0), "admin", 2, &ends)
	})
	do(t, s, func(tx service.Tx) error {
		pub, err := tx.PublishedScoringRun(2019)
		if err != nil {
			t.Fatal(err)
		}
		if pub.ID != second.ID || pub.Publication != 2 || pub.InputsDigest != "bb" {
			t.Fatalf("latest published %+v", pub)
		}
		list, err := tx.ScoringRuns(2019)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[1].ID != first.ID || !list[1].Published || list[1].Publication != 1 || list[0].Publication != 2 {
			t.Fatalf("runs %+v", list)
		}
		other, err := tx.PublishedScoringRun(2020)
		if err != nil || other.Publication != 1 || other.ObjectionPeriodEnds != nil {
			t.Fatalf("2020: %+v %v", other, err)
		}
		return nil
	})
}

func testSubmissionsOf(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		for _, u := range []string{"zs", "gjz", "xg"} {
			createSubmission(t, tx, 2019, u)
		}
		// zs is certified and executing, with every optional field set.
		zs, err := tx.Submission(2019, "zs")
		if err != nil {
			t.Fatal(err)
		}
		sub, first := at(14, 9, 0, 0, 3), at(13, 18, 0, 0, 4)
		zs.State, zs.Version, zs.SubmittedAt, zs.FirstSubmittedAt, zs.Late = workflow.StateExecuting, 2, &sub, &first, true
		zs.Comment, zs.Comments, zs.Certified, zs.UpdatedAt = "请补充", map[string]string{"P1": "节点不全"}, []bool{true}, at(20, 9, 0, 0, 0)
		if err := tx.UpdateSubmission(zs, 1); err != nil {
			t.Fatal(err)
		}
		createSubmission(t, tx, 2020, "sh")
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.SubmissionsOf(2019, []string{"zs", "gjz", "sh"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Unit != "gjz" || got[1].Unit != "zs" || len(got[0].Doc.Party) != 2 {
			t.Fatalf("submissions of gjz, zs, sh: %+v", got)
		}
		for _, g := range got {
			one, err := tx.Submission(2019, g.Unit)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "SubmissionsOf's "+g.Unit+" as Submission reads it", g, *one)
		}
		none, err := tx.SubmissionsOf(2019, nil)
		if err != nil || len(none) != 0 {
			t.Fatalf("no units: %v %v", none, err)
		}
		return nil
	})
}

// scoringNodeCases are nodes in every condition scoring distinguishes,
// with the facts ScoringNodes must make of them for gjz and zs.
func scoringNodeCases() (in []workflow.NodeRecord, want []workflow.NodeFact) {
	acc, pend, rej, rep := workflow.NodeAccepted, workflow.NodePending, workflow.NodeRejected, workflow.NodeReported
	mk := func(year int, unit, cat, code string, i, j, k int, due string, pts workflow.Points, st workflow.NodeState, late bool, awarded workflow.Points) workflow.NodeRecord {
		return workflow.NodeRecord{Year: year, Unit: unit, Category: cat, Indicator: code, ItemIndex: i, WorkIndex: j, NodeIndex: k,
			Work: "工作", Due: workflow.MustDate(due), Points: pts, Target: "目标", Standard: "标准", Evidence: "材料",
			State: st, Late: late, Awarded: awarded, Version: 1}
	}
	party, business, innov := workflow.CategoryParty, workflow.CategoryBusiness, workflow.CategoryInnovation
	in = []workflow.NodeRecord{
		mk(2019, "gjz", party, "P1", 0, 0, 0, "2019-06-30", 1000, acc, false, 900),
		mk(2019, "gjz", party, "P1", 0, 0, 1, "2019-09-30", 500, acc, false, 500),
		mk(2019, "gjz", party, "P1", 0, 1, 0, "2019-09-30", 300, acc, true, 300),
		mk(2019, "gjz", party, "P2", 1, 0, 0, "2019-11-30", 200, pend, false, 0),
		mk(2019, "gjz", business, "B1", 0, 0, 0, "2019-06-30", 250, rej, true, 0),
		mk(2019, "gjz", business, "B1", 0, 0, 1, "2019-09-30", 150, rep, false, 0),
		mk(2019, "gjz", business, "B1", 0, 1, 0, "2019-11-30", 400, acc, false, 350),
		mk(2019, "gjz", innov, "I1", 0, 0, 0, "2019-06-30", 150, acc, false, 150),
		mk(2019, "gjz", innov, "I1", 0, 0, 1, "2019-11-30", 100, acc, false, 75),
		mk(2019, "zs", party, "P1", 0, 0, 0, "2019-06-30", 700, acc, false, 700),
		mk(2019, "zs", business, "B2", 1, 0, 0, "2019-09-30", 550, pend, false, 0),
		mk(2019, "cy", party, "P1", 0, 0, 0, "2019-06-30", 700, acc, false, 700),  // not asked for
		mk(2020, "gjz", party, "P1", 0, 0, 0, "2020-06-30", 700, acc, false, 700), // another year
	}
	one := func(n workflow.NodeRecord) workflow.NodeFact {
		return workflow.NodeFact{Unit: n.Unit, Category: n.Category, Indicator: n.Indicator, ItemIndex: n.ItemIndex,
			WorkIndex: n.WorkIndex, NodeIndex: n.NodeIndex, Due: n.Due, Points: n.Points, State: string(n.State), Late: n.Late, Awarded: n.Awarded}
	}
	sum := func(unit, cat, code string, item, count int, pts, awarded workflow.Points) workflow.NodeFact {
		return workflow.NodeFact{Unit: unit, Category: cat, Indicator: code, ItemIndex: item, Points: pts, State: string(acc), Awarded: awarded, Count: count}
	}
	want = []workflow.NodeFact{
		sum("gjz", party, "P1", 0, 2, 1500, 1400),
		one(in[2]), one(in[3]),
		sum("gjz", business, "B1", 0, 1, 400, 350),
		one(in[4]), one(in[5]),
		sum("gjz", innov, "I1", 0, 2, 250, 225),
		sum("zs", party, "P1", 0, 1, 700, 700),
		one(in[10]),
	}
	return in, want
}

func testScoringNodes(t *testing.T, s service.Store) {
	in, want := scoringNodeCases()
	do(t, s, func(tx service.Tx) error { return tx.CreateNodes(in) })
	do(t, s, func(tx service.Tx) error {
		got, err := tx.ScoringNodes(2019, []string{"zs", "gjz", "xg"})
		if err != nil {
			t.Fatal(err)
		}
		sortScoringFacts(got)
		wantEqual(t, "scoring facts of gjz and zs", got, want)
		none, err := tx.ScoringNodes(2019, nil)
		if err != nil || none == nil || len(none) != 0 {
			t.Fatalf("no units: %#v %v", none, err)
		}
		return nil
	})
}

// sortScoringFacts puts facts in the order of scoringNodeCases' want (ScoringNodes
// returns them in any order): unit, category as the annexes list them,
// item, sums first, then work and node.
func sortScoringFacts(got []workflow.NodeFact) {
	rank := map[string]int{workflow.CategoryParty: 0, workflow.CategoryBusiness: 1, workflow.CategoryInnovation: 2}
	sort.Slice(got, func(i, j int) bool {
		a, b := got[i], got[j]
		switch {
		case a.Unit != b.Unit:
			return a.Unit < b.Unit
		case a.Category != b.Category:
			return rank[a.Category] < rank[b.Category]
		case a.ItemIndex != b.ItemIndex:
			return a.ItemIndex < b.ItemIndex
		case (a.Count > 0) != (b.Count > 0):
			return a.Count > 0
		case a.WorkIndex != b.WorkIndex:
			return a.WorkIndex < b.WorkIndex
		}
		return a.NodeIndex < b.NodeIndex
	})
}

// testScoringNodesFollowUpdates: the sums scoring reads move with every
// review, correction and late mark, in the transaction that makes it, and
// a stale update moves nothing.
func testScoringNodesFollowUpdates(t *testing.T, s service.Store) {
	in, _ := scoringNodeCases()
	do(t, s, func(tx service.Tx) error { return tx.CreateNodes(in) })
	do(t, s, func(tx service.Tx) error {
		update := func(i int, prev int, change func(n *workflow.NodeRecord)) error {
			n := in[i]
			change(&n)
			n.Version = prev + 1
			return tx.UpdateNode(&n, prev)
		}
		steps := []struct {
			i      int
			change func(n *workflow.NodeRecord)
		}{
			{0, func(n *workflow.NodeRecord) { n.State, n.Awarded = workflow.NodeRejected, 0 }},   // accepted → rejected
			{1, func(n *workflow.NodeRecord) { n.Late = true }},                                   // marked late
			{3, func(n *workflow.NodeRecord) { n.State, n.Awarded = workflow.NodeAccepted, 150 }}, // pending → accepted
			{6, func(n *workflow.NodeRecord) { n.Awarded = 400 }},                                 // awarded corrected
		}
		for _, st := range steps {
			if err := update(st.i, 1, st.change); err != nil {
				t.Fatal(err)
			}
		}
		// A stale update of an accepted node changes neither it nor its sum.
		wantCode(t, update(8, 7, func(n *workflow.NodeRecord) { n.State = workflow.NodeRejected }), workflow.ESTALE)
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.ScoringNodes(2019, []string{"zs", "gjz"})
		if err != nil {
			t.Fatal(err)
		}
		sortScoringFacts(got)
		acc := string(workflow.NodeAccepted)
		one := func(n workflow.NodeRecord, st workflow.NodeState, late bool, awarded workflow.Points) workflow.NodeFact {
			return workflow.NodeFact{Unit: n.Unit, Category: n.Category, Indicator: n.Indicator, ItemIndex: n.ItemIndex,
				WorkIndex: n.WorkIndex, NodeIndex: n.NodeIndex, Due: n.Due, Points: n.Points, State: string(st), Late: late, Awarded: awarded}
		}
		sum := func(unit, cat, code string, item, count int, pts, awarded workflow.Points) workflow.NodeFact {
			return workflow.NodeFact{Unit: unit, Category: cat, Indicator: code, ItemIndex: item, Points: pts, State: acc, Awarded: awarded, Count: count}
		}
		party, business, innov := workflow.CategoryParty, workflow.CategoryBusiness, workflow.CategoryInnovation
		wantEqual(t, "scoring facts after the updates", got, []workflow.NodeFact{
			one(in[0], workflow.NodeRejected, false, 0), one(in[1], workflow.NodeAccepted, true, 500), one(in[2], workflow.NodeAccepted, true, 300),
			sum("gjz", party, "P2", 1, 1, 200, 150),
			sum("gjz", business, "B1", 0, 1, 400, 400),
			one(in[4], workflow.NodeRejected, true, 0), one(in[5], workflow.NodeReported, false, 0),
			sum("gjz", innov, "I1", 0, 2, 250, 225),
			sum("zs", party, "P1", 0, 1, 700, 700),
			one(in[10], workflow.NodePending, false, 0),
		})
		return nil
	})
}

func testSubmissionFacts(t *testing.T, s service.Store) {
	first, released := at(13, 18, 0, 0, 4), at(25, 10, 0, 0, 0)
	do(t, s, func(tx service.Tx) error {
		for _, u := range []string{"zs", "gjz", "xg"} {
			createSubmission(t, tx, 2019, u)
		}
		createSubmission(t, tx, 2020, "sh")
		// zs: two items, the second with characters JSON escapes, only the
		// first certified (the decisions are shorter than the items).
		zs, err := tx.Submission(2019, "zs")
		if err != nil {
			t.Fatal(err)
		}
		second := zs.Doc.Innovation[0]
		second.Title, second.Points = `“职工说事”<线上>&"直通车"\`, 125
		zs.Doc.Innovation = append(zs.Doc.Innovation, second)
		zs.State, zs.Version, zs.FirstSubmittedAt, zs.ReleasedAt, zs.Certified = workflow.StateExecuting, 2, &first, &released, []bool{true}
		if err := tx.UpdateSubmission(zs, 1); err != nil {
			t.Fatal(err)
		}
		// A stale write changes neither the submission nor its facts.
		stale := *zs
		stale.State, stale.Version, stale.Certified = workflow.StateReturned, 3, []bool{false, true}
		wantCode(t, tx.UpdateSubmission(&stale, 1), workflow.ESTALE)
		// xg: no innovation item at all.
		xg, err := tx.Submission(2019, "xg")
		if err != nil {
			t.Fatal(err)
		}
		xg.Doc.Innovation, xg.Version = nil, 2
		return tx.UpdateSubmission(xg, 1)
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.SubmissionFacts(2019, []string{"zs", "gjz", "xg", "sh"})
		if err != nil {
			t.Fatal(err)
		}
		utcFirst, utcReleased := first.UTC(), released.UTC()
		wantEqual(t, "facts of zs, gjz, xg (sh has none in 2019)", got, []workflow.SubmissionFact{
			{Unit: "gjz", State: workflow.StateDraft, Innovation: []workflow.InnovationFact{{Title: "“互联网+”普惠服务", Points: 50}}},
			{Unit: "xg", State: workflow.StateDraft, Innovation: []workflow.InnovationFact{}},
			{Unit: "zs", State: workflow.StateExecuting, FirstSubmittedAt: &utcFirst, ReleasedAt: &utcReleased, Innovation: []workflow.InnovationFact{
				{Title: "“互联网+”普惠服务", Points: 50, Certified: true},
				{Title: `“职工说事”<线上>&"直通车"\`, Points: 125},
			}},
		})
		none, err := tx.SubmissionFacts(2019, nil)
		if err != nil || none == nil || len(none) != 0 {
			t.Fatalf("no units: %#v %v", none, err)
		}
		return nil
	})
}
