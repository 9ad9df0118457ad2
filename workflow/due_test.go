package workflow

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestDueOnDayOff2019 applies the rule for deadlines on days off to the 2019
// calendar: a deadline whose date is a day off ends on the next working
// day, one on a working day (a 调休 Sunday included) stays, and as_is keeps
// every date.
func TestDueOnDayOff2019(t *testing.T) {
	sh := loadPlan2019(t).Location()
	endOf := func(s string) time.Time { return MustDate(s).AddDays(1).In(sh) }
	tests := []struct {
		name   string
		rule   DayOffRule
		due    func(p *Plan) Due
		endsOn string
		at     time.Time
		label  string
	}{
		{"Sunday June 30 moves to Monday July 1", NextWorkingDay,
			func(p *Plan) Due { return p.NodeDue(MustDate("2019-06-30"), time.Time{}) },
			"2019-07-01", endOf("2019-07-01"), "6月30日前（遇休息日顺延至7月1日）"},
		{"Saturday November 30 moves to Monday December 2", NextWorkingDay,
			func(p *Plan) Due { return p.NodeDue(MustDate("2019-11-30"), time.Time{}) },
			"2019-12-02", endOf("2019-12-02"), "11月30日前（遇休息日顺延至12月2日）"},
		{"Monday September 30 is a working day", NextWorkingDay,
			func(p *Plan) Due { return p.NodeDue(MustDate("2019-09-30"), time.Time{}) },
			"2019-09-30", endOf("2019-09-30"), "9月30日前"},
		{"make-up Sunday September 29 is a working day: nothing moves", NextWorkingDay,
			func(p *Plan) Due { return p.CheckpointDue(MustDate("2019-09-29")) },
			"2019-09-29", endOf("2019-09-29"), "9月29日前"},
		{"make-up Saturday October 12 is a working day", NextWorkingDay,
			func(p *Plan) Due { return p.CheckpointDue(MustDate("2019-10-12")) },
			"2019-10-12", endOf("2019-10-12"), "10月12日前"},
		{"October 1 (National Day) moves past the whole week", NextWorkingDay,
			func(p *Plan) Due { return p.CheckpointDue(MustDate("2019-10-01")) },
			"2019-10-08", endOf("2019-10-08"), "10月1日前（遇休息日顺延至10月8日）"},
		{"September's count, due October 5, ends on October 8", NextWorkingDay,
			func(p *Plan) Due { return p.MonthDeadline(Month{2019, time.September}) },
			"2019-10-08", endOf("2019-10-08"), "10月5日前（遇休息日顺延至10月8日）"},
		{"June's count, due Friday July 5, stays", NextWorkingDay,
			func(p *Plan) Due { return p.MonthDeadline(Month{2019, time.June}) },
			"2019-07-05", endOf("2019-07-05"), "7月5日前"},
		{"July's count, due Monday August 5, stays", NextWorkingDay,
			func(p *Plan) Due { return p.MonthDeadline(Month{2019, time.July}) },
			"2019-08-05", endOf("2019-08-05"), "8月5日前"},
		{"the submission deadline on a working Thursday", NextWorkingDay,
			func(p *Plan) Due { return p.SubmissionDue() },
			"2019-06-13", time.Date(2019, 6, 13, 17, 30, 0, 0, sh), "6月13日17:30前"},
		{"a submission deadline on Saturday June 15 keeps 17:30 on Monday", NextWorkingDay,
			func(p *Plan) Due { p.Deadline.Date = MustDate("2019-06-15"); return p.SubmissionDue() },
			"2019-06-17", time.Date(2019, 6, 17, 17, 30, 0, 0, sh), "6月15日17:30前（遇休息日顺延至6月17日）"},
		{"a submission deadline in the Dragon Boat holiday", NextWorkingDay,
			func(p *Plan) Due { p.Deadline.Date = MustDate("2019-06-07"); return p.SubmissionDue() },
			"2019-06-10", time.Date(2019, 6, 10, 17, 30, 0, 0, sh), "6月7日17:30前（遇休息日顺延至6月10日）"},
		{"a checkpoint with a time of day keeps it", NextWorkingDay,
			func(p *Plan) Due {
				p.Checkpoints[0].Time = &ClockTime{17, 0}
				return p.NodeDue(MustDate("2019-06-30"), time.Time{})
			},
			"2019-07-01", time.Date(2019, 7, 1, 17, 0, 0, 0, sh), "6月30日17:00前（遇休息日顺延至7月1日）"},
		{"as_is: Sunday June 30 stays", AsIs,
			func(p *Plan) Due { return p.NodeDue(MustDate("2019-06-30"), time.Time{}) },
			"2019-06-30", endOf("2019-06-30"), "6月30日前"},
		{"as_is: Saturday November 30 stays", AsIs,
			func(p *Plan) Due { return p.NodeDue(MustDate("2019-11-30"), time.Time{}) },
			"2019-11-30", endOf("2019-11-30"), "11月30日前"},
		{"as_is: October 5 stays", AsIs,
			func(p *Plan) Due { return p.MonthDeadline(Month{2019, time.September}) },
			"2019-10-05", endOf("2019-10-05"), "10月5日前"},
		{"as_is: a Saturday submission deadline stays", AsIs,
			func(p *Plan) Due { p.Deadline.Date = MustDate("2019-06-15"); return p.SubmissionDue() },
			"2019-06-15", time.Date(2019, 6, 15, 17, 30, 0, 0, sh), "6月15日17:30前"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loadPlan2019(t)
			p.DueOnDayOff = tt.rule
			d := tt.due(p)
			if d.EndsOn.String() != tt.endsOn || !d.At.Equal(tt.at) || d.Label != tt.label {
				t.Fatalf("got ends %s at %v %q, want ends %s at %v %q", d.EndsOn, d.At, d.Label, tt.endsOn, tt.at, tt.label)
			}
			if d.Moved != (d.EndsOn != d.Date) {
				t.Fatalf("moved %v for %s → %s", d.Moved, d.Date, d.EndsOn)
			}
		})
	}
}

