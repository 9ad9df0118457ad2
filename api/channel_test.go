package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	goqr "github.com/piglig/go-qr"

	"kaohe/api"
	"kaohe/configs"
	"kaohe/internal/app"
	"kaohe/internal/robottest"
	"kaohe/internal/testenv"
)

// robotEnv is a test server whose configuration allows the robots' test
// server, whose rate windows run on the server's clock.
func robotEnv(t *testing.T, tweak func(*configs.Config)) (*env, *robottest.Server) {
	t.Helper()
	cfg := testConfig(t, "sqlite")
	var e *env
	srv := robottest.New(t, func() time.Time { return e.clock.Now() })
	cfg.Robots.AllowedHosts = []string{srv.Host}
	if tweak != nil {
		tweak(cfg)
	}
	e = newEnvWith(t, cfg)
	return e, srv
}

// robotJSON is a robot as the API lists it.
type robotJSON struct {
	ID          int64  `json:"id"`
	Unit        string `json:"unit"`
	Kind        string `json:"kind"`
	KindLabel   string `json:"kind_label"`
	Name        string `json:"name"`
	Host        string `json:"host"`
	KeyLast4    string `json:"key_last4"`
	SecretLast4 string `json:"secret_last4"`
	LastTest    *struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	} `json:"last_test"`
}

