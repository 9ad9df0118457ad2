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
	"sync/atomic"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Dispatcher sends the outbox on one goroutine. Each round it claims a
// batch of due pending messages in the database (so that two dispatchers,
// in one server or in two, never hold the same message), sends them one by
// one, each by the sender of its channel (emails over the Mailer, robot
// messages over Robots), and records each result in its own transaction right
// after the mail server answers: a message the server accepted is marked
// sent before the next one is sent, so a crash can duplicate at most the
// message in flight. A crashed dispatcher's claims run out after ClaimTTL
// and its messages are sent by the next one.
//
// A refused send is retried after BaseDelay, 2×BaseDelay, 4×BaseDelay, …
// until Attempts sends were made; then the message is failed and shown to
// the office. When the mail server cannot be reached at all no attempt is
// counted (see ErrUnavailable): the batch is given back and the dispatcher
// waits and tries again, so an outage of a day delays messages but fails
// none. A robot that says "too fast" gets the message later, no attempt
// counted (see DeferError); a robot that refuses for good fails it at once
// (see Permanent). A message whose deadline passed before it could be sent
// is marked expired instead of being sent late.
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
	// ClaimTTL is how long a claim holds (2 minutes when zero); it must
	// exceed the time a batch takes to send.
	ClaimTTL time.Duration
	// Batch is how many messages one claim takes (20 when zero).
	Batch int
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
		d.Batch = 20
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
// cannot be reached, after giving back its claimed messages.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	d.init()
	sent := 0
	for ctx.Err() == nil {
		claim := fmt.Sprintf("%s-%d", d.Name, d.seq.Add(1))
		now := d.Clock.Now().UTC()
		var batch []workflow.OutboxMessage
		err := d.Store.Update(ctx, func(tx service.Tx) (err error) {
			batch, err = tx.ClaimMessages(claim, now, now.Add(d.ClaimTTL), d.Batch)
			return err
		})
		if err != nil {
			return sent, err
		}
		if len(batch) == 0 {
			return sent, nil
		}
		for i := range batch {
			ok, err := d.send(ctx, claim, &batch[i])
			if ok {
				sent++
			}
			if err != nil {
				// Give the rest of the batch back, unattempted.
				if rerr := d.Store.Update(context.WithoutCancel(ctx), func(tx service.Tx) error { return tx.ReleaseClaims(claim) }); rerr != nil {
					d.Log.Error("release claims", "err", rerr)
				}
				return sent, err
			}
		}
	}
	return sent, ctx.Err()
}

// send sends one claimed message and records the outcome. It returns an
// error only when dispatching must stop (server unavailable, database
// error, ctx done).
func (d *Dispatcher) send(ctx context.Context, claim string, m *workflow.OutboxMessage) (bool, error) {
	now := d.Clock.Now().UTC()
	if m.ExpiresAt != nil && !now.Before(*m.ExpiresAt) {
		d.Metrics.send("expired")
		err := d.Store.Update(ctx, func(tx service.Tx) error { return tx.ExpireMessage(m.ID, claim, now) })
		if workflow.ErrorCode(err) == workflow.ESTALE {
			err = nil // another dispatcher took it over
		}
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	err := d.deliver(ctx, m, now)
	if errors.Is(err, ErrUnavailable) {
		d.Metrics.send("unavailable")
		return false, err
	}
	res := workflow.SendResult{ID: m.ID, Claim: claim, At: d.Clock.Now().UTC()}
	outcome := "sent"
	var later *DeferError
	switch {
	case err == nil:
	case errors.As(err, &later):
		res.Err, res.Retry, res.Deferred = truncate(err.Error(), 1000), res.At.Add(later.After), true
		outcome = "deferred"
		d.Log.Info("send deferred", "id", m.ID, "key", m.KeyString(), "until", res.Retry, "err", err)
	default:
		res.Err = truncate(err.Error(), 1000)
		if attempts := m.Attempts + 1; attempts < d.Attempts && !errors.Is(err, ErrPermanent) {
			res.Retry = res.At.Add(d.BaseDelay << (attempts - 1))
			outcome = "retry"
		} else {
			outcome = "failed"
		}
		d.Log.Warn("send failed", "id", m.ID, "key", m.KeyString(), "attempt", m.Attempts+1, "outcome", outcome, "err", err)
	}
	// Record even if ctx was cancelled meanwhile: the server has answered.
	rerr := d.Store.Update(context.WithoutCancel(ctx), func(tx service.Tx) error { return tx.RecordSend(res) })
	if workflow.ErrorCode(rerr) == workflow.ESTALE {
		d.Log.Warn("claim lost while sending; the message may be sent twice", "id", m.ID, "key", m.KeyString())
		rerr = nil
	}
	d.Metrics.send(outcome)
	return err == nil, rerr
}

// deliver hands a claimed message to the sender of its channel: an email
// to the Mailer, a robot message to Robots.
func (d *Dispatcher) deliver(ctx context.Context, m *workflow.OutboxMessage, now time.Time) error {
	if m.Channel.IsRobot() {
		if d.Robots == nil {
			return Permanent(errors.New("本服务器未配置群机器人发送"))
		}
		return d.Robots.Send(ctx, m)
	}
	mail := &Mail{
		From: d.From, To: m.Recipient, Name: m.Name, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		MessageID: fmt.Sprintf("<outbox-%d.%d@kaohe>", m.ID, m.CreatedAt.Unix()), Key: m.KeyString(),
		Date: now, OutboxID: m.ID,
	}
	return d.Mailer.Send(ctx, mail)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
