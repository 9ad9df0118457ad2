package workflow

import (
	"sort"
	"time"
)

// This file is the pure schedule of reminders and overdue notices: which
// deadlines a plan has, when each reminder goes out on the plan's working
// calendar, which notices are due at a given instant, and what each unit
// owes for a deadline. It reads no clock and no database; package jobs
// feeds it the time and the data.
//
//	deadline D (written date d, ends on e = DueEndsOn(d), instant At)
//	  reminder, lead n:  WorkdayOnOrBefore(e − n days) at rules.At
//	  overdue notice:    WorkdayAfter(e) at rules.At, due for OverdueWindow
//
// A reminder is due at now when its send time has come and the deadline has
// not passed; of several due reminders for one deadline only the latest
// (the smallest lead) is due, so a late run or a restart sends one message,
// not three.
//
// Lead days count back from the day the deadline really ends on, not from
// the date as written: a unit told "1 day before" expects the reminder on
// the working day before the day it must report by. 6月30日 2019 is a
// Sunday and the checkpoint ends on Monday July 1, so the 1-day reminder
// goes out on Friday June 28 (June 30 is a day off), the 7-day one on
// Monday June 24, and the overdue notice on Tuesday July 2. The messages
// state the moved day beside the written one (Due.Label). Lead days are
// calendar days, as the SPEC's reminders are.

// DeadlineKind says what a deadline is for.
type DeadlineKind string

// Deadline kinds.
const (
	// DeadlineSubmission is the indicator tables' deadline (6月13日下班前).
	DeadlineSubmission DeadlineKind = "submission"
	// DeadlineCheckpoint is a node checkpoint (6月30日、9月30日、11月30日前).
	DeadlineCheckpoint DeadlineKind = "checkpoint"
	// DeadlineMonthly is a month's member real-name count (每月).
	DeadlineMonthly DeadlineKind = "monthly"
)

// PlanDeadline is one deadline of a plan that reminders are sent for.
type PlanDeadline struct {
	Kind DeadlineKind
	// Key names the deadline in outbox keys: "submission:2019-06-13",
	// "checkpoint:2019-06-30", "monthly:2019-06".
	Key string
	// Date is the date of the deadline as the plan writes it (a node's
	// checkpoint date, the monthly due day).
	Date Date
	// At is the instant the deadline passes (Due.At).
	At time.Time
	// Due is the deadline as it applies: the day it ends on after the rule
	// for days off, and its label.
	Due Due
	// Month is the reported month of a monthly deadline (zero otherwise).
	Month Month
}

