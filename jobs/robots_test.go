package jobs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"kaohe/internal/robottest"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// robotWorld is a world whose configuration allows the robots' test
// server, with public_url set for the messages' links.
func robotWorld(t *testing.T, backend string, start time.Time) (*world, *robottest.Server) {
	t.Helper()
	cfg := testConfig(t, backend)
	cfg.PublicURL = "https://kaohe.dlzgh.example.cn"
	var w *world
	srv := robottest.New(t, func() time.Time { return w.clock.Now() })
	cfg.Robots.AllowedHosts = []string{srv.Host}
	w = newWorldWith(t, cfg, start)
	return w, srv
}

// addRobot registers a robot of unit ("" the office) as the office does.
func (w *world) addRobot(unit string, in service.NewRobot) *service.RobotView {
	w.t.Helper()
	var v *service.RobotView
	var err error
	if unit == "" {
		v, err = w.svc.AddOfficeRobot(context.Background(), officeActor, in)
	} else {
		v, err = w.svc.AddRobot(context.Background(), officeActor, unit, in)
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

// robotDispatcher is a dispatcher of w's program with robots and a mailer
// that keeps what it is given.
func (w *world) robotDispatcher(a interface{ RobotSender() *jobs.RobotSender }) (*jobs.Dispatcher, *memMailer) {
	m := &memMailer{clock: w.clock}
	return &jobs.Dispatcher{Store: w.db, Clock: w.clock, Mailer: m, Robots: a.RobotSender(), From: "kaohe@x.cn"}, m
}

// TestRemindersReachRobotsOnce: a unit's WeCom and DingTalk robots get the
// same reminder as its contacts, once each, across a restart; the overdue
// notice goes to them and the office digest to the office's robot.
func TestRemindersReachRobotsOnce(t *testing.T) {
	for _, backend := range []string{"sqlite", "mariadb"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			w, srv := robotWorld(t, backend, at(6, 12, 8, 0))
			wecomHook, wecomKey := srv.WeCom()
			dingHook, dingToken, dingSecret := srv.DingTalk()
			officeHook, officeToken, officeSecret := srv.DingTalk()
			w.addRobot("gjz", service.NewRobot{Kind: workflow.RobotWeCom, Webhook: wecomHook, Name: "甘井子督查群"})
			w.addRobot("gjz", service.NewRobot{Kind: workflow.RobotDingTalk, Webhook: dingHook, Secret: dingSecret})
			w.addRobot("", service.NewRobot{Kind: workflow.RobotDingTalk, Webhook: officeHook, Secret: officeSecret, Name: "办公室工作群"})
			for _, u := range w.units {
				if u.Code != "gjz" {
					w.draft(u.Code)
					w.submit(u.Code)
				}
			}

			w.clock.Set(at(6, 12, 9, 0))
			pass := w.app.Reminders()
			if n, err := pass.Run(ctx); err != nil || n != 4 {
				t.Fatalf("reminder pass: %d new, %v (want 2 emails and 2 robot messages)", n, err)
			}
			d, mails := w.robotDispatcher(w.app)
			if n, err := d.RunOnce(ctx); err != nil || n != 4 {
				t.Fatalf("dispatch: %d sent, %v", n, err)
			}

			// A restart: another server on the same database runs the
			// pass and the dispatcher again, an hour later.
			w.clock.Advance(time.Hour)
			again := w.another()
			if n, err := again.Reminders().Run(ctx); err != nil || n != 0 {
				t.Fatalf("after the restart: %d new, %v", n, err)
			}
			d2, mails2 := w.robotDispatcher(again)
			if n, err := d2.RunOnce(ctx); err != nil || n != 0 {
				t.Fatalf("after the restart: %d sent, %v", n, err)
			}

			we, di := srv.Messages(wecomKey), srv.Messages(dingToken)
			if len(we) != 1 || len(di) != 1 || len(mails.sent) != 2 || len(mails2.sent) != 0 {
				t.Fatalf("WeCom %d, DingTalk %d, emails %d+%d; want 1, 1, 2+0", len(we), len(di), len(mails.sent), len(mails2.sent))
			}
			mail := mails.sent[0].Mail
			facts := []string{"甘井子区总工会", "2019年度实绩考核指标表报送", "2019年6月13日（星期四） 17:30", "截至2019年6月12日 09:00",
				"指标表（党建、业务、创新指标）及督查工作联系人尚未报送"}
			for _, fact := range facts {
				if !strings.Contains(mail.Text, fact) {
					t.Errorf("the email lacks %q", fact)
				}
			}
			for _, m := range []robottest.Message{we[0], di[0]} {
				for _, fact := range append(facts, "[打开考核系统](https://kaohe.dlzgh.example.cn/#/units/gjz)") {
					if !strings.Contains(m.Text, fact) {
						t.Errorf("%s message lacks %q:\n%s", m.Kind, fact, m.Text)
					}
				}
			}
			if di[0].Title != mail.Subject {
				t.Errorf("DingTalk title %q, email subject %q", di[0].Title, mail.Subject)
			}

			// June 14: the overdue notice to gjz's robots, the digest to the
			// office's.
			w.clock.Set(at(6, 14, 9, 0))
			if n, err := pass.Run(ctx); err != nil || n != 2+2+2+1 {
				t.Fatalf("overdue pass: %d new, %v (want 2 emails, 2 robots, 2 digests, 1 office robot)", n, err)
			}
			if _, err := d.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if got := srv.Messages(wecomKey); len(got) != 2 || !strings.Contains(got[1].Text, "【逾期通知】甘井子区总工会") {
				t.Errorf("WeCom after the deadline: %+v", got)
			}
			office := srv.Messages(officeToken)
			if len(office) != 1 || office[0].Title != "【逾期汇总】2019年度实绩考核指标表报送：1个单位逾期" ||
				!strings.Contains(office[0].Text, "**甘井子区总工会**（gjz）") || !strings.Contains(office[0].Text, "(https://kaohe.dlzgh.example.cn/#/)") {
				t.Errorf("office robot: %+v", office)
			}
		})
	}
}

