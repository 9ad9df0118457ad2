package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"kaohe/internal/robot"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// ErrPermanent matches send errors that retrying will not cure (a robot
// deleted, refused for good): the dispatcher marks the message failed at
// once instead of trying again. Make one with Permanent.
var ErrPermanent = errors.New("permanent failure")

// Permanent marks err as one that retrying will not cure; its text stays
// err's.
func Permanent(err error) error { return permanentError{err} }

type permanentError struct{ err error }

func (e permanentError) Error() string        { return e.err.Error() }
func (e permanentError) Unwrap() error        { return e.err }
func (e permanentError) Is(target error) bool { return target == ErrPermanent }

// DeferError is a send that was not attempted because the receiving side
// asked to be left alone (a robot's rate limit): the message waits After
// without counting an attempt, so that a burst is delivered later, none
// lost.
type DeferError struct {
	After time.Duration
	Err   error
}

func (e *DeferError) Error() string { return e.Err.Error() }

func (e *DeferError) Unwrap() error { return e.Err }

// MessageSender delivers the outbox messages of one channel. Send returns
// nil when delivered, a *DeferError to wait, a Permanent error to fail now, ErrUnavailable when nothing could be attempted, or any
// other error to retry with backoff.
type MessageSender interface {
	Send(ctx context.Context, m *workflow.OutboxMessage) error
}

// RobotSender delivers outbox messages to group robots: it reads the
// robot's webhook and secret when it sends (the outbox row names only
// "robot:<id>"), and maps the robot's answer to the dispatcher's terms.
// It paces itself to PerMinute messages a minute per webhook (the robots
// take about 20; DingTalk, past them, refuses everything for 10 minutes),
// and after a robot says "too fast" the rest of the batch for it waits
// without being tried, so as not to prolong the limit. Safe for
// concurrent use: the dispatcher's senders share one.
type RobotSender struct {
	Store  service.Store
	Client *robot.Client
	// Clock times the pacing and the throttle (the dispatcher's clock).
	Clock workflow.Clock
	// PerMinute is how many messages one webhook is sent a minute (20
	// when zero).
	PerMinute int

	mu        sync.Mutex
	throttled map[int64]time.Time
	sent      map[string][]time.Time
}

// Send delivers one robot message.
func (s *RobotSender) Send(ctx context.Context, m *workflow.OutboxMessage) error {
	id, ok := workflow.ParseRobotRecipient(m.Recipient)
	if !ok {
		return Permanent(fmt.Errorf("收件人“%s”不是机器人", m.Recipient))
	}
	if wait := s.waiting(id); wait > 0 {
		return &DeferError{After: wait, Err: errors.New("机器人限流中，稍后发送")}
	}
	var r *workflow.Robot
	err := s.Store.View(ctx, func(tx service.Tx) (err error) {
		r, err = tx.Robot(id)
		return err
	})
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return Permanent(errors.New("机器人已删除"))
	}
	if err != nil {
		return err
	}
	if wait := s.pace(r.Webhook); wait > 0 {
		return &DeferError{After: wait, Err: fmt.Errorf("本分钟已向该机器人发送%d条，稍后发送", s.perMinute())}
	}
	err = s.Client.Send(ctx, *r, m.Subject, m.Text)
	var re *robot.Error
	if !errors.As(err, &re) {
		return err
	}
	switch re.Class {
	case robot.Throttled:
		s.throttle(id, re.After)
		return &DeferError{After: re.After, Err: re}
	case robot.Permanent:
		return Permanent(re)
	}
	return re
}

func (s *RobotSender) perMinute() int {
	if s.PerMinute <= 0 {
		return 20
	}
	return s.PerMinute
}

// pace counts a send to webhook, or says how long to wait when the last
// minute had PerMinute already. Several robots of one group (units that
// registered the same webhook) share its count.
func (s *RobotSender) pace(webhook string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Clock.Now()
	var recent []time.Time
	for _, t := range s.sent[webhook] {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= s.perMinute() {
		s.sent[webhook] = recent
		return recent[0].Add(time.Minute).Sub(now)
	}
	if s.sent == nil {
		s.sent = map[string][]time.Time{}
	}
	s.sent[webhook] = append(recent, now)
	return 0
}

func (s *RobotSender) waiting(id int64) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	until, ok := s.throttled[id]
	if !ok {
		return 0
	}
	if wait := until.Sub(s.Clock.Now()); wait > 0 {
		return wait
	}
	delete(s.throttled, id)
	return 0
}

func (s *RobotSender) throttle(id int64, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.throttled == nil {
		s.throttled = map[int64]time.Time{}
	}
	s.throttled[id] = s.Clock.Now().Add(d)
}