// TestRobotsAreRegisteredListedTestedAndRemoved: a unit registers a WeCom
// and a DingTalk robot, lists them (the credentials' last four characters
// only, anywhere in the API), tests them, and removes one; bad webhooks
// and secrets are refused with the field at fault.
func TestRobotsAreRegisteredListedTestedAndRemoved(t *testing.T) {
	e, srv := robotEnv(t, nil)
	wecomHook, wecomKey := srv.WeCom()
	dingHook, dingToken, dingSecret := srv.DingTalk()
	secrets := []string{wecomKey, dingToken, dingSecret}
	var bodies [][]byte
	keep := func(b []byte) []byte { bodies = append(bodies, b); return b }

	var wc, dt robotJSON
	json.Unmarshal(keep(e.mustDo("POST", "/api/v1/units/gjz/robots", "unitA", map[string]any{"kind": "wecom", "webhook": wecomHook, "name": "督查工作群"}, 201)), &wc)
	json.Unmarshal(keep(e.mustDo("POST", "/api/v1/units/gjz/robots", "unitA", map[string]any{"kind": "dingtalk", "webhook": dingHook, "secret": dingSecret}, 201)), &dt)
	if wc.Kind != "wecom" || wc.Name != "督查工作群" || wc.Host != srv.Host || wc.KeyLast4 != wecomKey[len(wecomKey)-4:] || wc.SecretLast4 != "" || wc.LastTest != nil {
		t.Errorf("WeCom robot: %+v", wc)
	}
	if dt.Kind != "dingtalk" || dt.Name != "钉钉群机器人" || dt.KeyLast4 != dingToken[len(dingToken)-4:] || dt.SecretLast4 != dingSecret[len(dingSecret)-4:] {
		t.Errorf("DingTalk robot: %+v", dt)
	}

	for _, tt := range []struct {
		name string
		body map[string]any
		path string
	}{
		{"a host of the office's network", map[string]any{"kind": "wecom", "webhook": "http://192.168.1.10/cgi-bin/webhook/send?key=0123456789"}, "webhook"},
		{"the official host without https", map[string]any{"kind": "wecom", "webhook": "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789"}, "webhook"},
		{"DingTalk without its secret", map[string]any{"kind": "dingtalk", "webhook": "https://oapi.dingtalk.com/robot/send?access_token=0123456789"}, "secret"},
		{"WeCom with a secret", map[string]any{"kind": "wecom", "webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789", "secret": "SEC0123456789"}, "secret"},
		{"an unknown kind", map[string]any{"kind": "feishu", "webhook": "https://open.feishu.cn/x"}, "kind"},
	} {
		status, out := e.do("POST", "/api/v1/units/gjz/robots", "unitA", tt.body)
		if ae := decodeError(t, out); status != 422 || len(ae.Error.Details) == 0 || ae.Error.Details[0].Path != tt.path {
			t.Errorf("%s: %d %s", tt.name, status, out)
		}
	}
	if status, out := e.do("POST", "/api/v1/units/gjz/robots", "unitA", map[string]any{"kind": "wecom", "webhook": wecomHook}); status != 409 {
		t.Errorf("the same webhook again: %d %s", status, out)
	}
	if status, _ := e.do("POST", "/api/v1/units/gjz/robots", "unitA", map[string]any{"kind": "wecom", "webhook": wecomHook, "token": "x"}); status != 400 {
		t.Errorf("an unknown field: %d", status)
	}
	// Another unit may register the same group.
	e.mustDo("POST", "/api/v1/units/zs/robots", "unitB", map[string]any{"kind": "wecom", "webhook": wecomHook}, 201)

	// Tests: both robots take the message; a robot the service no longer
	// knows says so, and the request still succeeds.
	for _, r := range []robotJSON{wc, dt} {
		var got robotJSON
		json.Unmarshal(keep(e.mustDo("POST", fmt.Sprintf("/api/v1/units/gjz/robots/%d/test", r.ID), "unitA", nil, 200)), &got)
		if got.LastTest == nil || !got.LastTest.OK {
			t.Errorf("test of %s: %+v", r.Kind, got.LastTest)
		}
	}
	if w, d := srv.Messages(wecomKey), srv.Messages(dingToken); len(w) != 1 || len(d) != 1 || !strings.Contains(w[0].Text, "甘井子区总工会") || d[0].Title != "考核系统测试消息" {
		t.Errorf("test messages: %+v %+v", w, d)
	}
	gone := e.mustDo("POST", "/api/v1/units/gjz/robots", "unitA", map[string]any{"kind": "wecom", "webhook": srv.URL + "/cgi-bin/webhook/send?key=0000000000unknown"}, 201)
	var g robotJSON
	json.Unmarshal(gone, &g)
	json.Unmarshal(keep(e.mustDo("POST", fmt.Sprintf("/api/v1/units/gjz/robots/%d/test", g.ID), "office", nil, 200)), &g)
	if g.LastTest == nil || g.LastTest.OK || !strings.Contains(g.LastTest.Error, "93000") {
		t.Errorf("test of an unknown key: %+v", g.LastTest)
	}

	var list []robotJSON
	json.Unmarshal(keep(e.mustDo("GET", "/api/v1/units/gjz/robots", "viewer", nil, 200)), &list)
	if len(list) != 3 || list[0].ID != wc.ID || list[1].ID != dt.ID || list[0].LastTest == nil {
		t.Fatalf("list: %+v", list)
	}
	e.mustDo("DELETE", fmt.Sprintf("/api/v1/units/gjz/robots/%d", g.ID), "unitA", nil, 204)
	e.mustDo("DELETE", fmt.Sprintf("/api/v1/units/gjz/robots/%d", g.ID), "unitA", nil, 404)
	if status, _ := e.do("DELETE", fmt.Sprintf("/api/v1/units/zs/robots/%d", wc.ID), "office", nil); status != 404 {
		t.Errorf("gjz's robot deleted as zs's: %d", status)
	}
	json.Unmarshal(keep(e.mustDo("GET", "/api/v1/units/gjz/robots", "office", nil, 200)), &list)
	if len(list) != 2 {
		t.Errorf("after removing one: %+v", list)
	}

	// The office's own robot.
	officeHook, officeToken, officeSecret := srv.DingTalk()
	secrets = append(secrets, officeToken, officeSecret)
	var o robotJSON
	json.Unmarshal(keep(e.mustDo("POST", "/api/v1/office/robots", "office", map[string]any{"kind": "dingtalk", "webhook": officeHook, "secret": officeSecret}, 201)), &o)
	json.Unmarshal(keep(e.mustDo("POST", fmt.Sprintf("/api/v1/office/robots/%d/test", o.ID), "office", nil, 200)), &o)
	if o.Unit != "" || o.LastTest == nil || !o.LastTest.OK || len(srv.Messages(officeToken)) != 1 {
		t.Errorf("office robot: %+v", o)
	}
	keep(e.mustDo("GET", "/api/v1/office/robots", "viewer", nil, 200))
	if status, _ := e.do("POST", fmt.Sprintf("/api/v1/units/gjz/robots/%d/test", o.ID), "office", nil); status != 404 {
		t.Errorf("the office's robot tested as gjz's: %d", status)
	}
	keep(e.mustDo("GET", "/api/v1/audit", "office", nil, 200))

	for _, b := range bodies {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Fatalf("a response gives away a credential %q: %s", s, b)
			}
		}
	}
}

