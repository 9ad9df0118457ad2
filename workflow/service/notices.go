package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"kaohe/workflow"
)

// DueNotice is one notice due now, with everyone it still has to reach:
// the units that owe something for its deadline with their contacts and
// group robots, and for an overdue notice the office digest to the
// office's addresses and robots. Recipients whose message of this notice
// is already in the outbox are left out.
//
// The notices about a published result carry their facts beside: a
// publication notice the published run (Result) and, in Owed, every unit
// of it with its own result; an answer notice the answered objection
// (Answer) and its unit in Owed; the office's objection digest the open
// objections (Open) and its recipients in Office.
type DueNotice struct {
	Plan   *workflow.Plan
	Notice workflow.Notice
	// Owed are the owing units, in unit order, each with the contacts that
	// have an email address and no message of this notice yet.
	Owed []OwedUnit
	// Late lists every owing unit, for the office digest (overdue notices
	// only), and Office and OfficeRobots the digest's recipients without a
	// digest yet.
	Late         []workflow.Owing
	Office       []string
	OfficeRobots []RobotTarget
	// Backup names what is wrong with the backups (a failed one, none in
	// two days), for the digest; empty when all is well.
	Backup []string
	// Unreachable names the units no reminder reaches by mail (no contact
	// has an email address), for the digest.
	Unreachable []workflow.Unit
	// At is the time the notices were worked out.
	At time.Time
	// Result is the year's published run (publication notices and the
	// objection digest).
	Result *workflow.ScoringRun
	// Answer is the answered objection (answer notices).
	Answer *workflow.Objection
	// Open lists the objections awaiting an answer, with UnitNames naming
	// their units (the office's objection digest).
	Open      []workflow.Objection
	UnitNames map[string]string
}

// OwedUnit is one unit that owes something for a notice's deadline, or
// that a notice about its result has to reach, with the contacts and
// robots it still has to reach.
type OwedUnit struct {
	workflow.Owing
	Contacts []workflow.Contact
	Robots   []RobotTarget
	// Result is the unit's published result (publication notices).
	Result *workflow.UnitResult
}

// RobotTarget is a robot a notice goes to: what its outbox row needs, no
// credentials (the sender reads those when it sends).
type RobotTarget struct {
	ID    int64
	Kind  workflow.RobotKind
	Label string
}

// Recipient is the robot's outbox recipient.
func (r RobotTarget) Recipient() string { return workflow.RobotRecipient(r.ID) }

func robotTargets(rs []workflow.Robot, sent func(recipient string) bool) []RobotTarget {
	var out []RobotTarget
	for _, r := range rs {
		if !sent(r.Recipient()) {
			out = append(out, RobotTarget{ID: r.ID, Kind: r.Kind, Label: r.Label()})
		}
	}
	return out
}

// DueNotices works out, from the current records, the reminders, overdue
// notices and office digests due now (the system only): for each running
// plan (workflow.Plan.Running) the
// notices whose send time has come (workflow.Plan.DueNotices), who owes
// what for each (workflow.Owed), and who has not been sent it yet. What
// the due notices already have in the outbox is read with one query
// (OutboxKeys), however many notices are due. It writes nothing; Enqueue
// stores the messages, and the outbox's unique key, not this read, is what
// keeps a message from being stored twice.
func (s *Service) DueNotices(ctx context.Context, a Actor) ([]DueNotice, error) {
	if err := a.requireRole(workflow.RoleSystem); err != nil {
		return nil, err
	}
	var out []DueNotice
	err := s.view(ctx, func(tx Tx, now time.Time) error {
		plans, err := runningPlans(tx, now) // a year long gone owes nothing more
		if err != nil {
			return err
		}
		all, keys, err := s.plansDue(tx, plans, now)
		if err != nil {
			return err
		}
		// One query says which of every plan's messages are enqueued already.
		have, err := tx.OutboxKeys(keys)
		if err != nil {
			return err
		}
		for _, pd := range all {
			ds, err := s.planNotices(tx, pd, have, now)
			if err != nil {
				return err
			}
			out = append(out, ds...)
		}
		return nil
	})
	return out, err
}

// planDue is what a running plan owes at a pass: its deadlines' notices
// due now and its result's contest notices.
type planDue struct {
	p       *workflow.Plan
	due     []workflow.Notice
	contest *contestDue
}

