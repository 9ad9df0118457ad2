package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// enqueueN enqueues n reminders due at now, to r0000@x.cn, r0001@x.cn, ….
func enqueueN(t testing.TB, db service.Store, n int, now time.Time) []workflow.OutboxMessage {
	t.Helper()
	ms := make([]workflow.OutboxMessage, n)
	for i := range ms {
		ms[i] = workflow.OutboxMessage{Kind: workflow.NoticeReminder, Unit: "gjz", Deadline: "submission:2019-06-13", Lead: 1,
			Recipient: fmt.Sprintf("r%04d@x.cn", i), Name: "王明", Subject: "【考核提醒】测试", Text: "正文", HTML: "<p>正文</p>",
			NextAttemptAt: now, CreatedAt: now}
	}
	if err := db.Update(context.Background(), func(tx service.Tx) error { _, err := tx.EnqueueMessages(ms); return err }); err != nil {
		t.Fatal(err)
	}
	return ms
}

// gatedStore counts the committed transactions that claimed messages and
// wakes whoever waits for a count.
type gatedStore struct {
	service.Store
	mu     sync.Mutex
	claims int
	moved  chan struct{} // closed and replaced at every counted claim
}

func (s *gatedStore) Update(ctx context.Context, fn func(service.Tx) error) error {
	claimed := false
	err := s.Store.Update(ctx, func(tx service.Tx) error { return fn(claimTx{tx, &claimed}) })
	if claimed && err == nil {
		s.mu.Lock()
		s.claims++
		close(s.moved)
		s.moved = make(chan struct{})
		s.mu.Unlock()
	}
	return err
}

// waitClaims waits until n claims were committed, or fails after 10 s.
func (s *gatedStore) waitClaims(t *testing.T, n int) {
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		got, moved := s.claims, s.moved
		s.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-moved:
		case <-deadline:
			t.Errorf("only %d claims after 10 s, want %d", got, n)
			return
		}
	}
}

type claimTx struct {
	service.Tx
	claimed *bool
}

func (t claimTx) ClaimMessages(claim string, now, until time.Time, limit int, skip ...int64) ([]workflow.OutboxMessage, error) {
	*t.claimed = true
	return t.Tx.ClaimMessages(claim, now, until, limit, skip...)
}

// gateMailer is a Forker whose forks share one record of what was sent.
// Sending to slow holds the send in flight, after moving the clock past
// the claim, until release is closed; sending to waits returns only after
// that clock move.
type gateMailer struct{ *gateState }

type gateState struct {
	clock       *workflow.ManualClock
	slow, waits string
	jump        time.Duration
	moved       chan struct{}
	release     chan struct{}
	mu          sync.Mutex
	sent        map[string]int
}

func (m gateMailer) Send(_ context.Context, mail *jobs.Mail) error {
	m.mu.Lock()
	m.sent[mail.Key]++
	first := m.sent[mail.Key] == 1
	m.mu.Unlock()
	switch {
	case mail.To == m.slow && first:
		m.clock.Advance(m.jump)
		close(m.moved)
		<-m.release
	case mail.To == m.waits:
		<-m.moved
	}
	return nil
}

func (m gateMailer) Close() error      { return nil }
func (m gateMailer) Fork() jobs.Mailer { return m }