// feedEvent is one event of a parsed feed: "title|when" with when
// "2019-06-13 17:30" (Asia/Shanghai) or "2019-06-30 all-day".
func feedEvents(t *testing.T, cal *ics.Calendar) []string {
	t.Helper()
	var out []string
	for _, ev := range cal.Events() {
		start := ev.GetProperty(ics.ComponentPropertyDtStart)
		if start == nil {
			t.Fatalf("an event without DTSTART: %s", ev.Id())
		}
		var when string
		if v := start.ICalParameters["VALUE"]; len(v) == 1 && v[0] == "DATE" {
			d, err := time.Parse("20060102", start.Value)
			if err != nil {
				t.Fatal(err)
			}
			when = d.Format(time.DateOnly) + " all-day"
		} else {
			at, err := ev.GetStartAt()
			if err != nil {
				t.Fatal(err)
			}
			when = at.In(shanghai).Format("2006-01-02 15:04")
		}
		out = append(out, ev.GetProperty(ics.ComponentPropertySummary).Value+"|"+when)
	}
	sort.Strings(out)
	return out
}

// getFeed reads a feed as a calendar does: no token, no cookie.
func getFeed(t *testing.T, url string) (int, *ics.Calendar, string) {
	t.Helper()
	status, h, b := testenv.Get(t, url)
	if status != 200 {
		return status, nil, string(b)
	}
	if ct := h.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, b)
	}
	return 200, cal, string(b)
}

type calendarJSON struct {
	URL       string `json:"url"`
	WebcalURL string `json:"webcal_url"`
	QRSVG     string `json:"qr_svg"`
	QRPNG     string `json:"qr_png"`
}

type nodeDueJSON struct {
	Due   string    `json:"due"`
	DueAt time.Time `json:"due_at"`
}

// nodeEvents is what the feed must show of gjz's nodes: one event per
// checkpoint and due instant, read from the node views.
func (e *env) nodeEvents() []string {
	e.t.Helper()
	var ns []nodeDueJSON
	e.mustDecode("GET", "/api/v1/plans/2019/units/gjz/nodes", "unitA", nil, 200, &ns)
	type event struct{ title, moved, when string }
	count := map[event]int{}
	for _, n := range ns {
		at := n.DueAt.In(shanghai)
		day, when := at, at.Format("2006-01-02 15:04")
		if at.Format("15:04:05") == "00:00:00" {
			day = at.AddDate(0, 0, -1)
			when = day.Format(time.DateOnly) + " all-day"
		}
		d, _ := time.Parse(time.DateOnly, n.Due)
		ev := event{title: fmt.Sprintf("%d月%d日前序时进度节点截止", d.Month(), d.Day()), when: when}
		if day.Format(time.DateOnly) != n.Due {
			ev.moved = fmt.Sprintf("（原定%d月%d日，顺延至%d月%d日）", d.Month(), d.Day(), day.Month(), day.Day())
		}
		count[ev]++
	}
	var out []string
	for ev, n := range count {
		out = append(out, fmt.Sprintf("%s（%d项）%s|%s", ev.title, n, ev.moved, ev.when))
	}
	return out
}

// monthEvents are the plan's monthly counts in a feed.
var monthEvents = []string{
	"2019年6月会员实名制信息采集数量报送截止|2019-07-05 all-day",
	"2019年7月会员实名制信息采集数量报送截止|2019-08-05 all-day",
	"2019年8月会员实名制信息采集数量报送截止|2019-09-05 all-day",
	"2019年9月会员实名制信息采集数量报送截止（原定10月5日，顺延至10月8日）|2019-10-08 all-day",
	"2019年10月会员实名制信息采集数量报送截止|2019-11-05 all-day",
	"2019年11月会员实名制信息采集数量报送截止|2019-12-05 all-day",
}

func sorted(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	sort.Strings(out)
	return out
}