// plansDue returns what each plan owes now, and the outbox keys of every
// message those notices may have enqueued already (an overdue notice's
// digest to the office included).
func (s *Service) plansDue(tx Tx, plans []*workflow.Plan, now time.Time) ([]planDue, []workflow.NoticeKey, error) {
	var all []planDue
	var keys []workflow.NoticeKey
	for _, p := range plans {
		c, err := s.contestDue(tx, p, now)
		if err != nil {
			return nil, nil, err
		}
		releases, err := tx.Releases(p.Year)
		if err != nil {
			return nil, nil, err
		}
		due := p.DueNotices(now, s.opt.Reminders, p.ReleaseDeadlines(slices.Collect(maps.Values(releases)))...)
		for _, n := range due {
			keys = append(keys, noticeKey(n))
			if n.Kind == workflow.NoticeOverdue {
				keys = append(keys, workflow.NoticeKey{Kind: workflow.NoticeDigest, Deadline: n.Deadline.Key, Lead: n.Lead})
			}
		}
		keys = append(keys, c.keys()...)
		all = append(all, planDue{p, due, c})
	}
	return all, keys, nil
}

// planNotices is what one plan's notices still owe, to whom, less what
// have says is enqueued already.
func (s *Service) planNotices(tx Tx, pd planDue, have map[workflow.NoticeKey]map[string]bool, now time.Time) ([]DueNotice, error) {
	var out []DueNotice
	if len(pd.due) > 0 {
		in, contacts, err := owingInput(tx, pd.p, pd.due)
		if err != nil {
			return nil, err
		}
		robots, err := tx.AllRobots()
		if err != nil {
			return nil, err
		}
		for _, n := range pd.due {
			d, err := s.dueNotice(tx, pd.p, n, in, contacts, robots, have, now)
			if err != nil {
				return nil, err
			}
			if len(d.Owed) > 0 || len(d.Office) > 0 || len(d.OfficeRobots) > 0 {
				out = append(out, d)
			}
		}
	}
	ds, err := s.contestNotices(tx, pd.p, pd.contest, have, now)
	if err != nil {
		return nil, err
	}
	return append(out, ds...), nil
}

// noticeKey is the outbox key shared by n's messages.
func noticeKey(n workflow.Notice) workflow.NoticeKey {
	return workflow.NoticeKey{Kind: n.Kind, Deadline: n.Deadline.Key, Lead: n.Lead}
}

// owingInput reads the state the due notices of a plan need, once.
func owingInput(tx Tx, p *workflow.Plan, due []workflow.Notice) (workflow.OwingInput, map[string][]workflow.Contact, error) {
	var in workflow.OwingInput
	var err error
	if in.Units, err = tx.UnitNames(); err != nil {
		return in, nil, err
	}
	if in.States, err = tx.SubmissionStates(p.Year); err != nil {
		return in, nil, err
	}
	kinds := map[workflow.DeadlineKind]bool{}
	for _, n := range due {
		kinds[n.Deadline.Kind] = true
	}
	if kinds[workflow.DeadlineCheckpoint] {
		ns, err := tx.Nodes(NodeFilter{Year: p.Year})
		if err != nil {
			return in, nil, err
		}
		for _, n := range ns {
			in.Nodes = append(in.Nodes, workflow.ReminderNode{Unit: n.Unit, Category: n.Category, Indicator: n.Indicator,
				Work: n.Work, Due: n.Due, Points: n.Points, State: string(n.State), DueAt: n.DueAt(p)})
		}
	}
	if kinds[workflow.DeadlineMonthly] {
		ms, err := tx.MonthlyReports(p.Year)
		if err != nil {
			return in, nil, err
		}
		for _, m := range ms {
			in.Months = append(in.Months, workflow.ReminderMonth{Unit: m.Unit, Month: m.Month, Count: m.Count})
		}
	}
	contacts, err := tx.ContactAddresses()
	return in, contacts, err
}

