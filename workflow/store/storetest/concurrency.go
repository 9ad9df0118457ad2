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