// TestLatenessFollowsTheMovedDeadline checks every decision that reads a
// deadline against the same moved instant: a node's lateness, state and
// colour, a month's count, the submission and its days late.
func TestLatenessFollowsTheMovedDeadline(t *testing.T) {
	p := loadPlan2019(t)
	sh := p.Location()
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2019, m, d, h, min, 0, 0, sh) }
	june := NodeRecord{Due: MustDate("2019-06-30"), State: NodePending}
	nov := NodeRecord{Due: MustDate("2019-11-30"), State: NodePending}
	warn := 7 * 24 * time.Hour
	tests := []struct {
		name   string
		node   NodeRecord
		now    time.Time
		state  NodeState
		colour Colour
	}{
		{"June node on Monday July 1 23:59: not overdue", june, at(7, 1, 23, 59), NodePending, Yellow},
		{"June node on July 2 00:00: overdue", june, at(7, 2, 0, 0), NodeOverdue, Red},
		{"June node yellow from seven days before the moved end", june, at(6, 25, 0, 0), NodePending, Yellow},
		{"June node green the minute before", june, at(6, 24, 23, 59), NodePending, Green},
		{"November node on Sunday December 1: not overdue", nov, at(12, 1, 12, 0), NodePending, Yellow},
		{"November node on Monday December 2 23:59: not overdue", nov, at(12, 2, 23, 59), NodePending, Yellow},
		{"November node on December 3: overdue", nov, at(12, 3, 0, 0), NodeOverdue, Red},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.node.StateAt(p, tt.now); got != tt.state {
				t.Errorf("state %s, want %s", got, tt.state)
			}
			if got := tt.node.ColourAt(p, tt.now, warn); got != tt.colour {
				t.Errorf("colour %s, want %s", got, tt.colour)
			}
			if late := !tt.now.Before(tt.node.DueAt(p)); late != (tt.state == NodeOverdue) {
				t.Errorf("a report now is late=%v", late)
			}
		})
	}

	sept := Month{2019, time.September}
	if due := p.MonthDueTime(sept); !at(10, 8, 23, 59).Before(due) || at(10, 9, 0, 0).Before(due) {
		t.Errorf("September's count: due %v, want the end of October 8", due)
	}

	p.Deadline.Date = MustDate("2019-06-15") // a Saturday
	for _, c := range []struct {
		at   time.Time
		days int
	}{
		{at(6, 17, 17, 30), 0}, // Monday 17:30, the moved deadline itself
		{at(6, 17, 17, 31), 1}, // after it on its own day
		{at(6, 18, 9, 0), 1},   // calendar days from Monday June 17
		{at(6, 22, 9, 0), 5},
	} {
		if got := DaysLate(p, c.at); got != c.days {
			t.Errorf("submitted %v: %d days late, want %d", c.at, got, c.days)
		}
	}
}

func TestPlanRefusesABadDayOffRule(t *testing.T) {
	b := []byte("year: 2020\ndeadline: {date: 2020-06-12, time: \"17:30\"}\ncheckpoints: [{date: 2020-06-30}]\n" +
		"party: {name: 党建指标, total: 100, min: 15, max: 25, step: 1, items: [{code: P1, name: 一}]}\n" +
		"business: {name: 业务指标, total: 100, min: 4, max: 11, step: 1, items: [{code: B1, name: 一}]}\n")
	if p, err := LoadPlan(b); err != nil || p.DueOnDayOff != NextWorkingDay {
		t.Fatalf("default: %v %v", p, err)
	}
	if _, err := LoadPlan(append(b, "due_on_day_off: previous_working_day\n"...)); err == nil {
		t.Fatal("an unknown rule must be refused")
	}
	if p, err := LoadPlan(append(b, "due_on_day_off: as_is\n"...)); err != nil || p.DueOnDayOff != AsIs {
		t.Fatalf("as_is: %v", err)
	}
	if _, err := LoadPlan(append(b, "checkpoints: [{date: 2020-06-30, due: {date: 2020-07-01}}]\n"...)); err == nil {
		t.Fatal("a plan file cannot set the computed due")
	}
}

