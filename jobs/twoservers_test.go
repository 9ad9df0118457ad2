package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"kaohe/internal/app"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// TestTwoServers runs two servers on one database (a SQLite file opened
// twice, and MariaDB), each with its scheduler and dispatcher, through the
// submission deadline of 2019, in concurrent rounds. On top of the lease,
// both also run the reminder pass in every round, so that the outbox's
// unique key alone has to stop duplicates. Every message must reach the
// SMTP server exactly once, and in each round exactly one server holds the
// lease.
func TestTwoServers(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "mariadb"} {
		t.Run(backend, func(t *testing.T) {
			w := newWorld(t, backend, at(6, 5, 8, 0))
			apps := []*app.App{w.app, w.another()}
			srv := startSMTP(t, "127.0.0.1:0")
			type server struct {
				sched *jobs.Scheduler
				pass  *jobs.Reminders
				disp  *jobs.Dispatcher
			}
			var servers []server
			for i, a := range apps {
				db := a.Store
				pass := &jobs.Reminders{Service: a.Service, Log: quiet}
				m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: 5 * time.Second}
				t.Cleanup(func() { m.Close() })
				servers = append(servers, server{
					sched: &jobs.Scheduler{Store: db, Clock: w.clock, Holder: fmt.Sprintf("server-%d", i), Tick: 30 * time.Second,
						Jobs: []jobs.Job{{Name: "reminders", Run: func(ctx context.Context) error { _, err := pass.Run(ctx); return err }}}},
					pass: pass,
					disp: &jobs.Dispatcher{Store: db, Clock: w.clock, Mailer: m, From: "kaohe@x.cn", Batch: 3, Name: fmt.Sprintf("server-%d", i)},
				})
				if err := db.Update(context.Background(), func(tx service.Tx) error { return tx.EnsureLease(jobs.LeaseName) }); err != nil {
					t.Fatal(err)
				}
			}
			ctx := context.Background()
			for now := at(6, 5, 8, 0); now.Before(at(6, 15, 0, 0)); now = now.Add(2 * time.Hour) {
				w.clock.Set(now)
				if now.Equal(at(6, 5, 10, 0)) {
					for _, u := range []string{"zs", "xg", "sh", "gjz"} {
						w.draft(u)
						w.submit(u)
					}
				}
				var wg sync.WaitGroup
				held := make([]bool, len(servers))
				for i, s := range servers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						held[i] = s.sched.RunTick(ctx)
						if _, err := s.pass.Run(ctx); err != nil {
							t.Errorf("server %d pass: %v", i, err)
						}
						if _, err := s.disp.RunOnce(ctx); err != nil {
							t.Errorf("server %d dispatch: %v", i, err)
						}
					}()
				}
				wg.Wait()
				if held[0] == held[1] {
					t.Fatalf("%v: lease held by both or neither: %v", now, held)
				}
			}
			// 10 units × 2 contacts × (3 reminders + 1 overdue notice) + 2 digests.
			seen := map[string]int{}
			for _, r := range srv.messages() {
				seen[parseMail(t, r.Data).Key]++
			}
			for k, n := range seen {
				if n != 1 {
					t.Errorf("%s delivered %d times", k, n)
				}
			}
			if len(seen) != 82 {
				t.Errorf("%d distinct messages delivered, want 82", len(seen))
			}
			if c := outboxCounts(t, w.db); c[workflow.OutboxSent] != 82 || len(c) != 1 {
				t.Errorf("outbox %v, want 82 sent", c)
			}
		})
	}
}
