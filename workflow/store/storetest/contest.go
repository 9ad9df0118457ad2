package storetest

import (
	"sync"
	"testing"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func testWaivers(t *testing.T, s service.Store) {
	w := workflow.Waiver{Year: 2019, Unit: "gjz", Ref: "business[2].works[0].nodes[0]", Points: 0, Reason: "系统故障", By: "admin", At: at(20, 9, 0, 0, 7)}
	var first workflow.Waiver
	do(t, s, func(tx service.Tx) error {
		first = w
		if err := tx.AddWaiver(&first); err != nil {
			return err
		}
		other := w
		other.Unit = "zs"
		if err := tx.AddWaiver(&other); err != nil {
			return err
		}
		wantUTC(t, "at", first.At, w.At)
		return nil
	})
	// One waiver in force per ref: the unique key refuses a second.
	err := s.Update(t.Context(), func(tx service.Tx) error { again := w; return tx.AddWaiver(&again) })
	wantCode(t, err, workflow.ECONFLICT)
	do(t, s, func(tx service.Tx) error {
		wantCode(t, tx.WithdrawWaiver(2019, "zs", first.ID, at(21, 9, 0, 0, 0), "admin"), workflow.ENOTFOUND)
		if err := tx.WithdrawWaiver(2019, "gjz", first.ID, at(21, 9, 0, 0, 0), "admin"); err != nil {
			return err
		}
		wantCode(t, tx.WithdrawWaiver(2019, "gjz", first.ID, at(21, 9, 0, 0, 0), "admin"), workflow.ENOTFOUND)
		again := w
		again.Points, again.Objection = 25, 4
		return tx.AddWaiver(&again)
	})
	do(t, s, func(tx service.Tx) error {
		ws, err := tx.Waivers(2019, "gjz")
		if err != nil {
			return err
		}
		if len(ws) != 2 || ws[0].ID != first.ID || ws[0].WithdrawnAt == nil || ws[0].WithdrawnBy != "admin" ||
			ws[1].WithdrawnAt != nil || ws[1].Points != 25 || ws[1].Objection != 4 || ws[1].Reason != "系统故障" {
			t.Fatalf("waivers %+v", ws)
		}
		wantUTC(t, "withdrawn_at", *ws[0].WithdrawnAt, at(21, 9, 0, 0, 0))
		all, err := tx.Waivers(2019, "")
		if err != nil || len(all) != 3 {
			t.Fatalf("every unit's waivers: %d %v", len(all), err)
		}
		return nil
	})
}

func testWaiverRace(t *testing.T, s service.Store) {
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Update(t.Context(), func(tx service.Tx) error {
				return tx.AddWaiver(&workflow.Waiver{Year: 2019, Unit: "gjz", Ref: "monthly:2019-07", Reason: "并发", By: "admin", At: at(20, 9, 0, 0, 0)})
			})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch workflow.ErrorCode(err) {
		case "":
			won++
		case workflow.ECONFLICT:
		default:
			t.Errorf("racer: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d racers added the waiver, want 1", won)
	}
}

func testReceipts(t *testing.T, s service.Store) {
	r := workflow.Receipt{Year: 2019, Unit: "gjz", At: at(13, 16, 0, 0, 1), Reason: "电子邮件", By: "admin", RecordedAt: at(18, 9, 0, 0, 2)}
	do(t, s, func(tx service.Tx) error {
		first := r
		if err := tx.PutReceipt(&first); err != nil {
			return err
		}
		second := r
		second.At, second.Reason = at(13, 15, 0, 0, 0), "纸质"
		return tx.PutReceipt(&second)
	})
	do(t, s, func(tx service.Tx) error {
		rs, err := tx.Receipts(2019, "gjz")
		if err != nil {
			return err
		}
		if len(rs) != 1 || rs[0].Reason != "纸质" || rs[0].By != "admin" {
			t.Fatalf("receipts %+v", rs)
		}
		wantUTC(t, "at", rs[0].At, at(13, 15, 0, 0, 0))
		wantUTC(t, "recorded_at", rs[0].RecordedAt, r.RecordedAt)
		// SubmissionJSON reads the receipt beside the submission.
		createSubmission(t, tx, 2019, "gjz")
		_, rc, _, err := tx.SubmissionJSON(2019, "gjz")
		if err != nil {
			return err
		}
		if rc == nil || *rc != rs[0] {
			t.Fatalf("SubmissionJSON's receipt %+v, want %+v", rc, rs[0])
		}
		wantCode(t, tx.DeleteReceipt(2019, "zs"), workflow.ENOTFOUND)
		if err := tx.DeleteReceipt(2019, "gjz"); err != nil {
			return err
		}
		rs, err = tx.Receipts(2019, "")
		if err != nil || len(rs) != 0 {
			t.Fatalf("after delete: %+v %v", rs, err)
		}
		return nil
	})
}

func testObjections(t *testing.T, s service.Store) {
	o := workflow.Objection{Year: 2019, Unit: "gjz", Ref: "indicator:B3", Line: "B3 职工服务：得7分（满分8分）", Text: "已完成", Run: 2, By: "gjz",
		At: at(23, 10, 0, 0, 3), Files: []workflow.ObjectionFile{
			{Name: "会议纪要.pdf", Size: 1024, SHA256: "abcd", Type: "application/pdf", UploadedAt: at(23, 10, 0, 0, 3), UploadedBy: "gjz"},
			{Name: "照片.png", Size: 10, SHA256: "ef", Type: "image/png", UploadedAt: at(23, 10, 0, 0, 3), UploadedBy: "gjz"}}}
	other := workflow.Objection{Year: 2019, Unit: "zs", Ref: "deduction:1", Line: "瞒报", Text: "数据有误", Run: 2, By: "zs", At: at(23, 11, 0, 0, 0), Files: []workflow.ObjectionFile{}}
	do(t, s, func(tx service.Tx) error {
		if err := tx.AddObjection(&o); err != nil {
			return err
		}
		return tx.AddObjection(&other)
	})
	if o.ID == 0 || o.Files[0].ID == 0 || o.Files[1].Objection != o.ID {
		t.Fatalf("ids not set: %+v", o)
	}
	answered := at(24, 9, 0, 0, 0)
	do(t, s, func(tx service.Tx) error {
		got, err := tx.Objection(o.ID)
		if err != nil {
			return err
		}
		if got.Ref != o.Ref || got.Line != o.Line || len(got.Files) != 2 || got.Files[1].Name != "照片.png" || !got.Open() || got.Correction != nil {
			t.Fatalf("objection %+v", got)
		}
		_, err = tx.Objection(999)
		wantCode(t, err, workflow.ENOTFOUND)
		a := *got
		a.Verdict, a.Answer, a.AnsweredBy, a.AnsweredAt = workflow.VerdictAccept, "材料齐全", "admin", &answered
		a.Correction = &workflow.Correction{Review: &workflow.ReviewCorrection{Ref: "business[2].works[0].nodes[0]", NodeID: 5, Before: 700, Points: 800, ReviewID: 9}}
		return tx.AnswerObjection(&a)
	})
	err := s.Update(t.Context(), func(tx service.Tx) error {
		a := o
		a.Verdict, a.Answer, a.AnsweredBy, a.AnsweredAt = workflow.VerdictReject, "again", "admin", &answered
		return tx.AnswerObjection(&a)
	})
	wantCode(t, err, workflow.ESTATE)
	do(t, s, func(tx service.Tx) error {
		open, err := tx.Objections(service.ObjectionFilter{Year: 2019, Open: true})
		if err != nil || len(open) != 1 || open[0].ID != other.ID {
			t.Fatalf("open: %+v %v", open, err)
		}
		done, err := tx.Objections(service.ObjectionFilter{Year: 2019, Answered: true, AnsweredSince: answered})
		if err != nil || len(done) != 1 || done[0].Verdict != workflow.VerdictAccept || done[0].Correction.Review.Points != 800 {
			t.Fatalf("answered: %+v %v", done, err)
		}
		wantUTC(t, "answered_at", *done[0].AnsweredAt, answered)
		later, err := tx.Objections(service.ObjectionFilter{Year: 2019, Answered: true, AnsweredSince: answered.Add(1000)})
		if err != nil || len(later) != 0 {
			t.Fatalf("answered since later: %+v %v", later, err)
		}
		mine, err := tx.Objections(service.ObjectionFilter{Year: 2019, Unit: "zs"})
		if err != nil || len(mine) != 1 || mine[0].Files == nil {
			t.Fatalf("zs's: %+v %v", mine, err)
		}
		f, err := tx.ObjectionFile(o.Files[1].ID)
		if err != nil || f.SHA256 != "ef" || f.Objection != o.ID || f.Unit != "gjz" {
			t.Fatalf("file %+v %v", f, err)
		}
		_, err = tx.ObjectionFile(999)
		wantCode(t, err, workflow.ENOTFOUND)
		return nil
	})
}
