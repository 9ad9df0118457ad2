package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

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
	do(t, s, func(tx service.Tx) error { return tx.SavePlan(want, at(1, 9, 0, 0, 0)) })
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
			if err := tx.SavePlan(p, at(1, 9, 0, 0, 0)); err != nil {
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

func testPlanVersions(t *testing.T, s service.Store) {
	at := time.Date(2019, 5, 20, 9, 0, 0, 123000, time.UTC)
	draft := testPlan(t, 2019, "草稿")
	// A draft may have problems: checkpoints out of order and a calendar
	// entry that is not a date are stored as written.
	draft.Checkpoints[0], draft.Checkpoints[1] = draft.Checkpoints[1], draft.Checkpoints[0]
	draft.Calendar.Holidays = append(draft.Calendar.Holidays, "2019-13-01")
	do(t, s, func(tx service.Tx) error {
		for v, p := range []*workflow.Plan{testPlan(t, 2019, "第一版"), draft} {
			if err := tx.AddPlanVersion(&workflow.PlanVersion{Year: 2019, Version: v + 1, Note: "新建", CreatedAt: at, CreatedBy: "admin", Plan: p}); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, tx.AddPlanVersion(&workflow.PlanVersion{Year: 2019, Version: 2, CreatedAt: at, Plan: draft}), workflow.ECONFLICT)
		_, err := tx.Plan(2019)
		wantCode(t, err, workflow.ENOTFOUND) // nothing is in force before it is published
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		v, err := tx.PlanVersion(2019, 2)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "title", v.Title, "草稿")
		wantEqual(t, "first checkpoint", v.Plan.Checkpoints[0].Date, workflow.MustDate("2019-11-30"))
		wantEqual(t, "holidays", v.Plan.Calendar.Holidays[len(v.Plan.Calendar.Holidays)-1], "2019-13-01")
		wantUTC(t, "created_at", v.CreatedAt, at)
		if v.PublishedAt != nil {
			t.Error("a draft reads as published")
		}
		_, err = tx.PlanVersion(2019, 3)
		wantCode(t, err, workflow.ENOTFOUND)
		wantCode(t, tx.PublishPlanVersion(2019, 3, at, "admin"), workflow.ENOTFOUND)
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		if err := tx.PublishPlanVersion(2019, 1, at.Add(time.Hour), "admin"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, tx.PublishPlanVersion(2019, 1, at.Add(2*time.Hour), "admin"), workflow.ESTATE)
		p, err := tx.Plan(2019)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "plan in force", p.Title, "第一版")
		return nil
	})
	do(t, s, func(tx service.Tx) error {
		if err := tx.SavePlan(testPlan(t, 2020, "二〇二〇"), at); err != nil {
			t.Fatal(err)
		}
		vs, err := tx.PlanVersions(0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vs {
			got = append(got, fmt.Sprintf("%d/%d %s %v", v.Year, v.Version, v.Title, v.PublishedAt != nil))
			if v.Plan != nil {
				t.Error("a list carries plans")
			}
		}
		wantEqual(t, "versions", got, []string{"2019/2 草稿 false", "2019/1 第一版 true", "2020/1 二〇二〇 true"})
		only, err := tx.PlanVersions(2020)
		if err != nil || len(only) != 1 {
			t.Fatalf("2020: %v %v", only, err)
		}
		wantEqual(t, "published by", only[0].PublishedBy, "system")
		return nil
	})
}
