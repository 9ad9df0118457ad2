package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func message(unit, recipient string, lead int, due time.Time) workflow.OutboxMessage {
	return workflow.OutboxMessage{
		Kind: workflow.NoticeReminder, Unit: unit, Deadline: "submission:2019-06-13", Lead: lead,
		Recipient: recipient, Name: "王明", Subject: "【提醒】甘井子区总工会：指标表尚未报送", Text: "正文", HTML: "<p>正文</p>",
		NextAttemptAt: due, CreatedAt: due,
	}
}

func enqueue(t *testing.T, s service.Store, ms ...workflow.OutboxMessage) int {
	t.Helper()
	var n int
	do(t, s, func(tx service.Tx) (err error) {
		n, err = tx.EnqueueMessages(ms)
		return err
	})
	return n
}

func claim(t *testing.T, s service.Store, token string, now time.Time, limit int) []workflow.OutboxMessage {
	t.Helper()
	var ms []workflow.OutboxMessage
	do(t, s, func(tx service.Tx) (err error) {
		ms, err = tx.ClaimMessages(token, now, now.Add(time.Minute), limit)
		return err
	})
	return ms
}

func testOutboxUniqueKey(t *testing.T, s service.Store) {
	now := at(12, 9, 0, 0, 0)
	a := message("gjz", "dcb@gjz.example.cn", 1, now)
	if n := enqueue(t, s, a, message("gjz", "liting@gjz.example.cn", 1, now)); n != 2 {
		t.Fatalf("first enqueue inserted %d, want 2", n)
	}
	// The same key again, alone and in a batch with a new one.
	changed := a
	changed.Subject = "另一个标题"
	if n := enqueue(t, s, changed); n != 0 {
		t.Fatalf("enqueue of an existing key inserted %d", n)
	}
	if n := enqueue(t, s, changed, message("gjz", "dcb@gjz.example.cn", 3, now)); n != 1 {
		t.Fatalf("mixed batch inserted %d, want 1", n)
	}
	// Once sent, the key still stops a new row.
	ms := claim(t, s, "c1", now, 10)
	do(t, s, func(tx service.Tx) error {
		return tx.RecordSend(workflow.SendResult{ID: ms[0].ID, Claim: "c1", At: now})
	})
	if n := enqueue(t, s, a); n != 0 {
		t.Fatalf("enqueue of a sent key inserted %d", n)
	}
	var all []workflow.OutboxMessage
	do(t, s, func(tx service.Tx) (err error) {
		all, err = tx.OutboxMessages(service.OutboxFilter{})
		return err
	})
	if len(all) != 3 {
		t.Fatalf("%d rows, want 3", len(all))
	}
	got := all[2] // newest first
	wantEqual(t, "subject of the first row", got.Subject, a.Subject)
	wantEqual(t, "key", got.KeyString(), "reminder/gjz/submission:2019-06-13/1/dcb@gjz.example.cn")
	wantEqual(t, "state", got.State, workflow.OutboxSent)
	wantUTC(t, "sent_at", *got.SentAt, now)
	do(t, s, func(tx service.Tx) error {
		lead := func(n int) workflow.NoticeKey {
			return workflow.NoticeKey{Kind: workflow.NoticeReminder, Deadline: "submission:2019-06-13", Lead: n}
		}
		keys, err := tx.OutboxKeys([]workflow.NoticeKey{lead(1), lead(3), lead(7), lead(1)})
		if err != nil {
			return err
		}
		wantEqual(t, "keys of leads 1, 3 and 7", keys, map[workflow.NoticeKey]map[string]bool{
			lead(1): {"gjz/dcb@gjz.example.cn": true, "gjz/liting@gjz.example.cn": true},
			lead(3): {"gjz/dcb@gjz.example.cn": true},
		})
		none, err := tx.OutboxKeys(nil)
		wantEqual(t, "keys of no notice", len(none), 0)
		return err
	})
	// Recipients compare exactly: another case is another key.
	if n := enqueue(t, s, message("gjz", "DCB@gjz.example.cn", 1, now)); n != 1 {
		t.Fatalf("recipient differing in case inserted %d, want 1", n)
	}
}

