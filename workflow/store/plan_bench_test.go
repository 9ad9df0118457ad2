package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
	"kaohe/workflow/store"
)

// BenchmarkPlanInForce is what almost every request does first: read its
// year's plan in force in a read transaction. The store reads the row and
// decodes the JSON only when the body changed (the plan cache).
//
//	go test -run '^$' -bench PlanInForce ./workflow/store/
func BenchmarkPlanInForce(b *testing.B) {
	raw, err := os.ReadFile("../../configs/plans/2019.yaml")
	if err != nil {
		b.Fatal(err)
	}
	p, err := workflow.LoadPlan(raw)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(ctx, func(tx service.Tx) error { return tx.SavePlan(p, time.Now()) }); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		err := db.View(ctx, func(tx service.Tx) error {
			_, err := tx.Plan(2019)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
