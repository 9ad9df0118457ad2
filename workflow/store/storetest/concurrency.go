package storetest

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func testConcurrentUpdates(t *testing.T, s service.Store) {
	const writers = 20
	do(t, s, func(tx service.Tx) error {
		sub := sampleSubmission(2019, "gjz")
		sub.Doc.Innovation = []workflow.InnovationItem{}
		return tx.CreateSubmission(sub)
	})
	var (
		updates, stale atomic.Int64
		wg             sync.WaitGroup
		mu             sync.Mutex
		failures       []string
		start          = make(chan struct{})
	)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			title := fmt.Sprintf("创新工作%02d", i)
			for attempt := 0; attempt < 1000; attempt++ {
				err := s.Update(t.Context(), func(tx service.Tx) error {
					sub, err := tx.Submission(2019, "gjz")
					if err != nil {
						return err
					}
					prev := sub.Version
					sub.Version++
					sub.Doc.Innovation = append(sub.Doc.Innovation, workflow.InnovationItem{Title: title, Points: 50, Nodes: []workflow.Node{}})
					return tx.UpdateSubmission(sub, prev)
				})
				switch {
				case err == nil:
					updates.Add(1)
					return
				case workflow.ErrorCode(err) == workflow.ESTALE:
					stale.Add(1)
				default:
					mu.Lock()
					failures = append(failures, fmt.Sprintf("writer %d: %v", i, err))
					mu.Unlock()
					return
				}
			}
			mu.Lock()
			failures = append(failures, fmt.Sprintf("writer %d never got its update in", i))
			mu.Unlock()
		}(i)
	}
	close(start)
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("%d updates, %d stale attempts retried", updates.Load(), stale.Load())
	do(t, s, func(tx service.Tx) error {
		sub, err := tx.Submission(2019, "gjz")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := sub.Version, 1+int(updates.Load()); got != want {
			t.Errorf("version %d after %d successful updates of version 1: an update was lost", got, updates.Load())
		}
		var titles []string
		for _, it := range sub.Doc.Innovation {
			titles = append(titles, it.Title)
		}
		sort.Strings(titles)
		var want []string
		for i := 0; i < writers; i++ {
			want = append(want, fmt.Sprintf("创新工作%02d", i))
		}
		wantEqual(t, "every writer's item, once", titles, want)
		return nil
	})
}

// testConcurrentNodeUpdates: office staff reviewing different nodes of one
// unit at the same moment each write the unit's node facts again; every
// review counts in the facts scoring reads, none is lost to another's
// transaction that read the unit's nodes before it committed.
func testConcurrentNodeUpdates(t *testing.T, s service.Store) {
	const reviewers, each = 6, 5
	var in []workflow.NodeRecord
	for i := range reviewers * each {
		in = append(in, workflow.NodeRecord{Year: 2019, Unit: "gjz", Category: workflow.CategoryParty, Indicator: "P1",
			WorkIndex: i, Work: "工作", Due: workflow.MustDate("2019-06-30"), Points: 100, Target: "目标", Standard: "标准",
			Evidence: "材料", State: workflow.NodeReported, Version: 1})
	}
	do(t, s, func(tx service.Tx) error { return tx.CreateNodes(in) })
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
		start    = make(chan struct{})
	)
	for r := range reviewers {
		wg.Go(func() {
			<-start
			for k := range each {
				n := in[r*each+k]
				err := s.Update(t.Context(), func(tx service.Tx) error {
					m := n
					m.State, m.Awarded, m.Version = workflow.NodeAccepted, 90, 2
					return tx.UpdateNode(&m, 1)
				})
				if err != nil {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("review of node %d: %v", n.ID, err))
					mu.Unlock()
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d reviews failed, the first: %s", len(failures), failures[0])
	}
	do(t, s, func(tx service.Tx) error {
		got, err := tx.ScoringNodes(2019, []string{"gjz"})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "facts after every node was accepted at once", got, []workflow.NodeFact{{Unit: "gjz",
			Category: workflow.CategoryParty, Indicator: "P1", Points: 100 * reviewers * each, State: string(workflow.NodeAccepted),
			Awarded: 90 * reviewers * each, Count: reviewers * each}})
		return nil
	})
}
