// Package demo plays a whole assessment year through the service, on a
// virtual clock, into an empty database: the 14 units of the 2019 notice
// with their contacts and accounts, their tables (one late, one returned
// and submitted again, innovation items certified and refused), the
// release, node reports with evidence files and the office's reviews
// (some rejected), monthly member counts (one late, one missing), a manual
// deduction, the time one unit's tables really arrived and a waived
// deduction, the year-end scoring and its publication with an objection
// period, two objections (one with a file) and their answers, and the
// correction published. A unit and the office have group robots. The
// scheduled jobs run as the server runs them (the reminder pass, the
// monthly gathering, the year-end trigger and the dispatcher of mail and
// robot messages, on the same clock), so the year's mail and robot
// messages are sent as they would have been; the robots are a loopback
// stand-in that keeps their messages as files (Robots).
//
// kaohe demo plays it into a fresh data directory and serves the result
// with the clock stopped; the suite plays it as the whole-year end-to-end
// test (demo_test.go). It calls only what real use calls: the service's
// methods as the office, the units and the system, and the jobs.
//
// The year is a list of events at instants, written by one function per
// phase (year.go); Play runs them in order up to Options.Until.
package demo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"time"

	"kaohe/internal/app"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Year is the year the demo plays.
const Year = 2019

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is linked into the program
	}
	return loc
}

// at is an instant of the demo's year in the plan's zone.
func at(month time.Month, day, hour, minute int) time.Time {
	return time.Date(Year, month, day, hour, minute, 0, 0, shanghai)
}

// Start is when the play begins: the Monday two weeks before the tables
// are due, with the plan published and nothing else.
var Start = at(time.May, 27, 9, 0)

// EndOfYear is where the play stops unless told otherwise: after the
// objection period of the result published on December 23 (5 working days,
// to the end of December 30), with the correction published, so that the
// result is final (已确定).
var EndOfYear = at(time.December, 31, 18, 0)

// Options say how far to play and how everyone signs in.
type Options struct {
	// Until is when the play stops: events after it are not played, and
	// the clock stays there. Zero is EndOfYear; it may not be before
	// Start.
	Until time.Time
	// Password is the password of every account: the office's admin, each
	// unit by its code, the viewer leader (at least 8 characters).
	Password string
	// Mailer receives the year's mail from the dispatcher (kaohe demo
	// writes .eml files).
	Mailer jobs.Mailer
	// From is the mail's sender address (kaohe@localhost when empty).
	From string
	// Robots is the robots' server the play registers a unit's and the
	// office's group robots on (StartRobots); the app's
	// robots.allowed_hosts must name its Host.
	Robots *Robots
	Log    *slog.Logger
}

// Account is one account the play created.
type Account struct {
	Username string        `json:"username"`
	Role     workflow.Role `json:"role"`
	Unit     string        `json:"unit,omitempty"`
	Name     string        `json:"name"`
}

// Result is what the play did.
type Result struct {
	Until    time.Time
	Accounts []Account
	// Events is how many events were played (the jobs' ticks included).
	Events int
	// Mail counts the outbox at the end, by state: emails and robot
	// messages.
	Mail service.OutboxCounts
	// Emails and RobotMessages count the messages sent on each channel.
	Emails, RobotMessages int
	// Ledger is every fact of the year that scoring counts, written as it
	// happened.
	Ledger *Ledger
}

// Play plays the year into a's database up to o.Until. The app must be
// open on a *workflow.ManualClock, which Play moves, and its database must
// hold no unit and no account yet.
func Play(ctx context.Context, a *app.App, o Options) (*Result, error) {
	clock, ok := a.Clock.(*workflow.ManualClock)
	if !ok {
		return nil, errors.New("demo: the app must run on a manual clock")
	}
	o.Until = cmp.Or(o.Until, EndOfYear)
	if o.Until.Before(Start) {
		return nil, fmt.Errorf("demo: the play starts at %s; stopping at %s leaves nothing to play", Start.Format(time.RFC3339), o.Until.Format(time.RFC3339))
	}
	if len(o.Password) < workflow.MinPasswordBytes {
		return nil, fmt.Errorf("demo: the password must have at least %d characters", workflow.MinPasswordBytes)
	}
	if o.Mailer == nil {
		return nil, errors.New("demo: no mailer")
	}
	if o.Robots == nil {
		return nil, errors.New("demo: no robots' server")
	}
	if !slices.Contains(a.Config.Robots.AllowedHosts, o.Robots.Host) {
		return nil, fmt.Errorf("demo: robots.allowed_hosts must allow the demo's robots at %s", o.Robots.Host)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	clock.Set(Start)
	p, err := newPlay(ctx, a, clock, o)
	if err != nil {
		return nil, err
	}
	p.script()
	return p.run()
}

// event is something that happens at an instant of the year.
type event struct {
	at   time.Time
	name string
	do   func() error
}

// on schedules do at t.
func (p *play) on(t time.Time, name string, do func() error) {
	p.events = append(p.events, event{t, name, do})
}

// run plays the events up to Until in order (those of one instant in the
// order they were written), then stops the clock at Until after a last
// run of the jobs.
func (p *play) run() (*Result, error) {
	sort.SliceStable(p.events, func(i, j int) bool { return p.events[i].at.Before(p.events[j].at) })
	played := 0
	for _, e := range p.events {
		if e.at.After(p.opt.Until) {
			break
		}
		if err := p.ctx.Err(); err != nil {
			return nil, err
		}
		p.clock.Set(e.at)
		if err := e.do(); err != nil {
			return nil, fmt.Errorf("demo: %s at %s: %w", e.name, e.at.Format("2006-01-02 15:04"), err)
		}
		played++
	}
	p.clock.Set(p.opt.Until)
	if err := p.tick(); err != nil {
		return nil, fmt.Errorf("demo: jobs at %s: %w", p.opt.Until.Format("2006-01-02 15:04"), err)
	}
	if err := p.sched.Resign(p.ctx); err != nil {
		return nil, err
	}
	counts, err := p.svc.NotificationCounts(p.ctx, p.office, "")
	if err != nil {
		return nil, err
	}
	res := &Result{Until: p.opt.Until, Accounts: p.accounts, Events: played + 1, Mail: *counts, Ledger: p.ledger}
	for _, ch := range []workflow.Channel{workflow.ChannelEmail, workflow.ChannelWeCom, workflow.ChannelDingTalk} {
		sent, err := p.svc.Notifications(p.ctx, p.office, service.OutboxFilter{State: workflow.OutboxSent, Channel: ch, Limit: math.MaxInt32})
		if err != nil {
			return nil, err
		}
		if ch == workflow.ChannelEmail {
			res.Emails = len(sent)
		} else {
			res.RobotMessages += len(sent)
		}
	}
	return res, nil
}

// tick runs the scheduled jobs once, as the lease holder does at each
// tick, and sends the mail they enqueued.
func (p *play) tick() error {
	p.jobErr = nil
	if !p.sched.RunTick(p.ctx) {
		return errors.New("the play's scheduler did not get the jobs lease")
	}
	if p.jobErr != nil {
		return p.jobErr
	}
	_, err := p.disp.RunOnce(p.ctx)
	return err
}