// Deadlines lists the plan's deadlines in date order: the submission
// deadline, each checkpoint, and the due date of each month's count
// (MonthDeadline), each as it applies (due.go). Keys name the written
// date, so moving a deadline never changes which outbox rows are its own.
func (p *Plan) Deadlines() []PlanDeadline {
	sd := p.SubmissionDue()
	out := []PlanDeadline{{
		Kind: DeadlineSubmission, Key: "submission:" + sd.Date.String(), Date: sd.Date, At: sd.At, Due: sd,
	}}
	for _, c := range p.Checkpoints {
		cd := p.CheckpointDue(c.Date)
		out = append(out, PlanDeadline{Kind: DeadlineCheckpoint, Key: "checkpoint:" + c.Date.String(), Date: c.Date, At: cd.At, Due: cd})
	}
	for _, m := range p.Months() {
		md := p.MonthDeadline(m)
		out = append(out, PlanDeadline{Kind: DeadlineMonthly, Key: "monthly:" + m.String(), Date: md.Date, At: md.At, Due: md, Month: m})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// endsOn is the day d ends on (its written date when Due is not set).
func (d PlanDeadline) endsOn() Date {
	if d.Due.EndsOn.IsZero() {
		return d.Date
	}
	return d.Due.EndsOn
}

// ReminderRules are the reminder settings of the server configuration
// (reminders.lead_days, reminders.at). The zero value sends reminders 7, 3
// and 1 days before, at 09:00; a zero At means 09:00.
type ReminderRules struct {
	// LeadDays are the days before a deadline a reminder goes out.
	LeadDays []int
	// At is the time of day of every reminder and overdue notice.
	At ClockTime
}

func (r ReminderRules) leads() []int {
	if len(r.LeadDays) == 0 {
		return []int{7, 3, 1}
	}
	return r.LeadDays
}

func (r ReminderRules) at() ClockTime {
	if r.At == (ClockTime{}) {
		return ClockTime{9, 0}
	}
	return r.At
}

// NoticeKind is the kind of a message the jobs send.
type NoticeKind string

// Notice kinds.
const (
	// NoticeReminder goes to a unit's contacts before a deadline.
	NoticeReminder NoticeKind = "reminder"
	// NoticeOverdue goes to a late unit's contacts after a deadline.
	NoticeOverdue NoticeKind = "overdue"
	// NoticeDigest goes to the office after a deadline, listing every late
	// unit.
	NoticeDigest NoticeKind = "digest"
	// NoticePublication goes to every unit's contacts when the year's
	// result is published and its objection period opens.
	NoticePublication NoticeKind = "publication"
	// NoticeAnswer goes to a unit's contacts when the office answers one
	// of its objections.
	NoticeAnswer NoticeKind = "answer"
	// NoticeObjections goes to the office on each working day while
	// objections wait for an answer, listing them.
	NoticeObjections NoticeKind = "objections"
)

// OverdueWindow is how long after its send time an overdue notice is still
// sent (a server that was down for a week does not send stale notices).
const OverdueWindow = 7 * 24 * time.Hour

// Notice is one scheduled notice for a deadline.
type Notice struct {
	Deadline PlanDeadline
	Kind     NoticeKind
	// Lead is the days before the deadline of a reminder (0 for an overdue
	// notice).
	Lead int
	// SendDate is the working day the notice goes out, SendAt its instant.
	SendDate Date
	SendAt   time.Time
	// Until is when the notice stops being sent: the deadline for a
	// reminder, SendAt+OverdueWindow for an overdue notice.
	Until time.Time
}

// Reminders returns the reminders of d, one per lead day counted back from
// the day d ends on, latest first. A send date on a day off moves to the
// working day before it. When two lead days land on the same send time only
// the smaller lead is kept, and a reminder that would go out after the
// deadline is dropped.
func (p *Plan) Reminders(d PlanDeadline, r ReminderRules) []Notice {
	leads := append([]int(nil), r.leads()...)
	sort.Ints(leads)
	var out []Notice
	seen := map[Date]bool{}
	for _, lead := range leads {
		day := p.Calendar.WorkdayOnOrBefore(d.endsOn().AddDays(-lead))
		at := day.At(r.at(), p.Location())
		if seen[day] || !at.Before(d.At) {
			continue
		}
		seen[day] = true
		out = append(out, Notice{Deadline: d, Kind: NoticeReminder, Lead: lead, SendDate: day, SendAt: at, Until: d.At})
	}
	return out
}

// Overdue returns the overdue notice of d: on the first working day after
// the day the deadline ends on, at the reminders' time of day.
func (p *Plan) Overdue(d PlanDeadline, r ReminderRules) Notice {
	day := p.Calendar.WorkdayAfter(d.endsOn())
	at := day.At(r.at(), p.Location())
	return Notice{Deadline: d, Kind: NoticeOverdue, SendDate: day, SendAt: at, Until: at.Add(OverdueWindow)}
}

// ReleaseDeadlines are the checkpoint deadlines that tables released at
// the given times add: a checkpoint that a release's grace period outlasts
// (Plan.NodeDue) has, for the nodes of the tables released that day, a
// deadline of its own, with reminders and an overdue notice of its own.
// Its key names the checkpoint and the day of the release
// ("checkpoint:2019-06-30@2019-07-03").
func (p *Plan) ReleaseDeadlines(released []time.Time) []PlanDeadline {
	var out []PlanDeadline
	seen := map[Date]bool{}
	for _, r := range released {
		day := DateOf(r.In(p.Location()))
		if r.IsZero() || seen[day] {
			continue
		}
		seen[day] = true
		for _, c := range p.Checkpoints {
			nd := p.NodeDue(c.Date, r)
			if nd.At.After(p.CheckpointDue(c.Date).At) {
				out = append(out, PlanDeadline{Kind: DeadlineCheckpoint, Key: "checkpoint:" + c.Date.String() + "@" + day.String(),
					Date: c.Date, At: nd.At, Due: nd})
			}
		}
	}
	return out
}

// DueNotices returns the notices due at now, for the plan's deadlines and
// the extra ones given (ReleaseDeadlines): for each deadline that has not
// passed, the latest reminder whose send time has come; for each deadline
// that has passed, its overdue notice from its send time for OverdueWindow.
// The result is in deadline order.
func (p *Plan) DueNotices(now time.Time, r ReminderRules, extra ...PlanDeadline) []Notice {
	deadlines := append(p.Deadlines(), extra...)
	sort.SliceStable(deadlines, func(i, j int) bool { return deadlines[i].At.Before(deadlines[j].At) })
	var out []Notice
	for _, d := range deadlines {
		if now.Before(d.At) {
			for _, n := range p.Reminders(d, r) { // latest first
				if !now.Before(n.SendAt) {
					out = append(out, n)
					break
				}
			}
			continue
		}
		if n := p.Overdue(d, r); !now.Before(n.SendAt) && now.Before(n.Until) {
			out = append(out, n)
		}
	}
	return out
}

// Schedule lists every notice of the plan (every reminder of every deadline
// and every overdue notice) in send order, for display and tests.
func (p *Plan) Schedule(r ReminderRules) []Notice {
	var out []Notice
	for _, d := range p.Deadlines() {
		out = append(out, p.Reminders(d, r)...)
		out = append(out, p.Overdue(d, r))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SendAt.Before(out[j].SendAt) })
	return out
}

// ReminderNode is one node of a released work, as reminders see it.
type ReminderNode struct {
	Unit      string `json:"unit"`
	Category  string `json:"category"`
	Indicator string `json:"indicator"`
	Work      string `json:"work"`
	Due       Date   `json:"due"`
	Points    Points `json:"points"`
	// State is pending, reported, accepted or rejected.
	State string `json:"state"`
	// DueAt is when the node falls due (Plan.NodeDue: its checkpoint, or
	// later when its table was released late).
	DueAt time.Time `json:"due_at"`
}

// Open reports whether the node still needs a report: it is pending or its
// report was rejected.
func (n ReminderNode) Open() bool { return n.State == "pending" || n.State == "rejected" }

// ReminderMonth is one unit's reported count for a month.
type ReminderMonth struct {
	Unit  string
	Month Month
	Count int64
}

// Owing is what one unit owes for a deadline at the time of the notice.
type Owing struct {
	Unit     string `json:"unit"`
	UnitName string `json:"unit_name"`
	// NotSubmitted: the unit has no submission or only a draft.
	NotSubmitted bool `json:"not_submitted,omitempty"`
	// Returned: the office returned the tables and the unit has not
	// submitted them again. It counts for reminders only: lateness is
	// decided by the first submission, so a returned unit is not late.
	Returned bool `json:"returned,omitempty"`
	// Nodes are the nodes due at the checkpoint without a report (pending
	// or rejected).
	Nodes []ReminderNode `json:"nodes,omitempty"`
	// Month is the month whose count is missing (zero when none).
	Month Month `json:"month"`
}

// Empty reports whether the unit owes nothing.
func (o Owing) Empty() bool {
	return !o.NotSubmitted && !o.Returned && len(o.Nodes) == 0 && o.Month == (Month{})
}

// OwingInput is the state a notice is computed from.
type OwingInput struct {
	Units []Unit
	// States is each unit's submission state; a unit without a
	// submission is absent.
	States map[string]State
	Nodes  []ReminderNode
	Months []ReminderMonth
}

// Owed returns, in the order of in.Units, every unit that owes something
// for the deadline of a notice of kind (reminder or overdue):
//   - submission deadline: no submission or a draft (and, for reminders, a
//     returned submission not yet submitted again);
//   - checkpoint: each node of the checkpoint that falls due at the
//     deadline (Plan.NodeDue: a table released late owes its nodes at a
//     deadline of its own) and is pending or rejected;
//   - monthly: no count reported for the month.
func Owed(d PlanDeadline, kind NoticeKind, in OwingInput) []Owing {
	state := in.States
	nodes := map[string][]ReminderNode{}
	if d.Kind == DeadlineCheckpoint {
		for _, n := range in.Nodes {
			if n.Due == d.Date && n.DueAt.Equal(d.At) && n.Open() {
				nodes[n.Unit] = append(nodes[n.Unit], n)
			}
		}
	}
	reported := map[string]bool{}
	for _, m := range in.Months {
		if m.Month == d.Month {
			reported[m.Unit] = true
		}
	}
	var out []Owing
	for _, u := range in.Units {
		o := Owing{Unit: u.Code, UnitName: u.Name}
		switch d.Kind {
		case DeadlineSubmission:
			switch st, ok := state[u.Code]; {
			case !ok || st == StateDraft:
				o.NotSubmitted = true
			case st == StateReturned && kind == NoticeReminder:
				o.Returned = true
			}
		case DeadlineCheckpoint:
			o.Nodes = nodes[u.Code]
		case DeadlineMonthly:
			if !reported[u.Code] {
				o.Month = d.Month
			}
		}
		if !o.Empty() {
			out = append(out, o)
		}
	}
	return out
}
