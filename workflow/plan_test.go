package workflow

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

func loadPlan2019(t testing.TB) *Plan {
	t.Helper()
	b, err := os.ReadFile("../configs/plans/2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPlan(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlan2019MatchesTheNotice(t *testing.T) {
	p := loadPlan2019(t)
	if len(p.Party.Items) != 5 || len(p.Business.Items) != 13 {
		t.Fatalf("items: %d party, %d business", len(p.Party.Items), len(p.Business.Items))
	}
	required, withRequired := 0, 0
	for _, it := range p.Business.Items {
		required += len(it.Required)
		if len(it.Required) > 0 {
			withRequired++
		}
	}
	if required != 30 || withRequired != 11 {
		t.Fatalf("required items: %d in %d indicators, want 30 in 11", required, withRequired)
	}
	if p.Party.Min != 1500 || p.Party.Max != 2500 || p.Party.Total != 10000 || p.Party.Step != 100 {
		t.Fatalf("party ranges %+v", p.Party)
	}
	if p.Business.Min != 400 || p.Business.Max != 1100 || p.Business.Total != 10000 {
		t.Fatalf("business ranges %+v", p.Business)
	}
	if p.Innovation.MaxItems != 2 || p.Innovation.MaxPoints != 300 || p.Innovation.Step != 50 {
		t.Fatalf("innovation %+v", p.Innovation)
	}
	want := time.Date(2019, 6, 13, 17, 30, 0, 0, p.Location())
	if !p.DeadlineTime().Equal(want) || p.Deadline.Date.Weekday() != time.Thursday {
		t.Fatalf("deadline %v", p.DeadlineTime())
	}
	if len(p.ForbiddenPhrases) != 4 {
		t.Fatalf("forbidden phrases %v", p.ForbiddenPhrases)
	}
	if got := p.Business.Items[0].Required[1].Code; got != "B1.2" {
		t.Fatalf("B1 second required item is %s", got)
	}
}

func TestCalendar2019(t *testing.T) {
	p := loadPlan2019(t)
	c := &p.Calendar
	tests := []struct {
		date    string
		workday bool
	}{
		{"2019-01-01", false}, // New Year
		{"2019-02-02", true},  // Saturday, 调休
		{"2019-02-03", true},  // Sunday, 调休
		{"2019-02-04", false}, // Spring Festival
		{"2019-02-10", false},
		{"2019-02-11", true},
		{"2019-04-28", true},  // Sunday, 调休
		{"2019-05-04", false}, // Labour Day (Saturday)
		{"2019-05-05", true},  // Sunday, 调休
		{"2019-06-07", false}, // Dragon Boat (Friday)
		{"2019-06-13", true},  // the deadline, Thursday
		{"2019-06-29", false}, // Saturday
		{"2019-06-30", false}, // Sunday
		{"2019-09-13", false}, // Mid-Autumn
		{"2019-09-29", true},  // Sunday, 调休
		{"2019-09-30", true},  // Monday
		{"2019-10-01", false},
		{"2019-10-07", false},
		{"2019-10-08", true},
		{"2019-10-12", true},  // Saturday, 调休
		{"2019-11-30", false}, // Saturday
	}
	for _, tt := range tests {
		if got := c.IsWorkday(MustDate(tt.date)); got != tt.workday {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.date, got, tt.workday)
		}
	}
	shifts := []struct{ fn, in, want string }{
		{"before", "2019-06-30", "2019-06-28"}, // Sunday 1-day reminder goes out Friday
		{"before", "2019-06-07", "2019-06-06"}, // Dragon Boat
		{"before", "2019-10-05", "2019-09-30"},
		{"before", "2019-09-29", "2019-09-29"}, // working Sunday
		{"after", "2019-09-30", "2019-10-08"},  // overdue notice after National Day
		{"after", "2019-06-13", "2019-06-14"},
		{"after", "2019-06-30", "2019-07-01"},
		{"after", "2019-11-30", "2019-12-02"},
	}
	for _, s := range shifts {
		var got Date
		if s.fn == "before" {
			got = c.WorkdayOnOrBefore(MustDate(s.in))
		} else {
			got = c.WorkdayAfter(MustDate(s.in))
		}
		if got.String() != s.want {
			t.Errorf("%s(%s) = %s, want %s", s.fn, s.in, got, s.want)
		}
	}
}

func TestDueTimeIsEndOfDayInZone(t *testing.T) {
	p := loadPlan2019(t)
	due := p.NodeDue(MustDate("2019-09-30"), time.Time{}).At // a working Monday
	at2300 := time.Date(2019, 9, 30, 23, 0, 0, 0, p.Location())
	if !at2300.Before(due) {
		t.Fatalf("a report at 23:00 on September 30 must be on time; due %v", due)
	}
	if !time.Date(2019, 10, 1, 0, 0, 0, 0, p.Location()).Equal(due) {
		t.Fatalf("due %v", due)
	}
	// 23:30 UTC on September 30 is already October 1 in Shanghai: late.
	if time.Date(2019, 9, 30, 23, 30, 0, 0, time.UTC).Before(due) {
		t.Fatal("a report at 07:30 October 1 Shanghai time must be late")
	}
}

func TestPlanRefusesUnknownFields(t *testing.T) {
	_, err := LoadPlan([]byte("year: 2020\nzone: Asia/Shanghai\ndeadlne: {date: 2020-06-13}\n"))
	if err == nil {
		t.Fatal("a misspelt field must be refused")
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	p := loadPlan2019(t)
	b, err := jsonMarshal(p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := PlanFromJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	if !q.Calendar.IsWorkday(MustDate("2019-09-29")) || q.Calendar.IsWorkday(MustDate("2019-10-03")) {
		t.Fatal("calendar lost in JSON round trip")
	}
	if q.DeadlineTime() != p.DeadlineTime() && !q.DeadlineTime().Equal(p.DeadlineTime()) {
		t.Fatal("deadline lost")
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// TestPlanJSONListsAreNeverNull: a client builds its forms from the plan,
// so an item without required contents has an empty list, not null.
func TestPlanJSONListsAreNeverNull(t *testing.T) {
	b, err := json.Marshal(loadPlan2019(t))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "null") {
		t.Fatalf("plan JSON has a null: %s", b)
	}
}