// TestSendOutlivingItsClaim: a send that takes longer than its claim (a
// slow SMTP server, a machine under load) must not make the dispatcher
// claim the message again and send it a second time.
//
// Two connections, claims of 1 message and 60 s, four messages. The
// first sender takes message 1 and, in the middle of sending it, the clock
// moves 70 s: every claim made so far has run out. The second sender
// finishes message 2, gives back message 3 (its claim is spent) and so
// lets the keeper, one message ahead, claim again at the moved clock:
// message 1 is due, unclaimed as far as the database can tell, and first
// in line. Only then does the send of message 1 finish. Without the
// keeper skipping the messages its run holds, message 1 went out twice
// (checked: 5 runs out of 5).
func TestSendOutlivingItsClaim(t *testing.T) {
	db := openStore(t, "sqlite", t.TempDir())
	clock := workflow.NewManualClock(at(6, 12, 9, 0))
	ms := enqueueN(t, db, 4, clock.Now())
	gs := &gatedStore{Store: db, moved: make(chan struct{})}
	state := &gateState{clock: clock, slow: ms[0].Recipient, waits: ms[1].Recipient, jump: 70 * time.Second,
		moved: make(chan struct{}), release: make(chan struct{}), sent: map[string]int{}}
	d := &jobs.Dispatcher{Store: gs, Clock: clock, Mailer: gateMailer{state}, From: "kaohe@x.cn",
		ClaimTTL: time.Minute, Batch: 1, Window: 4, Connections: 2}
	done := make(chan error)
	go func() {
		_, err := d.RunOnce(context.Background())
		done <- err
	}()
	// Claims 1–4 took one message each at the start; the fifth is made
	// after the clock moved, while message 1 is still being sent.
	gs.waitClaims(t, 5)
	close(state.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if n := state.sent[m.KeyString()]; n != 1 {
			t.Errorf("%s sent %d times, want once", m.Recipient, n)
		}
	}
	if c := outboxCounts(t, db); c[workflow.OutboxSent] != 4 {
		t.Errorf("outbox %v, want 4 sent", c)
	}
}

// TestConnectionPool: with four connections wanted and a server that
// accepts two from one client, every message goes out once over the two
// it accepts; the refused ones cost no message an attempt and are not an
// outage.
func TestConnectionPool(t *testing.T) {
	srv := startSMTP(t, "127.0.0.1:0")
	srv.limit = 2
	db := openStore(t, "sqlite", t.TempDir())
	clock := workflow.NewManualClock(at(6, 12, 9, 0))
	ms := enqueueN(t, db, 300, clock.Now())
	m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: 5 * time.Second}
	defer m.Close()
	d := &jobs.Dispatcher{Store: db, Clock: clock, Mailer: m, From: "kaohe@x.cn", Connections: 4, Batch: 20}
	n, err := d.RunOnce(context.Background())
	if err != nil || n != len(ms) {
		t.Fatalf("%d sent, %v; want %d", n, err, len(ms))
	}
	seen := map[string]int{}
	for _, r := range srv.messages() {
		seen[parseMail(t, r.Data).Key]++
	}
	for _, m := range ms {
		if seen[m.KeyString()] != 1 {
			t.Errorf("%s received %d times", m.Recipient, seen[m.KeyString()])
		}
	}
	var all []workflow.OutboxMessage
	db.Update(context.Background(), func(tx service.Tx) (err error) {
		all, err = tx.OutboxMessages(service.OutboxFilter{Limit: 1000})
		return err
	})
	for _, m := range all {
		if m.State != workflow.OutboxSent || m.Attempts != 1 {
			t.Fatalf("%s: %s after %d attempts, want sent after 1", m.Recipient, m.State, m.Attempts)
		}
	}
	srv.mu.Lock()
	sessions := srv.sessions
	srv.mu.Unlock()
	if sessions != 2 {
		t.Errorf("%d sessions, want the 2 the server allows", sessions)
	}
}

