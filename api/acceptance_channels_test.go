package api_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"kaohe/configs"
	"kaohe/internal/robottest"
	"kaohe/internal/testenv"
)

// waitUntil polls cond (the server's jobs run on their own goroutines)
// for up to half a minute.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 30 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// emlKeys reads the outbox folder's .eml files: X-Kaohe-Key → subjects.
func emlKeys(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, m := range testenv.Mails(t, filepath.Join(dir, "outbox")) {
		out[m.Key] = append(out[m.Key], m.Subject)
	}
	return out
}

// TestAcceptanceRobotsAndCalendar is the acceptance walk of the channels:
// on a fresh server with its scheduled jobs running, the unit adds a WeCom
// and a DingTalk robot (testing each), the clock walks to June 12 2019,
// and the 1-day reminder is in both robots' servers and in the email
// outbox exactly once each; the unit subscribes to its feed and sees its
// deadlines.
func TestAcceptanceRobotsAndCalendar(t *testing.T) {
	ctx := context.Background()
	e, srv := robotEnv(t, func(cfg *configs.Config) {
		cfg.Jobs.Enabled = true
		cfg.Jobs.Tick = time.Minute // the test drives the ticks
	})
	wecomHook, wecomKey := srv.WeCom()
	dingHook, dingToken, dingSecret := srv.DingTalk()
	var wc, dt robotJSON
	e.mustDecode("POST", "/api/v1/units/gjz/robots", "unitA", map[string]any{"kind": "wecom", "webhook": wecomHook, "name": "甘井子督查群"}, 201, &wc)
	e.mustDecode("POST", "/api/v1/units/gjz/robots", "unitA", map[string]any{"kind": "dingtalk", "webhook": dingHook, "secret": dingSecret, "name": "甘井子工作群"}, 201, &dt)
	for _, r := range []robotJSON{wc, dt} {
		var got robotJSON
		e.mustDecode("POST", "/api/v1/units/gjz/robots/"+strconv.FormatInt(r.ID, 10)+"/test", "unitA", nil, 200, &got)
		if got.LastTest == nil || !got.LastTest.OK {
			t.Fatalf("test message to %s: %+v", r.Kind, got.LastTest)
		}
	}

	counts := func() (pending, sent int) {
		var c struct{ Pending, Sent int }
		e.mustDecode("GET", "/api/v1/notifications/counts", "office", nil, 200, &c)
		return c.Pending, c.Sent
	}
	if err := e.app.StartJobs(ctx); err != nil {
		t.Fatal(err)
	}
	// The first tick runs at start (June 10 09:00): the 3-day reminder to
	// gjz's two contacts and two robots and to zs's two contacts.
	waitUntil(t, "the first tick's 6 messages sent", func() bool { p, s := counts(); return p == 0 && s == 6 })
	for _, step := range []time.Time{
		time.Date(2019, 6, 11, 9, 0, 0, 0, shanghai),
		time.Date(2019, 6, 12, 9, 0, 0, 0, shanghai),
		time.Date(2019, 6, 12, 10, 0, 0, 0, shanghai),
	} {
		e.clock.Set(step)
		if !e.app.Scheduler.RunTick(ctx) {
			t.Fatalf("%s: the server does not hold the jobs lease", step)
		}
		waitUntil(t, "the outbox drained at "+step.String(), func() bool { p, _ := counts(); return p == 0 })
	}
	if _, sent := counts(); sent != 12 {
		t.Errorf("%d messages sent, want 12 (6 on June 10, 6 on June 12)", sent)
	}

	const title = "【考核提醒】甘井子区总工会：2019年度实绩考核指标表报送将于2019年6月13日（星期四） 17:30截止"
	june12 := func(ms []robottest.Message) (n int, text string) {
		for _, m := range ms {
			if strings.Contains(m.Text, "【考核提醒】甘井子区总工会") && strings.Contains(m.Text, "截至2019年6月12日 09:00") {
				n, text = n+1, m.Text
			}
		}
		return n, text
	}
	nw, wtext := june12(srv.Messages(wecomKey))
	nd, dtext := june12(srv.Messages(dingToken))
	if nw != 1 || nd != 1 || wtext != dtext {
		t.Fatalf("June 12 reminder: %d in WeCom, %d in DingTalk, the same text: %v", nw, nd, wtext == dtext)
	}
	if ds := srv.Messages(dingToken); ds[len(ds)-1].Title != title {
		t.Errorf("DingTalk title %q", ds[len(ds)-1].Title)
	}
	if len(srv.Messages(wecomKey)) != 3 || len(srv.Messages(dingToken)) != 3 {
		t.Errorf("robots got %d and %d messages, want 3 each (a test, the 3-day and the 1-day reminder)", len(srv.Messages(wecomKey)), len(srv.Messages(dingToken)))
	}
	eml := emlKeys(t, e.data)
	for _, c := range loadContacts(t) {
		key := "reminder/gjz/submission:2019-06-13/1/" + c["email"]
		if got := eml[key]; len(got) != 1 || got[0] != title {
			t.Errorf("email %s: %q", key, got)
		}
	}

	// The office's mail page sees every channel, nothing secret.
	status, list := e.do("GET", "/api/v1/notifications?unit=gjz", "office", nil)
	for _, want := range []string{`"channel":"wecom"`, `"channel":"dingtalk"`, `"channel":"email"`, `"name":"甘井子督查群"`} {
		if status != 200 || !strings.Contains(string(list), want) {
			t.Errorf("notifications lack %s: %d", want, status)
		}
	}
	for _, secret := range []string{wecomKey, dingToken, dingSecret} {
		if strings.Contains(string(list), secret) {
			t.Fatal("the notifications give away a robot's credential")
		}
	}

	var robots []struct {
		Channel string `json:"channel"`
		Name    string `json:"name"`
		State   string `json:"state"`
	}
	e.mustDecode("GET", "/api/v1/notifications?channel=dingtalk", "office", nil, 200, &robots)
	if len(robots) != 2 || robots[0].Channel != "dingtalk" || robots[0].Name != "甘井子工作群" || robots[0].State != "sent" {
		t.Errorf("DingTalk messages: %+v", robots)
	}
	if status, _ := e.do("GET", "/api/v1/notifications?channel=sms", "office", nil); status != 400 {
		t.Errorf("an unknown channel: %d", status)
	}

	// Subscribe to the feed.
	var link calendarJSON
	e.mustDecode("GET", "/api/v1/units/gjz/calendar", "unitA", nil, 200, &link)
	status, cal, raw := getFeed(t, link.URL)
	if status != 200 {
		t.Fatalf("feed: %d %s", status, raw)
	}
	events := strings.Join(feedEvents(t, cal), "\n")
	for _, want := range []string{"2019年度实绩考核指标表报送截止|2019-06-13 17:30", "6月30日前序时进度节点截止（原定6月30日，顺延至7月1日）|2019-07-01 all-day",
		"2019年6月会员实名制信息采集数量报送截止|2019-07-05 all-day", "11月30日前序时进度节点截止（原定11月30日，顺延至12月2日）|2019-12-02 all-day"} {
		if !strings.Contains(events, want) {
			t.Errorf("the feed lacks %s:\n%s", want, events)
		}
	}
}