func testOutboxClaim(t *testing.T, s service.Store) {
	now := at(12, 9, 0, 0, 0)
	later := message("zs", "later@zs.example.cn", 1, now.Add(time.Hour))
	enqueue(t, s, message("gjz", "a@x.cn", 1, now), message("gjz", "b@x.cn", 1, now), message("gjz", "c@x.cn", 1, now), later)
	ms := claim(t, s, "c1", now, 10)
	if len(ms) != 3 {
		t.Fatalf("claimed %d, want the 3 due", len(ms))
	}
	if again := claim(t, s, "c2", now, 10); len(again) != 0 {
		t.Fatalf("a live claim was claimed again: %d", len(again))
	}
	retry := now.Add(2 * time.Minute)
	do(t, s, func(tx service.Tx) error {
		if err := tx.RecordSend(workflow.SendResult{ID: ms[0].ID, Claim: "c1", At: now}); err != nil {
			return err
		}
		if err := tx.RecordSend(workflow.SendResult{ID: ms[1].ID, Claim: "c1", At: now, Err: "451 try later", Retry: retry}); err != nil {
			return err
		}
		return tx.RecordSend(workflow.SendResult{ID: ms[2].ID, Claim: "c1", At: now, Err: "550 no such user"})
	})
	var counts map[workflow.OutboxState]int
	do(t, s, func(tx service.Tx) (err error) {
		counts, err = tx.CountMessages()
		return err
	})
	wantEqual(t, "counts", counts, map[workflow.OutboxState]int{workflow.OutboxSent: 1, workflow.OutboxPending: 2, workflow.OutboxFailed: 1})
	// One unit's counts leave the other unit's messages out.
	for _, tc := range []struct {
		unit string
		want map[workflow.OutboxState]int
	}{
		{"gjz", map[workflow.OutboxState]int{workflow.OutboxSent: 1, workflow.OutboxPending: 1, workflow.OutboxFailed: 1}},
		{"zs", map[workflow.OutboxState]int{workflow.OutboxPending: 1}},
		{"", map[workflow.OutboxState]int{}}, // no office digest here
		{"nowhere", map[workflow.OutboxState]int{}},
	} {
		do(t, s, func(tx service.Tx) (err error) {
			counts, err = tx.CountMessagesOfUnit(tc.unit)
			return err
		})
		wantEqual(t, "counts of "+tc.unit, counts, tc.want)
	}
	// The retried one is due again at its retry time, not before.
	if got := claim(t, s, "c3", retry.Add(-time.Second), 10); len(got) != 0 {
		t.Fatalf("claimed %d before the retry time", len(got))
	}
	got := claim(t, s, "c4", retry.Add(time.Hour), 10)
	if len(got) != 2 || got[0].ID != ms[1].ID || got[0].Attempts != 1 || got[0].LastError != "451 try later" {
		t.Fatalf("after the retry time: %+v", got)
	}
	var failed []workflow.OutboxMessage
	do(t, s, func(tx service.Tx) (err error) {
		failed, err = tx.OutboxMessages(service.OutboxFilter{State: workflow.OutboxFailed})
		return err
	})
	if len(failed) != 1 || failed[0].ID != ms[2].ID || failed[0].LastError != "550 no such user" {
		t.Fatalf("failed: %+v", failed)
	}
	if failed[0].LastAttemptAt == nil {
		t.Fatal("the failed message has no last attempt")
	}
	wantUTC(t, "last_attempt_at of the failed message", *failed[0].LastAttemptAt, now)
	var waiting []workflow.OutboxMessage
	do(t, s, func(tx service.Tx) (err error) {
		waiting, err = tx.OutboxMessages(service.OutboxFilter{Unit: "zs"})
		return err
	})
	if len(waiting) != 1 || waiting[0].LastAttemptAt != nil {
		t.Fatalf("a message never sent has a last attempt: %+v", waiting)
	}
}

