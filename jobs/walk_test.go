package jobs_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// walkExpected is every mail of the 2019 walk, written by hand from the
// 2019 calendar and the behaviour of the units below: "send-date kind
// deadline lead unit". Each unit line goes to both of its contacts; a
// digest line ("-") goes to both office addresses.
//
// Submission: zs xg sh jp bs gx cxd hyk submit on June 3; gjz on June 11;
// lsk on June 13 at noon; pl late on June 17; wfd never; zh leaves a draft;
// cd submits June 3, is returned June 11 and submits again June 12 15:00.
// Nodes: gjz 6-30 reported June 27 10:00; wfd 6-30 never; zs 6-30 reported
// June 20; pl 9-30 reported Sept 29 noon; zh 9-30 rejected for good; sh
// 11-30 reported Dec 3. A checkpoint or due day on a day off ends on the
// next working day (June 30 → July 1, Nov 30 → Dec 2, Oct 5 → Oct 8); lead
// days count back from that day, and overdue notices go out the working
// day after it. Contents and recipients are worked out when a
// reminder is due, so cd, returned on June 11 at 10:00, hears of the
// 3-day reminder (still the latest due) at the 13:00 tick that day. Monthly counts: everyone on the 25th of the month,
// except wfd never, lsk's September on Oct 9, hyk's August on Sept 3.
var walkExpected = `
2019-06-06 reminder submission:2019-06-13 7 gjz
2019-06-06 reminder submission:2019-06-13 7 lsk
2019-06-06 reminder submission:2019-06-13 7 pl
2019-06-06 reminder submission:2019-06-13 7 wfd
2019-06-06 reminder submission:2019-06-13 7 zh
2019-06-10 reminder submission:2019-06-13 3 gjz
2019-06-10 reminder submission:2019-06-13 3 lsk
2019-06-10 reminder submission:2019-06-13 3 pl
2019-06-10 reminder submission:2019-06-13 3 wfd
2019-06-10 reminder submission:2019-06-13 3 zh
2019-06-11 reminder submission:2019-06-13 3 cd
2019-06-12 reminder submission:2019-06-13 1 cd
2019-06-12 reminder submission:2019-06-13 1 lsk
2019-06-12 reminder submission:2019-06-13 1 pl
2019-06-12 reminder submission:2019-06-13 1 wfd
2019-06-12 reminder submission:2019-06-13 1 zh
2019-06-14 overdue submission:2019-06-13 0 pl
2019-06-14 overdue submission:2019-06-13 0 wfd
2019-06-14 overdue submission:2019-06-13 0 zh
2019-06-14 digest submission:2019-06-13 0 -
2019-06-24 reminder checkpoint:2019-06-30 7 gjz
2019-06-24 reminder checkpoint:2019-06-30 7 wfd
2019-06-28 reminder checkpoint:2019-06-30 1 wfd
2019-06-28 reminder monthly:2019-06 7 wfd
2019-07-02 overdue checkpoint:2019-06-30 0 wfd
2019-07-02 digest checkpoint:2019-06-30 0 -
2019-07-02 reminder monthly:2019-06 3 wfd
2019-07-04 reminder monthly:2019-06 1 wfd
2019-07-08 overdue monthly:2019-06 0 wfd
2019-07-08 digest monthly:2019-06 0 -
2019-07-29 reminder monthly:2019-07 7 wfd
2019-08-02 reminder monthly:2019-07 1 wfd
2019-08-06 overdue monthly:2019-07 0 wfd
2019-08-06 digest monthly:2019-07 0 -
2019-08-29 reminder monthly:2019-08 7 hyk
2019-08-29 reminder monthly:2019-08 7 wfd
2019-09-02 reminder monthly:2019-08 3 hyk
2019-09-02 reminder monthly:2019-08 3 wfd
2019-09-04 reminder monthly:2019-08 1 wfd
2019-09-06 overdue monthly:2019-08 0 wfd
2019-09-06 digest monthly:2019-08 0 -
2019-09-23 reminder checkpoint:2019-09-30 7 pl
2019-09-23 reminder checkpoint:2019-09-30 7 zh
2019-09-27 reminder checkpoint:2019-09-30 3 pl
2019-09-27 reminder checkpoint:2019-09-30 3 zh
2019-09-29 reminder checkpoint:2019-09-30 1 pl
2019-09-29 reminder checkpoint:2019-09-30 1 zh
2019-09-30 reminder monthly:2019-09 1 lsk
2019-09-30 reminder monthly:2019-09 1 wfd
2019-10-08 overdue checkpoint:2019-09-30 0 zh
2019-10-08 digest checkpoint:2019-09-30 0 -
2019-10-09 overdue monthly:2019-09 0 lsk
2019-10-09 overdue monthly:2019-09 0 wfd
2019-10-09 digest monthly:2019-09 0 -
2019-10-29 reminder monthly:2019-10 7 wfd
2019-11-01 reminder monthly:2019-10 3 wfd
2019-11-04 reminder monthly:2019-10 1 wfd
2019-11-06 overdue monthly:2019-10 0 wfd
2019-11-06 digest monthly:2019-10 0 -
2019-11-25 reminder checkpoint:2019-11-30 7 sh
2019-11-28 reminder monthly:2019-11 7 wfd
2019-11-29 reminder checkpoint:2019-11-30 1 sh
2019-12-02 reminder monthly:2019-11 3 wfd
2019-12-03 overdue checkpoint:2019-11-30 0 sh
2019-12-03 digest checkpoint:2019-11-30 0 -
2019-12-04 reminder monthly:2019-11 1 wfd
2019-12-06 overdue monthly:2019-11 0 wfd
2019-12-06 digest monthly:2019-11 0 -
`

