package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Dispatcher sends the outbox. A run is a pipeline:
//
//	keepers ──claimed batches──► queue ──► senders, one per SMTP connection
//	   ▲                                        │ each takes a window slot,
//	   └──────────────── outcomes ◄─────────────┘ freed after the commit
//
// A keeper is the run's database side. Each of its transactions records
// the outcomes that arrived meanwhile (a group commit) and, when the queue
// has room for a batch, claims the next batch of due messages, so the
// queue stays a batch ahead of the senders and a claim costs no commit of
// its own. Claims are rows in the database, so that two dispatchers, in one
// server or in two, never hold the same message. There is one keeper on
// SQLite and there are four on MySQL (Commits). Each sender owns one
// connection to the mail server (Connections of them when the Mailer is a
// Forker). A sender renders a message stored with facts (what the
// reminder pass enqueues: its template is its kind and channel) and
// delivers it by the sender of its channel: an email over its connection,
// a robot message through Robots (an HTTP request; RobotSender paces each
// robot). Messages stored rendered are sent as stored. Robot messages take the same
// claims, window slots and group commits as emails, so the rules below
// hold for both.
//
// # The window
//
// A sender takes one of Window slots before it hands a message over, and
// a keeper frees the slot only once the outcome is committed. So at any
// instant at most Window messages may have reached the mail server or a
// robot without "sent" being durable, and a crash (or a failed commit)
// sends at most Window messages twice: after a restart they are pending
// and go out again. Window 1 commits every message before the next is
// handed over.
//
// # Claims
//
// A claim lasts ClaimTTL, and while it holds no other dispatcher takes
// the message. Three rules keep every send of a message inside its claim,
// so that a message is never being sent by two dispatchers at once:
//
//   - A sender starts a message only while at least half of its claim is
//     left; a message whose claim ran lower is given back and claimed
//     again.
//   - A send is bounded by its claim: it must end a quarter of ClaimTTL
//     before the claim does (the margin for its commit), and the SMTP
//     connection's deadlines never reach past that instant. A mail server
//     that holds a message longer (one that stalls at MAIL FROM) is left
//     and the connection closed before anyone else may take the message;
//     a message not yet handed over (its content not sent) is given back
//     without counting an attempt, one whose content was sent counts as a
//     failed attempt (the server may have taken it, as after any lost
//     reply). The content is sent only while at least half the SMTP
//     timeout (or half the send's time, if shorter) is left before that
//     instant, so a server that answers a held MAIL FROM at the last
//     moment gets the connection closed instead of a message whose reply
//     could not be awaited. Robot requests carry the same deadline.
//   - A keeper never claims a message its own run still holds
//     (ClaimMessages' skip), even if that message's claim ran out while it
//     was being sent, so a slow commit under load cannot make a dispatcher
//     send a message twice by itself.
//
// Claims are compared with each server's clock, so servers' clocks must
// agree to well within a quarter of ClaimTTL (NTP does; see
// configs.Config.ClockAnchor for servers on a demo clock).
// configs.Config.Check refuses a claim_ttl shorter than four SMTP or robot
// timeouts, so that a message started with half its claim left always has
// at least one full timeout for each step.
//
// # Retries, outages, stopping
//
// A refused send is retried after BaseDelay, 2×BaseDelay, 4×BaseDelay, …
// until Attempts sends were made; then the message is failed and shown to
// the office. When the mail server cannot be reached at all, or does not
// answer before the message is handed over, no attempt is counted (see
// ErrUnavailable): the run stops, its claims are given back, and Run waits
// and tries again, so an outage of a day delays messages but fails none; a
// connection the server refuses while another one still sends is given up
// until the next RunOnce (a server that limits the connections of one
// client). A robot that says "too fast" gets the message later, no attempt
// counted (see DeferError); a robot that refuses for good fails it at once
// (see Permanent). A message whose deadline passed before it could be
// sent is marked expired instead of being sent late. When ctx is done, no
// new message is handed over, the messages in flight finish (within their
// claims), every outcome is committed (flush) and the unsent claims are
// given back.
type Dispatcher struct {
	Store  service.Store
	Clock  workflow.Clock
	Mailer Mailer
	// Robots sends the messages of the robot channels (wecom, dingtalk);
	// nil fails them.
	Robots MessageSender
	// From is the sender address.
	From string
	// Attempts and BaseDelay are the retry policy (outbox.attempts,
	// outbox.base_delay; 6 and 1 minute when zero).
	Attempts  int
	BaseDelay time.Duration
	// ClaimTTL is how long a claim holds (2 minutes when zero). A message
	// is started only while half of it is left and its send must end a
	// quarter before the claim does, so a quarter must exceed the time a
	// send takes and another quarter the time its commit takes.
	ClaimTTL time.Duration
	// Batch is how many messages one claim takes (50 when zero). The
	// queue stays one batch ahead of the senders.
	Batch int
	// Window is the most messages handed to the mail server whose outcome
	// is not committed yet, hence the most a crash can send twice
	// (outbox.window; 32 when zero).
	Window int
	// Commits is how many group commits may run at once: 1 when zero, or 4
	// when the Store reports ConcurrentWrites (MySQL, where commits
	// overlap their round trips and flushes; on SQLite writers take turns).
	Commits int
	// Connections is how many messages are sent at once, each over a
	// connection of its own, when the Mailer is a Forker (outbox.connections;
	// 2 when zero). Other Mailers send one at a time.
	Connections int
	// Poll is how often Run looks for due messages without being woken
	// (10 s when zero); after an outage it waits up to MaxWait (1 minute).
	Poll, MaxWait time.Duration
	// Name identifies this dispatcher in claims (host-pid-random when
	// empty).
	Name    string
	Log     *slog.Logger
	Metrics *Metrics

	wake  chan struct{}
	seq   atomic.Int64
	ready atomic.Bool
}