// dueNotice works out who a notice still has to reach.
func (s *Service) dueNotice(tx Tx, p *workflow.Plan, n workflow.Notice, in workflow.OwingInput, contacts map[string][]workflow.Contact,
	robots map[string][]workflow.Robot, keys map[workflow.NoticeKey]map[string]bool, now time.Time) (DueNotice, error) {
	d := DueNotice{Plan: p, Notice: n, At: now}
	owed := workflow.Owed(n.Deadline, n.Kind, in)
	if len(owed) == 0 {
		return d, nil
	}
	have := keys[noticeKey(n)]
	for _, o := range owed {
		u := OwedUnit{Owing: o}
		for _, c := range contacts[o.Unit] {
			if c.Email != "" && !have[o.Unit+"/"+c.Email] {
				u.Contacts = append(u.Contacts, c)
			}
		}
		u.Robots = robotTargets(robots[o.Unit], func(to string) bool { return have[o.Unit+"/"+to] })
		if len(u.Contacts) > 0 || len(u.Robots) > 0 {
			d.Owed = append(d.Owed, u)
		}
	}
	if n.Kind != workflow.NoticeOverdue {
		return d, nil
	}
	sent := keys[workflow.NoticeKey{Kind: workflow.NoticeDigest, Deadline: n.Deadline.Key, Lead: n.Lead}]
	for _, to := range s.opt.OfficeEmails {
		if !sent["/"+to] {
			d.Office = append(d.Office, to)
		}
	}
	d.OfficeRobots = robotTargets(robots[""], func(to string) bool { return sent["/"+to] })
	if len(d.Office) > 0 || len(d.OfficeRobots) > 0 {
		d.Late = owed
		st, err := s.backupStatus(tx, now)
		if err != nil {
			return d, err
		}
		d.Backup = st.Problems
		for _, u := range in.Units {
			if !workflow.Reachable(contacts[u.Code]) {
				d.Unreachable = append(d.Unreachable, u)
			}
		}
	}
	return d, nil
}

// Enqueue stores messages in the outbox as pending (the system only) and
// returns how many were new: a message whose key is in the outbox already,
// in any state, is skipped by the database's unique key.
func (s *Service) Enqueue(ctx context.Context, a Actor, ms []workflow.OutboxMessage) (int, error) {
	if err := a.requireRole(workflow.RoleSystem); err != nil {
		return 0, err
	}
	if len(ms) == 0 {
		return 0, nil
	}
	n := 0
	err := s.update(ctx, func(tx Tx, _ time.Time) (err error) {
		n, err = tx.EnqueueMessages(ms)
		return err
	})
	return n, err
}

// runningPlans returns the plans in force whose year is still running at
// now (workflow.Plan.Running), oldest first: the years the jobs work on.
func runningPlans(tx Tx, now time.Time) ([]*workflow.Plan, error) {
	plans, err := tx.Plans()
	if err != nil {
		return nil, err
	}
	var out []*workflow.Plan
	for _, p := range plans {
		if p.Running(now) {
			out = append(out, p)
		}
	}
	return out, nil
}

// SummariseMonths stores, once each, the summary of every month of a
// running plan (workflow.Plan.Running) whose gathering day has come (the
// system only): the first working day after
// the month's due day, at the reminders' time, the day its overdue notice
// goes out. A summary lists every unit's count, the total, the change from
// the month before and the units that did not report. It returns the
// months stored.
func (s *Service) SummariseMonths(ctx context.Context, a Actor) ([]workflow.Month, error) {
	if err := a.requireRole(workflow.RoleSystem); err != nil {
		return nil, err
	}
	var out []workflow.Month
	err := s.update(ctx, func(tx Tx, now time.Time) error {
		plans, err := runningPlans(tx, now) // no summaries for a year long gone
		if err != nil {
			return err
		}
		for _, p := range plans {
			ms, err := s.summarisePlan(tx, p, now)
			if err != nil {
				return err
			}
			out = append(out, ms...)
		}
		return nil
	})
	return out, err
}

func (s *Service) summarisePlan(tx Tx, p *workflow.Plan, now time.Time) ([]workflow.Month, error) {
	have, err := tx.MonthlySummaries(p.Year)
	if err != nil {
		return nil, err
	}
	done := map[workflow.Month]bool{}
	for _, sm := range have {
		done[sm.Month] = true
	}
	var due []workflow.Month
	for _, d := range p.Deadlines() {
		if d.Kind == workflow.DeadlineMonthly && !done[d.Month] && !now.Before(p.Overdue(d, s.opt.Reminders).SendAt) {
			due = append(due, d.Month)
		}
	}
	if len(due) == 0 {
		return nil, nil
	}
	units, err := tx.Units()
	if err != nil {
		return nil, err
	}
	reports, err := tx.MonthlyReports(p.Year)
	if err != nil {
		return nil, err
	}
	counts := map[string]map[workflow.Month]int64{}
	for unit, months := range figuresOf(reports) {
		counts[unit] = map[workflow.Month]int64{}
		for m, f := range months {
			counts[unit][m] = f.primary().Count
		}
	}
	for _, m := range due {
		if err := tx.SaveMonthlySummary(workflow.Summarise(p.Year, m, units, counts, now)); err != nil {
			return nil, err
		}
	}
	return due, nil
}