// expand turns walkExpected into one line per recipient, sorted.
func expand(table string, office []string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(table), "\n") {
		f := strings.Fields(l)
		if f[4] == "-" {
			for _, a := range office {
				out = append(out, l+" "+a)
			}
			continue
		}
		for _, c := range contactsOf(f[4]) {
			out = append(out, l+" "+c.Email)
		}
	}
	sort.Strings(out)
	return out
}

// walkNode is one node of the walk, written as a row of a released table
// at the start, reported at reportedAt (zero: never).
type walkNode struct {
	unit, indicator, due string
	state                workflow.NodeState
	reportedAt           time.Time
}

// walkNodes and the monthly counts below are the execution of the walk.
var walkNodes = []walkNode{
	{"gjz", "B1", "2019-06-30", workflow.NodePending, at(6, 27, 10, 0)},
	{"wfd", "P1", "2019-06-30", workflow.NodePending, time.Time{}},
	{"zs", "B2", "2019-06-30", workflow.NodePending, at(6, 20, 10, 0)},
	{"pl", "B3", "2019-09-30", workflow.NodePending, at(9, 29, 12, 0)},
	{"zh", "B4", "2019-09-30", workflow.NodeRejected, time.Time{}},
	{"sh", "B5", "2019-11-30", workflow.NodePending, at(12, 3, 10, 0)},
	{"sh", "B6", "2019-06-30", workflow.NodeAccepted, time.Time{}},
}

// walkEvent is something a person does at an instant of the walk.
type walkEvent struct {
	at time.Time
	do func()
}