func testOutboxReleaseAndStale(t *testing.T, s service.Store) {
	now := at(12, 9, 0, 0, 0)
	enqueue(t, s, message("gjz", "a@x.cn", 1, now))
	ms := claim(t, s, "c1", now, 10)
	do(t, s, func(tx service.Tx) error { return tx.ReleaseClaims("c1") })
	again := claim(t, s, "c2", now, 10)
	if len(again) != 1 || again[0].Attempts != 0 {
		t.Fatalf("after release: %+v", again)
	}
	// c2's claim runs out; c3 takes the message over; c2's late result is stale.
	ms = claim(t, s, "c3", now.Add(2*time.Minute), 10)
	if len(ms) != 1 {
		t.Fatalf("expired claim not taken over")
	}
	err := s.Update(t.Context(), func(tx service.Tx) error {
		return tx.RecordSend(workflow.SendResult{ID: ms[0].ID, Claim: "c2", At: now})
	})
	wantCode(t, err, workflow.ESTALE)
	do(t, s, func(tx service.Tx) error { return tx.ExpireMessage(ms[0].ID, "c3", now) })
	do(t, s, func(tx service.Tx) error {
		m, err := tx.OutboxMessage(ms[0].ID)
		if err != nil {
			return err
		}
		wantEqual(t, "state", m.State, workflow.OutboxExpired)
		return nil
	})
	err = s.Update(t.Context(), func(tx service.Tx) error { _, err := tx.OutboxMessage(999999); return err })
	wantCode(t, err, workflow.ENOTFOUND)
}

func claimAt(t *testing.T, s service.Store, token string, now, until time.Time, limit int, skip ...int64) []workflow.OutboxMessage {
	t.Helper()
	var ms []workflow.OutboxMessage
	do(t, s, func(tx service.Tx) (err error) {
		ms, err = tx.ClaimMessages(token, now, until, limit, skip...)
		return err
	})
	return ms
}