// TestPlanJSONShowsBothDates: the plan a client reads carries each
// deadline as written and as it applies, and reads back the same.
func TestPlanJSONShowsBothDates(t *testing.T) {
	p := loadPlan2019(t)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		DueOnDayOff string `json:"due_on_day_off"`
		Deadline    struct {
			Due Due `json:"due"`
		} `json:"deadline"`
		Checkpoints []struct {
			Date string `json:"date"`
			Due  Due    `json:"due"`
		} `json:"checkpoints"`
		Monthly struct {
			Dues []MonthlyDue `json:"dues"`
		} `json:"monthly"`
		Scoring map[string]any `json:"scoring"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.DueOnDayOff != "next_working_day" || v.Deadline.Due.Label != "6月13日17:30前" {
		t.Fatalf("rule %q, deadline %+v", v.DueOnDayOff, v.Deadline.Due)
	}
	var labels []string
	for _, c := range v.Checkpoints {
		labels = append(labels, c.Date+" "+c.Due.EndsOn.String()+" "+c.Due.Label)
	}
	want := "2019-06-30 2019-07-01 6月30日前（遇休息日顺延至7月1日）|2019-09-30 2019-09-30 9月30日前|2019-11-30 2019-12-02 11月30日前（遇休息日顺延至12月2日）"
	if got := strings.Join(labels, "|"); got != want {
		t.Fatalf("checkpoints\n got %s\nwant %s", got, want)
	}
	if len(v.Monthly.Dues) != 6 || v.Monthly.Dues[3].Due.Label != "10月5日前（遇休息日顺延至10月8日）" {
		t.Fatalf("monthly dues %+v", v.Monthly.Dues)
	}
	if _, ok := v.Scoring["due"]; ok {
		t.Fatal("the scoring time is no deadline")
	}
	q, err := PlanFromJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := json.Marshal(q)
	if string(c) != string(b) {
		t.Fatalf("JSON round trip differs:\n%s\n%s", b, c)
	}
}

// TestNodeDueAfterALateRelease: a node falls due at the later of its
// checkpoint and the end of the 5th working day after its table was
// released, on the 2019 calendar.
func TestNodeDueAfterALateRelease(t *testing.T) {
	p := loadPlan2019(t)
	sh := p.Location()
	endOf := func(s string) time.Time { return MustDate(s).AddDays(1).In(sh) }
	tests := []struct {
		name       string
		checkpoint string
		released   time.Time
		at         time.Time
		moved      bool
		label      string
	}{
		{"released in time: the checkpoint decides (June 30 moves to July 1 as a day off)", "2019-06-30",
			time.Date(2019, 6, 17, 10, 0, 0, 0, sh), endOf("2019-07-01"), true, "6月30日前（遇休息日顺延至7月1日）"},
		{"released on Wednesday July 3: June nodes are due by Wednesday July 10", "2019-06-30",
			time.Date(2019, 7, 3, 16, 0, 0, 0, sh), endOf("2019-07-10"), true, "6月30日前（指标表7月3日返回执行，顺延至7月10日）"},
		{"the same release leaves September nodes on September 30", "2019-09-30",
			time.Date(2019, 7, 3, 16, 0, 0, 0, sh), endOf("2019-09-30"), false, "9月30日前"},
		{"released on Friday September 27: five working days skip the National Day week (Sunday 29 works)", "2019-09-30",
			time.Date(2019, 9, 27, 9, 0, 0, 0, sh), endOf("2019-10-10"), true, "9月30日前（指标表9月27日返回执行，顺延至10月10日）"},
		{"released late on the evening of June 27 (UTC June 27 12:00 is 20:00 in Shanghai)", "2019-06-30",
			time.Date(2019, 6, 27, 12, 0, 0, 0, time.UTC), endOf("2019-07-04"), true, "6月30日前（指标表6月27日返回执行，顺延至7月4日）"},
		{"no release known: the checkpoint alone", "2019-06-30", time.Time{}, endOf("2019-07-01"), true, "6月30日前（遇休息日顺延至7月1日）"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.NodeDue(MustDate(tt.checkpoint), tt.released)
			if !d.At.Equal(tt.at) || d.Moved != tt.moved || d.Label != tt.label || d.Date != MustDate(tt.checkpoint) {
				t.Errorf("NodeDue = %+v, want at %v, moved %v, label %q", d, tt.at, tt.moved, tt.label)
			}
		})
	}
	// A release late enough makes a deadline of its own for reminders.
	ds := p.ReleaseDeadlines([]time.Time{time.Date(2019, 7, 3, 16, 0, 0, 0, sh), time.Date(2019, 7, 3, 9, 0, 0, 0, sh), {}})
	if len(ds) != 1 || ds[0].Key != "checkpoint:2019-06-30@2019-07-03" || !ds[0].At.Equal(endOf("2019-07-10")) {
		t.Fatalf("release deadlines %+v, want one for June 30 at July 10", ds)
	}
}