// TestRateLimitedRobotGetsItsMessagesLater: 25 messages for one DingTalk
// robot. The sender paces itself to 20 a minute, so the robot never has
// to refuse: 20 go at once, 5 a minute later. A robot whose group others
// post to as well takes only 10 and then refuses for 10 minutes: the
// refused message and the rest of the batch wait without an attempt
// counted and without knocking again, and go after the pause. None is
// lost, none sent twice.
func TestRateLimitedRobotGetsItsMessagesLater(t *testing.T) {
	tests := []struct {
		name    string
		limit   int
		rounds  []int // messages sent at each round
		pause   time.Duration
		refused int
	}{
		{"paced below the limit", robottest.Limit, []int{20, 5}, time.Minute, 0},
		{"refused by a busier robot", 10, []int{10, 10, 5}, 10 * time.Minute, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			w, srv := robotWorld(t, "sqlite", at(6, 12, 9, 0))
			srv.Limit = tt.limit
			hook, token, secret := srv.DingTalk()
			r := w.addRobot("gjz", service.NewRobot{Kind: workflow.RobotDingTalk, Webhook: hook, Secret: secret})
			now := w.clock.Now()
			var ms []workflow.OutboxMessage
			for i := 1; i <= 25; i++ {
				ms = append(ms, workflow.OutboxMessage{Channel: workflow.ChannelDingTalk, Kind: workflow.NoticeReminder, Unit: "gjz",
					Deadline: fmt.Sprintf("test:%02d", i), Recipient: workflow.RobotRecipient(r.ID), Name: r.Name,
					Subject: fmt.Sprintf("消息%d", i), Text: fmt.Sprintf("### 消息%d", i), NextAttemptAt: now, CreatedAt: now})
			}
			if n, err := w.svc.Enqueue(ctx, service.SystemActor, ms); err != nil || n != 25 {
				t.Fatalf("enqueue: %d, %v", n, err)
			}
			d, _ := w.robotDispatcher(w.app)
			for i, want := range tt.rounds {
				if i > 0 {
					w.clock.Advance(tt.pause - time.Second)
					if n, _ := d.RunOnce(ctx); n != 0 {
						t.Fatalf("round %d: %d sent before the pause ended", i, n)
					}
					w.clock.Advance(time.Second)
				}
				if n, err := d.RunOnce(ctx); err != nil || n != want {
					t.Fatalf("round %d: %d sent, %v; want %d", i, n, err, want)
				}
				pending, err := w.svc.Notifications(ctx, officeActor, service.OutboxFilter{State: workflow.OutboxPending})
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range pending {
					if m.Attempts != 0 || !m.NextAttemptAt.Equal(w.clock.Now().Add(tt.pause).UTC()) {
						t.Errorf("round %d: deferred message %d has %d attempts, next at %s", i, m.ID, m.Attempts, m.NextAttemptAt)
					}
				}
			}
			if got := srv.Refused(token); len(got) != tt.refused {
				t.Errorf("the robot refused %v, want %d refusals (once per pause, never knocked again while throttled)", got, tt.refused)
			}
			got := map[string]int{}
			for _, m := range srv.Messages(token) {
				got[m.Title]++
			}
			for i := 1; i <= 25; i++ {
				if got[fmt.Sprintf("消息%d", i)] != 1 {
					t.Errorf("消息%d arrived %d times", i, got[fmt.Sprintf("消息%d", i)])
				}
			}
			if c := outboxCounts(t, w.db); c[workflow.OutboxSent] != 25 {
				t.Errorf("outbox: %v", c)
			}
		})
	}
}

