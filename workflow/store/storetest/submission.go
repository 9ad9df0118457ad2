package storetest

import (
	"encoding/json"
	"testing"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func testSubmissionNotFound(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		createSubmission(t, tx, 2019, "zs")
		sub, err := tx.Submission(2019, "gjz")
		wantCode(t, err, workflow.ENOTFOUND)
		if sub != nil {
			t.Errorf("submission %v with an error", sub)
		}
		_, err = tx.Submission(2020, "zs")
		wantCode(t, err, workflow.ENOTFOUND)
		return nil
	})
}

// utcSubmission is s as it reads back: every time in UTC.
func utcSubmission(s workflow.Submission) workflow.Submission {
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	if s.SubmittedAt != nil {
		t := s.SubmittedAt.UTC()
		s.SubmittedAt = &t
	}
	if s.FirstSubmittedAt != nil {
		t := s.FirstSubmittedAt.UTC()
		s.FirstSubmittedAt = &t
	}
	return s
}

func testSubmissionRoundTrip(t *testing.T, s service.Store) {
	first, last := at(12, 16, 59, 59, 999999), at(13, 17, 31, 0, 5)
	in := workflow.Submission{
		Year: 2019, Unit: "gjz", State: workflow.StateReturned, Version: 7, Doc: sampleDoc(),
		Comment: "请补充“序时进度”", Comments: map[string]string{"P1": "分值不对", "innovation[0]": "无"},
		Certified: []bool{true, false, true}, SubmittedAt: &last, FirstSubmittedAt: &first, Late: true,
		CreatedAt: at(10, 9, 0, 0, 1), UpdatedAt: at(13, 17, 31, 0, 6),
	}
	// A fresh draft: no times, comments or decisions.
	draft := workflow.Submission{Year: 2019, Unit: "zs", State: workflow.StateDraft, Version: 1,
		Doc:       workflow.Document{Party: []workflow.Indicator{}, Business: []workflow.Indicator{}, Innovation: []workflow.InnovationItem{}},
		CreatedAt: at(10, 9, 0, 0, 0), UpdatedAt: at(10, 9, 0, 0, 0)}
	do(t, s, func(tx service.Tx) error {
		for _, sub := range []*workflow.Submission{&in, &draft} {
			c := *sub
			if err := tx.CreateSubmission(&c); err != nil {
				t.Fatal(err)
			}
			if c.ID == 0 {
				t.Fatal("CreateSubmission set no ID")
			}
			sub.ID = c.ID
		}
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.Submission(2019, "gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "submission", *got, utcSubmission(in))
		wantEqual(t, "document points", got.Doc.Party[0].Works[0].Nodes[0].Points.String(), "2.5")
		got, err = tx.Submission(2019, "zs")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "draft", *got, utcSubmission(draft))
		// SubmissionJSON: the same record without its document, and the
		// document as encoding/json wrote it.
		for _, sub := range []workflow.Submission{in, draft} {
			head, rc, doc, err := tx.SubmissionJSON(sub.Year, sub.Unit)
			if err != nil {
				t.Fatal(err)
			}
			if rc != nil {
				t.Errorf("a receipt %+v where none was recorded", rc)
			}
			want := utcSubmission(sub)
			want.Doc = workflow.Document{}
			wantEqual(t, "submission without its document", *head, want)
			enc, _ := json.Marshal(sub.Doc)
			wantEqual(t, "stored document", doc, string(enc))
		}
		_, _, _, err = tx.SubmissionJSON(2019, "nobody")
		wantCode(t, err, workflow.ENOTFOUND)
		return nil
	})
}

func testSubmissionConflict(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		createSubmission(t, tx, 2019, "gjz")
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		dup := sampleSubmission(2019, "gjz")
		dup.Version = 99
		wantCode(t, tx.CreateSubmission(dup), workflow.ECONFLICT)
		// The same unit in another year and another unit in the same year are
		// different submissions.
		createSubmission(t, tx, 2020, "gjz")
		createSubmission(t, tx, 2019, "zs")
		got, err := tx.Submission(2019, "gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "version of the first", got.Version, 1)
		return nil
	})
}

func testSubmissionsList(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		if subs, err := tx.Submissions(2019); err != nil || len(subs) != 0 {
			t.Fatalf("submissions of an empty store: %v %v", subs, err)
		}
		for _, u := range []string{"zs", "gjz", "xg"} {
			createSubmission(t, tx, 2019, u)
		}
		createSubmission(t, tx, 2020, "aa")
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		subs, err := tx.Submissions(2019)
		if err != nil {
			t.Fatal(err)
		}
		var units []string
		for _, sub := range subs {
			units = append(units, sub.Unit)
			if sub.ID == 0 || sub.Year != 2019 {
				t.Errorf("listed submission %d/%s has ID %d", sub.Year, sub.Unit, sub.ID)
			}
		}
		wantEqual(t, "units", units, []string{"gjz", "xg", "zs"})
		wantEqual(t, "listed document", subs[0].Doc, sampleDoc())
		return nil
	})
}