func (d *Dispatcher) init() {
	if d.ready.Load() {
		return
	}
	if d.Attempts <= 0 {
		d.Attempts = 6
	}
	if d.BaseDelay <= 0 {
		d.BaseDelay = time.Minute
	}
	if d.ClaimTTL <= 0 {
		d.ClaimTTL = 2 * time.Minute
	}
	if d.Batch <= 0 {
		d.Batch = 50
	}
	if d.Window <= 0 {
		d.Window = 32
	}
	if d.Connections <= 0 {
		d.Connections = 2
	}
	if d.Commits <= 0 {
		d.Commits = 1
		if c, ok := d.Store.(interface{ ConcurrentWrites() bool }); ok && c.ConcurrentWrites() {
			d.Commits = 4
		}
	}
	if d.Poll <= 0 {
		d.Poll = 10 * time.Second
	}
	if d.MaxWait <= 0 {
		d.MaxWait = time.Minute
	}
	if d.Name == "" {
		d.Name = InstanceName()
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.wake == nil {
		d.wake = make(chan struct{}, 1)
	}
	d.ready.Store(true)
}

// InstanceName returns a name for this process, unique across servers and
// restarts: host, pid and 4 random bytes.
func InstanceName() string {
	host, _ := os.Hostname()
	if len(host) > 24 {
		host = host[:24]
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Notify wakes Run to look for messages now (after a reminder pass).
func (d *Dispatcher) Notify() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run sends until ctx is done, then closes the Mailer.
func (d *Dispatcher) Run(ctx context.Context) {
	d.init()
	defer d.Mailer.Close()
	wait := d.Poll
	for {
		_, err := d.RunOnce(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, ErrUnavailable):
			d.Log.Warn("mail server unavailable; will retry", "err", err, "in", wait)
		case err != nil:
			d.Log.Error("dispatch", "err", err)
		default:
			wait = d.Poll
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-d.wake:
			t.Stop()
		case <-t.C:
		}
		if err != nil {
			wait = min(wait*2, d.MaxWait)
		}
	}
}

// RunOnce sends every message due now and returns how many were sent. It
// stops early with an error wrapping ErrUnavailable when the mail server
// cannot be reached, after giving back its claimed messages. It must not
// run concurrently with itself on one Dispatcher (Run calls it in turn).
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	d.init()
	senders := []*sender{{Mailer: d.Mailer}}
	if f, ok := d.Mailer.(Forker); ok {
		for range d.Connections - 1 {
			senders = append(senders, &sender{Mailer: f.Fork()})
		}
	}
	defer func() {
		for _, s := range senders[1:] {
			s.Close()
		}
	}()
	total := 0
	for {
		r := &run{d: d, senders: senders}
		sent, committed, given, err := r.do(ctx)
		total += sent
		// Messages given back because their claim ran low or their
		// connection was refused are due again at once, as long as the
		// pass got anywhere (a ClaimTTL too short for any send would
		// otherwise spin here; Run tries again after Poll).
		if err != nil || given == 0 || committed == 0 || ctx.Err() != nil {
			return total, err
		}
	}
}

// sender is one sending goroutine's Mailer. One that the server refuses
// while another still sends retires until the end of RunOnce.
type sender struct {
	Mailer
	retired bool
}

// claimed is a message with the claim it is held under.
type claimed struct {
	workflow.OutboxMessage
	claim string
	until time.Time
}

// outcome is what a sender hands to the keeper.
type outcome struct {
	msg     claimed
	result  workflow.SendResult
	expired bool
	label   string // for the metrics: sent, retry, failed, expired
}

// run is one pass of the pipeline, until nothing due is left to claim.
type run struct {
	d       *Dispatcher
	senders []*sender

	ctx     context.Context // done when no new message may be handed over
	stop    context.CancelCauseFunc
	queue   chan claimed  // room for two batches
	room    chan struct{} // a sender took a message from the queue
	results chan outcome  // outcomes waiting for their commit
	window  chan struct{} // a slot per message handed over and not committed

	qmu       sync.Mutex // guards queueOpen, claiming and the closing of queue
	queueOpen bool
	claiming  bool

	mu        sync.Mutex
	active    int                 // senders not retired
	held      map[int64]time.Time // claimed and neither committed nor given back: until when
	open      map[string]int      // per claim, messages not committed
	sent      int
	committed int
	given     int
	failed    error // the first error that stopped the run
}

// do runs the pass and returns how many messages were sent, how many
// outcomes were committed in all (sent, retried, failed, expired) and how
// many messages were given back unsent.
func (r *run) do(parent context.Context) (sent, committed, given int, err error) {
	d := r.d
	r.ctx, r.stop = context.WithCancelCause(parent)
	defer r.stop(nil)
	r.queue = make(chan claimed, 2*d.Batch)
	r.room = make(chan struct{}, 1)
	r.results = make(chan outcome, d.Window)
	r.window = make(chan struct{}, d.Window)
	r.held, r.open = map[int64]time.Time{}, map[string]int{}
	r.queueOpen = true

	var active []*sender
	for _, s := range r.senders {
		if !s.retired {
			active = append(active, s)
		}
	}
	r.active = len(active)
	var senders sync.WaitGroup
	for _, s := range active {
		senders.Go(func() { r.send(s) })
	}
	go func() {
		senders.Wait()
		close(r.results)
	}()
	var keepers sync.WaitGroup
	for range d.Commits {
		keepers.Go(func() { r.keep(d.Commits) })
	}
	keepers.Wait()
	r.closeQueue() // the senders are done: nothing can be sent any more

	// Whatever is still held was never handed over (or its commit failed):
	// give it back now rather than when its claim runs out.
	for claim, n := range r.open {
		if n == 0 {
			continue
		}
		if err := d.Store.Update(context.WithoutCancel(parent), func(tx service.Tx) error { return tx.ReleaseClaims(claim) }); err != nil {
			d.Log.Error("release claims", "claim", claim, "err", err)
		}
	}
	if r.failed == nil && parent.Err() != nil {
		r.failed = parent.Err()
	}
	return r.sent, r.committed, r.given, r.failed
}

// fail stops the run for err (the first one wins).
func (r *run) fail(err error) {
	r.mu.Lock()
	if r.failed == nil {
		r.failed = err
	}
	r.mu.Unlock()
	r.stop(err)
}

// groupLinger is how long a group waits for more outcomes before it is
// committed short of half the window.
const groupLinger = time.Millisecond

// keep is one of the run's Commits keepers, its database side: each
// transaction records the outcomes that arrived meanwhile (the group
// commit) and, when the queue has room for a batch and no other keeper is
// claiming, claims the next batch, so a batch costs no commit of its own.
// With one keeper (SQLite) the run's transactions never wait for each
// other's locks, which on SQLite they would do in the busy handler's
// millisecond sleeps; with several (MySQL) commits overlap their round
// trips and flushes. Keepers close the queue when nothing due is left to
// claim or the run stops, and return when the senders are done and every
// outcome is committed, whether or not the run was stopped: an outcome the
// mail server gave is never dropped.
func (r *run) keep(keepers int) {
	k := &keeper{r: r, group: make([]outcome, 0, r.d.Window), results: r.results,
		full: max(1, r.d.Window/(2*keepers)), linger: time.NewTimer(time.Hour)}
	k.linger.Stop() // Reset and Stop leave no stale tick behind (Go ≥ 1.23)
	for k.results != nil {
		if r.ctx.Err() != nil {
			r.closeQueue()
		}
		claim := k.gather(r.wantClaim())
		if len(k.group) == 0 && !claim {
			continue
		}
		batch, err := r.commit(k.group, claim)
		r.settle(k.group, batch, claim, err)
	}
}

// keeper is one keeper's state between its transactions: the group of
// outcomes it gathers, the results channel (nil once closed and drained),
// and when a group is full. A group is committed once it holds its share
// of half the window, so that the senders go on with the other half
// meanwhile, or when no more outcome came for groupLinger (few messages,
// the end of a run), or with a claim.
type keeper struct {
	r       *run
	group   []outcome
	results <-chan outcome
	full    int
	linger  *time.Timer
}

// gather collects the next group of outcomes, and reports whether the
// transaction that commits it is to claim a batch too (claim, or called
// for meanwhile).
func (k *keeper) gather(claim bool) bool {
	r := k.r
	// While the queue is open, a sender taking a message (room) or the run
	// stopping (done) may call for a claim or for closing it.
	room, done := r.room, r.ctx.Done()
	if r.queueClosed() {
		room, done = nil, nil
	}
	k.group = k.group[:0]
	lingering := false
	defer k.linger.Stop()
	for k.results != nil && len(k.group) < r.d.Window {
		select {
		case o, ok := <-k.results:
			k.add(o, ok)
			continue
		default:
		}
		if claim || len(k.group) >= k.full {
			return claim
		}
		if len(k.group) > 0 && !lingering {
			k.linger.Reset(groupLinger)
			lingering = true
		}
		var expire <-chan time.Time
		if lingering {
			expire = k.linger.C
		}
		select {
		case o, ok := <-k.results:
			k.add(o, ok)
		case <-room:
			claim = claim || r.wantClaim()
		case <-done:
			r.closeQueue()
			room, done = nil, nil
		case <-expire:
			return claim
		}
	}
	return claim
}

// add takes an outcome received from the results channel into the group,
// or notes that the channel is closed and drained.
func (k *keeper) add(o outcome, ok bool) {
	if !ok {
		k.results = nil
		return
	}
	k.group = append(k.group, o)
}

// settle books a keeper's transaction: the group's messages leave the
// run's held set and free their window slots, a claimed batch is held
// and queued, and a failed commit stops the run (its group's messages may
// be sent again, at most a window of them).
func (r *run) settle(group []outcome, batch []claimed, claim bool, err error) {
	r.mu.Lock()
	if err == nil {
		r.committed += len(group)
		for _, o := range group {
			delete(r.held, o.msg.ID)
			r.open[o.msg.claim]--
			if o.label == "sent" {
				r.sent++
			}
		}
		for _, m := range batch {
			r.held[m.ID] = m.until
			r.open[m.claim]++
		}
	}
	r.mu.Unlock()
	for range group {
		<-r.window
	}
	if claim {
		r.claimed(batch, err == nil)
	}
	if err != nil {
		r.d.Log.Error("recording sends failed; these messages may be sent again", "messages", len(group), "err", err)
		r.fail(err)
		return
	}
	for _, o := range group {
		r.d.Metrics.send(o.label)
	}
}

// wantClaim reports whether the queue has room for a batch and no keeper is
// claiming; if so the caller is now the one claiming, until claimed.
func (r *run) wantClaim() bool {
	r.qmu.Lock()
	defer r.qmu.Unlock()
	if !r.queueOpen || r.claiming || len(r.queue) > r.d.Batch {
		return false
	}
	r.claiming = true
	return true
}

// claimed queues a claimed batch (never blocking: there was room for a
// batch, and only the claiming keeper adds to the queue) and closes the
// queue when nothing due was left. A batch claimed after the queue was
// closed is not sent; its claims are given back at the end of the run.
func (r *run) claimed(batch []claimed, ok bool) {
	r.qmu.Lock()
	defer r.qmu.Unlock()
	r.claiming = false
	if !r.queueOpen {
		return
	}
	for _, m := range batch {
		r.queue <- m
	}
	if ok && len(batch) == 0 {
		r.queueOpen = false
		close(r.queue)
	}
}

// closeQueue closes the queue, once.
func (r *run) closeQueue() {
	r.qmu.Lock()
	defer r.qmu.Unlock()
	if r.queueOpen {
		r.queueOpen = false
		close(r.queue)
	}
}

func (r *run) queueClosed() bool {
	r.qmu.Lock()
	defer r.qmu.Unlock()
	return !r.queueOpen
}

// commit records group and, if claim is set, claims the next batch, in one
// transaction. It tries twice more on an error (a deadlock, a busy
// database): the mail server has already answered for these messages.
func (r *run) commit(group []outcome, claim bool) ([]claimed, error) {
	d := r.d
	sends := make([]workflow.SendResult, 0, len(group))
	for _, o := range group {
		if !o.expired {
			sends = append(sends, o.result)
		}
	}
	token := ""
	if claim {
		token = fmt.Sprintf("%s-%d", d.Name, d.seq.Add(1))
	}
	var err error
	for try := range 3 {
		if try > 0 {
			time.Sleep(time.Duration(try) * 100 * time.Millisecond)
		}
		var stale []int64
		var batch []claimed
		err = d.Store.Update(context.Background(), func(tx service.Tx) (err error) {
			now := d.Clock.Now().UTC()
			for i := range sends {
				if sends[i].Err == "" {
					sends[i].At = now // sent_at: when "sent" is committed, within milliseconds of the server's answer
				}
			}
			if len(sends) > 0 {
				if stale, err = tx.RecordSends(sends); err != nil {
					return err
				}
			}
			for _, o := range group {
				if !o.expired {
					continue
				}
				err := tx.ExpireMessage(o.msg.ID, o.msg.claim, o.result.At)
				if err != nil && workflow.ErrorCode(err) != workflow.ESTALE { // ESTALE: another dispatcher took it over
					return err
				}
			}
			if !claim {
				return nil
			}
			until := now.Add(d.ClaimTTL)
			ms, err := tx.ClaimMessages(token, now, until, d.Batch, r.runOut(now)...)
			batch = make([]claimed, len(ms))
			for i, m := range ms {
				batch[i] = claimed{OutboxMessage: m, claim: token, until: until}
			}
			return err
		})
		if err == nil {
			for _, id := range stale {
				d.Log.Warn("claim lost while sending; the message may be sent twice", "id", id)
			}
			return batch, nil
		}
	}
	return nil, err
}

// runOut lists the messages the run holds whose claim ran out by now: in
// the database they look free, and a claim must skip them.
func (r *run) runOut(now time.Time) []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []int64
	for id, until := range r.held {
		if !until.After(now) {
			ids = append(ids, id)
		}
	}
	return ids
}

