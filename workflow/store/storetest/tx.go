package storetest

import (
	"errors"
	"testing"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// writeEverything writes one record of every kind.
func writeEverything(t *testing.T, tx service.Tx) {
	t.Helper()
	createUnit(t, tx, "gjz", "甘井子区总工会")
	if err := tx.SetContacts("gjz", []workflow.Contact{{Name: "王明", Email: "a@example.cn"}}); err != nil {
		t.Fatal(err)
	}
	u := createUser(t, tx, "gjz")
	if err := tx.CreateSession(&workflow.Session{TokenHash: "h1", UserID: u.ID, CreatedAt: at(1, 9, 0, 0, 0), ExpiresAt: at(2, 9, 0, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	if err := tx.AddLoginFailure("gjz", "192.0.2.1", at(1, 9, 0, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := tx.SavePlan(testPlan(t, 2019, "方案"), at(1, 9, 0, 0, 0)); err != nil {
		t.Fatal(err)
	}
	createSubmission(t, tx, 2019, "gjz")
	if err := tx.AddHistory(&workflow.HistoryEntry{Year: 2019, Unit: "gjz", Action: workflow.ActionSave, State: workflow.StateDraft, Version: 1, Actor: "gjz", At: at(1, 9, 0, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	if err := tx.AddAudit(&workflow.AuditEntry{At: at(1, 9, 0, 0, 0), Actor: "gjz", Role: workflow.RoleUnit, Unit: "gjz", Action: "unit.create", Target: "unit:gjz"}); err != nil {
		t.Fatal(err)
	}
}

// wantNothing fails if any record of writeEverything exists.
func wantNothing(t *testing.T, s service.Store) {
	t.Helper()
	do(t, s, func(tx service.Tx) error {
		if _, err := tx.Unit("gjz"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("unit after rollback: %v", err)
		}
		if cs, err := tx.Contacts("gjz"); err != nil || len(cs) != 0 {
			t.Errorf("contacts after rollback: %v %v", cs, err)
		}
		if us, err := tx.Users(); err != nil || len(us) != 0 {
			t.Errorf("users after rollback: %v %v", us, err)
		}
		if _, err := tx.Session("h1", at(1, 10, 0, 0, 0)); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("session after rollback: %v", err)
		}
		if f, err := tx.LoginFailures("gjz", "192.0.2.1", at(1, 0, 0, 0, 0)); err != nil || !sameFailures(f, workflow.LoginFailures{}) {
			t.Errorf("login failures after rollback: %+v %v", f, err)
		}
		if ps, err := tx.Plans(); err != nil || len(ps) != 0 {
			t.Errorf("plans after rollback: %d %v", len(ps), err)
		}
		if _, err := tx.Submission(2019, "gjz"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("submission after rollback: %v", err)
		}
		if hs, err := tx.History(2019, "gjz"); err != nil || len(hs) != 0 {
			t.Errorf("history after rollback: %v %v", hs, err)
		}
		if as, err := tx.Audit(service.AuditFilter{}); err != nil || len(as) != 0 {
			t.Errorf("audit after rollback: %v %v", as, err)
		}
		return nil
	})
}

func testRollback(t *testing.T, s service.Store) {
	boom := errors.New("boom")
	err := s.Update(t.Context(), func(tx service.Tx) error {
		writeEverything(t, tx)
		return boom
	})
	if err != boom {
		t.Fatalf("Tx returned %v, want fn's error itself", err)
	}
	wantNothing(t, s)

	// A workflow error comes back as the same *Error.
	werr := workflow.Errorf(workflow.EVALIDATION, "指标表有误")
	err = s.Update(t.Context(), func(tx service.Tx) error {
		writeEverything(t, tx)
		return werr
	})
	if err != error(werr) {
		t.Fatalf("Tx returned %v, want fn's *workflow.Error itself", err)
	}
	wantNothing(t, s)
}

func testPanicRollback(t *testing.T, s service.Store) {
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v, want the panic of fn", r)
			}
		}()
		_ = s.Update(t.Context(), func(tx service.Tx) error {
			writeEverything(t, tx)
			panic("boom")
		})
	}()
	wantNothing(t, s)
}

func testViewReadOnly(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error { createUnit(t, tx, "gjz", "甘井子区总工会"); return nil })
	err := s.View(t.Context(), func(tx service.Tx) error {
		if _, err := tx.Unit("gjz"); err != nil {
			t.Errorf("View does not see the committed unit: %v", err)
		}
		return tx.CreateUnit(&workflow.Unit{Code: "zs", Name: "中山区总工会", CreatedAt: at(1, 9, 0, 0, 0)})
	})
	if err == nil {
		t.Fatal("a write inside View succeeded")
	}
	do(t, s, func(tx service.Tx) error {
		if _, err := tx.Unit("zs"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("the unit written inside View exists: %v", err)
		}
		return nil
	})
}