func testOutboxGroupRecord(t *testing.T, s service.Store) {
	now := at(12, 9, 0, 0, 0)
	var ms []workflow.OutboxMessage
	for i := range 5 {
		ms = append(ms, message("gjz", fmt.Sprintf("r%d@x.cn", i), 1, now))
	}
	enqueue(t, s, ms...)
	c1 := claimAt(t, s, "c1", now, now.Add(time.Minute), 3)
	c2 := claimAt(t, s, "c2", now.Add(30*time.Second), now.Add(90*time.Second), 2)
	// c1 runs out; c3 takes its three over while c1 is still sending.
	c3 := claimAt(t, s, "c3", now.Add(70*time.Second), now.Add(150*time.Second), 10)
	if len(c1) != 3 || len(c2) != 2 || len(c3) != 3 || c3[0].ID != c1[0].ID {
		t.Fatalf("claims %d, %d, %d", len(c1), len(c2), len(c3))
	}
	t1, t2, retry := now.Add(40*time.Second), now.Add(41*time.Second), now.Add(3*time.Minute)
	var stale []int64
	do(t, s, func(tx service.Tx) (err error) {
		stale, err = tx.RecordSends([]workflow.SendResult{
			{ID: c1[0].ID, Claim: "c1", At: t1},                                     // lost to c3
			{ID: c2[0].ID, Claim: "c2", At: t1},                                     // sent
			{ID: c3[1].ID, Claim: "c3", At: t2, Err: "451 try later", Retry: retry}, // retried
			{ID: c2[1].ID, Claim: "c2", At: t2},                                     // sent, later
			{ID: c3[2].ID, Claim: "c3", At: t2, Err: "550 no such user"},            // failed
		})
		return err
	})
	wantEqual(t, "stale", stale, []int64{c1[0].ID})
	do(t, s, func(tx service.Tx) error {
		for _, tc := range []struct {
			id       int64
			state    workflow.OutboxState
			attempts int
			at       time.Time
		}{
			{c1[0].ID, workflow.OutboxPending, 0, time.Time{}},
			{c2[0].ID, workflow.OutboxSent, 1, t1},
			{c2[1].ID, workflow.OutboxSent, 1, t2},
			{c3[1].ID, workflow.OutboxPending, 1, t2},
			{c3[2].ID, workflow.OutboxFailed, 1, t2},
		} {
			m, err := tx.OutboxMessage(tc.id)
			if err != nil {
				return err
			}
			if m.State != tc.state || m.Attempts != tc.attempts {
				t.Errorf("message %d: %s after %d attempts, want %s after %d", tc.id, m.State, m.Attempts, tc.state, tc.attempts)
			}
			switch {
			case tc.at.IsZero() && m.LastAttemptAt != nil:
				t.Errorf("message %d: last attempt %v, want none", tc.id, m.LastAttemptAt)
			case !tc.at.IsZero() && m.LastAttemptAt == nil:
				t.Errorf("message %d: no last attempt", tc.id)
			case !tc.at.IsZero():
				wantUTC(t, fmt.Sprintf("last attempt of %d", tc.id), *m.LastAttemptAt, tc.at)
			}
			if tc.state == workflow.OutboxSent {
				if m.SentAt == nil || m.LastError != "" {
					t.Errorf("message %d: sent at %v, error %q", tc.id, m.SentAt, m.LastError)
				} else {
					wantUTC(t, fmt.Sprintf("sent_at of %d", tc.id), *m.SentAt, tc.at)
				}
			}
		}
		return nil
	})
	// After c3's claim ran out and the retry is due, a claimer skipping the
	// lost message gets only the retried one; without skip it gets both.
	later := now.Add(4 * time.Minute)
	got := claimAt(t, s, "c4", later, later.Add(time.Minute), 10, c1[0].ID)
	if len(got) != 1 || got[0].ID != c3[1].ID {
		t.Fatalf("claim skipping %d: %+v", c1[0].ID, got)
	}
	got = claimAt(t, s, "c5", later, later.Add(time.Minute), 10)
	if len(got) != 1 || got[0].ID != c1[0].ID {
		t.Fatalf("claim without skip: %+v", got)
	}
	// A group of nothing but lost claims records nothing.
	do(t, s, func(tx service.Tx) (err error) {
		stale, err = tx.RecordSends([]workflow.SendResult{{ID: c1[0].ID, Claim: "c3", At: later}})
		return err
	})
	wantEqual(t, "stale", stale, []int64{c1[0].ID})
}

func testOutboxRequeue(t *testing.T, s service.Store) {
	now := at(12, 9, 0, 0, 0)
	expires := at(13, 17, 30, 0, 0)
	withExpiry := message("gjz", "b@x.cn", 1, now)
	withExpiry.ExpiresAt = &expires
	enqueue(t, s, message("gjz", "a@x.cn", 1, now), withExpiry, message("gjz", "c@x.cn", 1, now))
	ms := claim(t, s, "c1", now, 10)
	do(t, s, func(tx service.Tx) error {
		if err := tx.RecordSend(workflow.SendResult{ID: ms[0].ID, Claim: "c1", At: now}); err != nil {
			return err
		}
		return tx.RecordSend(workflow.SendResult{ID: ms[1].ID, Claim: "c1", At: now, Err: "550"})
	})
	later := now.Add(time.Hour)
	for _, tc := range []struct {
		id   int64
		code string
	}{{ms[0].ID, workflow.ESTATE}, {ms[2].ID, workflow.ESTATE}, {ms[1].ID, ""}} {
		err := s.Update(t.Context(), func(tx service.Tx) error { return tx.RequeueMessage(tc.id, later) })
		if tc.code == "" {
			if err != nil {
				t.Fatalf("requeue failed message: %v", err)
			}
			continue
		}
		wantCode(t, err, tc.code)
	}
	do(t, s, func(tx service.Tx) error {
		m, err := tx.OutboxMessage(ms[1].ID)
		if err != nil {
			return err
		}
		if m.State != workflow.OutboxPending || m.Attempts != 0 || !m.NextAttemptAt.Equal(later) {
			t.Errorf("requeued: %+v", m)
		}
		if m.ExpiresAt == nil || !m.ExpiresAt.Equal(expires) {
			t.Errorf("requeue lost the expiry: %v, want %v", m.ExpiresAt, expires)
		}
		return nil
	})
}

