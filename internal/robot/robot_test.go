package robot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kaohe/internal/robot"
	"kaohe/internal/robottest"
	"kaohe/workflow"
)

// bundle is one test's robots server and a client allowed to reach it.
type bundle struct {
	srv    *robottest.Server
	client *robot.Client
	clock  *workflow.ManualClock
}

func setup(t *testing.T) *bundle {
	t.Helper()
	clock := workflow.NewManualClock(time.Date(2019, 6, 12, 9, 0, 0, 0, time.UTC))
	srv := robottest.New(t, clock.Now)
	return &bundle{srv: srv, clock: clock, client: &robot.Client{AllowedHosts: []string{srv.Host}, Timeout: 5 * time.Second}}
}

func (b *bundle) wecom() (workflow.Robot, string) {
	hook, key := b.srv.WeCom()
	return workflow.Robot{ID: 1, Kind: workflow.RobotWeCom, Webhook: hook}, key
}

func (b *bundle) dingtalk() (workflow.Robot, string) {
	hook, token, secret := b.srv.DingTalk()
	return workflow.Robot{ID: 2, Kind: workflow.RobotDingTalk, Webhook: hook, Secret: secret}, token
}

// robotError asserts err is a *robot.Error of class and code, whose text
// gives away none of the credentials.
func robotError(t *testing.T, err error, class robot.Class, code int, secrets ...string) *robot.Error {
	t.Helper()
	var re *robot.Error
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T), want a *robot.Error", err, err)
	}
	if re.Class != class || re.Code != code {
		t.Fatalf("class %d code %d (%v), want class %d code %d", re.Class, re.Code, re, class, code)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("the error text gives away a credential: %v", err)
		}
	}
	return re
}

func TestBothRobotsTakeAMarkdownMessage(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	wc, key := b.wecom()
	dt, token := b.dingtalk()
	for _, r := range []workflow.Robot{wc, dt} {
		if err := b.client.Send(ctx, r, "【考核提醒】甘井子区总工会", "### 【考核提醒】\n\n- 指标表尚未报送"); err != nil {
			t.Fatalf("%s: %v", r.Kind, err)
		}
	}
	w, d := b.srv.Messages(key), b.srv.Messages(token)
	if len(w) != 1 || w[0].Text != "### 【考核提醒】\n\n- 指标表尚未报送" {
		t.Errorf("WeCom got %+v", w)
	}
	if len(d) != 1 || d[0].Title != "【考核提醒】甘井子区总工会" || d[0].Text != "### 【考核提醒】\n\n- 指标表尚未报送" {
		t.Errorf("DingTalk got %+v", d)
	}
}

func TestDingTalkRefusesABadSignatureForGood(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	dt, token := b.dingtalk()
	wrong := dt
	wrong.Secret = "SEC0000000000000000000000000000"
	err := b.client.Send(ctx, wrong, "t", "m")
	robotError(t, err, robot.Permanent, 310000, token, wrong.Secret)

	stale := &robot.Client{AllowedHosts: b.client.AllowedHosts, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}
	err = stale.Send(ctx, dt, "t", "m")
	if re := robotError(t, err, robot.Permanent, 310000, token, dt.Secret); re.Msg != "invalid timestamp" {
		t.Errorf("an expired timestamp: %v", re)
	}
	if got := b.srv.Messages(token); len(got) != 0 {
		t.Errorf("DingTalk accepted %d messages", len(got))
	}
}

func TestRateLimitsAreThrottled(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	wc, key := b.wecom()
	dt, token := b.dingtalk()
	for i := 0; i < robottest.Limit; i++ {
		if err := b.client.Send(ctx, wc, "t", "m"); err != nil {
			t.Fatal(err)
		}
		if err := b.client.Send(ctx, dt, "t", "m"); err != nil {
			t.Fatal(err)
		}
	}
	if re := robotError(t, b.client.Send(ctx, wc, "t", "m"), robot.Throttled, 45009, key); re.After != time.Minute {
		t.Errorf("WeCom throttled for %s", re.After)
	}
	if re := robotError(t, b.client.Send(ctx, dt, "t", "m"), robot.Throttled, 410100, token, dt.Secret); re.After != 10*time.Minute {
		t.Errorf("DingTalk throttled for %s", re.After)
	}
	b.clock.Advance(10 * time.Minute)
	for _, r := range []workflow.Robot{wc, dt} {
		if err := b.client.Send(ctx, r, "t", "m"); err != nil {
			t.Errorf("%s after the limit: %v", r.Kind, err)
		}
	}
}

