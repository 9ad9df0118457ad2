package storetest

import (
	"encoding/json"
	"testing"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func testPlanNotFound(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		p, err := tx.Plan(2019)
		wantCode(t, err, workflow.ENOTFOUND)
		if p != nil {
			t.Errorf("plan %v with an error", p)
		}
		return nil
	})
}

func planJSON(t *testing.T, p *workflow.Plan) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testPlanRoundTrip(t *testing.T, s service.Store) {
	want := testPlan(t, 2019, "2019年度各区市县（开放先导区）总工会实绩考核工作指标")
	do(t, s, func(tx service.Tx) error { return tx.SavePlan(want) })
	do(t, s, func(tx service.Tx) error {
		got, err := tx.Plan(2019)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "plan JSON", planJSON(t, got), planJSON(t, want))
		// The restored plan works, not just its JSON: zone and calendar.
		if got.Location().String() != "Asia/Shanghai" {
			t.Errorf("zone %v", got.Location())
		}
		if got.Calendar.IsWorkday(workflow.MustDate("2019-10-02")) || !got.Calendar.IsWorkday(workflow.MustDate("2019-09-29")) {
			t.Error("calendar lost its holidays or workdays")
		}
		wantEqual(t, "deadline", got.DeadlineTime(), want.DeadlineTime())
		return nil
	})
}

func testPlanUpsert(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		for _, p := range []*workflow.Plan{testPlan(t, 2020, "二〇二〇"), testPlan(t, 2019, "旧方案"), testPlan(t, 2019, "新方案")} {
			if err := tx.SavePlan(p); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		p, err := tx.Plan(2019)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "title", p.Title, "新方案")
		ps, err := tx.Plans()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.Title)
		}
		wantEqual(t, "plans", got, []string{"新方案", "二〇二〇"})
		return nil
	})
}
