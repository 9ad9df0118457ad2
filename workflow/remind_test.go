package workflow

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// schedule2019 is every notice of the 2019 plan with lead days 7, 3, 1 at
// 09:00, worked out by hand from the State Council calendar. "kind key
// lead send-date", in send order (ties in deadline order). Deadlines on a
// day off end on the next working day (due_on_day_off: next_working_day),
// and lead days count back from that day.
var schedule2019 = []string{
	"reminder submission:2019-06-13 7 2019-06-06", // Thursday; June 7 is the Dragon Boat holiday
	"reminder submission:2019-06-13 3 2019-06-10",
	"reminder submission:2019-06-13 1 2019-06-12",
	"overdue submission:2019-06-13 0 2019-06-14",
	"reminder checkpoint:2019-06-30 7 2019-06-24", // Sunday June 30 ends on Monday July 1: 7 days before
	"reminder checkpoint:2019-06-30 1 2019-06-28", // June 30 (day off) → Friday June 28; lead 3 lands there too and is dropped
	"reminder monthly:2019-06 7 2019-06-28",
	"overdue checkpoint:2019-06-30 0 2019-07-02", // the first working day after Monday July 1
	"reminder monthly:2019-06 3 2019-07-02",
	"reminder monthly:2019-06 1 2019-07-04",
	"overdue monthly:2019-06 0 2019-07-08", // July 5 is a Friday: Monday July 8
	"reminder monthly:2019-07 7 2019-07-29",
	"reminder monthly:2019-07 1 2019-08-02", // Aug 4 (Sunday) → Friday Aug 2; lead 3 lands there too and is dropped
	"overdue monthly:2019-07 0 2019-08-06",
	"reminder monthly:2019-08 7 2019-08-29",
	"reminder monthly:2019-08 3 2019-09-02",
	"reminder monthly:2019-08 1 2019-09-04",
	"overdue monthly:2019-08 0 2019-09-06",
	"reminder checkpoint:2019-09-30 7 2019-09-23",
	"reminder checkpoint:2019-09-30 3 2019-09-27",
	"reminder checkpoint:2019-09-30 1 2019-09-29", // Sunday Sept 29 is a 调休 working day
	"reminder monthly:2019-09 1 2019-09-30",       // due Oct 5 (National Day) ends on Oct 8; Oct 1, 5 and 7 are days off: all → Sept 30
	"overdue checkpoint:2019-09-30 0 2019-10-08",  // after the National Day holiday
	"overdue monthly:2019-09 0 2019-10-09",        // the first working day after Oct 8
	"reminder monthly:2019-10 7 2019-10-29",
	"reminder monthly:2019-10 3 2019-11-01", // Nov 2 is a Saturday
	"reminder monthly:2019-10 1 2019-11-04",
	"overdue monthly:2019-10 0 2019-11-06",
	"reminder checkpoint:2019-11-30 7 2019-11-25", // Saturday Nov 30 ends on Monday Dec 2
	"reminder monthly:2019-11 7 2019-11-28",
	"reminder checkpoint:2019-11-30 1 2019-11-29", // Dec 1 (Sunday) → Friday Nov 29; lead 3 lands there too
	"reminder monthly:2019-11 3 2019-12-02",
	"overdue checkpoint:2019-11-30 0 2019-12-03",
	"reminder monthly:2019-11 1 2019-12-04",
	"overdue monthly:2019-11 0 2019-12-06",
}