// TestStopFlushes: stopping the dispatcher in the middle of a run hands no
// new message over, commits every outcome the server already gave (so a
// message the server received is marked sent, not sent again after the
// restart), and gives the unsent claims back at once.
func TestStopFlushes(t *testing.T) {
	for _, backend := range []string{"sqlite", "mariadb"} {
		t.Run(backend, func(t *testing.T) {
			srv := startSMTP(t, "127.0.0.1:0")
			db := openStore(t, backend, t.TempDir())
			clock := workflow.NewManualClock(at(6, 12, 9, 0))
			ms := enqueueN(t, db, 2000, clock.Now())
			m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: 5 * time.Second}
			d := &jobs.Dispatcher{Store: db, Clock: clock, Mailer: m, From: "kaohe@x.cn", Connections: 4}
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				d.Run(ctx)
			}()
			for len(srv.messages()) < 200 {
				time.Sleep(time.Millisecond)
			}
			stop()
			<-done
			if !srv.waitIdle(10 * time.Second) {
				t.Fatal("sessions still open after Run returned")
			}
			received := len(srv.messages())
			c := outboxCounts(t, db)
			if c[workflow.OutboxSent] != received || received == len(ms) {
				t.Fatalf("stopped after %d of %d received; outbox %v, want every received message sent and the rest pending", received, len(ms), c)
			}
			// Nothing is left claimed: another dispatcher takes every
			// pending message now, without waiting for claims to run out.
			var got []workflow.OutboxMessage
			if err := db.Update(context.Background(), func(tx service.Tx) (err error) {
				got, err = tx.ClaimMessages("after", clock.Now(), clock.Now().Add(time.Minute), len(ms))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if len(got) != c[workflow.OutboxPending] {
				t.Errorf("%d pending messages free to claim, want all %d", len(got), c[workflow.OutboxPending])
			}
		})
	}
}

// TestHeldSendWithinItsClaim: a mail server that holds a sender at MAIL
// FROM for longer than its claim must not make another dispatcher send
// the message a second time. A send is bounded by its claim: it is left,
// its connection closed, a quarter of the claim before the claim runs out,
// so no other dispatcher takes a message that the held session could still
// deliver, and not handed over, it counts no attempt. Without the bound,
// the other dispatcher took the message over once the claim ran out, and
// the held session delivered it too when the server let it go (checked).
func TestHeldSendWithinItsClaim(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "127.0.0.1:0")
	hold := make(chan struct{})
	srv.mu.Lock()
	srv.hold, srv.holdN = hold, 1
	srv.mu.Unlock()
	db := openStore(t, "sqlite", t.TempDir())
	const claim = 2 * time.Second
	ms := enqueueN(t, db, 6, time.Now())
	ctx, stop := context.WithCancel(context.Background())
	var running sync.WaitGroup
	for i := range 2 {
		// The SMTP timeout is longer than the claim: only the claim's
		// bound can leave the held send in time.
		m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: time.Minute}
		d := &jobs.Dispatcher{Store: db, Clock: workflow.SystemClock{}, Mailer: m, From: "kaohe@x.cn", ClaimTTL: claim,
			Batch: 2, Connections: 1, Poll: 50 * time.Millisecond, MaxWait: 100 * time.Millisecond, Name: fmt.Sprintf("server-%d", i), Log: quiet}
		running.Go(func() { d.Run(ctx) })
	}
	defer func() {
		stop()
		running.Wait()
	}()
	deadline := time.Now().Add(time.Minute)
	for outboxCounts(t, db)[workflow.OutboxSent] < len(ms) {
		if time.Now().After(deadline) {
			t.Fatalf("outbox %v after a minute", outboxCounts(t, db))
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv.mu.Lock()
	held := srv.held
	srv.mu.Unlock()
	if held != 1 {
		t.Fatalf("the server held %d senders, want 1", held)
	}
	close(hold) // a held session still open would now deliver its message
	stop()
	running.Wait()
	if !srv.waitIdle(10 * time.Second) {
		t.Fatal("sessions still open after the dispatchers stopped")
	}
	seen := map[string]int{}
	for _, r := range srv.messages() {
		seen[parseMail(t, r.Data).Key]++
	}
	for _, m := range ms {
		if n := seen[m.KeyString()]; n != 1 {
			t.Errorf("%s received %d times, want once", m.Recipient, n)
		}
	}
	var all []workflow.OutboxMessage
	if err := db.View(context.Background(), func(tx service.Tx) (err error) {
		all, err = tx.OutboxMessages(service.OutboxFilter{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.Attempts != 1 {
			t.Errorf("%s: %d attempts (%s), want 1: a send left before it was handed over is no attempt", m.Recipient, m.Attempts, m.LastError)
		}
	}
}