// giveBack forgets a message that was not handed over; its claim is
// released at the end of the run.
func (r *run) giveBack(m claimed) {
	r.mu.Lock()
	delete(r.held, m.ID)
	r.given++
	r.mu.Unlock()
}

// send sends the queued messages over s until the queue is closed or the
// run stops.
func (r *run) send(s *sender) {
	d := r.d
	for m := range r.queue {
		select {
		case r.room <- struct{}{}:
		default:
		}
		if r.ctx.Err() != nil {
			r.giveBack(m)
			continue
		}
		select {
		case r.window <- struct{}{}:
		case <-r.ctx.Done():
			r.giveBack(m)
			continue
		}
		now := d.Clock.Now().UTC()
		if m.ExpiresAt != nil && !now.Before(*m.ExpiresAt) {
			r.results <- outcome{msg: m, expired: true, label: "expired", result: workflow.SendResult{ID: m.ID, Claim: m.claim, At: now}}
			continue
		}
		left := m.until.Sub(now)
		if left < d.ClaimTTL/2 {
			<-r.window
			r.giveBack(m)
			continue
		}
		// The send ends a quarter of the claim before the claim does, stop
		// or no stop: a message in flight finishes (or is left) within its
		// claim, and its commit has the last quarter.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), left-d.ClaimTTL/4)
		err := d.deliver(ctx, s.Mailer, &m.OutboxMessage, now)
		cut := ctx.Err() != nil || errors.Is(err, errLate)
		cancel()
		if errors.Is(err, ErrUnavailable) {
			<-r.window
			r.giveBack(m)
			if r.unavailable(m, err, cut) {
				s.retired = true
				return
			}
			continue
		}
		r.results <- r.outcomeOf(m, err)
	}
}