// schedule2019AsIs is the same plan with due_on_day_off: as_is: every
// deadline stays on its written date.
var schedule2019AsIs = []string{
	"reminder submission:2019-06-13 7 2019-06-06",
	"reminder submission:2019-06-13 3 2019-06-10",
	"reminder submission:2019-06-13 1 2019-06-12",
	"overdue submission:2019-06-13 0 2019-06-14",
	"reminder checkpoint:2019-06-30 7 2019-06-21", // June 23 is a Sunday
	"reminder checkpoint:2019-06-30 3 2019-06-27",
	"reminder checkpoint:2019-06-30 1 2019-06-28", // June 29 is a Saturday: Friday June 28
	"reminder monthly:2019-06 7 2019-06-28",
	"overdue checkpoint:2019-06-30 0 2019-07-01",
	"reminder monthly:2019-06 3 2019-07-02",
	"reminder monthly:2019-06 1 2019-07-04",
	"overdue monthly:2019-06 0 2019-07-08",
	"reminder monthly:2019-07 7 2019-07-29",
	"reminder monthly:2019-07 1 2019-08-02",
	"overdue monthly:2019-07 0 2019-08-06",
	"reminder monthly:2019-08 7 2019-08-29",
	"reminder monthly:2019-08 3 2019-09-02",
	"reminder monthly:2019-08 1 2019-09-04",
	"overdue monthly:2019-08 0 2019-09-06",
	"reminder checkpoint:2019-09-30 7 2019-09-23",
	"reminder checkpoint:2019-09-30 3 2019-09-27",
	"reminder monthly:2019-09 7 2019-09-27",       // Sept 28 is a Saturday
	"reminder checkpoint:2019-09-30 1 2019-09-29", // Sunday Sept 29 is a 调休 working day
	"reminder monthly:2019-09 1 2019-09-30",       // Oct 4 and Oct 2 are National Day: both → Sept 30, lead 1 kept
	"overdue checkpoint:2019-09-30 0 2019-10-08",
	"overdue monthly:2019-09 0 2019-10-08",
	"reminder monthly:2019-10 7 2019-10-29",
	"reminder monthly:2019-10 3 2019-11-01",
	"reminder monthly:2019-10 1 2019-11-04",
	"overdue monthly:2019-10 0 2019-11-06",
	"reminder checkpoint:2019-11-30 7 2019-11-22", // Nov 23 is a Saturday
	"reminder checkpoint:2019-11-30 3 2019-11-27",
	"reminder monthly:2019-11 7 2019-11-28",
	"reminder checkpoint:2019-11-30 1 2019-11-29",
	"overdue checkpoint:2019-11-30 0 2019-12-02",
	"reminder monthly:2019-11 3 2019-12-02",
	"reminder monthly:2019-11 1 2019-12-04",
	"overdue monthly:2019-11 0 2019-12-06",
}

func noticeString(n Notice) string {
	return fmt.Sprintf("%s %s %d %s", n.Kind, n.Deadline.Key, n.Lead, n.SendDate)
}

