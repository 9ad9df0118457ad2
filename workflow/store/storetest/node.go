package storetest

import (
	"testing"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// sampleNodes are the nodes of two units, given out of order, with Chinese
// text and fractional points.
func sampleNodes() []workflow.NodeRecord {
	mk := func(unit, cat, code string, i, j, k int, due string, pts workflow.Points) workflow.NodeRecord {
		return workflow.NodeRecord{Year: 2019, Unit: unit, Category: cat, Indicator: code, ItemIndex: i, WorkIndex: j, NodeIndex: k,
			Work: "“不忘初心”主题教育 " + code, Due: workflow.MustDate(due), Points: pts, Target: "召开会议2次",
			Standard: "6月30日前完成", Evidence: "会议纪要 <&> \"原样\"", State: workflow.NodePending, Version: 1}
	}
	return []workflow.NodeRecord{
		mk("zs", workflow.CategoryParty, "P1", 0, 0, 0, "2019-06-30", 700),
		mk("gjz", workflow.CategoryInnovation, "I1", 0, 0, 0, "2019-09-30", 150),
		mk("gjz", workflow.CategoryBusiness, "B2", 1, 0, 1, "2019-11-30", 250),
		mk("gjz", workflow.CategoryBusiness, "B2", 1, 0, 0, "2019-06-30", 550),
		mk("gjz", workflow.CategoryParty, "P2", 1, 1, 0, "2019-09-30", 300),
		mk("gjz", workflow.CategoryParty, "P1", 0, 0, 0, "2019-06-30", 1000),
	}
}

func createNodes(t *testing.T, s service.Store) []workflow.NodeRecord {
	t.Helper()
	ns := sampleNodes()
	do(t, s, func(tx service.Tx) error { return tx.CreateNodes(ns) })
	for _, n := range ns {
		if n.ID == 0 {
			t.Fatal("CreateNodes set no ID")
		}
	}
	return ns
}

func testNodesRoundTrip(t *testing.T, s service.Store) {
	ns := createNodes(t, s)
	byID := map[int64]workflow.NodeRecord{}
	for _, n := range ns {
		byID[n.ID] = n
	}
	do(t, s, func(tx service.Tx) error {
		got, err := tx.Nodes(service.NodeFilter{Year: 2019, Unit: "gjz"})
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, n := range got {
			order = append(order, n.Indicator+"/"+n.Due.String())
			wantEqual(t, "node", n, byID[n.ID])
		}
		wantEqual(t, "order", order, []string{"P1/2019-06-30", "P2/2019-09-30", "B2/2019-06-30", "B2/2019-11-30", "I1/2019-09-30"})
		all, err := tx.Nodes(service.NodeFilter{Year: 2019})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "every unit", len(all), 6)
		wantEqual(t, "last unit", all[5].Unit, "zs")
		none, err := tx.Nodes(service.NodeFilter{Year: 2020})
		if err != nil || len(none) != 0 {
			t.Fatalf("another year: %v %v", none, err)
		}
		one, err := tx.Node(ns[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "one node", *one, ns[0])
		_, err = tx.Node(99999)
		wantCode(t, err, workflow.ENOTFOUND)
		return nil
	})
}

func testNodesConflict(t *testing.T, s service.Store) {
	createNodes(t, s)
	err := s.Update(t.Context(), func(tx service.Tx) error {
		return tx.CreateNodes(sampleNodes()[:1])
	})
	wantCode(t, err, workflow.ECONFLICT)
}

func testUpdateNode(t *testing.T, s service.Store) {
	ns := createNodes(t, s)
	n := ns[0]
	reported, reviewed := at(30, 23, 59, 59, 999999), at(30, 23, 59, 59, 1)
	do(t, s, func(tx service.Tx) error {
		n.State, n.Late, n.Note, n.ReportedAt, n.Awarded, n.ReviewedAt, n.Version = workflow.NodeAccepted, true, "补充说明", &reported, 650, &reviewed, 2
		return tx.UpdateNode(&n, 1)
	})
	do(t, s, func(tx service.Tx) error {
		stale := n
		stale.State, stale.Version = workflow.NodeRejected, 3
		wantCode(t, tx.UpdateNode(&stale, 1), workflow.ESTALE)
		got, err := tx.Node(n.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := n
		r, v := reported.UTC(), reviewed.UTC()
		want.ReportedAt, want.ReviewedAt = &r, &v
		wantEqual(t, "updated node", *got, want)
		st, err := tx.Nodes(service.NodeFilter{Year: 2019, States: []workflow.NodeState{workflow.NodeAccepted}})
		if err != nil || len(st) != 1 || st[0].ID != n.ID {
			t.Fatalf("by state: %v %v", st, err)
		}
		return nil
	})
}

func testEvidence(t *testing.T, s service.Store) {
	ns := createNodes(t, s)
	files := []workflow.Evidence{
		{NodeID: ns[0].ID, Year: 2019, Unit: "zs", Name: "会议纪要（定稿）.pdf", Size: 1234, SHA256: "abcdef", Type: "application/pdf", Note: "第一次报送", UploadedAt: at(20, 9, 0, 0, 7), UploadedBy: "zs"},
		{NodeID: ns[0].ID, Year: 2019, Unit: "zs", Name: "照片.jpg", Size: 99, SHA256: "0011", Type: "image/jpeg", UploadedAt: at(20, 9, 0, 0, 8), UploadedBy: "zs"},
		{NodeID: ns[1].ID, Year: 2019, Unit: "gjz", Name: "a.png", Size: 1, SHA256: "ff", Type: "image/png", UploadedAt: at(21, 9, 0, 0, 0), UploadedBy: "gjz"},
	}
	do(t, s, func(tx service.Tx) error {
		for i := range files {
			if err := tx.AddEvidence(&files[i]); err != nil {
				t.Fatal(err)
			}
			if files[i].ID == 0 {
				t.Fatal("AddEvidence set no ID")
			}
			files[i].UploadedAt = files[i].UploadedAt.UTC()
		}
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.EvidenceList(service.EvidenceFilter{Year: 2019, Unit: "zs", NodeID: ns[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "node's files", got, files[:2])
		all, err := tx.EvidenceList(service.EvidenceFilter{Year: 2019})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "year's files", len(all), 3)
		wantCode(t, tx.WithdrawEvidence(99999, at(22, 9, 0, 0, 0), "zs"), workflow.ENOTFOUND)
		return tx.WithdrawEvidence(files[0].ID, at(22, 9, 0, 0, 0), "zs")
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.EvidenceList(service.EvidenceFilter{Year: 2019, Unit: "zs"})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "files after withdrawal", got, files[1:2])
		w, err := tx.Evidence(files[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if w.WithdrawnAt == nil || w.WithdrawnBy != "zs" || w.Name != files[0].Name {
			t.Fatalf("withdrawn row: %+v", w)
		}
		wantUTC(t, "withdrawn at", *w.WithdrawnAt, at(22, 9, 0, 0, 0))
		wantCode(t, tx.WithdrawEvidence(files[0].ID, at(23, 9, 0, 0, 0), "zs"), workflow.ENOTFOUND)
		_, err = tx.Evidence(99999)
		wantCode(t, err, workflow.ENOTFOUND)
		return nil
	})
}

func testReviews(t *testing.T, s service.Store) {
	ns := createNodes(t, s)
	rs := []workflow.Review{
		{NodeID: ns[1].ID, Year: 2019, Unit: "gjz", Verdict: workflow.VerdictReject, Comment: "材料不全，请补充签到表", By: "admin", At: at(25, 9, 0, 0, 3)},
		{NodeID: ns[0].ID, Year: 2019, Unit: "zs", Verdict: workflow.VerdictAccept, Points: 650, By: "admin", At: at(25, 9, 0, 0, 4)},
		{NodeID: ns[1].ID, Year: 2019, Unit: "gjz", Verdict: workflow.VerdictAccept, Points: 150, By: "admin", At: at(24, 9, 0, 0, 0)},
	}
	do(t, s, func(tx service.Tx) error {
		for i := range rs {
			if err := tx.AddReview(&rs[i]); err != nil {
				t.Fatal(err)
			}
			rs[i].At = rs[i].At.UTC()
		}
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.Reviews(ns[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "reviews in the order made", got, []workflow.Review{rs[0], rs[2]})
		none, err := tx.Reviews(ns[2].ID)
		if err != nil || len(none) != 0 {
			t.Fatalf("reviews of an unreviewed node: %v %v", none, err)
		}
		return nil
	})
}
