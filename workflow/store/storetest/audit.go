package storetest

import (
	"fmt"
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func testAuditFilter(t *testing.T, s service.Store) {
	base := at(10, 9, 0, 0, 0)
	all := []workflow.AuditEntry{
		{At: base, Actor: "admin", Role: workflow.RoleOffice, Unit: "gjz", Action: "unit.create", Target: "unit:gjz", Detail: "甘井子区总工会"},
		{At: base.Add(time.Minute), Actor: "gjz", Role: workflow.RoleUnit, Unit: "gjz", Action: "submission.save", Target: "submission:2019/gjz", Detail: "version 1"},
		{At: base.Add(time.Minute), Actor: "zs", Role: workflow.RoleUnit, Unit: "zs", Action: "submission.save", Target: "submission:2019/zs"},
		{At: base.Add(2 * time.Minute), Actor: "admin", Role: workflow.RoleOffice, Action: "login", Target: "user:admin"},
		{At: base.Add(-time.Hour), Actor: "system", Role: workflow.RoleSystem, Unit: "gjz", Action: "submission.save", Target: "submission:2019/gjz"},
	}
	do(t, s, func(tx service.Tx) error {
		for i := range all {
			a := all[i]
			if err := tx.AddAudit(&a); err != nil {
				t.Fatal(err)
			}
			if a.ID == 0 {
				t.Fatal("AddAudit set no ID")
			}
			all[i].ID, all[i].At = a.ID, a.At.UTC()
		}
		return nil
	})
	pick := func(idx ...int) []workflow.AuditEntry {
		out := []workflow.AuditEntry{}
		for _, i := range idx {
			out = append(out, all[i])
		}
		return out
	}
	do(t, s, func(tx service.Tx) error {
		for _, c := range []struct {
			name string
			f    service.AuditFilter
			want []workflow.AuditEntry
		}{
			// Entries 1 and 2 share a time: the later insert comes first.
			{"everything", service.AuditFilter{}, pick(3, 2, 1, 0, 4)},
			{"unit", service.AuditFilter{Unit: "gjz"}, pick(1, 0, 4)},
			{"action", service.AuditFilter{Action: "submission.save"}, pick(2, 1, 4)},
			{"since is inclusive", service.AuditFilter{Since: base.Add(time.Minute)}, pick(3, 2, 1)},
			{"unit, action and since", service.AuditFilter{Unit: "gjz", Action: "submission.save", Since: base}, pick(1)},
			{"limit", service.AuditFilter{Limit: 2}, pick(3, 2)},
			{"nothing matches", service.AuditFilter{Unit: "xg"}, pick()},
		} {
			got, err := tx.Audit(c.f)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, c.name, got, c.want)
		}
		return nil
	})
}

func testAuditDefaultLimit(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		for i := 0; i < 205; i++ {
			a := &workflow.AuditEntry{At: at(1, 0, 0, 0, 0).Add(time.Duration(i) * time.Second), Actor: "admin", Role: workflow.RoleOffice, Action: "login", Target: fmt.Sprint(i)}
			if err := tx.AddAudit(a); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.Audit(service.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 200 {
			t.Fatalf("%d entries, want 200", len(got))
		}
		if got[0].Target != "204" || got[199].Target != "5" {
			t.Errorf("entries %s … %s, want the newest 204 … 5", got[0].Target, got[199].Target)
		}
		return nil
	})
}