func TestSchedule2019(t *testing.T) {
	for _, tt := range []struct {
		rule DayOffRule
		want []string
	}{{NextWorkingDay, schedule2019}, {AsIs, schedule2019AsIs}} {
		t.Run(string(tt.rule), func(t *testing.T) {
			p := loadPlan2019(t)
			p.DueOnDayOff = tt.rule
			got := p.Schedule(ReminderRules{LeadDays: []int{7, 3, 1}, At: ClockTime{9, 0}})
			var lines []string
			for _, n := range got {
				lines = append(lines, noticeString(n))
				if !n.SendAt.Equal(n.SendDate.At(ClockTime{9, 0}, p.Location())) {
					t.Errorf("%s: sends at %v, want 09:00 Shanghai", noticeString(n), n.SendAt)
				}
				if !p.Calendar.IsWorkday(n.SendDate) {
					t.Errorf("%s: %s is a day off", noticeString(n), n.SendDate)
				}
				if n.Kind == NoticeReminder && !n.SendAt.Before(n.Deadline.At) {
					t.Errorf("%s: sent after its deadline %v", noticeString(n), n.Deadline.At)
				}
			}
			if strings.Join(lines, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("schedule:\n%s\n\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestDeadlines2019(t *testing.T) {
	p := loadPlan2019(t)
	sh := p.Location()
	want := map[string]time.Time{
		"submission:2019-06-13": time.Date(2019, 6, 13, 17, 30, 0, 0, sh),
		"checkpoint:2019-06-30": time.Date(2019, 7, 2, 0, 0, 0, 0, sh),  // Sunday: to the end of Monday July 1
		"checkpoint:2019-09-30": time.Date(2019, 10, 1, 0, 0, 0, 0, sh), // a working Monday: to the end of its day
		"checkpoint:2019-11-30": time.Date(2019, 12, 3, 0, 0, 0, 0, sh), // Saturday: to the end of Monday Dec 2
		"monthly:2019-06":       time.Date(2019, 7, 6, 0, 0, 0, 0, sh),  // due day 5 of the next month, a Friday
		"monthly:2019-09":       time.Date(2019, 10, 9, 0, 0, 0, 0, sh), // Oct 5 is National Day: to the end of Oct 8
		"monthly:2019-11":       time.Date(2019, 12, 6, 0, 0, 0, 0, sh),
	}
	ds := p.Deadlines()
	if len(ds) != 1+3+6 {
		t.Fatalf("%d deadlines, want 10", len(ds))
	}
	seen := 0
	for _, d := range ds {
		if w, ok := want[d.Key]; ok {
			seen++
			if !d.At.Equal(w) || !d.Due.At.Equal(w) {
				t.Errorf("%s passes at %v, want %v", d.Key, d.At, w)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d of %d deadlines found", seen, len(want))
	}
}

func TestDueNotices(t *testing.T) {
	p := loadPlan2019(t)
	rules := ReminderRules{LeadDays: []int{7, 3, 1}, At: ClockTime{9, 0}}
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2019, m, d, h, min, 0, 0, p.Location()) }
	tests := []struct {
		name string
		now  time.Time
		want []string
	}{
		{"before any reminder", at(6, 5, 12, 0), nil},
		{"7-day reminder at its minute", at(6, 6, 9, 0), []string{"reminder submission:2019-06-13 7 2019-06-06"}},
		{"a minute earlier nothing", at(6, 6, 8, 59), nil},
		{"a late run on the holiday still sends the 7-day reminder", at(6, 8, 15, 0), []string{"reminder submission:2019-06-13 7 2019-06-06"}},
		{"restart at 09:01 sends the 1-day reminder only", at(6, 12, 9, 1), []string{"reminder submission:2019-06-13 1 2019-06-12"}},
		{"June 12 08:59 is still the 3-day reminder", at(6, 12, 8, 59), []string{"reminder submission:2019-06-13 3 2019-06-10"}},
		{"the last minute before the deadline", at(6, 13, 17, 29), []string{"reminder submission:2019-06-13 1 2019-06-12"}},
		{"deadline passed, overdue notice not yet", at(6, 13, 17, 30), nil},
		{"overdue notice the next working day", at(6, 14, 9, 0), []string{"overdue submission:2019-06-13 0 2019-06-14"}},
		{"overdue notice window ends after a week", at(6, 21, 9, 0), nil},
		{"7 days before Monday July 1", at(6, 24, 9, 0), []string{"reminder checkpoint:2019-06-30 7 2019-06-24"}},
		{"Friday June 28: checkpoint 1-day and monthly 7-day", at(6, 28, 9, 0), []string{
			"reminder checkpoint:2019-06-30 1 2019-06-28", "reminder monthly:2019-06 7 2019-06-28"}},
		{"Sunday June 30 still the Friday reminder", at(6, 30, 23, 59), []string{
			"reminder checkpoint:2019-06-30 1 2019-06-28", "reminder monthly:2019-06 7 2019-06-28"}},
		{"Monday July 1, the moved checkpoint's own day: no overdue notice yet", at(7, 1, 23, 59), []string{
			"reminder checkpoint:2019-06-30 1 2019-06-28", "reminder monthly:2019-06 7 2019-06-28"}},
		{"Tuesday July 2: the overdue notice", at(7, 2, 9, 0), []string{
			"overdue checkpoint:2019-06-30 0 2019-07-02", "reminder monthly:2019-06 3 2019-07-02"}},
		{"working Sunday Sept 29: nothing moves", at(9, 29, 9, 0), []string{
			"reminder checkpoint:2019-09-30 1 2019-09-29"}},
		{"Sept 30: monthly lead 1 for Oct 8 (leads 3 and 7 fell on the same day)", at(9, 30, 9, 0), []string{
			"reminder checkpoint:2019-09-30 1 2019-09-29", "reminder monthly:2019-09 1 2019-09-30"}},
		{"National Day: September's count not yet late", at(10, 7, 9, 0), []string{"reminder monthly:2019-09 1 2019-09-30"}},
		{"Oct 8: the checkpoint's overdue notice; the count is due by the end of the day", at(10, 8, 9, 0), []string{
			"overdue checkpoint:2019-09-30 0 2019-10-08", "reminder monthly:2019-09 1 2019-09-30"}},
		{"Oct 9: the count's overdue notice", at(10, 9, 9, 0), []string{
			"overdue checkpoint:2019-09-30 0 2019-10-08", "overdue monthly:2019-09 0 2019-10-09"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, n := range p.DueNotices(tt.now, rules) {
				got = append(got, noticeString(n))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("at %v:\n got %q\nwant %q", tt.now, got, tt.want)
			}
		})
	}
}

func TestRemindersDropLateAndDuplicateLeads(t *testing.T) {
	p := loadPlan2019(t)
	d := p.Deadlines()[0] // submission, 17:30
	got := p.Reminders(d, ReminderRules{LeadDays: []int{0, 1, 1}, At: ClockTime{18, 0}})
	// lead 0 at 18:00 is after the 17:30 deadline; the second lead 1 is the same send time.
	if len(got) != 1 || got[0].Lead != 1 {
		t.Fatalf("reminders %v", got)
	}
	if z := p.Reminders(d, ReminderRules{}); len(z) != 3 || z[0].SendAt.Hour() != 9 {
		t.Fatalf("zero rules: %v", z)
	}
}

func TestOwed(t *testing.T) {
	p := loadPlan2019(t)
	ds := map[string]PlanDeadline{}
	for _, d := range p.Deadlines() {
		ds[d.Key] = d
	}
	units := []Unit{{Code: "a", Name: "甲"}, {Code: "b", Name: "乙"}, {Code: "c", Name: "丙"}, {Code: "d", Name: "丁"}, {Code: "e", Name: "戊"}}
	june := p.NodeDue(MustDate("2019-06-30"), time.Time{}).At
	released := time.Date(2019, 7, 3, 16, 0, 0, 0, p.Location())
	late := p.NodeDue(MustDate("2019-06-30"), released)
	for _, d := range p.ReleaseDeadlines([]time.Time{released}) {
		ds[d.Key] = d
	}
	in := OwingInput{
		Units:  units,
		States: map[string]State{"b": StateDraft, "c": StateReturned, "d": StateSubmitted, "e": StateExecuting},
		Nodes: []ReminderNode{
			{Unit: "e", Indicator: "B1", Work: "w1", Due: MustDate("2019-06-30"), State: "pending", DueAt: june},
			{Unit: "e", Indicator: "B2", Work: "w2", Due: MustDate("2019-06-30"), State: "reported", DueAt: june},
			{Unit: "e", Indicator: "B3", Work: "w3", Due: MustDate("2019-06-30"), State: "rejected", DueAt: june},
			{Unit: "e", Indicator: "B4", Work: "w4", Due: MustDate("2019-09-30"), State: "pending", DueAt: p.NodeDue(MustDate("2019-09-30"), time.Time{}).At},
			{Unit: "d", Indicator: "P1", Work: "w5", Due: MustDate("2019-06-30"), State: "accepted", DueAt: june},
			// c's tables were released late: its June node owes at July 10.
			{Unit: "c", Indicator: "B5", Work: "w6", Due: MustDate("2019-06-30"), State: "pending", DueAt: late.At},
		},
		Months: []ReminderMonth{{Unit: "a", Month: Month{2019, 6}, Count: 10}, {Unit: "b", Month: Month{2019, 7}, Count: 3}},
	}
	summary := func(os []Owing) string {
		var parts []string
		for _, o := range os {
			s := o.Unit + ":"
			if o.NotSubmitted {
				s += "not-submitted "
			}
			if o.Returned {
				s += "returned "
			}
			for _, n := range o.Nodes {
				s += n.Indicator + " "
			}
			if o.Month != (Month{}) {
				s += o.Month.String()
			}
			parts = append(parts, strings.TrimSpace(s))
		}
		return strings.Join(parts, ", ")
	}
	tests := []struct {
		name, key string
		kind      NoticeKind
		want      string
	}{
		{"reminder: none, draft and returned owe", "submission:2019-06-13", NoticeReminder, "a:not-submitted, b:not-submitted, c:returned"},
		{"overdue: returned is not late", "submission:2019-06-13", NoticeOverdue, "a:not-submitted, b:not-submitted"},
		{"checkpoint: pending and rejected nodes of that date", "checkpoint:2019-06-30", NoticeReminder, "e:B1 B3"},
		{"later checkpoint", "checkpoint:2019-09-30", NoticeOverdue, "e:B4"},
		{"a late release's own deadline", "checkpoint:2019-06-30@2019-07-03", NoticeOverdue, "c:B5"},
		{"month: everyone without a count", "monthly:2019-06", NoticeReminder, "b:2019-06, c:2019-06, d:2019-06, e:2019-06"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summary(Owed(ds[tt.key], tt.kind, in)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