// TestRobotRefusalsFailOrRetry: a robot that is busy is tried again with
// backoff; one that is gone fails at once and shows on the office's list
// with the robot's answer; resending it after the robot is fixed sends it.
func TestRobotRefusalsFailOrRetry(t *testing.T) {
	ctx := context.Background()
	w, srv := robotWorld(t, "sqlite", at(6, 12, 9, 0))
	busyHook, busyKey := srv.WeCom()
	goneHook, goneKey := srv.WeCom()
	busy := w.addRobot("gjz", service.NewRobot{Kind: workflow.RobotWeCom, Webhook: busyHook})
	gone := w.addRobot("zs", service.NewRobot{Kind: workflow.RobotWeCom, Webhook: goneHook})
	deleted := w.addRobot("xg", service.NewRobot{Kind: workflow.RobotWeCom, Webhook: goneHook})
	if err := w.svc.DeleteRobot(ctx, officeActor, "xg", deleted.ID); err != nil {
		t.Fatal(err)
	}
	now := w.clock.Now()
	var ms []workflow.OutboxMessage
	for _, r := range []*service.RobotView{busy, gone, deleted} {
		ms = append(ms, workflow.OutboxMessage{Channel: workflow.ChannelWeCom, Kind: workflow.NoticeReminder, Unit: r.Unit,
			Deadline: "test", Recipient: workflow.RobotRecipient(r.ID), Subject: "t", Text: "### 提醒", NextAttemptAt: now, CreatedAt: now})
	}
	if _, err := w.svc.Enqueue(ctx, service.SystemActor, ms); err != nil {
		t.Fatal(err)
	}
	srv.FailNext(busyKey, -1, "system busy")
	srv.FailNext(goneKey, 93000, "invalid webhook url")
	d, _ := w.robotDispatcher(w.app)
	if n, err := d.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("first round: %d sent, %v", n, err)
	}
	failed, err := w.svc.Notifications(ctx, officeActor, service.OutboxFilter{State: workflow.OutboxFailed})
	if err != nil || len(failed) != 2 {
		t.Fatalf("failed: %+v, %v", failed, err)
	}
	why := map[string]string{}
	for _, m := range failed {
		why[m.Unit] = m.LastError
		if m.Attempts != 1 {
			t.Errorf("%s failed after %d attempts, want 1", m.Unit, m.Attempts)
		}
	}
	if why["zs"] != "企业微信群机器人返回错误 93000：invalid webhook url" || why["xg"] != "机器人已删除" {
		t.Errorf("failures: %q", why)
	}
	w.clock.Advance(time.Minute) // the busy robot's backoff
	if n, err := d.RunOnce(ctx); err != nil || n != 1 || len(srv.Messages(busyKey)) != 1 {
		t.Fatalf("retry: %d sent, %v", n, err)
	}
	var zs int64
	for _, m := range failed {
		if m.Unit == "zs" {
			zs = m.ID
		}
	}
	if _, err := w.svc.ResendNotification(ctx, officeActor, zs); err != nil {
		t.Fatal(err)
	}
	if n, err := d.RunOnce(ctx); err != nil || n != 1 || len(srv.Messages(goneKey)) != 1 {
		t.Fatalf("resend: %d sent, %v", n, err)
	}
}

