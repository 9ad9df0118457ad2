package workflow

import (
	"os"
	"strings"
	"testing"
	"time"
)

// draft2019 reads the 2019 plan as a document being edited.
func draft2019(t *testing.T) *Plan {
	t.Helper()
	b, err := os.ReadFile("../configs/plans/2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadPlanYAML(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlan2019PassesTheChecks: the notice's plan has no problem, and its
// only warnings are the two checkpoints that fall on a weekend.
func TestPlan2019PassesTheChecks(t *testing.T) {
	problems, warnings := CheckPlan(draft2019(t))
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	var got []string
	for _, w := range warnings {
		got = append(got, w.Path+" "+w.Rule)
	}
	want := "checkpoints[0].date plan.checkpoint.day_off|checkpoints[2].date plan.checkpoint.day_off"
	if strings.Join(got, "|") != want {
		t.Fatalf("warnings %v, want %s", got, want)
	}
}

// TestPlanChecks: each problem and warning the checks know, located by its
// path. Each case changes one thing of the 2019 plan.
func TestPlanChecks(t *testing.T) {
	tests := []struct {
		name    string
		change  func(p *Plan)
		path    string
		rule    string
		warning bool
	}{
		{"5 party items of 21–25 points cannot make 100", func(p *Plan) { p.Party.Min = 2100 }, "party", RulePlanUnreachable, false},
		{"5 party items of 15–19 points cannot make 100", func(p *Plan) { p.Party.Max = 1900 }, "party", RulePlanUnreachable, false},
		{"13 business items of 8–11 points cannot make 100", func(p *Plan) { p.Business.Min = 800 }, "business", RulePlanUnreachable, false},
		{"a total that is not a multiple of the step", func(p *Plan) { p.Party.Total = 10050 }, "party.total", RulePlanStep, false},
		{"a range whose minimum is above its maximum", func(p *Plan) { p.Business.Min = 1200 }, "business.min", RulePlanRange, false},
		{"a zero step", func(p *Plan) { p.Party.Step = 0 }, "party.step", RulePlanStep, false},
		{"a category without items", func(p *Plan) { p.Party.Items = nil }, "party.items", RulePlanItemsEmpty, false},
		{"checkpoints out of order", func(p *Plan) {
			p.Checkpoints[1].Date, p.Checkpoints[2].Date = p.Checkpoints[2].Date, p.Checkpoints[1].Date
		},
			"checkpoints[2].date", RulePlanCheckpointOrder, false},
		{"a checkpoint outside the year", func(p *Plan) { p.Checkpoints[2].Date = MustDate("2020-01-15") }, "checkpoints[2].date", RulePlanOutsideYear, false},
		{"two checkpoints on one day", func(p *Plan) { p.Checkpoints[1].Date = p.Checkpoints[0].Date }, "checkpoints[1].date", RulePlanCheckpointDup, false},
		{"no checkpoints", func(p *Plan) { p.Checkpoints = nil }, "checkpoints", RulePlanCheckpointsNone, false},
		{"more nodes per work than checkpoints", func(p *Plan) { p.Nodes.Max = 4 }, "nodes.max", RulePlanNodes, false},
		{"a deadline on a day off that stays there (Sunday June 9, Dragon Boat)", func(p *Plan) { p.Deadline.Date, p.DueOnDayOff = MustDate("2019-06-09"), AsIs },
			"deadline.date", RulePlanDeadlineDayOff, false},
		{"a deadline on a Saturday that stays there", func(p *Plan) { p.Deadline.Date, p.DueOnDayOff = MustDate("2019-06-15"), AsIs }, "deadline.date", RulePlanDeadlineDayOff, false},
		{"an unknown rule for days off", func(p *Plan) { p.DueOnDayOff = "previous_working_day" }, "due_on_day_off", RulePlanDayOffRule, false},
		{"a release grace beyond 60 working days", func(p *Plan) { p.ReleaseGraceDays = 90 }, "release_grace_days", RulePlanReleaseGrace, false},
		{"an objection period of 45 working days", func(p *Plan) { p.ObjectionDays = 45 }, "objection_days", RulePlanObjectionDays, false},
		{"a negative count discrepancy", func(p *Plan) { p.Monthly.DiscrepancyPercent = -Point }, "monthly.discrepancy_percent", RulePlanDiscrepancy, false},
		{"an unknown contact duty", func(p *Plan) { p.Contacts.Duties = append(p.Contacts.Duties, "leader") }, "contacts.duties[2]", RulePlanContacts, false},
		{"an office contact with a bad email", func(p *Plan) { p.OfficeContacts[1].Email = "1291529912@" }, "office_contacts[1].email", RulePlanOfficeContacts, false},
		{"an office contact without a name", func(p *Plan) { p.OfficeContacts[0].Name = "" }, "office_contacts[0].name", RulePlanOfficeContacts, false},
		{"a deadline after the first checkpoint", func(p *Plan) { p.Deadline.Date = MustDate("2019-07-01") }, "deadline.date", RulePlanDeadlineLate, false},
		{"a deadline in another year", func(p *Plan) { p.Deadline.Date = MustDate("2018-12-28") }, "deadline.date", RulePlanOutsideYear, false},
		{"no deadline", func(p *Plan) { p.Deadline.Date = Date{} }, "deadline.date", RulePlanDateMissing, false},
		{"a duplicate indicator code", func(p *Plan) { p.Business.Items[4].Code = "B3" }, "business.items[4].code", RulePlanCodeDuplicate, false},
		{"a required code that repeats an indicator code", func(p *Plan) { p.Business.Items[0].Required[2].Code = "P2" }, "business.items[0].required[2].code", RulePlanCodeDuplicate, false},
		{"an empty indicator code", func(p *Plan) { p.Party.Items[1].Code = " " }, "party.items[1].code", RulePlanCodeEmpty, false},
		{"an indicator without a name", func(p *Plan) { p.Party.Items[3].Name = "" }, "party.items[3].name", RulePlanNameEmpty, false},
		{"grade bands out of order", func(p *Plan) { p.Grades[1].Min = 19500 }, "grades[1].min", RulePlanGradesOrder, false},
		{"two grades with one name", func(p *Plan) { p.Grades[2].Name = "良好" }, "grades[2].name", RulePlanGradeName, false},
		{"a calendar entry outside the year", func(p *Plan) { p.Calendar.Holidays = append(p.Calendar.Holidays, "2020-01-01") },
			"calendar.holidays[7]", RulePlanOutsideYear, false},
		{"a calendar range that runs into the next year", func(p *Plan) { p.Calendar.Holidays = append(p.Calendar.Holidays, "2019-12-31..2020-01-01") },
			"calendar.holidays[7]", RulePlanOutsideYear, false},
		{"a calendar entry that is not a date", func(p *Plan) { p.Calendar.Workdays[1] = "2019-02-30" }, "calendar.workdays[1]", RulePlanCalendarEntry, false},
		{"a day that is both a holiday and a working day", func(p *Plan) { p.Calendar.Workdays[0] = "2019-10-03" }, "calendar.workdays[0]", RulePlanCalendarBoth, false},
		{"an empty calendar", func(p *Plan) { p.Calendar = Calendar{} }, "calendar.holidays", RulePlanCalendarEmpty, false},
		{"an unknown zone", func(p *Plan) { p.Zone = "Asia/Dalian" }, "zone", RulePlanZone, false},
		{"a year out of range", func(p *Plan) { p.Year = 1999 }, "year", RulePlanYear, false},
		{"no title", func(p *Plan) { p.Title = "" }, "title", RulePlanTitle, false},
		{"innovation points not a multiple of the step", func(p *Plan) { p.Innovation.MaxPoints = 275 }, "innovation.max_points", RulePlanInnovation, false},
		{"an unknown contact field", func(p *Plan) { p.Contacts.Required = append(p.Contacts.Required, "wechat") }, "contacts.required[4]", RulePlanContacts, false},
		{"a monthly count of an indicator that does not exist", func(p *Plan) { p.Monthly.Indicator = "B14" }, "monthly.indicator", RulePlanMonthly, false},
		{"a monthly count of a required item the indicator lacks", func(p *Plan) { p.Monthly.Required = "B2.1" }, "monthly.required", RulePlanMonthly, false},
		{"monthly counts ending before they start", func(p *Plan) { p.Monthly.To = "2019-05" }, "monthly.to", RulePlanMonthly, false},
		{"a monthly due day some months lack", func(p *Plan) { p.Monthly.DueDay = 31 }, "monthly.due_day", RulePlanMonthly, false},
		{"monthly counts of another year", func(p *Plan) { p.Monthly.From = "2018-12" }, "monthly.from", RulePlanOutsideYear, false},
		{"a negative deduction", func(p *Plan) { p.Deductions.LateNode = -50 }, "deductions.late_node", RulePlanDeduction, false},
		{"a manual rule listed twice", func(p *Plan) { p.Deductions.ManualRules[3] = "瞒报" }, "deductions.manual_rules[3]", RulePlanDeduction, false},
		{"scoring before the last checkpoint", func(p *Plan) { p.Scoring.Date = MustDate("2019-11-29") }, "scoring.date", RulePlanScoring, false},
		{"an empty forbidden phrase", func(p *Plan) { p.ForbiddenPhrases[2] = "" }, "forbidden_phrases[2]", RulePlanPhrase, false},

		{"warning: a checkpoint on a day off", func(p *Plan) {}, "checkpoints[0].date", RulePlanCheckpointOff, true},
		{"warning: a title without the year", func(p *Plan) { p.Title = "各区市县总工会实绩考核工作指标" }, "title", RulePlanTitleYear, true},
		{"warning: a deadline at midnight", func(p *Plan) { p.Deadline.Time = ClockTime{} }, "deadline.time", RulePlanDeadlineTime, true},
		{"warning: a 调休 working day that is a weekday", func(p *Plan) { p.Calendar.Workdays[2] = "2019-04-29" }, "calendar.workdays[2]", RulePlanCalendarWorkday, true},
		{"warning: a date listed twice", func(p *Plan) { p.Calendar.Holidays = append(p.Calendar.Holidays, "2019-10-02") }, "calendar.holidays[7]", RulePlanCalendarDup, true},
		{"warning: a grade no total can reach", func(p *Plan) { p.Grades[0].Min = 21000 }, "grades[0].min", RulePlanGradesOdd, true},
		{"warning: a lowest grade above zero", func(p *Plan) { p.Grades[3].Min = 10000 }, "grades[3].min", RulePlanGradesOdd, true},
		{"warning: a late-submission cap below one day's deduction", func(p *Plan) { p.Deductions.LateSubmissionCap = 50 }, "deductions.late_submission_cap", RulePlanDeductionOdd, true},
		{"warning: scoring on a Sunday", func(p *Plan) { p.Scoring.Date = MustDate("2019-12-22") }, "scoring.date", RulePlanScoringOdd, true},
		{"warning: scoring in the next year", func(p *Plan) { p.Scoring.Date = MustDate("2020-01-10") }, "scoring.date", RulePlanScoringOdd, true},
		{"warning: a month due after scoring", func(p *Plan) { p.Monthly.To = "2019-12" }, "monthly.to", RulePlanMonthlyLate, true},
		{"warning: two annexes with one number", func(p *Plan) { p.Innovation.Annex = 2 }, "innovation.annex", RulePlanAnnex, true},
		{"warning: a deadline on a day off, moved (Sunday June 9 to Monday June 10)", func(p *Plan) { p.Deadline.Date = MustDate("2019-06-09") }, "deadline.date", RulePlanDeadlineDayOff, true},
		{"warning: no office contacts", func(p *Plan) { p.OfficeContacts = nil }, "office_contacts", RulePlanOfficeContacts, true},
		{"warning: a duty listed twice", func(p *Plan) { p.Contacts.Duties = []string{DutyHead, DutyHead} }, "contacts.duties[1]", RulePlanContacts, true},
		{"warning: a checkpoint without a name", func(p *Plan) { p.Checkpoints[1].Name = "" }, "checkpoints[1].name", RulePlanCheckpointName, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := draft2019(t)
			tt.change(p)
			p.Calendar.prepare()
			problems, warnings := CheckPlan(p)
			found, other := problems, warnings
			if tt.warning {
				found, other = warnings, problems
				if len(problems) > 0 {
					t.Errorf("a warning case has problems: %v", problems)
				}
			}
			for _, v := range found {
				if v.Path == tt.path && v.Rule == tt.rule {
					if v.Message == "" {
						t.Error("no message")
					}
					return
				}
			}
			t.Errorf("no %s at %s; found %v; other %v", tt.rule, tt.path, found, other)
		})
	}
}

// TestPlanUnreachableMessage: the message says why, in the office's terms.
func TestPlanUnreachableMessage(t *testing.T) {
	p := draft2019(t)
	p.Party.Min = 2100
	problems, _ := CheckPlan(p)
	if len(problems) != 1 || problems[0].Message != "5项指标每项21-25分，合计只能在105-125分之间，达不到100分" {
		t.Fatalf("problems %v", problems)
	}
}

// TestNewPlanFrom: a new year keeps the rules and moves the dates; its
// calendar is empty until the office fills it, and then it passes.
func TestNewPlanFrom(t *testing.T) {
	src := draft2019(t)
	p, err := NewPlanFrom(src, 2020)
	if err != nil {
		t.Fatal(err)
	}
	if p.Year != 2020 || p.Title != "2020年度各区市县（开放先导区）总工会实绩考核工作指标" {
		t.Errorf("year %d title %q", p.Year, p.Title)
	}
	// 2020-06-13 is a Saturday: the deadline moves back to Friday.
	if p.Deadline.Date != MustDate("2020-06-12") || p.Deadline.Time != (ClockTime{17, 30}) {
		t.Errorf("deadline %v", p.Deadline)
	}
	if p.Checkpoints[1].Date != MustDate("2020-09-30") || p.Scoring.Date != MustDate("2020-12-20") {
		t.Errorf("checkpoints %v scoring %v", p.Checkpoints, p.Scoring)
	}
	if p.Monthly.From != "2020-06" || p.Monthly.To != "2020-11" {
		t.Errorf("monthly %+v", p.Monthly)
	}
	if len(p.Business.Items) != 13 || p.Business.Items[0].Required[1].Code != "B1.2" || p.Deductions.LateNode != 50 {
		t.Error("rules not kept")
	}
	if len(src.Calendar.Holidays) == 0 || src.Year != 2019 {
		t.Error("the source plan changed")
	}
	problems, _ := CheckPlan(p)
	if len(problems) != 1 || problems[0].Rule != RulePlanCalendarEmpty {
		t.Fatalf("problems %v, want only the empty calendar", problems)
	}
	// The State Council's 2020 arrangement (国办发明电〔2019〕16号 and the
	// extension of the Spring Festival).
	p.Calendar = Calendar{
		Holidays: []string{"2020-01-01", "2020-01-24..2020-02-02", "2020-04-04..2020-04-06", "2020-05-01..2020-05-05",
			"2020-06-25..2020-06-27", "2020-10-01..2020-10-08"},
		Workdays: []string{"2020-04-26", "2020-05-09", "2020-06-28", "2020-09-27", "2020-10-10"},
	}
	p.Calendar.prepare()
	if problems, _ := CheckPlan(p); len(problems) != 0 {
		t.Fatalf("problems with the calendar filled: %v", problems)
	}
	if p2, _ := NewPlanFrom(&Plan{Year: 2020, Deadline: Deadline{Date: MustDate("2020-02-29")}}, 2021); p2.Deadline.Date != MustDate("2021-02-26") {
		t.Errorf("February 29 moved to %v, want Friday February 26 (28 is a Sunday)", p2.Deadline.Date)
	}
}

// TestPlanYAMLRoundTrip: an exported plan file loads back to the same
// plan, with the calendar's runs written as ranges and points as numbers.
func TestPlanYAMLRoundTrip(t *testing.T) {
	p := loadPlan2019(t)
	b, err := EncodePlanYAML(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"- 2019-10-01..2019-10-07", "step: 0.5", "total: 100", "late_node: 0.5"} {
		if !strings.Contains(strings.ReplaceAll(string(b), `"`, ""), want) {
			t.Errorf("YAML lacks %q:\n%s", want, b)
		}
	}
	q, err := LoadPlan(b)
	if err != nil {
		t.Fatal(err)
	}
	if !SamePlan(p, q) {
		t.Fatal("the exported plan loads back different")
	}
}

// TestPlanRunning: a plan runs from its year's first day to a month after
// the last thing it schedules.
func TestPlanRunning(t *testing.T) {
	p := loadPlan2019(t)
	loc := p.Location()
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2018, 12, 31, 23, 0, 0, 0, loc), false},
		{time.Date(2019, 1, 1, 0, 0, 0, 0, loc), true},
		{time.Date(2019, 12, 20, 9, 0, 0, 0, loc), true},
		{time.Date(2020, 1, 31, 23, 0, 0, 0, loc), true},
		{time.Date(2020, 2, 1, 0, 0, 0, 0, loc), false},
		{time.Date(2025, 6, 1, 0, 0, 0, 0, loc), false},
	} {
		if got := p.Running(tt.at); got != tt.want {
			t.Errorf("Running(%v) = %v", tt.at, got)
		}
	}
}
