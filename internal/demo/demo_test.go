package demo_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kaohe/configs"
	"kaohe/internal/app"
	"kaohe/internal/demo"
	"kaohe/internal/testenv"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
	"kaohe/workflow/store/storetest"
)

var office = service.Actor{Username: "admin", Role: workflow.RoleOffice}

// played is one play of the year into a fresh data directory, as kaohe
// demo plays it.
type played struct {
	app    *app.App
	res    *demo.Result
	outbox string
	robots string
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
	clock := workflow.NewManualClock(demo.Start)
	robots, err := demo.StartRobots(filepath.Join(cfg.Data, "robots"), clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { robots.Close() })
	cfg.Robots.AllowedHosts = []string{robots.Host}
	a, err := app.Open(ctx, cfg, clock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	outbox := filepath.Join(cfg.Data, "outbox")
	res, err := demo.Play(ctx, a, demo.Options{Until: until, Password: "demo-password", Mailer: &jobs.EMLMailer{Dir: outbox}, Robots: robots})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Service.Plan(ctx, demo.Year)
	if err != nil {
		t.Fatal(err)
	}
	return &played{app: a, res: res, outbox: outbox, robots: robots.Dir, plan: p}
}

// TestPlayTheWholeYear is the whole-year end-to-end test: the demo's 2019,
// played through the service and the jobs on a virtual clock. Every
// reminder was sent once, and every robot message delivered once; the
// overdue notices went to exactly the units that owed something; every
// deduction of both published runs traces to its fact, and a waived one
// to its waiver; every unit's figures equal those computed here from the
// play's own record of what happened (receipts, waivers and corrections
// included), without the scoring code; and both objections were answered,
// the accepted one corrected in the final result.
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
	if res.Mail.Pending+res.Mail.Failed+res.Mail.Expired != 0 || res.Mail.Sent != res.Emails+res.RobotMessages {
		t.Fatalf("outbox %+v, %d emails and %d robot messages sent", res.Mail, res.Emails, res.RobotMessages)
	}

	t.Run("every reminder was sent once", func(t *testing.T) {
		msgs, err := svc.Notifications(ctx, office, service.OutboxFilter{Channel: workflow.ChannelEmail, Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if res.Emails != len(msgs) || len(msgs) < 200 {
			t.Fatalf("%d emails sent of %d", res.Emails, len(msgs))
		}
		kinds := map[workflow.NoticeKind]int{}
		for _, m := range msgs {
			kinds[m.Kind]++
		}
		for _, k := range []workflow.NoticeKind{workflow.NoticeReminder, workflow.NoticeOverdue, workflow.NoticeDigest,
			workflow.NoticePublication, workflow.NoticeAnswer, workflow.NoticeObjections} {
			if kinds[k] == 0 {
				t.Errorf("no %s email in %v", k, kinds)
			}
		}
		// Every unit's contacts heard of the publication once, and each
		// objecting unit's of its answer once.
		if kinds[workflow.NoticePublication] != 28 || kinds[workflow.NoticeAnswer] != 4 {
			t.Errorf("%d publication and %d answer emails, want 28 and 4", kinds[workflow.NoticePublication], kinds[workflow.NoticeAnswer])
		}
		files := testenv.Mails(t, pl.outbox)
		keys := map[string]bool{}
		for _, m := range files {
			if m.Key == "" || keys[m.Key] {
				t.Fatalf("%s: key %q missing or seen twice", m.File, m.Key)
			}
			keys[m.Key] = true
		}
		if len(files) != len(msgs) {
			t.Fatalf("%d .eml files for %d messages", len(files), len(msgs))
		}
	})

	t.Run("every robot message was delivered once", func(t *testing.T) {
		if len(led.Robots) != 2 {
			t.Fatalf("robots %v, want jp's and the office's", led.Robots)
		}
		total := 0
		for recipient, rb := range led.Robots {
			all, err := svc.Notifications(ctx, office, service.OutboxFilter{Channel: rb.Kind, Limit: 100000})
			if err != nil {
				t.Fatal(err)
			}
			var msgs []workflow.OutboxMessage
			kinds := map[workflow.NoticeKind]int{}
			for _, m := range all {
				if m.Recipient == recipient {
					// Reminders are stored as facts: render them as the
					// dispatcher did to compare with what arrived.
					if err := jobs.Render(&m); err != nil {
						t.Fatal(err)
					}
					msgs = append(msgs, m)
					kinds[m.Kind]++
					if m.State != workflow.OutboxSent {
						t.Errorf("%s: %s %s", rb.Dir, m.KeyString(), m.State)
					}
				}
			}
			total += len(msgs)
			want := []workflow.NoticeKind{workflow.NoticeDigest, workflow.NoticeObjections}
			if rb.Owner != "" {
				want = []workflow.NoticeKind{workflow.NoticeReminder, workflow.NoticeOverdue, workflow.NoticePublication, workflow.NoticeAnswer}
			}
			for _, k := range want {
				if kinds[k] == 0 {
					t.Errorf("%s got no %s: %v", rb.Dir, k, kinds)
				}
			}
			files, err := filepath.Glob(filepath.Join(pl.robots, rb.Dir, "*.md"))
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(files)
			if len(files) != len(msgs)+1 {
				t.Fatalf("%s: %d files for its test message and %d outbox messages", rb.Dir, len(files), len(msgs))
			}
			// The test message comes first; then each message of the
			// outbox is in exactly one file.
			used := make([]bool, len(msgs))
			for i, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				header, body, ok := strings.Cut(string(b), "\n\n")
				body = strings.TrimSuffix(body, "\n")
				if !ok || body == "" || !strings.Contains(header, rb.Kind.Label()) {
					t.Fatalf("%s:\n%s", f, b)
				}
				if i == 0 {
					if !strings.Contains(body, "测试消息") {
						t.Errorf("%s is not the test message:\n%s", f, body)
					}
					continue
				}
				found := -1
				for k, m := range msgs {
					if !used[k] && strings.HasPrefix(m.Text, body) {
						found = k
						break
					}
				}
				if found < 0 {
					t.Fatalf("%s is no outbox message, or one delivered twice:\n%s", f, body)
				}
				used[found] = true
			}
		}
		if total != res.RobotMessages {
			t.Fatalf("%d robot messages of the ledger's robots, %d sent", total, res.RobotMessages)
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

	first, final := led.Published, led.Corrected
	if first == nil || final == nil {
		t.Fatalf("published %v, corrected %v", first, final)
	}
	runs, err := svc.ScoringRuns(ctx, office, demo.Year)
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs %+v (%v), want the scheduled one and the correction", runs, err)
	}
	if r := runs[1]; r.ID != first.ID || !r.Published || r.Publication != 1 || r.CreatedBy != service.SystemActor.Username ||
		!r.CreatedAt.Equal(time.Date(2019, 12, 20, 9, 0, 0, 0, pl.plan.Location())) {
		t.Fatalf("first run %+v, want the scheduled one of December 20, published", r)
	}
	periodEnds := time.Date(2019, 12, 31, 0, 0, 0, 0, pl.plan.Location())
	if r := runs[0]; r.ID != final.ID || !r.Published || r.Publication != 2 || r.CreatedBy != "admin" ||
		!first.ObjectionPeriodEnds.Equal(periodEnds) || !r.ObjectionPeriodEnds.Equal(periodEnds) {
		t.Fatalf("second run %+v, want the office's correction, published with the period ending %v", r, periodEnds)
	}
	for _, run := range []*workflow.ScoringRun{first, final} {
		if len(run.Results) != 14 {
			t.Fatalf("run %d: %d results", run.ID, len(run.Results))
		}
	}

	t.Run("every deduction traces to its fact", func(t *testing.T) {
		waived := 0
		for _, run := range []*workflow.ScoringRun{first, final} {
			for _, r := range run.Results {
				for _, d := range r.Deductions {
					if err := traces(pl.plan, led, run, &r, d); err != nil {
						t.Errorf("run %d, %s: %s %s (%s): %v", run.ID, r.Unit, d.Rule, d.Points, d.Ref, err)
					}
					if d.Waiver != nil {
						waived++
					}
				}
			}
		}
		if waived != 2 {
			t.Errorf("%d waived deductions in the two runs, want sh's in each", waived)
		}
	})

	t.Run("every figure equals the one computed from the record", func(t *testing.T) {
		for _, run := range []*workflow.ScoringRun{first, final} {
			for _, r := range run.Results {
				want := figures(pl.plan, led, r.Unit, run.CreatedAt)
				got := fmt.Sprintf("party %s business %s innovation %s deductions %s total %s", r.Party, r.Business, r.Innovation, r.DeductionTotal, r.Total)
				if got != want {
					t.Errorf("run %d, %s: %s\n want %s", run.ID, r.Unit, got, want)
				}
			}
		}
	})

	t.Run("the objections were answered", func(t *testing.T) {
		open, err := svc.ObjectionQueue(ctx, office, demo.Year, "open")
		if err != nil || len(open) != 0 {
			t.Fatalf("open objections %+v (%v)", open, err)
		}
		all, err := svc.ObjectionQueue(ctx, office, demo.Year, "")
		if err != nil || len(all) != 2 || len(led.Objections) != 2 {
			t.Fatalf("objections %+v (%v), ledger %+v", all, err, led.Objections)
		}
		for i, o := range all {
			if o.Open() || o.AnsweredAt == nil || o.Answer == "" || o.ID != led.Objections[i].ID || o.Verdict != led.Objections[i].Verdict {
				t.Errorf("objection %+v, ledger %+v", o, led.Objections[i])
			}
		}
		jp, wfd := all[0], all[1]
		if jp.Unit != "jp" || jp.Verdict != workflow.VerdictAccept || len(jp.Files) != 1 || jp.Correction == nil || jp.Correction.Review == nil ||
			wfd.Unit != "wfd" || wfd.Verdict != workflow.VerdictReject || wfd.Correction != nil || !strings.HasPrefix(wfd.Ref, "party[4]") {
			t.Fatalf("jp's objection %+v, wfd's %+v", jp, wfd)
		}
		// The final result is 已确定, and jp's objected node shows its
		// corrected points with the objection and its answer.
		r, err := svc.UnitResult(ctx, unitActor("jp"), demo.Year, "jp")
		if err != nil {
			t.Fatal(err)
		}
		if r.ResultState != workflow.ResultFinal || r.Publication != 2 || r.CanObject || r.ObjectionsOpen != 0 || r.CorrectionsPending != 0 {
			t.Fatalf("jp's result: %s, publication %d, can object %v, %d open, %d pending", r.ResultState, r.Publication, r.CanObject, r.ObjectionsOpen, r.CorrectionsPending)
		}
		found := false
		for _, l := range r.Lines {
			if l.Ref == jp.Ref {
				found = l.Scored != nil && *l.Scored == jp.Correction.Review.Points && *l.Scored == l.Points &&
					len(l.Objections) == 1 && l.Objections[0].Verdict == workflow.VerdictAccept
			}
		}
		if !found {
			t.Errorf("jp's node %s is not corrected in its result", jp.Ref)
		}
		// The correction changed jp's result and no other unit's scores.
		diff, err := svc.DiffRuns(ctx, office, demo.Year, final.ID, 0)
		if err != nil || diff.From != first.ID {
			t.Fatalf("diff %+v (%v)", diff, err)
		}
		changed := map[string]workflow.Points{}
		for _, u := range diff.Units {
			if u.TotalAfter != u.TotalBefore {
				changed[u.Unit] = u.TotalAfter - u.TotalBefore
			}
		}
		if len(changed) != 1 || changed["jp"] != jp.Correction.Review.Points-jp.Correction.Review.Before {
			t.Errorf("totals changed by the correction: %v", changed)
		}
	})

	t.Run("every submission's scoring facts are those of its document", func(t *testing.T) {
		err := pl.app.Store.View(ctx, func(tx service.Tx) error {
			got, want, err := storetest.SubmissionFacts(tx, demo.Year)
			if err != nil {
				return err
			}
			if len(want) < 14 || !reflect.DeepEqual(got, want) {
				t.Errorf("scoring facts\n%+v\nthe submissions give\n%+v", got, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		problems, err := pl.app.Store.Problems(ctx)
		if err != nil || len(problems) > 0 {
			t.Errorf("kaohe check: %v %q", err, problems)
		}
	})

	t.Run("the year is varied", func(t *testing.T) {
		by := map[string]workflow.UnitResult{}
		for _, r := range final.Results {
			by[r.Unit] = r
		}
		rules := map[string]bool{}
		for _, r := range final.Results {
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
		// pl keyed its tables in four days late, but the office received
		// them by email one day late.
		if d := by["pl"].Deductions[0]; d.Rule != workflow.RuleLateSubmission || d.Points != workflow.Point || by["pl"].Received == nil ||
			!strings.Contains(d.Reason, led.Receipts["pl"].Reason) {
			t.Errorf("pl's deductions %+v, received %+v", by["pl"].Deductions, by["pl"].Received)
		}
		if by["hyk"].Grade == "" || final.Results[0].Rank != 1 {
			t.Errorf("ranking %+v", final.Results[0])
		}
	})
}

func unitActor(code string) service.Actor {
	return service.Actor{Username: code, Role: workflow.RoleUnit, Unit: code}
}

// waiverOf is a waiver of the record: one the office granted, or one an
// accepted objection granted (its correction's).
type waiverOf struct {
	id, objection int64
	unit, ref     string
	points        workflow.Points
	at            time.Time
}

// waivers are the record's waivers of unit granted before asOf, oldest
// first.
func waivers(led *demo.Ledger, unit string, asOf time.Time) []waiverOf {
	var out []waiverOf
	for _, w := range led.Waivers {
		if w.Unit == unit && w.At.Before(asOf) {
			out = append(out, waiverOf{w.ID, 0, w.Unit, w.Ref, w.Points, w.At})
		}
	}
	for _, o := range led.Objections {
		if o.Unit == unit && o.Verdict == workflow.VerdictAccept && o.AnsweredAt.Before(asOf) && o.Correction.Waiver != nil {
			w := o.Correction.Waiver
			out = append(out, waiverOf{w.WaiverID, o.ID, o.Unit, w.Ref, w.Points, *o.AnsweredAt})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// arrived is when unit's tables reached the office as the record says at
// asOf: the first submission, or the receipt recorded before asOf when it
// is earlier.
func arrived(led *demo.Ledger, unit string, asOf time.Time) (time.Time, *workflow.Receipt) {
	first := led.FirstSubmitted[unit]
	if rc, ok := led.Receipts[unit]; ok && rc.RecordedAt.Before(asOf) && rc.At.Before(first) {
		return rc.At, &rc
	}
	return first, nil
}

// traces checks one deduction of r, a result of run, against the record
// of the year: its waiver, if any, is one the record holds (the last one
// of its line granted before the run, or the one an accepted objection
// granted), and its fact happened.
func traces(p *workflow.Plan, led *demo.Ledger, run *workflow.ScoringRun, r *workflow.UnitResult, d workflow.Deduction) error {
	var last *waiverOf
	for _, w := range waivers(led, r.Unit, run.CreatedAt) {
		if w.ref == d.Ref {
			last = &w
		}
	}
	switch {
	case last == nil && d.Waiver != nil:
		return fmt.Errorf("waiver %+v is not in the record", d.Waiver)
	case last != nil && d.Waiver == nil:
		return fmt.Errorf("the waiver %d of the record is not applied", last.id)
	case last != nil && (d.Waiver.ID != last.id || d.Waiver.Objection != last.objection || d.Waiver.Points != last.points ||
		d.Original == nil || d.Points != min(*d.Original, last.points)):
		return fmt.Errorf("waiver %+v (original %v), the record's %+v", d.Waiver, d.Original, *last)
	}
	switch d.Rule {
	case workflow.RuleLateSubmission:
		at, rc := arrived(led, r.Unit, run.CreatedAt)
		if !at.After(p.DeadlineTime()) || d.Ref != workflow.SubmissionRef(p.Year, r.Unit) {
			return fmt.Errorf("arrived %v, deadline %v", at, p.DeadlineTime())
		}
		if (rc == nil) != (r.Received == nil) || (rc != nil && (!r.Received.At.Equal(rc.At) || !strings.Contains(d.Reason, rc.Reason))) {
			return fmt.Errorf("received %+v, the record's %+v", r.Received, rc)
		}
	case workflow.RuleLateNode, workflow.RuleMissingNode:
		n := led.Nodes[r.Unit][d.Ref]
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
		got, ok := led.Months[r.Unit][m]
		switch {
		case d.Rule == workflow.RuleMonthlyMissing && ok:
			return fmt.Errorf("reported %v", got.At)
		case d.Rule == workflow.RuleMonthlyLate && (!ok || !lateMonth(p, m, got.At)):
			return fmt.Errorf("reported %v (%v)", got.At, ok)
		}
	default:
		for _, m := range led.Manual {
			if m.Unit == r.Unit && d.Ref == workflow.ManualRef(m.ID) && m.Rule == d.Rule && m.Points == d.Points {
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

// figures computes a unit's scores in a run computed at asOf from the
// record: the points the office awarded on accepted party and business
// nodes, or the points an objection answered before asOf corrected them
// to; each certified innovation item whose nodes were all accepted, at
// its awards (at most its declared points); and the deductions, by the
// plan's amounts, line by line: days late (from the first submission, or
// the earlier arrival the office recorded), late and missing nodes,
// missing and late months, and the manual ones; each line named by a
// waiver granted before asOf deducted at the waiver's amount when lower
// (the last waiver of a line replaces earlier ones).
func figures(p *workflow.Plan, led *demo.Ledger, unit string, asOf time.Time) string {
	var party, business, innovation workflow.Points
	ded := map[string]workflow.Points{}
	corrected := map[string]workflow.Points{}
	for _, o := range led.Objections {
		if o.Unit == unit && o.Verdict == workflow.VerdictAccept && o.AnsweredAt.Before(asOf) && o.Correction.Review != nil {
			corrected[o.Correction.Review.Ref] = o.Correction.Review.Points
		}
	}
	type award struct {
		accepted bool
		points   workflow.Points
	}
	items := map[int][]award{}
	for path, n := range led.Nodes[unit] {
		var a award
		if k := len(n.Verdicts); k > 0 && n.Verdicts[k-1].Accept && n.Verdicts[k-1].At.Before(asOf) {
			a = award{true, n.Verdicts[k-1].Points}
		}
		if pts, ok := corrected[path]; ok {
			a = award{true, pts}
		}
		switch n.Category {
		case workflow.CategoryParty:
			party += a.points
		case workflow.CategoryBusiness:
			business += a.points
		case workflow.CategoryInnovation:
			var item int
			fmt.Sscanf(path, "innovation[%d]", &item)
			items[item] = append(items[item], a)
			continue
		}
		if len(n.Reports) == 0 {
			ded[path] = p.Deductions.MissingNode
		} else if lateReport(p, n) {
			ded[path] = p.Deductions.LateNode
		}
	}
	for i, it := range led.Innovation[unit] {
		var awarded workflow.Points
		done := it.Certified && len(items[i]) > 0
		for _, a := range items[i] {
			done = done && a.accepted
			awarded += a.points
		}
		if done {
			innovation += min(awarded, it.Points, p.Innovation.MaxPoints)
		}
	}
	if at, _ := arrived(led, unit, asOf); at.After(p.DeadlineTime()) {
		days := p.Deadline.Date.DaysUntil(workflow.DateOf(at.In(p.Location())))
		ded[workflow.SubmissionRef(p.Year, unit)] = min(workflow.Points(max(days, 1))*p.Deductions.LateSubmissionPerDay, p.Deductions.LateSubmissionCap)
	}
	for _, m := range p.Months() {
		got, ok := led.Months[unit][m]
		switch {
		case !ok:
			ded[workflow.MonthlyRef(m)] = p.Deductions.MonthlyMissing
		case lateMonth(p, m, got.At):
			ded[workflow.MonthlyRef(m)] = p.Deductions.MonthlyLate
		}
	}
	for _, m := range led.Manual {
		if m.Unit == unit && m.CreatedAt.Before(asOf) {
			ded[workflow.ManualRef(m.ID)] = m.Points
		}
	}
	final := map[string]workflow.Points{}
	for _, w := range waivers(led, unit, asOf) {
		final[w.ref] = w.points
	}
	var total workflow.Points
	for ref, pts := range ded {
		if w, ok := final[ref]; ok {
			pts = min(pts, w)
		}
		total += pts
	}
	sum := party + business + innovation - total
	return fmt.Sprintf("party %s business %s innovation %s deductions %s total %s", party, business, innovation, total, sum)
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
	if led := pl.res.Ledger; led.Published != nil || led.Corrected != nil || len(led.Objections) != 0 || len(led.Waivers) != 0 || len(led.Receipts) != 1 {
		t.Fatalf("in October: published %v, corrected %v, objections %v, waivers %v, receipts %v",
			led.Published, led.Corrected, led.Objections, led.Waivers, led.Receipts)
	}
	// The robots were told of September's overdue nodes that morning.
	digests, err := filepath.Glob(filepath.Join(pl.robots, "office-dingtalk", "*-2019-10-08-0900.md"))
	if err != nil || len(digests) == 0 {
		t.Errorf("no office robot message on October 8: %v", err)
	}
}