// TestResultNoticesReachRobots: the publication of the result and the
// answer to an objection reach the unit's robot as they reach its
// contacts, and the digest of open objections reaches the office's robot,
// each once.
func TestResultNoticesReachRobots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, srv := robotWorld(t, "sqlite", at(6, 12, 8, 0))
	wecomHook, wecomKey := srv.WeCom()
	officeHook, officeToken, officeSecret := srv.DingTalk()
	w.addRobot("gjz", service.NewRobot{Kind: workflow.RobotWeCom, Webhook: wecomHook, Name: "甘井子督查群"})
	w.addRobot("", service.NewRobot{Kind: workflow.RobotDingTalk, Webhook: officeHook, Secret: officeSecret, Name: "办公室工作群"})
	w.publishResult()
	d, _ := w.robotDispatcher(w.app)
	pass := func() {
		t.Helper()
		if _, err := w.app.Reminders().Run(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	pass()
	pass()

	w.clock.Set(at(12, 23, 10, 0))
	o, err := w.svc.FileObjection(ctx, unitActor("gjz"), 2019, "gjz", service.ObjectionInput{Ref: "indicator:B1", Text: "B1的节点已全部完成"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pass()
	w.clock.Set(at(12, 24, 10, 0))
	if _, err := w.svc.AnswerObjection(ctx, officeActor, o.ID, service.AnswerInput{Verdict: "reject", Reason: "节点佐证材料不完整"}); err != nil {
		t.Fatal(err)
	}
	pass()
	pass()

	count := func(ms []robottest.Message, title string) int {
		n := 0
		for _, m := range ms {
			if strings.Contains(m.Text, title) {
				n++
			}
		}
		return n
	}
	unit, office := srv.Messages(wecomKey), srv.Messages(officeToken)
	for _, c := range []struct {
		name string
		ms   []robottest.Message
		text string
	}{
		{"the publication in gjz's group", unit, "【结果公示】甘井子区总工会"},
		{"the period's end in gjz's group", unit, "公示期至**2019年12月27日（星期五）**"},
		{"the answer in gjz's group", unit, fmt.Sprintf("第%d号异议（", o.ID)},
		{"the open objection in the office's group", office, fmt.Sprintf("第%d号，甘井子区总工会", o.ID)},
	} {
		if n := count(c.ms, c.text); n != 1 {
			t.Errorf("%s: %q %d times, want once", c.name, c.text, n)
		}
	}
	if n := count(unit, "[打开考核系统](https://kaohe.dlzgh.example.cn/#/result/gjz)"); n != 2 {
		t.Errorf("%d of gjz's result messages link to its result page, want 2", n)
	}
}