// walkExecution writes the walk's nodes and returns the events that
// report them and the monthly counts: everyone on the 25th of the month,
// except wfd never, lsk's September on Oct 9, hyk's August on Sept 3.
func (w *world) walkExecution() []walkEvent {
	w.t.Helper()
	ctx := context.Background()
	var events []walkEvent
	for i, n := range walkNodes {
		cat := workflow.CategoryBusiness
		if n.indicator[0] == 'P' {
			cat = workflow.CategoryParty
		}
		w.createNodes(workflow.NodeRecord{Unit: n.unit, Category: cat, Indicator: n.indicator, ItemIndex: i,
			Work: "具体工作" + n.indicator, Due: workflow.MustDate(n.due), Points: 300, State: n.state})
	}
	for _, n := range walkNodes {
		if n.reportedAt.IsZero() {
			continue
		}
		events = append(events, walkEvent{n.reportedAt, func() {
			err := w.db.Update(ctx, func(tx service.Tx) error {
				ns, err := tx.Nodes(service.NodeFilter{Year: 2019, Unit: n.unit})
				if err != nil {
					return err
				}
				rec := ns[0]
				reported := w.clock.Now()
				rec.State, rec.ReportedAt, rec.Version = workflow.NodeReported, &reported, rec.Version+1
				return tx.UpdateNode(&rec, rec.Version-1)
			})
			if err != nil {
				w.t.Fatal(err)
			}
		}})
	}
	for _, u := range w.units {
		for m := time.June; m <= time.November; m++ {
			reported := at(m, 25, 10, 0)
			switch {
			case u.Code == "wfd":
				continue
			case u.Code == "lsk" && m == time.September:
				reported = at(10, 9, 10, 0)
			case u.Code == "hyk" && m == time.August:
				reported = at(9, 3, 10, 0)
			}
			month := fmt.Sprintf("2019-%02d", m)
			events = append(events, walkEvent{reported, func() {
				if _, err := w.svc.PutMonthly(ctx, unitActor(u.Code), 2019, u.Code, month, int64(1000+int(m)*10)); err != nil {
					w.t.Fatal(err)
				}
			}})
		}
	}
	return events
}