// YearEndScoring runs the year-end scoring of every plan whose scoring
// instant has passed, that has tables in execution, and that the schedule
// has not scored yet (the system only), each in one transaction with the mark that it was done, so that
// no later tick, restart or second server scores it again. It returns the
// runs stored.
func (s *Service) YearEndScoring(ctx context.Context, a Actor) ([]*workflow.ScoringRun, error) {
	if err := a.requireRole(workflow.RoleSystem); err != nil {
		return nil, err
	}
	var years []int
	err := s.view(ctx, func(tx Tx, now time.Time) error {
		plans, err := tx.Plans()
		if err != nil {
			return err
		}
		for _, p := range plans {
			if now.Before(p.YearEnd()) {
				continue
			}
			executing, err := hasExecuting(tx, p.Year)
			if err != nil {
				return err
			}
			if !executing {
				continue // nothing to score: no table was ever released
			}
			done, err := tx.JobDone(scoringMark(p.Year))
			if err != nil {
				return err
			}
			if !done {
				years = append(years, p.Year)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []*workflow.ScoringRun
	for _, y := range years {
		run, err := s.runScoring(ctx, a, y, scoringMark(y))
		switch {
		case workflow.ErrorCode(err) == workflow.ECONFLICT:
			continue // another server scored it first
		case err != nil:
			return out, fmt.Errorf("scoring %d: %w", y, err)
		}
		out = append(out, run)
	}
	return out, nil
}

// hasExecuting reports whether any table of year is executing.
func hasExecuting(tx Tx, year int) (bool, error) {
	states, err := tx.SubmissionStates(year)
	if err != nil {
		return false, err
	}
	for _, st := range states {
		if st == workflow.StateExecuting {
			return true, nil
		}
	}
	return false, nil
}

// scoringMark names the job mark of a year's scheduled scoring.
func scoringMark(year int) string { return fmt.Sprintf("scoring:%d", year) }

// contestDue is what contestNotices needs to know of a plan's published
// result before it knows who has been sent what: the latest published
// run, and the notices about it that are due now.
type contestDue struct {
	run *workflow.ScoringRun
	// publication is the publication notice while the objection period
	// is open.
	publication *workflow.Notice
	// answered are the objections answered in the last OverdueWindow,
	// answers their notices.
	answered []workflow.Objection
	answers  []workflow.Notice
	// digest is the office's objection digest when one is due and
	// objections are open.
	digest *workflow.Notice
	open   []workflow.Objection
}

// keys are the outbox keys of the notices due.
func (c *contestDue) keys() []workflow.NoticeKey {
	if c == nil {
		return nil
	}
	var out []workflow.NoticeKey
	if c.publication != nil {
		out = append(out, noticeKey(*c.publication))
	}
	for _, n := range c.answers {
		out = append(out, noticeKey(n))
	}
	if c.digest != nil {
		out = append(out, noticeKey(*c.digest))
	}
	return out
}

// contestDue works out which notices about the plan's published result
// are due now (nil before the first publication): the publication notice
// while the objection period is open, the answer of each objection
// answered in the last OverdueWindow, and on a working day while
// objections are open, the office's digest of them.
func (s *Service) contestDue(tx Tx, p *workflow.Plan, now time.Time) (*contestDue, error) {
	// The runs' list, without results: a tick must not read a year's
	// results (tens of megabytes for thousands of units) unless a
	// publication notice still has someone to reach.
	runs, err := tx.ScoringRuns(p.Year)
	if err != nil {
		return nil, err
	}
	var run *workflow.ScoringRun
	for i := range runs {
		if runs[i].Published && (run == nil || runs[i].Publication > run.Publication) {
			run = &runs[i]
		}
	}
	if run == nil {
		return nil, nil
	}
	c := &contestDue{run: run}
	if periodOpen(run, now) {
		n := p.PublicationNotice(*run.PublishedAt, *run.ObjectionPeriodEnds)
		c.publication = &n
	}
	if c.answered, err = tx.Objections(ObjectionFilter{Year: p.Year, Answered: true, AnsweredSince: now.Add(-workflow.OverdueWindow)}); err != nil {
		return nil, err
	}
	for _, o := range c.answered {
		c.answers = append(c.answers, p.AnswerNotice(o.ID, *o.AnsweredAt))
	}
	if n, ok := p.ObjectionDigest(now, s.opt.Reminders); ok {
		open, err := tx.Objections(ObjectionFilter{Year: p.Year, Open: true})
		if err != nil {
			return nil, err
		}
		if len(open) > 0 {
			c.digest, c.open = &n, open
		}
	}
	return c, nil
}

// reacher says who has no message of a notice yet: the unit's contacts
// with an email address and its robots (the office's robots for unit "").
type reacher struct {
	keys     map[workflow.NoticeKey]map[string]bool
	contacts map[string][]workflow.Contact
	robots   map[string][]workflow.Robot
}

// reach returns the contacts and robots of unit that have no message of n
// yet.
func (r reacher) reach(n workflow.Notice, unit string) ([]workflow.Contact, []RobotTarget) {
	have := r.keys[noticeKey(n)]
	var cs []workflow.Contact
	for _, c := range r.contacts[unit] {
		if unit != "" && c.Email != "" && !have[unit+"/"+c.Email] {
			cs = append(cs, c)
		}
	}
	return cs, robotTargets(r.robots[unit], func(to string) bool { return have[unit+"/"+to] })
}

// publicationNotice is the publication's notice to every unit not yet told
// of it that has a result in the published run, each with its result
// (none owed when every unit has its message).
func publicationNotice(tx Tx, p *workflow.Plan, n workflow.Notice, run *workflow.ScoringRun, r reacher, units []workflow.Unit, now time.Time) (DueNotice, error) {
	d := DueNotice{Plan: p, Notice: n, At: now, Result: run}
	for _, u := range units {
		if cs, rs := r.reach(n, u.Code); len(cs) > 0 || len(rs) > 0 {
			d.Owed = append(d.Owed, OwedUnit{Owing: workflow.Owing{Unit: u.Code, UnitName: u.Name}, Contacts: cs, Robots: rs})
		}
	}
	if len(d.Owed) == 0 {
		return d, nil
	}
	full, err := tx.ScoringRun(p.Year, run.ID)
	if err != nil {
		return d, err
	}
	d.Result = full
	kept := d.Owed[:0]
	for _, o := range d.Owed {
		if res, ok := full.Result(o.Unit); ok {
			o.Result = res
			kept = append(kept, o)
		}
	}
	d.Owed = kept
	return d, nil
}

// contestNotices works out who the notices of c still have to reach, from
// keys, what the outbox already has of each: the publication notice to
// every unit's contacts and robots, each answer to its unit's, the
// objection digest to the office's addresses and robots.
func (s *Service) contestNotices(tx Tx, p *workflow.Plan, c *contestDue, keys map[workflow.NoticeKey]map[string]bool, now time.Time) ([]DueNotice, error) {
	if c == nil || (c.publication == nil && len(c.answers) == 0 && c.digest == nil) {
		return nil, nil
	}
	contacts, err := tx.ContactAddresses()
	if err != nil {
		return nil, err
	}
	robots, err := tx.AllRobots()
	if err != nil {
		return nil, err
	}
	r := reacher{keys: keys, contacts: contacts, robots: robots}
	units, err := tx.UnitNames()
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(units))
	for _, u := range units {
		names[u.Code] = u.Name
	}
	var out []DueNotice
	run := c.run
	if n := c.publication; n != nil {
		d, err := publicationNotice(tx, p, *n, run, r, units, now)
		if err != nil {
			return nil, err
		}
		if len(d.Owed) > 0 {
			out = append(out, d)
		}
	}
	for i := range c.answered {
		o, n := &c.answered[i], c.answers[i]
		if cs, rs := r.reach(n, o.Unit); len(cs) > 0 || len(rs) > 0 {
			out = append(out, DueNotice{Plan: p, Notice: n, At: now, Answer: o,
				Owed: []OwedUnit{{Owing: workflow.Owing{Unit: o.Unit, UnitName: names[o.Unit]}, Contacts: cs, Robots: rs}}})
		}
	}
	if n := c.digest; n != nil {
		_, rs := r.reach(*n, "")
		have := keys[noticeKey(*n)]
		d := DueNotice{Plan: p, Notice: *n, At: now, Open: c.open, UnitNames: names, Result: run, OfficeRobots: rs}
		for _, to := range s.opt.OfficeEmails {
			if !have["/"+to] {
				d.Office = append(d.Office, to)
			}
		}
		if len(d.Office) > 0 || len(d.OfficeRobots) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}