func testOutboxConcurrentClaims(t *testing.T, s service.Store) {
	now := at(12, 9, 0, 0, 0)
	var ms []workflow.OutboxMessage
	for i := range 200 {
		ms = append(ms, message("gjz", fmt.Sprintf("u%03d@x.cn", i), 1, now))
	}
	enqueue(t, s, ms...)
	var (
		mu   sync.Mutex
		seen = map[int64]string{}
		wg   sync.WaitGroup
	)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; ; round++ {
				token := fmt.Sprintf("w%d-%d", w, round)
				var got []workflow.OutboxMessage
				err := s.Update(t.Context(), func(tx service.Tx) (err error) {
					got, err = tx.ClaimMessages(token, now, now.Add(time.Hour), 7)
					if err != nil {
						return err
					}
					for _, m := range got {
						if err := tx.RecordSend(workflow.SendResult{ID: m.ID, Claim: token, At: now}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					if prev, dup := seen[m.ID]; dup {
						t.Errorf("message %d claimed by %s and %s", m.ID, prev, token)
					}
					seen[m.ID] = token
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 200 {
		t.Fatalf("%d messages sent, want 200", len(seen))
	}
}

func testLease(t *testing.T, s service.Store) {
	now := at(12, 9, 0, 0, 0)
	acquire := func(holder string, now time.Time) bool {
		t.Helper()
		var ok bool
		do(t, s, func(tx service.Tx) (err error) {
			ok, err = tx.AcquireLease("jobs", holder, now, 30*time.Second)
			return err
		})
		return ok
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []string
	)
	// Every server ensures the row at start, at the same time.
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Update(t.Context(), func(tx service.Tx) error { return tx.EnsureLease("jobs") }); err != nil {
				t.Errorf("ensure lease: %v", err)
			}
		}()
	}
	wg.Wait()
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holder := fmt.Sprintf("server-%d", i)
			var ok bool
			err := s.Update(t.Context(), func(tx service.Tx) (err error) {
				ok, err = tx.AcquireLease("jobs", holder, now, 30*time.Second)
				return err
			})
			if err != nil {
				t.Errorf("%s: %v", holder, err)
			}
			if ok {
				mu.Lock()
				winners = append(winners, holder)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("winners of a fresh lease: %v", winners)
	}
	w := winners[0]
	other := "server-x"
	if !acquire(w, now) || !acquire(w, now.Add(10*time.Second)) {
		t.Fatal("the holder could not renew (also at an unchanged time)")
	}
	if acquire(other, now.Add(39*time.Second)) {
		t.Fatal("another server took a live lease")
	}
	if !acquire(other, now.Add(41*time.Second)) {
		t.Fatal("another server could not take an expired lease")
	}
	if acquire(w, now.Add(42*time.Second)) {
		t.Fatal("the old holder took the lease back")
	}
	do(t, s, func(tx service.Tx) error { return tx.ReleaseLease("jobs", other) })
	if !acquire(w, now.Add(43*time.Second)) {
		t.Fatal("a released lease was not free")
	}
}

func testJobMarks(t *testing.T, s service.Store) {
	now := at(12, 9, 0, 0, 0)
	do(t, s, func(tx service.Tx) error {
		done, err := tx.JobDone("scoring:2019")
		if err != nil || done {
			t.Fatalf("fresh mark: %v %v", done, err)
		}
		return tx.MarkJobDone("scoring:2019", now)
	})
	err := s.Update(t.Context(), func(tx service.Tx) error { return tx.MarkJobDone("scoring:2019", now) })
	wantCode(t, err, workflow.ECONFLICT)
	do(t, s, func(tx service.Tx) error {
		done, err := tx.JobDone("scoring:2019")
		if err != nil || !done {
			t.Fatalf("recorded mark: %v %v", done, err)
		}
		return nil
	})
	change := int64(-3)
	sum := &workflow.MonthlySummary{Year: 2019, Month: workflow.Month{Year: 2019, Month: time.June}, Total: 120,
		Units: []workflow.SummaryLine{{Unit: "gjz", Reported: true, Count: 120, Change: &change}, {Unit: "zs"}}, CreatedAt: now}
	do(t, s, func(tx service.Tx) error { return tx.SaveMonthlySummary(sum) })
	err = s.Update(t.Context(), func(tx service.Tx) error { return tx.SaveMonthlySummary(sum) })
	wantCode(t, err, workflow.ECONFLICT)
	do(t, s, func(tx service.Tx) error {
		got, err := tx.MonthlySummaries(2019)
		if err != nil {
			return err
		}
		if len(got) != 1 {
			t.Fatalf("%d summaries", len(got))
		}
		wantUTC(t, "created_at", got[0].CreatedAt, now)
		got[0].CreatedAt = sum.CreatedAt
		wantEqual(t, "summary", got[0], *sum)
		return nil
	})
}

func testJobReads(t *testing.T, s service.Store) {
	do(t, s, func(tx service.Tx) error {
		for _, u := range []workflow.Unit{{Code: "zs", Name: "中山区总工会"}, {Code: "gjz", Name: "甘井子区总工会"}} {
			u.CreatedAt = at(1, 9, 0, 0, 0)
			if err := tx.CreateUnit(&u); err != nil {
				return err
			}
		}
		createSubmission(t, tx, 2019, "gjz")
		sub := createSubmission(t, tx, 2019, "zs")
		prev := sub.Version
		sub.State, sub.Version = workflow.StateSubmitted, prev+1
		if err := tx.UpdateSubmission(sub, prev); err != nil {
			return err
		}
		createSubmission(t, tx, 2020, "xg")
		if err := tx.SetContacts("zs", []workflow.Contact{{Name: "乙", Email: "b@zs.cn", Phone: "0411-86641234", Duty: "head"}, {Name: "甲", Email: "a@zs.cn", Mobile: "13804110001"}}); err != nil {
			return err
		}
		return tx.SetContacts("gjz", []workflow.Contact{{Name: "丙", Email: "c@gjz.cn"}})
	})
	do(t, s, func(tx service.Tx) error {
		states, err := tx.SubmissionStates(2019)
		if err != nil {
			return err
		}
		wantEqual(t, "states", states, map[string]workflow.State{"gjz": workflow.StateDraft, "zs": workflow.StateSubmitted})
		cs, err := tx.ContactAddresses()
		if err != nil {
			return err
		}
		wantEqual(t, "contacts", cs, map[string][]workflow.Contact{
			"gjz": {{Name: "丙", Email: "c@gjz.cn"}},
			"zs":  {{Name: "乙", Email: "b@zs.cn"}, {Name: "甲", Email: "a@zs.cn"}},
		})
		full, err := tx.AllContacts()
		if err != nil {
			return err
		}
		wantEqual(t, "all contacts", full, map[string][]workflow.Contact{
			"gjz": {{Name: "丙", Email: "c@gjz.cn"}},
			"zs":  {{Name: "乙", Email: "b@zs.cn", Phone: "0411-86641234", Duty: "head"}, {Name: "甲", Email: "a@zs.cn", Mobile: "13804110001"}},
		})
		units, err := tx.Units()
		if err != nil {
			return err
		}
		names, err := tx.UnitNames()
		if err != nil {
			return err
		}
		for i := range units {
			units[i].CreatedAt = time.Time{}
		}
		wantEqual(t, "unit names", names, units)
		return nil
	})
}

// testOutboxEnqueueBatches: messages enqueued in bulk, as the reminder
// pass writes them (facts, several notices, email and robot, the facts a
// notice's messages share apart) and as earlier versions did (stored
// rendered, or facts whole), interleaved and in batches larger than the
// store's, are each stored once with every column as given, and read back
// so by a list and by a claim; keys already there, in the outbox or
// earlier in the same call, are skipped and not counted.
func testOutboxEnqueueBatches(t *testing.T, s service.Store) {
	now := at(12, 9, 0, 0, 0)
	expires := at(13, 17, 30, 0, 0)
	fresh := func(unit, to string, lead int) workflow.OutboxMessage {
		m := message(unit, to, lead, now)
		m.Text, m.HTML, m.ExpiresAt = "", "", &expires
		m.Facts = fmt.Sprintf(`{"unit":%q,"name":%q}`, unit, to)
		if lead != 3 {
			m.NoticeFacts = fmt.Sprintf(`{"plan":"2019年度考核","lead":%d}`, lead) // equal texts, not one string
		}
		return m
	}
	enqueue(t, s, fresh("gjz", "r0@x.cn", 1))
	// Two notices' messages, more than two batches of MySQL's 500 each
	// (a full batch has a statement of its own); the first 200 with
	// other messages in between, then runs of one notice as the pass
	// writes them.
	var ms []workflow.OutboxMessage
	for i := range 1300 {
		lead := 1 + i%2
		if i >= 200 {
			lead = 1 + i/800
		}
		m := fresh(fmt.Sprintf("u%04d", i), fmt.Sprintf("r%d@x.cn", i), lead)
		if i%7 == 0 {
			m.Channel, m.Recipient = workflow.ChannelWeCom, workflow.RobotRecipient(int64(i))
		}
		ms = append(ms, m)
		if i%40 == 0 && i < 200 {
			ms = append(ms, message(fmt.Sprintf("u%04d", i), fmt.Sprintf("stored%d@x.cn", i), 3, now)) // stored rendered
		}
		if i%50 == 0 && i < 200 {
			ms = append(ms, fresh(fmt.Sprintf("u%04d", i), fmt.Sprintf("whole%d@x.cn", i), 3)) // facts whole
		}
	}
	ms = append(ms, ms[5], fresh("gjz", "r0@x.cn", 1)) // a key of this call and one already there
	if n := enqueue(t, s, ms...); n != len(ms)-2 {
		t.Fatalf("inserted %d of %d, want all but the 2 known keys", n, len(ms))
	}
	var all []workflow.OutboxMessage
	do(t, s, func(tx service.Tx) (err error) {
		all, err = tx.OutboxMessages(service.OutboxFilter{Limit: 2000})
		return err
	})
	if len(all) != len(ms)-1 {
		t.Fatalf("%d rows, want %d", len(all), len(ms)-1)
	}
	byKey := map[string]workflow.OutboxMessage{}
	for _, m := range all {
		byKey[m.KeyString()] = m
	}
	for _, want := range ms {
		got, ok := byKey[want.KeyString()]
		if !ok {
			t.Fatalf("%s missing", want.KeyString())
		}
		if want.Channel == "" {
			want.Channel = workflow.ChannelEmail
		}
		if got.Channel != want.Channel || got.Name != want.Name || got.Subject != want.Subject || got.Facts != want.Facts ||
			got.NoticeFacts != want.NoticeFacts || (got.NoticeRow != 0) != (want.NoticeFacts != "") || got.Text != want.Text || got.HTML != want.HTML || got.State != workflow.OutboxPending || got.Attempts != 0 ||
			!got.NextAttemptAt.Equal(now) || !got.CreatedAt.Equal(now) || (got.ExpiresAt == nil) != (want.ExpiresAt == nil) ||
			(got.ExpiresAt != nil && !got.ExpiresAt.Equal(expires)) {
			t.Errorf("%s read back as %+v, want %+v", want.KeyString(), got, want)
		}
	}
	var claimed []workflow.OutboxMessage
	do(t, s, func(tx service.Tx) (err error) {
		claimed, err = tx.ClaimMessages("c1", now, now.Add(time.Minute), 2000)
		return err
	})
	if len(claimed) != len(all) {
		t.Fatalf("claimed %d of %d", len(claimed), len(all))
	}
	for _, got := range claimed {
		want := byKey[got.KeyString()]
		if got.Facts != want.Facts || got.NoticeFacts != want.NoticeFacts || got.NoticeRow != want.NoticeRow || got.Text != want.Text {
			t.Errorf("%s claimed as %+v, listed as %+v", got.KeyString(), got, want)
		}
	}
}
