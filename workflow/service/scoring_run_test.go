package service

import (
	"testing"
	"time"

	"kaohe/workflow"
)

// TestDigestCoversContestInputs: the inputs digest of a unit changes with
// every waiver in force (its ref, amount, reason, granter and the
// objection behind it), with the time its tables were received, and with
// the figures a manual deduction cites, so that a run computed before any
// of them changed cannot be published.
func TestDigestCoversContestInputs(t *testing.T) {
	t.Parallel()
	at := time.Date(2019, 12, 18, 2, 0, 0, 0, time.UTC)
	first := time.Date(2019, 6, 17, 2, 0, 0, 0, time.UTC)
	n10000, n9000, n9500 := int64(10000), int64(9000), int64(9500)
	base := func() workflow.ScoringUnit {
		return workflow.ScoringUnit{Code: "gjz", Name: "甘井子区总工会", State: "executing", FirstSubmittedAt: &first,
			Manual:  []workflow.ManualDeduction{{ID: 3, Unit: "gjz", Rule: "瞒报", Points: 100, Reason: "多报", Month: "2019-08", UnitCount: &n10000, SystemCount: &n9000}},
			Waivers: []workflow.Waiver{{ID: 1, Unit: "gjz", Ref: "business[2].works[0].nodes[0]", Points: 0, Reason: "系统故障", By: "admin", At: at}}}
	}
	variants := map[string]func(u *workflow.ScoringUnit){
		"unchanged":                    func(*workflow.ScoringUnit) {},
		"no waiver":                    func(u *workflow.ScoringUnit) { u.Waivers = nil },
		"a waiver reduces, not waives": func(u *workflow.ScoringUnit) { u.Waivers[0].Points = 25 },
		"a waiver of another line":     func(u *workflow.ScoringUnit) { u.Waivers[0].Ref = "monthly:2019-07" },
		"another reason":               func(u *workflow.ScoringUnit) { u.Waivers[0].Reason = "办公室原因" },
		"granted by an objection":      func(u *workflow.ScoringUnit) { u.Waivers[0].Objection = 4 },
		"granted again later":          func(u *workflow.ScoringUnit) { u.Waivers[0].ID, u.Waivers[0].At = 2, at.Add(time.Hour) },
		"tables received": func(u *workflow.ScoringUnit) {
			u.Received = &workflow.Receipt{At: first.Add(-96 * time.Hour), Reason: "邮件", By: "admin", RecordedAt: at}
		},
		"another cited figure": func(u *workflow.ScoringUnit) { u.Manual[0].SystemCount = &n9500 },
	}
	seen := map[string]string{}
	for name, mutate := range variants {
		u := base()
		mutate(&u)
		d := string(digestUnit(nil, &u))
		if other, ok := seen[d]; ok {
			t.Errorf("%q and %q have the same digest", name, other)
		}
		seen[d] = name
	}
	u, v := base(), base()
	v.Received = &workflow.Receipt{At: first.Add(-96 * time.Hour), Reason: "邮件", By: "admin", RecordedAt: at}
	w := v
	w.Received = &workflow.Receipt{At: first.Add(-72 * time.Hour), Reason: "邮件", By: "admin", RecordedAt: at}
	if string(digestUnit(nil, &v)) == string(digestUnit(nil, &w)) || string(digestUnit(nil, &u)) != string(digestUnit(nil, &u)) {
		t.Fatal("the receipt's time is not in the digest, or the digest is not stable")
	}
}
