package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"regexp"
	"time"

	"kaohe/workflow"
)

// Feed is what a calendar feed shows: its name and its deadlines.
type Feed struct {
	Name   string
	Events []workflow.CalendarEvent
}

// feedTokenPattern is the form of every token newFeedToken makes (32
// random bytes, base64url): anything else is looked up nowhere.
var feedTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// newFeedToken returns 256 random bits, base64url: an address no one
// guesses.
func newFeedToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Calendar returns the address of unit's calendar feed, making one on the
// first call (office or that unit: the address is a secret, viewers may
// not read it). ENOTFOUND for another unit's or an unknown one.
func (s *Service) Calendar(ctx context.Context, a Actor, unit string) (*workflow.CalendarFeed, error) {
	return s.calendar(ctx, a, unit)
}

// OfficeCalendar returns the address of the office's feed, with every
// unit's deadlines (office only).
func (s *Service) OfficeCalendar(ctx context.Context, a Actor) (*workflow.CalendarFeed, error) {
	return s.calendar(ctx, a, "")
}

func (s *Service) calendar(ctx context.Context, a Actor, owner string) (*workflow.CalendarFeed, error) {
	if err := a.mayManage(owner); err != nil {
		return nil, err
	}
	read := func() (out *workflow.CalendarFeed, err error) {
		err = s.view(ctx, func(tx Tx, _ time.Time) (err error) {
			if err := ownerOf(tx, owner); err != nil {
				return err
			}
			out, err = tx.CalendarFeed(owner)
			return err
		})
		return out, err
	}
	out, err := read()
	if workflow.ErrorCode(err) != workflow.ENOTFOUND {
		return out, err
	}
	// The first read makes the address. Of two first reads at once, the
	// second's insert conflicts on the owner and it reads the first's.
	err = s.update(ctx, func(tx Tx, now time.Time) (err error) {
		if out, err = tx.CalendarFeed(owner); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			return err
		}
		out, err = saveNewFeed(tx, owner, now)
		return err
	})
	if workflow.ErrorCode(err) == workflow.ECONFLICT {
		return read()
	}
	return out, err
}

// RotateCalendar gives unit's feed a new address; the old one answers 404
// from then on (office or that unit).
func (s *Service) RotateCalendar(ctx context.Context, a Actor, unit string) (*workflow.CalendarFeed, error) {
	return s.rotateCalendar(ctx, a, unit)
}

// RotateOfficeCalendar gives the office's feed a new address (office only).
func (s *Service) RotateOfficeCalendar(ctx context.Context, a Actor) (*workflow.CalendarFeed, error) {
	return s.rotateCalendar(ctx, a, "")
}

func (s *Service) rotateCalendar(ctx context.Context, a Actor, owner string) (*workflow.CalendarFeed, error) {
	if err := a.mayManage(owner); err != nil {
		return nil, err
	}
	var out *workflow.CalendarFeed
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		var err error
		if out, err = saveNewFeed(tx, owner, now); err != nil {
			return err
		}
		return audit(tx, now, a, owner, "calendar.rotate", "calendar:"+ownerName(owner), "")
	})
	return out, err
}

// saveNewFeed gives the feed of owner (ENOTFOUND for an unknown unit) a
// new address made at now, replacing any it had.
func saveNewFeed(tx Tx, owner string, now time.Time) (*workflow.CalendarFeed, error) {
	if err := ownerOf(tx, owner); err != nil {
		return nil, err
	}
	f := &workflow.CalendarFeed{Owner: owner, Token: newFeedToken(), CreatedAt: now}
	if err := tx.SaveCalendarFeed(f); err != nil {
		return nil, err
	}
	return f, nil
}

func ownerName(owner string) string {
	if owner == "" {
		return "office"
	}
	return owner
}

// CalendarFeed returns the feed whose address has token, for anyone who
// has the address (a calendar on a phone signs in to nothing): the
// deadlines of every plan, node due times as the node views show them.
// ENOTFOUND for a token that names no feed, a rotated one among them.
func (s *Service) CalendarFeed(ctx context.Context, token string) (*Feed, error) {
	gone := workflow.Errorf(workflow.ENOTFOUND, "日历订阅地址无效或已更换")
	if !feedTokenPattern.MatchString(token) {
		return nil, gone
	}
	out := &Feed{}
	err := s.view(ctx, func(tx Tx, now time.Time) error {
		f, err := tx.CalendarFeedByToken(token)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return gone
		}
		if err != nil {
			return err
		}
		units, err := tx.Units()
		if err != nil {
			return err
		}
		out.Name = "市总工会办公室：各单位考核截止时间"
		if f.Owner != "" {
			u, err := unitOf(tx, f.Owner)
			if err != nil {
				return err
			}
			units = []workflow.Unit{*u}
			out.Name = u.Name + "：考核截止时间"
		}
		plans, err := tx.Plans()
		if err != nil {
			return err
		}
		for _, p := range plans {
			ns, err := tx.Nodes(NodeFilter{Year: p.Year, Unit: f.Owner})
			if err != nil {
				return err
			}
			due := make([]workflow.NodeDue, 0, len(ns))
			for _, n := range ns {
				// The due instant the node views show, so that the feed
				// and the pages agree when a checkpoint moves.
				due = append(due, workflow.NodeDue{Unit: n.Unit, Due: n.Due, At: s.nodeView(p, n, now, 0).DueAt})
			}
			ends, err := objectionPeriodEnd(tx, p.Year)
			if err != nil {
				return err
			}
			out.Events = append(out.Events, p.CalendarEvents(f.Owner, units, due, ends)...)
		}
		return nil
	})
	return out, err
}

// objectionPeriodEnd is the end of the objection period of the year's
// latest published result, zero before publication. It reads the runs'
// list, not their results.
func objectionPeriodEnd(tx Tx, year int) (time.Time, error) {
	runs, err := tx.ScoringRuns(year)
	if err != nil {
		return time.Time{}, err
	}
	var ends time.Time
	latest := 0
	for _, r := range runs {
		if r.Published && r.ObjectionPeriodEnds != nil && r.Publication > latest {
			ends, latest = *r.ObjectionPeriodEnds, r.Publication
		}
	}
	return ends, nil
}