// TestCalendarFeeds: a unit's feed is read without signing in, parses as
// iCalendar, has one event per deadline at the right time in
// Asia/Shanghai and nothing but titles and times; after release it has
// the unit's nodes as the node views show them, and when a checkpoint
// moves the feed moves with them; a rotated address answers 404; the QR
// code reads as the address; the office's feed has every unit's.
func TestCalendarFeeds(t *testing.T) {
	e := newEnv(t, "sqlite")
	var link calendarJSON
	e.mustDecode("GET", "/api/v1/units/gjz/calendar", "unitA", nil, 200, &link)
	if !strings.HasPrefix(link.URL, e.srv.URL+"/calendar/") || !strings.HasSuffix(link.URL, ".ics") ||
		link.WebcalURL != "webcal://"+strings.TrimPrefix(link.URL, "http://") {
		t.Fatalf("link: %+v", link)
	}
	var again calendarJSON
	e.mustDecode("GET", "/api/v1/units/gjz/calendar", "office", nil, 200, &again)
	if again.URL != link.URL {
		t.Fatalf("a second read gave another address: %s %s", again.URL, link.URL)
	}

	status, cal, raw := getFeed(t, link.URL)
	if status != 200 {
		t.Fatalf("feed: %d %s", status, raw)
	}
	before := sorted([]string{
		"2019年度实绩考核指标表报送截止|2019-06-13 17:30",
		"6月30日前序时进度节点截止（原定6月30日，顺延至7月1日）|2019-07-01 all-day",
		"9月30日前序时进度节点截止|2019-09-30 all-day",
		"11月30日前序时进度节点截止（原定11月30日，顺延至12月2日）|2019-12-02 all-day",
	}, monthEvents)
	if got := feedEvents(t, cal); strings.Join(got, "\n") != strings.Join(before, "\n") {
		t.Errorf("before release:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
	}
	for _, l := range strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n") {
		if len(l) > 75 || strings.Contains(l, "\n") {
			t.Fatalf("a line longer than 75 octets or not ended by CRLF: %q", l)
		}
	}
	for _, private := range []string{"gjz.example.cn", "王明", "13804110001", "分"} {
		if strings.Contains(raw, private) {
			t.Errorf("the feed carries %q:\n%s", private, raw)
		}
	}

	// Released: the unit's nodes, as the node views show them.
	e.toState("executing")
	_, cal, _ = getFeed(t, link.URL)
	released := sorted([]string{"2019年度实绩考核指标表报送截止|2019-06-13 17:30"}, e.nodeEvents(), monthEvents)
	if got := feedEvents(t, cal); strings.Join(got, "\n") != strings.Join(released, "\n") {
		t.Errorf("after release:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(released, "\n"))
	}
	if n := len(e.nodeEvents()); n != 3 {
		t.Errorf("the fixture's nodes are on %d checkpoints, want 3", n)
	}

	// The 6-30 checkpoint moves to noon (a plan file replacing the
	// embedded one, loaded by a server starting on the same database):
	// the node views and the feed move together.
	plan, err := os.ReadFile("../configs/plans/2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	moved := bytes.Replace(plan, []byte("{date: 2019-06-30, name: 6月30日前}"), []byte(`{date: 2019-06-30, time: "12:00", name: 6月30日前}`), 1)
	if bytes.Equal(moved, plan) {
		t.Fatal("the plan file has no 6-30 checkpoint line to move")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "2019.yaml"), moved, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := *e.app.Config
	cfg.PlansDir = dir
	other, err := app.Open(context.Background(), &cfg, e.clock, e.app.Log)
	if err != nil {
		t.Fatal(err)
	}
	other.Close(context.Background())
	_, cal, _ = getFeed(t, link.URL)
	after := sorted([]string{"2019年度实绩考核指标表报送截止|2019-06-13 17:30"}, e.nodeEvents(), monthEvents)
	got := feedEvents(t, cal)
	if strings.Join(got, "\n") != strings.Join(after, "\n") || strings.Join(after, "\n") == strings.Join(released, "\n") {
		t.Errorf("after the move:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(after, "\n"))
	}
	// June 30, 2019 is a Sunday: noon of the next working day.
	if !strings.Contains(strings.Join(got, "\n"), "|2019-07-01 12:00") {
		t.Errorf("no node event at noon on July 1:\n%s", strings.Join(got, "\n"))
	}

	// The QR code is the address.
	status, hdr, img := e.raw("GET", link.QRPNG, "unitA", "", nil)
	if status != 200 || hdr.Get("Content-Type") != "image/png" {
		t.Fatalf("QR code: %d %s", status, hdr)
	}
	pic, err := png.Decode(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	if text, err := goqr.Decode(pic); err != nil || text != link.URL {
		t.Errorf("the QR code reads %q (%v), want %q", text, err, link.URL)
	}
	status, hdr, svg := e.raw("GET", link.QRSVG, "office", "", nil)
	if status != 200 || hdr.Get("Content-Type") != "image/svg+xml" || !bytes.HasPrefix(svg, []byte("<svg")) {
		t.Errorf("SVG QR code: %d %s %.40s", status, hdr, svg)
	}

	// Rotation: the old address is gone, the new one works.
	var rotated calendarJSON
	e.mustDecode("POST", "/api/v1/units/gjz/calendar/rotate", "unitA", nil, 200, &rotated)
	if rotated.URL == link.URL {
		t.Fatal("rotation kept the address")
	}
	if status, _, _ := getFeed(t, link.URL); status != 404 {
		t.Errorf("the old address answers %d", status)
	}
	if status, _, _ := getFeed(t, rotated.URL); status != 200 {
		t.Errorf("the new address answers %d", status)
	}
	for _, junk := range []string{"/calendar/x.ics", "/calendar/" + strings.Repeat("A", 43) + ".ics", strings.TrimSuffix(strings.TrimPrefix(rotated.URL, e.srv.URL), ".ics")} {
		if status, _ := e.do("GET", junk, "", nil); status != 404 {
			t.Errorf("%s answers %d", junk, status)
		}
	}

	// The request log does not keep the token.
	var logged bytes.Buffer
	logging := httptest.NewServer((&api.Server{Service: e.app.Service, Log: slog.New(slog.NewTextHandler(&logged, nil))}).Handler())
	defer logging.Close()
	token := strings.TrimSuffix(strings.TrimPrefix(rotated.URL, e.srv.URL+"/calendar/"), ".ics")
	if status, _, _ := getFeed(t, logging.URL+"/calendar/"+token+".ics"); status != 200 || !strings.Contains(logged.String(), "/calendar/") {
		t.Fatalf("feed through the logging server: %d\n%s", status, logged.String())
	}
	if strings.Contains(logged.String(), token) {
		t.Errorf("the log keeps the feed's token:\n%s", logged.String())
	}

	// The office's feed: every unit's deadlines.
	var office calendarJSON
	e.mustDecode("GET", "/api/v1/office/calendar", "office", nil, 200, &office)
	_, cal, raw = getFeed(t, office.URL)
	events := strings.Join(feedEvents(t, cal), "\n")
	for _, want := range []string{"2019年度实绩考核指标表报送截止|2019-06-13 17:30", "6月30日前序时进度节点截止（1个单位", "|2019-07-01 12:00", "9月30日前", "2019年11月会员实名制"} {
		if !strings.Contains(events, want) {
			t.Errorf("the office's feed lacks %q:\n%s", want, events)
		}
	}
	if !strings.Contains(raw, "X-WR-CALNAME:市总工会办公室") {
		t.Errorf("the office's feed is not named:\n%.300s", raw)
	}
}

// TestCalendarAddressOnThePublicURL: with public_url set, addresses are on
// it, whatever the request's host.
func TestCalendarAddressOnThePublicURL(t *testing.T) {
	cfg := testConfig(t, "sqlite")
	cfg.PublicURL = "https://kaohe.dlzgh.example.cn/"
	e := newEnvWith(t, cfg)
	var link calendarJSON
	e.mustDecode("GET", "/api/v1/units/gjz/calendar", "unitA", nil, 200, &link)
	if !strings.HasPrefix(link.URL, "https://kaohe.dlzgh.example.cn/calendar/") || !strings.HasPrefix(link.WebcalURL, "webcal://kaohe.dlzgh.example.cn/calendar/") {
		t.Errorf("link: %+v", link)
	}
}

// TestChannelRoutesForEveryRole: every robot and calendar route as each
// role: anonymous 401, a role that may not act 403, another unit's 404;
// a viewer lists robots (nothing secret) but reads no calendar address;
// the feed itself answers whoever has its address.
func TestChannelRoutesForEveryRole(t *testing.T) {
	roles := []string{"", "office", "unitA", "unitB", "viewer"}
	type prep struct {
		unitRobot, officeRobot int64
		feed                   string
	}
	tests := []struct {
		method string
		path   func(p prep) string
		body   func(e *env, srv *robottest.Server) any
		want   [5]int // anonymous, office, unitA (gjz), unitB (zs), viewer
	}{
		{"GET", func(prep) string { return "/api/v1/units/gjz/robots" }, nil, [5]int{401, 200, 200, 404, 200}},
		{"POST", func(prep) string { return "/api/v1/units/gjz/robots" }, newWeCom, [5]int{401, 201, 201, 404, 403}},
		{"DELETE", func(p prep) string { return fmt.Sprintf("/api/v1/units/gjz/robots/%d", p.unitRobot) }, nil, [5]int{401, 204, 204, 404, 403}},
		{"POST", func(p prep) string { return fmt.Sprintf("/api/v1/units/gjz/robots/%d/test", p.unitRobot) }, nil, [5]int{401, 200, 200, 404, 403}},
		{"GET", func(prep) string { return "/api/v1/office/robots" }, nil, [5]int{401, 200, 403, 403, 200}},
		{"POST", func(prep) string { return "/api/v1/office/robots" }, newWeCom, [5]int{401, 201, 403, 403, 403}},
		{"DELETE", func(p prep) string { return fmt.Sprintf("/api/v1/office/robots/%d", p.officeRobot) }, nil, [5]int{401, 204, 403, 403, 403}},
		{"POST", func(p prep) string { return fmt.Sprintf("/api/v1/office/robots/%d/test", p.officeRobot) }, nil, [5]int{401, 200, 403, 403, 403}},
		{"GET", func(prep) string { return "/api/v1/units/gjz/calendar" }, nil, [5]int{401, 200, 200, 404, 403}},
		{"POST", func(prep) string { return "/api/v1/units/gjz/calendar/rotate" }, nil, [5]int{401, 200, 200, 404, 403}},
		{"GET", func(prep) string { return "/api/v1/units/gjz/calendar/qr.svg" }, nil, [5]int{401, 200, 200, 404, 403}},
		{"GET", func(prep) string { return "/api/v1/units/gjz/calendar/qr.png" }, nil, [5]int{401, 200, 200, 404, 403}},
		{"GET", func(prep) string { return "/api/v1/office/calendar" }, nil, [5]int{401, 200, 403, 403, 403}},
		{"POST", func(prep) string { return "/api/v1/office/calendar/rotate" }, nil, [5]int{401, 200, 403, 403, 403}},
		{"GET", func(prep) string { return "/api/v1/office/calendar/qr.svg" }, nil, [5]int{401, 200, 403, 403, 403}},
		{"GET", func(prep) string { return "/api/v1/office/calendar/qr.png" }, nil, [5]int{401, 200, 403, 403, 403}},
		{"GET", func(p prep) string { return p.feed }, nil, [5]int{200, 200, 200, 200, 200}},
	}
	for _, tt := range tests {
		for i, role := range roles {
			name := roleName(role)
			path := tt.path(prep{1, 2, "/calendar/TOKEN.ics"})
			t.Run(fmt.Sprintf("%s %s as %s", tt.method, path, name), func(t *testing.T) {
				e, srv := robotEnv(t, nil)
				var p prep
				var r robotJSON
				e.mustDecode("POST", "/api/v1/units/gjz/robots", "office", newWeCom(e, srv), 201, &r)
				p.unitRobot = r.ID
				e.mustDecode("POST", "/api/v1/office/robots", "office", newWeCom(e, srv), 201, &r)
				p.officeRobot = r.ID
				var link calendarJSON
				e.mustDecode("GET", "/api/v1/units/gjz/calendar", "unitA", nil, 200, &link)
				p.feed = strings.TrimPrefix(link.URL, e.srv.URL)
				var body any
				if tt.body != nil {
					body = tt.body(e, srv)
				}
				status, out := e.do(tt.method, tt.path(p), role, body)
				if status != tt.want[i] {
					t.Fatalf("status %d, want %d: %s", status, tt.want[i], out)
				}
				if status >= 400 {
					decodeError(t, out)
				}
			})
		}
	}
}

func newWeCom(_ *env, srv *robottest.Server) any {
	hook, _ := srv.WeCom()
	return map[string]any{"kind": "wecom", "webhook": hook}
}
