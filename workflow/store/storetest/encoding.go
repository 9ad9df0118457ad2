package storetest

import (
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func testTimesUTC(t *testing.T, s service.Store) {
	// Microseconds, in a zone eight hours east of UTC, across midnight UTC.
	t0 := time.Date(2019, 6, 14, 7, 59, 59, 123456000, cst)
	t1 := t0.Add(36 * time.Hour)
	var uid int64
	do(t, s, func(tx service.Tx) error {
		if err := tx.CreateUnit(&workflow.Unit{Code: "gjz", Name: "甘井子", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		u := &workflow.User{Username: "gjz", PasswordHash: "h", Role: workflow.RoleUnit, UnitCode: "gjz", CreatedAt: t0}
		if err := tx.CreateUser(u); err != nil {
			t.Fatal(err)
		}
		uid = u.ID
		if err := tx.CreateSession(&workflow.Session{TokenHash: "tok", UserID: uid, CreatedAt: t0, ExpiresAt: t1}); err != nil {
			t.Fatal(err)
		}
		sub := sampleSubmission(2019, "gjz")
		sub.CreatedAt, sub.UpdatedAt, sub.SubmittedAt, sub.FirstSubmittedAt = t0, t1, &t1, &t0
		if err := tx.CreateSubmission(sub); err != nil {
			t.Fatal(err)
		}
		if err := tx.AddHistory(&workflow.HistoryEntry{Year: 2019, Unit: "gjz", Action: workflow.ActionSubmit, State: workflow.StateSubmitted, Actor: "gjz", At: t1}); err != nil {
			t.Fatal(err)
		}
		return tx.AddAudit(&workflow.AuditEntry{At: t1, Actor: "gjz", Role: workflow.RoleUnit, Unit: "gjz", Action: "login", Target: "user:gjz"})
	})
	do(t, s, func(tx service.Tx) error {
		u, err := tx.Unit("gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantUTC(t, "unit created", u.CreatedAt, t0)
		us, err := tx.UserByID(uid)
		if err != nil {
			t.Fatal(err)
		}
		wantUTC(t, "user created", us.CreatedAt, t0)
		sess, err := tx.Session("tok", t0)
		if err != nil {
			t.Fatal(err)
		}
		wantUTC(t, "session created", sess.CreatedAt, t0)
		wantUTC(t, "session expires", sess.ExpiresAt, t1)
		sub, err := tx.Submission(2019, "gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantUTC(t, "submission created", sub.CreatedAt, t0)
		wantUTC(t, "submission updated", sub.UpdatedAt, t1)
		wantUTC(t, "submitted", *sub.SubmittedAt, t1)
		wantUTC(t, "first submitted", *sub.FirstSubmittedAt, t0)
		hs, err := tx.History(2019, "gjz")
		if err != nil || len(hs) != 1 {
			t.Fatalf("history: %v %v", hs, err)
		}
		wantUTC(t, "history", hs[0].At, t1)
		as, err := tx.Audit(service.AuditFilter{Since: t1})
		if err != nil || len(as) != 1 {
			t.Fatalf("audit since the entry's own time: %v %v", as, err)
		}
		wantUTC(t, "audit", as[0].At, t1)
		// Comparisons are by instant, whatever zone the argument is in.
		if _, err := tx.Session("tok", t1.In(time.UTC).Add(-time.Microsecond)); err != nil {
			t.Errorf("session a microsecond before expiry, asked in UTC: %v", err)
		}
		if _, err := tx.Session("tok", t1.In(cst)); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("session at expiry, asked in CST: %v", err)
		}
		return nil
	})
}

// chinese holds CJK punctuation, full-width forms, a character outside the
// Basic Multilingual Plane (𠮷, four bytes in UTF-8) and an emoji: text
// that a three-byte "utf8" column would mangle or refuse.
const chinese = "甘井子区总工会（开放先导区）“两个确保”、《通知》——𠮷野家😀；ＡＢＣ１２３"

func testChinese(t *testing.T, s service.Store) {
	doc := sampleDoc()
	doc.Party[0].Works[0].Title = chinese
	doc.Innovation[0].Nodes[0].Evidence = chinese + "\n第二行\t制表"
	contacts := []workflow.Contact{{Name: "𠮷田", Position: chinese, Phone: "０４１１", Mobile: "13800000000", Email: "王@例子.中国"}}
	do(t, s, func(tx service.Tx) error {
		createUnit(t, tx, "gjz", chinese)
		if err := tx.SetContacts("gjz", contacts); err != nil {
			t.Fatal(err)
		}
		sub := sampleSubmission(2019, "gjz")
		sub.Doc, sub.Comment, sub.Comments = doc, chinese, map[string]string{"P1": chinese}
		if err := tx.CreateSubmission(sub); err != nil {
			t.Fatal(err)
		}
		if err := tx.SavePlan(testPlan(t, 2019, chinese), at(1, 9, 0, 0, 0)); err != nil {
			t.Fatal(err)
		}
		return tx.AddAudit(&workflow.AuditEntry{At: at(1, 0, 0, 0, 0), Actor: "管理员", Role: workflow.RoleOffice, Unit: "gjz", Action: "unit.create", Target: "unit:gjz", Detail: chinese})
	})
	do(t, s, func(tx service.Tx) error {
		u, err := tx.Unit("gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "unit name", []byte(u.Name), []byte(chinese))
		cs, err := tx.Contacts("gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "contacts", cs, contacts)
		sub, err := tx.Submission(2019, "gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "document", sub.Doc, doc)
		wantEqual(t, "comment", []byte(sub.Comment), []byte(chinese))
		wantEqual(t, "comments", sub.Comments, map[string]string{"P1": chinese})
		p, err := tx.Plan(2019)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "plan title", []byte(p.Title), []byte(chinese))
		as, err := tx.Audit(service.AuditFilter{Unit: "gjz"})
		if err != nil || len(as) != 1 {
			t.Fatalf("audit: %v %v", as, err)
		}
		wantEqual(t, "audit detail", []byte(as[0].Detail), []byte(chinese))
		wantEqual(t, "audit actor", as[0].Actor, "管理员")
		return nil
	})
}
