package demo_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kaohe/configs"
	"kaohe/internal/app"
	"kaohe/internal/demo"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

var office = service.Actor{Username: "admin", Role: workflow.RoleOffice}

// played is one play of the year into a fresh data directory, as kaohe
// demo plays it.
type played struct {
	app    *app.App
	res    *demo.Result
	outbox string
	plan   *workflow.Plan
}

func play(t *testing.T, until time.Time) *played {
	t.Helper()
	cfg := configs.Default()
	cfg.Data = t.TempDir()
	cfg.Login.BcryptCost = bcrypt.MinCost
	cfg.Jobs.Enabled = false
	cfg.LazySync = true
	cfg.OfficeEmail = "bgs@dlzgh.example.cn"
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, workflow.NewManualClock(demo.Start), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	outbox := filepath.Join(cfg.Data, "outbox")
	res, err := demo.Play(ctx, a, demo.Options{Until: until, Password: "demo-password", Mailer: &jobs.EMLMailer{Dir: outbox}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Service.Plan(ctx, demo.Year)
	if err != nil {
		t.Fatal(err)
	}
	return &played{app: a, res: res, outbox: outbox, plan: p}
}

// TestPlayTheWholeYear is the whole-year end-to-end test: the demo's 2019,
// played through the service and the jobs on a virtual clock. Every
// reminder was sent once; the overdue notices went to exactly the units
// that owed something; every deduction of the published ranking traces to
// its fact; and every unit's figures equal those computed here from the
// play's own record of what happened, without the scoring code.
func TestPlayTheWholeYear(t *testing.T) {
	t.Parallel()
	pl := play(t, time.Time{})
	ctx := context.Background()
	svc, res, led := pl.app.Service, pl.res, pl.res.Ledger
	if got := pl.app.Clock.Now(); !got.Equal(demo.EndOfYear) {
		t.Fatalf("the clock stopped at %v", got)
	}
	if len(res.Accounts) != 16 {
		t.Fatalf("%d accounts, want admin, 14 units and leader", len(res.Accounts))
	}
	for _, acc := range []string{"admin", "gjz", "hyk", "leader"} {
		if _, _, _, err := svc.Login(ctx, service.Credentials{Username: acc, Password: "demo-password", Address: "127.0.0.1"}); err != nil {
			t.Errorf("%s cannot sign in: %v", acc, err)
		}
	}

	t.Run("every reminder was sent once", func(t *testing.T) {
		msgs, err := svc.Notifications(ctx, office, service.OutboxFilter{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if res.Mail.Sent != len(msgs) || res.Mail.Pending+res.Mail.Failed+res.Mail.Expired != 0 || len(msgs) < 200 {
			t.Fatalf("outbox %+v of %d messages", res.Mail, len(msgs))
		}
		kinds := map[workflow.NoticeKind]int{}
		for _, m := range msgs {
			kinds[m.Kind]++
		}
		if kinds[workflow.NoticeReminder] == 0 || kinds[workflow.NoticeOverdue] == 0 || kinds[workflow.NoticeDigest] == 0 {
			t.Fatalf("kinds %v", kinds)
		}
		files, err := filepath.Glob(filepath.Join(pl.outbox, "*.eml"))
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]bool{}
		for _, f := range files {
			b, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := mail.ReadMessage(b)
			b.Close()
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			k := m.Header.Get("X-Kaohe-Key")
			if k == "" || keys[k] {
				t.Fatalf("%s: key %q missing or seen twice", f, k)
			}
			keys[k] = true
		}
		if len(files) != len(msgs) {
			t.Fatalf("%d .eml files for %d messages", len(files), len(msgs))
		}
	})

	t.Run("overdue notices reached exactly the units that owed", func(t *testing.T) {
		msgs, err := svc.Notifications(ctx, office, service.OutboxFilter{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, m := range msgs {
			if m.Kind == workflow.NoticeOverdue {
				got[m.Deadline+" "+m.Unit] = true
			}
		}
		var lines []string
		for l := range got {
			lines = append(lines, l)
		}
		sort.Strings(lines)
		want := "checkpoint:2019-06-30 zh|checkpoint:2019-09-30 sh|checkpoint:2019-11-30 jp|checkpoint:2019-11-30 wfd|monthly:2019-08 hyk|monthly:2019-09 lsk|submission:2019-06-13 pl"
		if strings.Join(lines, "|") != want {
			t.Fatalf("overdue notices to\n%s\nwant\n%s", strings.Join(lines, "|"), want)
		}
	})

	run := led.Published
	if run == nil {
		t.Fatal("no ranking was published")
	}
	runs, err := svc.ScoringRuns(ctx, office, demo.Year)
	if err != nil || len(runs) != 1 || !runs[0].Published || runs[0].CreatedBy != service.SystemActor.Username ||
		!runs[0].CreatedAt.Equal(time.Date(2019, 12, 20, 9, 0, 0, 0, pl.plan.Location())) {
		t.Fatalf("runs %+v (%v), want the scheduled one of December 20, published", runs, err)
	}
	if len(run.Results) != 14 {
		t.Fatalf("%d results", len(run.Results))
	}

	t.Run("every deduction traces to its fact", func(t *testing.T) {
		for _, r := range run.Results {
			for _, d := range r.Deductions {
				if err := traces(pl.plan, led, r.Unit, d); err != nil {
					t.Errorf("%s: %s %s (%s): %v", r.Unit, d.Rule, d.Points, d.Ref, err)
				}
			}
		}
	})

	t.Run("every figure equals the one computed from the record", func(t *testing.T) {
		for _, r := range run.Results {
			want := figures(pl.plan, led, r.Unit)
			got := fmt.Sprintf("party %s business %s innovation %s deductions %s total %s", r.Party, r.Business, r.Innovation, r.DeductionTotal, r.Total)
			if got != want {
				t.Errorf("%s: %s\n want %s", r.Unit, got, want)
			}
		}
	})

	t.Run("the year is varied", func(t *testing.T) {
		by := map[string]workflow.UnitResult{}
		for _, r := range run.Results {
			by[r.Unit] = r
		}
		rules := map[string]bool{}
		for _, r := range run.Results {
			for _, d := range r.Deductions {
				rules[d.Rule] = true
			}
		}
		for _, rule := range []string{workflow.RuleLateSubmission, workflow.RuleLateNode, workflow.RuleMissingNode,
			workflow.RuleMonthlyMissing, workflow.RuleMonthlyLate, "质量不高"} {
			if !rules[rule] {
				t.Errorf("no %s deduction in the year", rule)
			}
		}
		refused, certified := 0, 0
		for _, items := range led.Innovation {
			for _, it := range items {
				if it.Certified {
					certified++
				} else {
					refused++
				}
			}
		}
		if refused == 0 || certified == 0 {
			t.Errorf("innovation items: %d certified, %d refused", certified, refused)
		}
		hist, err := svc.History(ctx, office, demo.Year, "cd")
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for _, h := range hist {
			steps = append(steps, string(h.Action))
		}
		if !strings.Contains(strings.Join(steps, " "), "submit return submit certify release") {
			t.Errorf("cd's history %v", steps)
		}
		if by["pl"].Deductions[0].Rule != workflow.RuleLateSubmission || by["pl"].Deductions[0].Points != 4*workflow.Point {
			t.Errorf("pl's deductions %+v", by["pl"].Deductions)
		}
		if by["hyk"].Grade == "" || run.Results[0].Rank != 1 {
			t.Errorf("ranking %+v", run.Results[0])
		}
	})
}

// traces checks one deduction against the record of the year.
func traces(p *workflow.Plan, led *demo.Ledger, unit string, d workflow.Deduction) error {
	switch d.Rule {
	case workflow.RuleLateSubmission:
		first := led.FirstSubmitted[unit]
		if !first.After(p.DeadlineTime()) || d.Ref != workflow.SubmissionRef(p.Year, unit) {
			return fmt.Errorf("first submitted %v, deadline %v", first, p.DeadlineTime())
		}
	case workflow.RuleLateNode, workflow.RuleMissingNode:
		n := led.Nodes[unit][d.Ref]
		switch {
		case n == nil:
			return fmt.Errorf("no node %s", d.Ref)
		case d.Rule == workflow.RuleMissingNode && len(n.Reports) > 0:
			return fmt.Errorf("reported at %v", n.Reports)
		case d.Rule == workflow.RuleLateNode && (len(n.Reports) == 0 || !lateReport(p, n)):
			return fmt.Errorf("reports %v, due %s", n.Reports, n.Due)
		}
	case workflow.RuleMonthlyMissing, workflow.RuleMonthlyLate:
		m, err := workflow.ParseMonth(strings.TrimPrefix(d.Ref, "monthly:"))
		if err != nil {
			return err
		}
		got, ok := led.Months[unit][m]
		switch {
		case d.Rule == workflow.RuleMonthlyMissing && ok:
			return fmt.Errorf("reported %v", got.At)
		case d.Rule == workflow.RuleMonthlyLate && (!ok || !lateMonth(p, m, got.At)):
			return fmt.Errorf("reported %v (%v)", got.At, ok)
		}
	default:
		for _, m := range led.Manual {
			if m.Unit == unit && d.Ref == fmt.Sprintf("deduction:%d", m.ID) && m.Rule == d.Rule && m.Points == d.Points {
				return nil
			}
		}
		return fmt.Errorf("no manual deduction %s", d.Ref)
	}
	return nil
}

// dueEnd is when a node due on d becomes late: the end of its day.
func dueEnd(p *workflow.Plan, d workflow.Date) time.Time { return d.AddDays(1).In(p.Location()) }

// lateReport reports whether a node's last report came after its day.
func lateReport(p *workflow.Plan, n *demo.NodeLog) bool {
	return !n.Reports[len(n.Reports)-1].Before(dueEnd(p, n.Due))
}

// lateMonth reports whether a month's count came after the end of its due
// day (the fifth of the next month).
func lateMonth(p *workflow.Plan, m workflow.Month, at time.Time) bool {
	next := m.Next()
	return !at.Before(workflow.Date{Year: next.Year, Month: next.Month, Day: p.Monthly.DueDay}.AddDays(1).In(p.Location()))
}

// figures computes a unit's scores from the record: the points the office
// awarded on accepted party and business nodes; each certified innovation
// item whose nodes were all accepted, at its awards (at most its declared
// points); and the deductions, by the plan's amounts: days late, late and
// missing nodes, missing and late months, and the manual ones.
func figures(p *workflow.Plan, led *demo.Ledger, unit string) string {
	var party, business, innovation, ded workflow.Points
	items := map[int][]*demo.NodeLog{}
	for path, n := range led.Nodes[unit] {
		accepted := len(n.Verdicts) > 0 && n.Verdicts[len(n.Verdicts)-1].Accept
		var award workflow.Points
		if accepted {
			award = n.Verdicts[len(n.Verdicts)-1].Points
		}
		switch n.Category {
		case workflow.CategoryParty:
			party += award
		case workflow.CategoryBusiness:
			business += award
		case workflow.CategoryInnovation:
			var item int
			fmt.Sscanf(path, "innovation[%d]", &item)
			items[item] = append(items[item], n)
			continue
		}
		if len(n.Reports) == 0 {
			ded += p.Deductions.MissingNode
		} else if lateReport(p, n) {
			ded += p.Deductions.LateNode
		}
	}
	for i, it := range led.Innovation[unit] {
		var awarded workflow.Points
		done := it.Certified && len(items[i]) > 0
		for _, n := range items[i] {
			if len(n.Verdicts) == 0 || !n.Verdicts[len(n.Verdicts)-1].Accept {
				done = false
				break
			}
			awarded += n.Verdicts[len(n.Verdicts)-1].Points
		}
		if done {
			innovation += min(awarded, it.Points, p.Innovation.MaxPoints)
		}
	}
	if first := led.FirstSubmitted[unit]; first.After(p.DeadlineTime()) {
		days := p.Deadline.Date.DaysUntil(workflow.DateOf(first.In(p.Location())))
		ded += min(workflow.Points(max(days, 1))*p.Deductions.LateSubmissionPerDay, p.Deductions.LateSubmissionCap)
	}
	for _, m := range p.Months() {
		got, ok := led.Months[unit][m]
		switch {
		case !ok:
			ded += p.Deductions.MonthlyMissing
		case lateMonth(p, m, got.At):
			ded += p.Deductions.MonthlyLate
		}
	}
	for _, m := range led.Manual {
		if m.Unit == unit {
			ded += m.Points
		}
	}
	total := party + business + innovation - ded
	return fmt.Sprintf("party %s business %s innovation %s deductions %s total %s", party, business, innovation, ded, total)
}

// TestPlayStopsAt: stopped at 10:00 on October 8, the year is as it was
// then: the September overdue notices went out that morning (the first
// working day after National Day), the late September node is not yet
// reported, nothing is scored, and the clock reads that instant.
func TestPlayStopsAt(t *testing.T) {
	t.Parallel()
	until := time.Date(2019, 10, 8, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	pl := play(t, until)
	ctx := context.Background()
	svc := pl.app.Service
	if !pl.app.Clock.Now().Equal(until) {
		t.Fatalf("clock %v", pl.app.Clock.Now())
	}
	msgs, err := svc.Notifications(ctx, office, service.OutboxFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range msgs {
		found = found || (m.Kind == workflow.NoticeOverdue && m.Unit == "sh" && m.Deadline == "checkpoint:2019-09-30")
	}
	if !found {
		t.Error("no overdue notice to sh for September 30")
	}
	ns, err := svc.Nodes(ctx, office, demo.Year, "sh", service.NodeQuery{State: workflow.NodeOverdue})
	if err != nil || len(ns) == 0 {
		t.Fatalf("sh's overdue nodes: %v (%v)", ns, err)
	}
	if runs, _ := svc.ScoringRuns(ctx, office, demo.Year); len(runs) != 0 {
		t.Fatalf("%d scoring runs in October", len(runs))
	}
	if pl.res.Ledger.Published != nil {
		t.Fatal("a ranking published in October")
	}
}
