package storetest

import (
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func testRobots(t *testing.T, s service.Store) {
	now := at(10, 9, 0, 0, 123)
	wc := workflow.Robot{Unit: "gjz", Kind: workflow.RobotWeCom, Name: "甘井子督查群", CreatedAt: now, CreatedBy: "gjz",
		Webhook: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"}
	dt := workflow.Robot{Unit: "gjz", Kind: workflow.RobotDingTalk, CreatedAt: now, CreatedBy: "admin",
		Webhook: "https://oapi.dingtalk.com/robot/send?access_token=98975521a1b23c02cdd1a9a08c69511ddf5fa9d2ae387813d1c5348fb",
		Secret:  "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc"}
	office := dt
	office.Unit, office.Name = "", "办公室工作群"
	do(t, s, func(tx service.Tx) error {
		for _, r := range []*workflow.Robot{&wc, &dt, &office} {
			if err := tx.AddRobot(r); err != nil {
				return err
			}
			if r.ID == 0 {
				t.Fatal("AddRobot set no ID")
			}
		}
		return nil
	})
	// The same webhook twice for one owner is refused; another owner may
	// register it (the office has dt's, zs gets wc's).
	err := s.Update(t.Context(), func(tx service.Tx) error {
		again := wc
		return tx.AddRobot(&again)
	})
	wantCode(t, err, workflow.ECONFLICT)
	do(t, s, func(tx service.Tx) error {
		zs := wc
		zs.Unit = "zs"
		return tx.AddRobot(&zs)
	})
	wc.CreatedAt, dt.CreatedAt, office.CreatedAt = now.UTC(), now.UTC(), now.UTC()
	tested := now.Add(time.Minute)
	do(t, s, func(tx service.Tx) error {
		got, err := tx.RobotsOf("gjz")
		if err != nil {
			return err
		}
		wantEqual(t, "gjz's robots", got, []workflow.Robot{wc, dt})
		got, err = tx.RobotsOf("")
		if err != nil {
			return err
		}
		wantEqual(t, "the office's robots", got, []workflow.Robot{office})
		all, err := tx.AllRobots()
		if err != nil {
			return err
		}
		if len(all["gjz"]) != 2 || len(all[""]) != 1 || len(all["zs"]) != 1 {
			t.Errorf("AllRobots: %d gjz, %d office, %d zs", len(all["gjz"]), len(all[""]), len(all["zs"]))
		}
		return tx.RecordRobotTest(dt.ID, tested, "钉钉群机器人返回错误 310000：sign not match")
	})
	do(t, s, func(tx service.Tx) error {
		got, err := tx.Robot(dt.ID)
		if err != nil {
			return err
		}
		if got.LastTestAt == nil || !got.LastTestAt.Equal(tested) || got.LastTestError != "钉钉群机器人返回错误 310000：sign not match" || got.Secret != dt.Secret {
			t.Errorf("after a test: %+v", got)
		}
		return nil
	})
	// A robot is deleted only by its owner.
	wantCode(t, s.Update(t.Context(), func(tx service.Tx) error { return tx.DeleteRobot("zs", wc.ID) }), workflow.ENOTFOUND)
	do(t, s, func(tx service.Tx) error { return tx.DeleteRobot("gjz", wc.ID) })
	wantCode(t, s.View(t.Context(), func(tx service.Tx) error { _, err := tx.Robot(wc.ID); return err }), workflow.ENOTFOUND)
	wantCode(t, s.Update(t.Context(), func(tx service.Tx) error { return tx.RecordRobotTest(wc.ID, tested, "") }), workflow.ENOTFOUND)
}

func testCalendarFeeds(t *testing.T, s service.Store) {
	now := at(10, 9, 0, 0, 0)
	const token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde"
	wantCode(t, s.View(t.Context(), func(tx service.Tx) error { _, err := tx.CalendarFeed("gjz"); return err }), workflow.ENOTFOUND)
	do(t, s, func(tx service.Tx) error {
		if err := tx.SaveCalendarFeed(&workflow.CalendarFeed{Owner: "gjz", Token: token, CreatedAt: now}); err != nil {
			return err
		}
		return tx.SaveCalendarFeed(&workflow.CalendarFeed{Owner: "", Token: "office" + token[6:], CreatedAt: now})
	})
	do(t, s, func(tx service.Tx) error {
		f, err := tx.CalendarFeedByToken(token)
		if err != nil {
			return err
		}
		wantEqual(t, "by token", *f, workflow.CalendarFeed{Owner: "gjz", Token: token, CreatedAt: now.UTC()})
		if f, err := tx.CalendarFeed(""); err != nil || f.Token != "office"+token[6:] {
			t.Errorf("the office's feed: %+v %v", f, err)
		}
		return nil
	})
	// Tokens compare exactly: a token differing only in case names nothing.
	for _, other := range []string{"abcdefghijklmnopqrstuvwxyz0123456789_-ABCDE", token[:42]} {
		wantCode(t, s.View(t.Context(), func(tx service.Tx) error { _, err := tx.CalendarFeedByToken(other); return err }), workflow.ENOTFOUND)
	}
	// Saving again replaces the token: the old one names nothing.
	rotated := "Z" + token[1:]
	do(t, s, func(tx service.Tx) error {
		return tx.SaveCalendarFeed(&workflow.CalendarFeed{Owner: "gjz", Token: rotated, CreatedAt: now.Add(time.Hour)})
	})
	wantCode(t, s.View(t.Context(), func(tx service.Tx) error { _, err := tx.CalendarFeedByToken(token); return err }), workflow.ENOTFOUND)
	// Another owner may not take a token in use.
	wantCode(t, s.Update(t.Context(), func(tx service.Tx) error {
		return tx.SaveCalendarFeed(&workflow.CalendarFeed{Owner: "zs", Token: rotated, CreatedAt: now})
	}), workflow.ECONFLICT)
}

func testOutboxChannels(t *testing.T, s service.Store) {
	now := at(12, 9, 0, 0, 0)
	robot := message("gjz", workflow.RobotRecipient(7), 1, now)
	robot.Channel, robot.HTML, robot.Text, robot.Facts = workflow.ChannelDingTalk, "", "", `{"unit":"gjz","items":["指标表尚未报送"]}`
	enqueue(t, s, message("gjz", "dcb@gjz.example.cn", 1, now), robot)
	ms := claim(t, s, "c1", now, 10)
	if len(ms) != 2 || ms[0].Channel != workflow.ChannelEmail || ms[1].Channel != workflow.ChannelDingTalk {
		t.Fatalf("claimed %+v", ms)
	}
	if ms[0].Text != "正文" || ms[0].HTML != "<p>正文</p>" || ms[0].Facts != "" || ms[1].Text != "" || ms[1].Facts != robot.Facts {
		t.Fatalf("a claim read back stored content %+v and facts %+v", ms[0], ms[1])
	}
	later := now.Add(10 * time.Minute)
	do(t, s, func(tx service.Tx) error {
		return tx.RecordSend(workflow.SendResult{ID: ms[1].ID, Claim: "c1", At: now, Err: "发送速度太快而限流", Retry: later, Deferred: true})
	})
	do(t, s, func(tx service.Tx) error {
		m, err := tx.OutboxMessage(ms[1].ID)
		if err != nil {
			return err
		}
		if m.State != workflow.OutboxPending || m.Attempts != 0 || !m.NextAttemptAt.Equal(later) || m.LastError != "发送速度太快而限流" || m.Facts != robot.Facts {
			t.Errorf("a deferred send: %+v", m)
		}
		got, err := tx.OutboxMessages(service.OutboxFilter{Channel: workflow.ChannelDingTalk})
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0].ID != ms[1].ID {
			t.Errorf("by channel: %+v", got)
		}
		return nil
	})
}