// unavailable handles a message that was not handed over because its
// connection failed (it is given back already), and reports whether the
// sender is to retire its connection: not when the run is stopping, the
// claim ran low, or a robot's endpoint failed, and not when it is the
// last connection (then the run stops as in an outage).
func (r *run) unavailable(m claimed, err error, cut bool) (retire bool) {
	d := r.d
	switch {
	case r.ctx.Err() != nil:
		return false // stopping: the message was not handed over
	case cut:
		d.Metrics.send("unavailable")
		d.Log.Info("no answer before the claim ran low; the message was not handed over and is given back", "id", m.ID, "key", m.KeyString(), "err", err)
		return false
	case m.Channel.IsRobot():
		d.Metrics.send("unavailable")
		return false // the mail connection is not at fault
	}
	d.Metrics.send("unavailable")
	r.mu.Lock()
	last := r.active == 1
	if !last {
		r.active--
	}
	r.mu.Unlock()
	if last {
		r.fail(err) // no connection left: an outage
		return false
	}
	d.Log.Info("mail server refused a connection; sending over fewer", "err", err)
	return true
}

// outcomeOf is what a handed-over send of m came to: sent, deferred by the
// server, to be tried again after the backoff, or failed for good.
func (r *run) outcomeOf(m claimed, err error) outcome {
	d := r.d
	res := workflow.SendResult{ID: m.ID, Claim: m.claim, At: d.Clock.Now().UTC()}
	label := "sent"
	var later *DeferError
	switch {
	case err == nil:
	case errors.As(err, &later):
		res.Err, res.Retry, res.Deferred = truncate(err.Error(), 1000), res.At.Add(later.After), true
		label = "deferred"
		d.Log.Info("send deferred", "id", m.ID, "key", m.KeyString(), "until", res.Retry, "err", err)
	default:
		res.Err = truncate(err.Error(), 1000)
		if attempts := m.Attempts + 1; attempts < d.Attempts && !errors.Is(err, ErrPermanent) {
			res.Retry = res.At.Add(d.BaseDelay << (attempts - 1))
			label = "retry"
		} else {
			label = "failed"
		}
		d.Log.Warn("send failed", "id", m.ID, "key", m.KeyString(), "attempt", m.Attempts+1, "outcome", label, "err", err)
	}
	return outcome{msg: m, result: res, label: label}
}

// deliver renders a claimed message stored with facts and hands it to
// the sender of its channel: an email to mailer, a robot message to
// Robots. Facts that do not render fail the message at once: they never
// will.
func (d *Dispatcher) deliver(ctx context.Context, mailer Mailer, m *workflow.OutboxMessage, now time.Time) error {
	if err := Render(m); err != nil {
		return Permanent(fmt.Errorf("消息内容无法生成：%w", err))
	}
	if m.Channel.IsRobot() {
		if d.Robots == nil {
			return Permanent(errors.New("本服务器未配置群机器人发送"))
		}
		return d.Robots.Send(ctx, m)
	}
	return mailer.Send(ctx, &Mail{
		From: d.From, To: m.Recipient, Name: m.Name, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		MessageID: fmt.Sprintf("<outbox-%d.%d@kaohe>", m.ID, m.CreatedAt.Unix()), Key: m.KeyString(),
		Date: now, OutboxID: m.ID,
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