// TestWalk2019 walks the whole 2019 plan on the clock, five ticks a day,
// with the submissions going through the real workflow and store, and
// checks every mail sent against the hand-written table: who, to which
// address, for which deadline and lead, on which day. It also checks that
// the monthly summaries flag the units that did not report, and that the
// year-end scoring hook fired once, on Dec 20 at 09:00 (zs's tables are in
// execution).
func TestWalk2019(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "sqlite", at(6, 1, 0, 0))
	mail := &memMailer{clock: w.clock}
	sched := &jobs.Scheduler{Store: w.db, Clock: w.clock, Location: shanghai, Holder: "walk", Log: quiet, Jobs: []jobs.Job{
		{Name: "reminders", Run: func(ctx context.Context) error { _, err := w.reminders().Run(ctx); return err }},
		{Name: "monthly", Run: (&jobs.Monthly{Service: w.svc, Log: quiet}).Run},
		{Name: "scoring", Run: (&jobs.Scoring{Service: w.svc, Log: quiet}).Run},
	}}
	disp := &jobs.Dispatcher{Store: w.db, Clock: w.clock, Mailer: mail, From: "kaohe@dlzgh.example.cn"}
	ctx := context.Background()
	if err := w.db.Update(ctx, func(tx service.Tx) error { return tx.EnsureLease(jobs.LeaseName) }); err != nil {
		t.Fatal(err)
	}

	events := []walkEvent{
		{at(6, 3, 10, 0), func() {
			for _, u := range []string{"zs", "xg", "sh", "jp", "bs", "gx", "cxd", "hyk", "cd"} {
				w.draft(u)
				w.submit(u)
			}
		}},
		{at(6, 5, 10, 0), func() { w.draft("zh") }},
		{at(6, 11, 10, 0), func() { w.draft("gjz"); w.submit("gjz"); w.giveBack("cd") }},
		{at(6, 12, 15, 0), func() { w.submit("cd") }},
		{at(6, 13, 12, 0), func() { w.draft("lsk"); w.submit("lsk") }},
		{at(6, 17, 10, 0), func() { w.draft("pl"); w.submit("pl") }},
	}
	events = append(events, w.walkExecution()...)
	// zs's tables go into execution (the year-end scoring needs one table
	// in execution), written directly: the walk's nodes stand for the
	// released works, and releasing through the service would add the
	// document's own.
	events = append(events, walkEvent{at(6, 20, 9, 0), func() {
		err := w.db.Update(ctx, func(tx service.Tx) error {
			sub, err := tx.Submission(2019, "zs")
			if err != nil {
				return err
			}
			sub.State, sub.Version = workflow.StateExecuting, sub.Version+1
			return tx.UpdateSubmission(sub, sub.Version-1)
		})
		if err != nil {
			t.Fatal(err)
		}
	}})
	sort.SliceStable(events, func(i, j int) bool { return events[i].at.Before(events[j].at) })
	for day := at(6, 1, 0, 0); day.Before(at(12, 31, 0, 0)); day = day.AddDate(0, 0, 1) {
		for _, hm := range [][2]int{{8, 0}, {9, 0}, {9, 30}, {13, 0}, {18, 0}} {
			tick := time.Date(day.Year(), day.Month(), day.Day(), hm[0], hm[1], 0, 0, shanghai)
			for len(events) > 0 && !events[0].at.After(tick) {
				w.clock.Set(events[0].at)
				events[0].do()
				events = events[1:]
			}
			w.clock.Set(tick)
			if !sched.RunTick(ctx) {
				t.Fatalf("%v: the only server did not get the lease", tick)
			}
			if _, err := disp.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}

	got, want := mail.lines(), expand(walkExpected, w.office)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("mails differ from the table (-missing +unexpected):\n%s", diffLines(want, got))
	}
	if c := outboxCounts(t, w.db); c[workflow.OutboxPending] != 0 || c[workflow.OutboxFailed] != 0 || c[workflow.OutboxSent] != len(want) {
		t.Errorf("outbox %v, want %d sent", c, len(want))
	}
	runs, err := w.svc.ScoringRuns(ctx, service.SystemActor, 2019)
	if err != nil || len(runs) != 1 || !runs[0].CreatedAt.Equal(at(12, 20, 9, 0)) {
		t.Errorf("scoring runs %+v (%v), want one, on Dec 20 at 09:00", runs, err)
	}

	// The summaries: one per month, wfd never reported, lsk's September
	// came after its gathering day (Oct 9, the working day after the moved
	// due day Oct 8), hyk's August before (Sept 6).
	var sums []workflow.MonthlySummary
	if err := w.db.Update(ctx, func(tx service.Tx) (err error) { sums, err = tx.MonthlySummaries(2019); return err }); err != nil {
		t.Fatal(err)
	}
	if len(sums) != 6 {
		t.Fatalf("%d monthly summaries, want 6", len(sums))
	}
	for _, s := range sums {
		var missing []string
		for _, l := range s.Units {
			if !l.Reported {
				missing = append(missing, l.Unit)
			}
		}
		wantMissing := "wfd"
		if s.Month.Month == time.September {
			wantMissing = "lsk wfd"
		}
		sort.Strings(missing)
		if strings.Join(missing, " ") != wantMissing {
			t.Errorf("%s: not reported %v, want %s", s.Month, missing, wantMissing)
		}
	}
	if got := sums[1].Total; got != 13*1070 {
		t.Errorf("July total %d, want %d", got, 13*1070)
	}
}

// diffLines shows the lines only in want (-) and only in got (+).
func diffLines(want, got []string) string {
	in := func(xs []string) map[string]int {
		m := map[string]int{}
		for _, x := range xs {
			m[x]++
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, x := range want {
		if g[x] < w[x] {
			fmt.Fprintf(&b, "- %s\n", x)
			g[x]++
		}
	}
	w2, g2 := in(want), in(got)
	for _, x := range got {
		if w2[x] < g2[x] {
			fmt.Fprintf(&b, "+ %s\n", x)
			w2[x]++
		}
	}
	return b.String()
}
