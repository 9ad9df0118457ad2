package api_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentEditsAndSubmits: 20 clients edit one draft at once, each
// retrying on 409 until its edit lands, then all submit at once. On each
// database: no 500 ("database is locked"), no lost update (the final version
// counts every accepted edit), exactly one submit wins.
func TestConcurrentEditsAndSubmits(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			e.draft()
			doc := validDoc(t)
			const clients = 20
			var wg sync.WaitGroup
			errs := make(chan string, clients*100)
			for i := 0; i < clients; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					role := "unitA"
					if i%2 == 1 {
						role = "office"
					}
					for attempt := 0; attempt < 200; attempt++ {
						status, out := e.do("GET", subPath, role, nil)
						if status != 200 {
							errs <- fmt.Sprintf("GET %d %s", status, out)
							return
						}
						var v struct{ Version int }
						_ = json.Unmarshal(out, &v)
						status, out = e.do("PUT", subPath, role, withVersion(doc, v.Version))
						switch status {
						case 200:
							return
						case 409:
							continue
						default:
							errs <- fmt.Sprintf("PUT %d %s", status, out)
							return
						}
					}
					errs <- "client never got its edit in"
				}(i)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if v := e.sub("gjz").Version; v != 1+clients {
				t.Fatalf("version %d after %d accepted edits on version 1: an update was lost", v, clients)
			}

			// All submit at once: one wins, the rest are wrong-state 409s.
			statuses := make(chan int, clients)
			for i := 0; i < clients; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, _ := e.do("POST", subPath+"/submit", "unitA", nil)
					statuses <- status
				}()
			}
			wg.Wait()
			close(statuses)
			ok := 0
			for s := range statuses {
				switch s {
				case 200:
					ok++
				case 409:
				default:
					t.Errorf("submit status %d", s)
				}
			}
			if ok != 1 {
				t.Fatalf("%d submits succeeded, want exactly 1", ok)
			}
			var hist []any
			e.mustDecode("GET", subPath+"/history", "office", nil, 200, &hist)
			if len(hist) != 1 {
				t.Fatalf("history has %d entries, want 1 submit", len(hist))
			}
		})
	}
}