func TestErrorCodesMapToRetryOrFail(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	wc, key := b.wecom()
	dt, token := b.dingtalk()
	tests := []struct {
		r     workflow.Robot
		key   string
		code  int
		class robot.Class
	}{
		{wc, key, -1, robot.Temporary},
		{wc, key, 93000, robot.Permanent},
		{dt, token, -1, robot.Temporary},
		{dt, token, 130101, robot.Throttled},
		{dt, token, 400102, robot.Permanent},
		{dt, token, 400013, robot.Permanent},
		{dt, token, 430101, robot.Permanent},
	}
	for _, tt := range tests {
		b.srv.FailNext(tt.key, tt.code, "x")
		robotError(t, b.client.Send(ctx, tt.r, "t", "m"), tt.class, tt.code, tt.key)
	}
	unknown := wc
	unknown.Webhook = b.srv.URL + "/cgi-bin/webhook/send?key=00000000-unknown"
	robotError(t, b.client.Send(ctx, unknown, "t", "m"), robot.Permanent, 93000)
}

func TestLongMessagesAreCutToWhatWeComTakes(t *testing.T) {
	b := setup(t)
	wc, key := b.wecom()
	long := strings.Repeat("甘井子区总工会", 400) // 8400 bytes
	if err := b.client.Send(context.Background(), wc, "t", long); err != nil {
		t.Fatal(err)
	}
	got := b.srv.Messages(key)
	if len(got) != 1 || len(got[0].Text) > robot.MaxMarkdownBytes || !strings.HasPrefix(long, got[0].Text) {
		t.Fatalf("got %d messages, the first %d bytes", len(got), len(got[0].Text))
	}
}

func TestOnlyAllowedHostsAreCalled(t *testing.T) {
	called := false
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	defer other.Close()
	c := &robot.Client{}
	r := workflow.Robot{Kind: workflow.RobotWeCom, Webhook: other.URL + "/cgi-bin/webhook/send?key=0123456789"}
	robotError(t, c.Send(context.Background(), r, "t", "m"), robot.Permanent, 0)
	if called {
		t.Fatal("a host that is not allowed was called")
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	followed := false
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed = true }))
	defer target.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/internal", http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	host := strings.TrimPrefix(redirect.URL, "http://")
	c := &robot.Client{AllowedHosts: []string{host}}
	r := workflow.Robot{Kind: workflow.RobotWeCom, Webhook: redirect.URL + "/cgi-bin/webhook/send?key=0123456789"}
	re := robotError(t, c.Send(context.Background(), r, "t", "m"), robot.Permanent, 0)
	if re.Status != http.StatusTemporaryRedirect || followed {
		t.Fatalf("status %d, followed %v", re.Status, followed)
	}
}

func TestASilentRobotTimesOut(t *testing.T) {
	release := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer silent.Close()
	defer close(release)
	host := strings.TrimPrefix(silent.URL, "http://")
	c := &robot.Client{AllowedHosts: []string{host}, Timeout: 200 * time.Millisecond}
	r := workflow.Robot{Kind: workflow.RobotDingTalk, Webhook: silent.URL + "/robot/send?access_token=0123456789", Secret: "SEC0123456789"}
	re := robotError(t, c.Send(context.Background(), r, "t", "m"), robot.Temporary, 0, "0123456789")
	if !strings.Contains(re.Msg, "没有应答") {
		t.Errorf("message %q", re.Msg)
	}
	// A server error is worth another try too.
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	defer failing.Close()
	c.AllowedHosts = []string{strings.TrimPrefix(failing.URL, "http://")}
	r.Webhook = failing.URL + "/robot/send?access_token=0123456789"
	robotError(t, c.Send(context.Background(), r, "t", "m"), robot.Temporary, 0)
}

func TestSignIsDingTalksDocumentedSignature(t *testing.T) {
	// As DingTalk documents it (the value computed with Python's hmac, as
	// its page shows): base64 of HMAC-SHA256 keyed by the secret over
	// timestamp "\n" secret, the timestamp in milliseconds.
	ts, sign := robot.Sign("SEC123", time.UnixMilli(1577836800000))
	if ts != "1577836800000" {
		t.Errorf("timestamp %s", ts)
	}
	if sign != "n+ioP1TLey59UX2djJswAhdE/5RCJyjrA266MMnl9uI=" {
		t.Errorf("sign %s", sign)
	}
}