func testUpdateSubmission(t *testing.T, s service.Store) {
	var want workflow.Submission
	do(t, s, func(tx service.Tx) error {
		createSubmission(t, tx, 2019, "gjz")
		createSubmission(t, tx, 2019, "zs")
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		sub, err := tx.Submission(2019, "gjz")
		if err != nil {
			t.Fatal(err)
		}
		prev := sub.Version
		now := at(14, 10, 0, 0, 42)
		sub.State, sub.Version, sub.UpdatedAt = workflow.StateCertified, prev+1, now
		sub.Doc.Innovation = append(sub.Doc.Innovation, workflow.InnovationItem{Title: "新增创新", Points: 25, Nodes: []workflow.Node{}})
		sub.Comment, sub.Comments, sub.Certified = "认定", map[string]string{"B1": "好"}, []bool{true, false}
		sub.SubmittedAt, sub.FirstSubmittedAt, sub.Late = &now, &now, true
		if err := tx.UpdateSubmission(sub, prev); err != nil {
			t.Fatal(err)
		}
		want = utcSubmission(*sub)
		// Clearing optional fields is written too.
		sub2, err := tx.Submission(2019, "zs")
		if err != nil {
			t.Fatal(err)
		}
		sub2.Version, sub2.Comments, sub2.Certified, sub2.SubmittedAt = 2, nil, nil, nil
		return tx.UpdateSubmission(sub2, 1)
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.Submission(2019, "gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "updated submission", *got, want)
		other, err := tx.Submission(2019, "zs")
		if err != nil {
			t.Fatal(err)
		}
		if other.Version != 2 || other.Comments != nil || other.Certified != nil || other.SubmittedAt != nil {
			t.Errorf("other submission: %+v", other)
		}
		return nil
	})
}

func testUpdateStale(t *testing.T, s service.Store) {
	var stored workflow.Submission
	do(t, s, func(tx service.Tx) error {
		stored = *createSubmission(t, tx, 2019, "gjz")
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		sub, err := tx.Submission(2019, "gjz")
		if err != nil {
			t.Fatal(err)
		}
		for _, prev := range []int{0, 2, 5} {
			changed := *sub
			changed.Version, changed.State, changed.Comment = prev+1, workflow.StateSubmitted, "不应写入"
			changed.Doc = workflow.Document{}
			wantCode(t, tx.UpdateSubmission(&changed, prev), workflow.ESTALE)
		}
		// Without an ID the year and unit find it, and the version still decides.
		noID := *sub
		noID.ID, noID.Comment = 0, "不应写入"
		wantCode(t, tx.UpdateSubmission(&noID, 3), workflow.ESTALE)
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.Submission(2019, "gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "submission after stale updates", *got, utcSubmission(stored))
		return nil
	})
}

func testHistory(t *testing.T, s service.Store) {
	doc := sampleDoc()
	entries := []workflow.HistoryEntry{
		{Year: 2019, Unit: "gjz", Action: workflow.ActionSubmit, State: workflow.StateSubmitted, Version: 2, Doc: &doc, Actor: "gjz", At: at(12, 9, 0, 0, 0)},
		{Year: 2019, Unit: "gjz", Action: workflow.ActionReturn, State: workflow.StateReturned, Version: 3, Comment: "请修改", Comments: map[string]string{"P1": "分值"}, Actor: "admin", At: at(12, 9, 0, 0, 0)},
		{Year: 2019, Unit: "gjz", Action: workflow.ActionCertify, State: workflow.StateCertified, Version: 5, Certified: []bool{false, true}, Actor: "admin", At: at(11, 9, 0, 0, 0)},
	}
	do(t, s, func(tx service.Tx) error {
		if hs, err := tx.History(2019, "gjz"); err != nil || len(hs) != 0 {
			t.Fatalf("history of an empty store: %v %v", hs, err)
		}
		for i := range entries {
			h := entries[i]
			if err := tx.AddHistory(&h); err != nil {
				t.Fatal(err)
			}
			if h.ID == 0 {
				t.Fatal("AddHistory set no ID")
			}
			entries[i].ID = h.ID
			entries[i].At = entries[i].At.UTC()
			// Another unit and another year in between.
			for _, o := range []workflow.HistoryEntry{{Year: 2019, Unit: "zs"}, {Year: 2020, Unit: "gjz"}} {
				o.Action, o.State, o.Actor, o.At = workflow.ActionSave, workflow.StateDraft, "x", at(1, 0, 0, 0, 0)
				if err := tx.AddHistory(&o); err != nil {
					t.Fatal(err)
				}
			}
		}
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.History(2019, "gjz")
		if err != nil {
			t.Fatal(err)
		}
		// Ordered by insertion, not by time: the third entry is older.
		wantEqual(t, "history", got, entries)
		if got[1].Doc != nil {
			t.Error("an entry without a document read back with one")
		}
		return nil
	})
}
