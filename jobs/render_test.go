package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kaohe/internal/robottest"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// TestRenderedWhenSentAsWhenEnqueued: a message rendered when it is sent,
// from the facts its outbox row keeps, is byte for byte the message that
// rendering it when it was enqueued gave (what earlier versions stored):
// subject, text and HTML of every email, title and markdown of every robot
// message. The 2019 fixtures are walked from the submission reminders to
// the answer of an objection, through checkpoints moved off a weekend,
// monthly counts, overdue notices and the office's digests, with the
// unit's and the office's robots, and with what units and the office
// type (a work's title, an objection, an answer) full of characters that
// HTML and markdown treat specially. Each day's pass is rendered both
// ways and enqueued; rendered at send, it is also rendered from its facts
// stored whole in its row (as versions before the notice rows stored
// them).
func TestRenderedWhenSentAsWhenEnqueued(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const typed = `<b>货车&司机"入会"</b> **急** _斜_ [点这里](http://10.0.0.1/) # 标题 ｜ 'x'`
	seen := map[string]int{}
	// world returns a world with a robot in gjz's group and one in the
	// office's, and compare, which renders the pass due now both ways,
	// compares, and enqueues it.
	world := func() (*world, func()) {
		w, srv := robotWorld(t, "sqlite", at(6, 11, 8, 0))
		wecomHook, _ := srv.WeCom()
		officeHook, _, officeSecret := srv.DingTalk()
		w.addRobot("gjz", service.NewRobot{Kind: workflow.RobotWeCom, Webhook: wecomHook, Name: "甘井子督查群"})
		w.addRobot("", service.NewRobot{Kind: workflow.RobotDingTalk, Webhook: officeHook, Secret: officeSecret, Name: "办公室工作群"})
		pass := w.app.Reminders()
		return w, func() {
			t.Helper()
			atSend, atEnqueue, err := pass.DueBothWays(ctx)
			if err != nil {
				t.Fatal(err)
			}
			due, err := pass.Due(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range atSend {
				old := atEnqueue[i]
				if m.KeyString() != old.KeyString() || m.Subject != old.Subject || m.Text != old.Text || m.HTML != old.HTML {
					t.Errorf("%s on %s differs when rendered at send:\nsubject %q\n     vs %q\ntext:\n%s\nvs:\n%s\nhtml:\n%s\nvs:\n%s",
						m.KeyString(), w.clock.Now().Format(time.DateTime), m.Subject, old.Subject, m.Text, old.Text, m.HTML, old.HTML)
				}
				// As stored before a notice's shared facts had a row of
				// their own: the facts whole in the message's row.
				whole := jobs.WholeFacts(due[i])
				if err := jobs.Render(&whole); err != nil {
					t.Fatal(err)
				}
				if whole.KeyString() != m.KeyString() || whole.Text != m.Text || whole.HTML != m.HTML {
					t.Errorf("%s on %s differs when its facts are stored whole:\ntext:\n%s\nvs:\n%s\nhtml:\n%s\nvs:\n%s",
						m.KeyString(), w.clock.Now().Format(time.DateTime), whole.Text, m.Text, whole.HTML, m.HTML)
				}
				if m.Text == "" || (!m.Channel.IsRobot() && m.HTML == "") {
					t.Errorf("%s rendered empty", m.KeyString())
				}
				seen[fmt.Sprintf("%s/%s", m.Kind, channelKind(m.Channel))]++
			}
			if _, err := pass.Run(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Deadlines: the tables, two checkpoints on a Sunday (moved to the
	// Monday), the monthly counts.
	w, compare := world()
	w.createNodes(
		workflow.NodeRecord{Unit: "gjz", Category: workflow.CategoryBusiness, Indicator: "B1", ItemIndex: 0, Work: typed, Due: workflow.MustDate("2019-06-30"), Points: 300},
		workflow.NodeRecord{Unit: "zs", Category: workflow.CategoryBusiness, Indicator: "B3", ItemIndex: 2, Work: "困难帮扶", Due: workflow.MustDate("2019-06-30"), Points: 250},
	)
	for day := at(6, 12, 9, 0); day.Before(at(7, 9, 0, 0)); day = day.AddDate(0, 0, 1) {
		w.clock.Set(day)
		compare()
	}

	// The result: its publication, an objection, its answer.
	w, compare = world()
	w.publishResult()
	compare()
	w.clock.Set(at(12, 23, 10, 0))
	o, err := w.svc.FileObjection(ctx, unitActor("gjz"), 2019, "gjz", service.ObjectionInput{Ref: "indicator:B1", Text: "B1" + typed}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Set(at(12, 24, 9, 0))
	compare()
	w.clock.Set(at(12, 24, 10, 0))
	if _, err := w.svc.AnswerObjection(ctx, officeActor, o.ID, service.AnswerInput{Verdict: "reject", Reason: "节点佐证材料不完整 " + typed}); err != nil {
		t.Fatal(err)
	}
	compare()

	for _, kind := range []workflow.NoticeKind{workflow.NoticeReminder, workflow.NoticeOverdue, workflow.NoticeDigest,
		workflow.NoticePublication, workflow.NoticeAnswer, workflow.NoticeObjections} {
		for _, channel := range []string{"email", "robot"} {
			if seen[fmt.Sprintf("%s/%s", kind, channel)] == 0 {
				t.Errorf("no %s message by %s was compared (%v)", kind, channel, seen)
			}
		}
	}
	t.Logf("compared %v", seen)
}

func channelKind(c workflow.Channel) string {
	if c.IsRobot() {
		return "robot"
	}
	return "email"
}

// TestStoredAndFactsRowsSendTheSame: an outbox row stored rendered, as
// earlier versions enqueued it (and as an upgraded database still holds
// it), and a row stored as its facts are sent the same: the same mail to
// the mailer (hence the same SMTP message or .eml file) and the same
// markdown to the robot. Two servers on the same day's notices, one
// enqueueing each way, dispatch on the same clock.
func TestStoredAndFactsRowsSendTheSame(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type sent struct {
		mails        []sentMail
		unit, office []robottest.Message
	}
	send := func(stored bool) sent {
		w, srv := robotWorld(t, "sqlite", at(6, 14, 9, 0))
		wecomHook, wecomKey := srv.WeCom()
		officeHook, officeToken, officeSecret := srv.DingTalk()
		w.addRobot("gjz", service.NewRobot{Kind: workflow.RobotWeCom, Webhook: wecomHook, Name: "甘井子督查群"})
		w.addRobot("", service.NewRobot{Kind: workflow.RobotDingTalk, Webhook: officeHook, Secret: officeSecret, Name: "办公室工作群"})
		pass := w.app.Reminders()
		if stored {
			_, ms, err := pass.DueBothWays(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.svc.Enqueue(ctx, service.SystemActor, ms); err != nil {
				t.Fatal(err)
			}
		} else if _, err := pass.Run(ctx); err != nil {
			t.Fatal(err)
		}
		var all []workflow.OutboxMessage
		if err := w.db.View(ctx, func(tx service.Tx) (err error) {
			all, err = tx.OutboxMessages(service.OutboxFilter{Limit: 1000})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, m := range all {
			if (m.Facts == "") != stored || (m.Text == "") == stored {
				t.Fatalf("stored %v: %s has text %d bytes, facts %d", stored, m.KeyString(), len(m.Text), len(m.Facts))
			}
		}
		d, mails := w.robotDispatcher(w.app)
		if n, err := d.RunOnce(ctx); err != nil || n != len(all) {
			t.Fatalf("stored %v: %d of %d sent, %v", stored, n, len(all), err)
		}
		return sent{mails.sent, srv.Messages(wecomKey), srv.Messages(officeToken)}
	}
	facts, stored := send(false), send(true)
	if len(facts.mails) == 0 || len(facts.unit) == 0 || len(facts.office) == 0 {
		t.Fatalf("sent %d mails, %d and %d robot messages", len(facts.mails), len(facts.unit), len(facts.office))
	}
	if len(facts.mails) != len(stored.mails) {
		t.Fatalf("%d mails from facts, %d stored", len(facts.mails), len(stored.mails))
	}
	for i := range facts.mails {
		if a, b := *facts.mails[i].Mail, *stored.mails[i].Mail; a != b {
			t.Errorf("mail %d differs:\n%+v\n%+v", i, a, b)
		}
	}
	for _, robots := range [][2][]robottest.Message{{facts.unit, stored.unit}, {facts.office, stored.office}} {
		a, b := robots[0], robots[1]
		if len(a) != len(b) {
			t.Fatalf("%d robot messages from facts, %d stored", len(a), len(b))
		}
		for i := range a {
			if a[i].Title != b[i].Title || a[i].Text != b[i].Text {
				t.Errorf("robot message %d differs:\n%s\n%s", i, a[i].Text, b[i].Text)
			}
		}
	}
}
