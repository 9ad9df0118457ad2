package storetest

import (
	"testing"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func testUnitNotFound(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		u, err := tx.Unit("gjz")
		wantCode(t, err, workflow.ENOTFOUND)
		if u != nil {
			t.Errorf("unit %v with an error", u)
		}
		return nil
	})
}

func testUnitConflict(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		createUnit(t, tx, "gjz", "甘井子区总工会")
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		err := tx.CreateUnit(&workflow.Unit{Code: "gjz", Name: "重复", CreatedAt: at(2, 9, 0, 0, 0)})
		wantCode(t, err, workflow.ECONFLICT)
		// The transaction goes on after a conflict.
		u, err := tx.Unit("gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "name", u.Name, "甘井子区总工会")
		return nil
	})
}

func testUnitsOrder(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		us, err := tx.Units()
		if err != nil || len(us) != 0 {
			t.Fatalf("units of an empty store: %v %v", us, err)
		}
		for _, c := range []string{"zs", "gjz", "xg"} {
			createUnit(t, tx, c, "单位"+c)
		}
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		us, err := tx.Units()
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, u := range us {
			codes = append(codes, u.Code)
		}
		wantEqual(t, "codes", codes, []string{"zs", "gjz", "xg"})
		wantEqual(t, "first unit", us[0], workflow.Unit{Code: "zs", Name: "单位zs", Seq: 1, CreatedAt: at(1, 9, 0, 0, 0).UTC()})
		return nil
	})
}

func testUnitCodeExact(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		createUnit(t, tx, "gjz", "小写")
		createUnit(t, tx, "GJZ", "大写")
		for code, name := range map[string]string{"gjz": "小写", "GJZ": "大写"} {
			u, err := tx.Unit(code)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "unit "+code, u.Name, name)
		}
		_, err := tx.Unit("Gjz")
		wantCode(t, err, workflow.ENOTFOUND)
		return nil
	})
}

func testContacts(t *testing.T, s service.Store) {
	three := []workflow.Contact{
		{Name: "王明", Position: "督查科科长", Phone: "0411-86641234", Mobile: "13804110001", Email: "wang@gjz.example.cn"},
		{Name: "阿不都热合曼·买买提", Position: "工作人员", Phone: "", Mobile: "", Email: "a@gjz.example.cn"},
		{Name: "李丽", Position: "副主任", Phone: "0411-1", Mobile: "13804110003", Email: "li@gjz.example.cn"},
	}
	other := []workflow.Contact{{Name: "赵强", Email: "zhao@zs.example.cn"}}
	do(t, s, func(tx service.Tx) error {
		createUnit(t, tx, "gjz", "甘井子区总工会")
		createUnit(t, tx, "zs", "中山区总工会")
		cs, err := tx.Contacts("gjz")
		if err != nil || len(cs) != 0 {
			t.Fatalf("contacts before any were set: %v %v", cs, err)
		}
		if err := tx.SetContacts("gjz", three); err != nil {
			t.Fatal(err)
		}
		return tx.SetContacts("zs", other)
	})
	do(t, s, func(tx service.Tx) error {
		cs, err := tx.Contacts("gjz")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "contacts", cs, three)
		reordered := []workflow.Contact{three[2], three[0]}
		if err := tx.SetContacts("gjz", reordered); err != nil {
			t.Fatal(err)
		}
		if cs, err = tx.Contacts("gjz"); err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "replaced contacts", cs, reordered)
		if err := tx.SetContacts("gjz", nil); err != nil {
			t.Fatal(err)
		}
		if cs, err = tx.Contacts("gjz"); err != nil || len(cs) != 0 {
			t.Fatalf("contacts after setting none: %v %v", cs, err)
		}
		if cs, err = tx.Contacts("zs"); err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "other unit's contacts", cs, other)
		return nil
	})
}
