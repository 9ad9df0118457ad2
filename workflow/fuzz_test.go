package workflow

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"
)

// FuzzDocument decodes any JSON as a document and validates it against
// the 2019 plan: nothing panics, every violation has a path, a rule and a
// message, validation is deterministic, and a document that validates
// still validates after a round trip through its JSON (what a GET then a
// PUT does). Seeds: testdata/fuzz/FuzzDocument and the valid fixture.
//
//	go test ./workflow/ -run '^$' -fuzz FuzzDocument -fuzztime 10m
func FuzzDocument(f *testing.F) {
	p := loadPlan2019(f)
	cs := loadContacts(f)
	valid, err := os.ReadFile("../testdata/submission-2019.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"party":[{"code":"P1","points":20,"works":[{"title":"x","points":20,"covers":["a"],"nodes":[{"due":"2019-06-30","target":"t","standard":"s","evidence":"e","points":20}]}]}]}`))
	f.Add([]byte(`{"innovation":[{"title":"创新","points":3.5,"nodes":[{"due":"2019-13-45","points":-1}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Document
		if json.Unmarshal(b, &d) != nil {
			return
		}
		d.Normalize()
		errs, warns := Validate(p, &d, cs)
		for _, v := range append(append([]Violation{}, errs...), warns...) {
			if v.Rule == "" || v.Message == "" {
				t.Fatalf("violation without a rule or message: %+v", v)
			}
		}
		errs2, warns2 := Validate(p, &d, cs)
		if !reflect.DeepEqual(errs, errs2) || !reflect.DeepEqual(warns, warns2) {
			t.Fatal("validation is not deterministic")
		}
		if len(errs) > 0 {
			return
		}
		out, err := json.Marshal(&d)
		if err != nil {
			t.Fatalf("a valid document does not encode: %v", err)
		}
		var back Document
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("a valid document does not decode back: %v\n%s", err, out)
		}
		back.Normalize()
		if errs, _ := Validate(p, &back, cs); len(errs) > 0 {
			t.Fatalf("valid, then invalid after a round trip: %+v\n%s", errs, out)
		}
	})
}

// FuzzLoadPlan loads any YAML as a plan: nothing panics, and a plan that
// loads can be used: its calendar, reminders, grades and the validation of
// an empty document work, and it survives the database's JSON form.
// Seeds: testdata/fuzz/FuzzLoadPlan and the 2019 plan.
//
//	go test ./workflow/ -run '^$' -fuzz FuzzLoadPlan -fuzztime 3m
func FuzzLoadPlan(f *testing.F) {
	b, err := os.ReadFile("../configs/plans/2019.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("year: 2020\nzone: Asia/Shanghai\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := LoadPlan(b)
		if err != nil {
			return
		}
		for _, m := range p.Months() {
			_ = p.MonthDueTime(m)
		}
		rules := ReminderRules{LeadDays: []int{7, 3, 1}, At: ClockTime{Hour: 9}}
		_ = p.Schedule(rules)
		_ = p.DueNotices(p.DeadlineTime().Add(-time.Hour), rules)
		_ = p.GradeOf(95 * Point)
		_, _ = Validate(p, &Document{}, nil)
		j, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("a loaded plan does not encode: %v", err)
		}
		if _, err := PlanFromJSON(j); err != nil {
			t.Fatalf("a loaded plan does not load back from JSON: %v", err)
		}
	})
}
