package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"kaohe/jobs"
	"kaohe/workflow/service"
)

// TestSchedulerStartRecoverStop: the jobs run at Start without waiting for
// a tick; a job that panics is recovered and runs again at the next tick
// (cron's chain order); Stop waits for a running tick and gives the lease
// up, so another server takes it at once.
func TestSchedulerStartRecoverStop(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "sqlite", at(6, 12, 9, 0))
	var runs atomic.Int32
	ran := make(chan int32, 10)
	s := &jobs.Scheduler{Store: w.db, Clock: w.clock, Location: shanghai, Tick: time.Second, Holder: "a", Log: quiet,
		Jobs: []jobs.Job{{Name: "panics", Run: func(context.Context) error {
			n := runs.Add(1)
			ran <- n
			if n == 1 {
				panic("first run panics")
			}
			return nil
		}}}}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for want := int32(1); want <= 2; want++ {
		select {
		case n := <-ran:
			if n != want {
				t.Fatalf("run %d, want %d", n, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("run %d did not happen (runs so far: %d)", want, runs.Load())
		}
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	var held bool
	w.db.Update(context.Background(), func(tx service.Tx) (err error) {
		held, err = tx.AcquireLease(jobs.LeaseName, "b", w.clock.Now(), time.Minute)
		return err
	})
	if !held {
		t.Fatal("the lease was not given up at Stop")
	}
}
