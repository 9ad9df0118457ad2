// Command gen plays a short 2019 through the real service and API of this
// release and keeps what it leaves behind as the upgrade fixture: the
// database (SQLite data directory, or a MySQL database to be dumped with
// mariadb-dump), the evidence files, and every list the API gives at the
// end, as JSON. It is run once per database and then removed from the tree:
// a fixture must stay what this release wrote.
//
//	go run ./testdata/upgrade/gen -out testdata/upgrade/sqlite
//	go run ./testdata/upgrade/gen -out testdata/upgrade/mysql -dsn 'root@tcp(127.0.0.1:3306)/fixture'
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kaohe/api"
	"kaohe/configs"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/evidence"
	"kaohe/workflow/store"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

type game struct {
	ctx    context.Context
	srv    *httptest.Server
	clock  *workflow.ManualClock
	tokens map[string]string
	db     *store.DB
	sched  *jobs.Scheduler
	disp   *jobs.Dispatcher
}

// failFor is a mailer that refuses one recipient and drops the rest.
type failFor struct{ to string }

func (m failFor) Send(_ context.Context, x *jobs.Mail) error {
	if x.To == m.to {
		return errors.New("550 mailbox unavailable")
	}
	return nil
}
func (failFor) Close() error { return nil }

func main() {
	out := flag.String("out", "", "output directory")
	dsn := flag.String("dsn", "", "MySQL DSN (empty: SQLite in OUT)")
	flag.Parse()
	if *out == "" {
		log.Fatal("-out is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: *dsn, DataDir: *out})
	if err != nil {
		log.Fatal(err)
	}
	files, err := evidence.Open(filepath.Join(*out, "evidence"))
	if err != nil {
		log.Fatal(err)
	}
	clock := workflow.NewManualClock(at("2019-06-03 09:00"))
	svc := &workflow.Service{Store: db, Clock: clock, BcryptCost: bcrypt.MinCost, TokenTTL: 12 * time.Hour,
		LoginLimit: 5, LoginWindow: 15 * time.Minute, OnRelease: workflow.MaterializeNodes,
		ScoringFacts: workflow.ExecutionFacts{}, Files: files, WarningDays: 7}
	b, err := configs.Files.ReadFile("plans/2019.yaml")
	if err != nil {
		log.Fatal(err)
	}
	plan, err := workflow.LoadPlan(b)
	if err != nil {
		log.Fatal(err)
	}
	if err := svc.LoadPlan(ctx, plan); err != nil {
		log.Fatal(err)
	}
	if _, err := svc.EnsureAdmin(ctx, "admin-password"); err != nil {
		log.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &api.Server{Service: svc, Ready: db.Ping, Log: quiet}
	g := &game{ctx: ctx, srv: httptest.NewServer(s.Handler()), clock: clock, tokens: map[string]string{}, db: db}
	defer g.srv.Close()

	rules := workflow.ReminderRules{LeadDays: []int{7, 3, 1}, At: workflow.ClockTime{Hour: 9}}
	reminders := &jobs.Reminders{Store: db, Clock: clock, Rules: rules, Data: workflow.ExecutionReminders{},
		Office: []string{"office@dl.example.cn"}, Log: quiet}
	monthly := &jobs.Monthly{Store: db, Clock: clock, Rules: rules, Data: workflow.ExecutionReminders{}, Log: quiet}
	scoring := &jobs.Scoring{Store: db, Clock: clock, Log: quiet, Score: func(ctx context.Context, year int) error {
		_, err := svc.RunScoring(ctx, workflow.SystemActor, year)
		return err
	}}
	g.sched = &jobs.Scheduler{Store: db, Clock: clock, Location: shanghai, Holder: "fixture-server", Log: quiet, Jobs: []jobs.Job{
		{Name: "reminders", Run: func(ctx context.Context) error { _, err := reminders.Run(ctx); return err }},
		{Name: "monthly", Run: monthly.Run},
		{Name: "scoring", Run: scoring.Run},
	}}
	if err := db.Tx(ctx, func(tx workflow.Tx) error { return tx.EnsureLease(jobs.LeaseName) }); err != nil {
		log.Fatal(err)
	}
	g.disp = &jobs.Dispatcher{Store: db, Clock: clock, Mailer: failFor{"head@xg.example.cn"}, From: "kaohe@dl.example.cn",
		Attempts: 1, Name: "fixture-dispatcher", Log: quiet}

	g.play()
	lists := g.record()
	if err := db.Close(); err != nil {
		log.Fatal(err)
	}
	j, err := json.MarshalIndent(lists, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "api.json"), append(j, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

func contacts(unit string) []map[string]string {
	return []map[string]string{
		{"name": "王明", "position": "办公室主任", "phone": "0411-86641234", "mobile": "13804110001", "email": "head@" + unit + ".example.cn"},
		{"name": "李婷", "position": "督查工作人员", "phone": "0411-86641235", "mobile": "15942410002", "email": "staff@" + unit + ".example.cn"},
	}
}

func (g *game) to(when string) { g.clock.Set(at(when)) }

// tick runs the scheduler's jobs and the dispatcher once, as the server
// would at that moment.
func (g *game) tick() {
	g.sched.RunTick(g.ctx)
	if _, err := g.disp.RunOnce(g.ctx); err != nil {
		log.Fatal(err)
	}
}

func (g *game) play() {
	g.tokens["office"] = g.login("admin", "admin-password")
	for _, u := range [][2]string{{"gjz", "甘井子区总工会"}, {"zs", "中山区总工会"}, {"xg", "西岗区总工会"}} {
		g.must("POST", "/api/v1/units", "office", map[string]any{"code": u[0], "name": u[1], "contacts": contacts(u[0])}, 201)
	}
	for _, u := range [][3]string{{"gjz", "unit", "gjz"}, {"zs", "unit", "zs"}, {"xg", "unit", "xg"}, {"leader", "viewer", ""}, {"clerk", "office", ""}} {
		g.must("POST", "/api/v1/users", "office", map[string]any{"username": u[0], "password": "password-" + u[0], "role": u[1], "unit_code": u[2]}, 201)
	}
	g.must("PUT", "/api/v1/units/xg/contacts", "office", contacts("xg")[:1], 200)

	g.to("2019-06-05 10:00")
	for _, u := range []string{"gjz", "zs", "xg"} {
		g.tokens[u] = g.login(u, "password-"+u)
	}
	doc := readDoc()
	for _, u := range []string{"gjz", "zs", "xg"} {
		g.must("PUT", sub(u), u, withVersion(doc, 0), 201)
	}
	g.to("2019-06-06 15:00")
	g.must("POST", sub("gjz")+"/submit", "gjz", nil, 200)
	g.must("POST", sub("zs")+"/submit", "zs", nil, 200)
	// A wrong password leaves a login failure behind.
	g.do("POST", "/api/v1/login", "", map[string]string{"username": "zs", "password": "wrong"})

	g.to("2019-06-10 09:00")
	g.tick() // 3-day reminders to xg; head@xg refuses mail
	g.to("2019-06-11 11:00")
	g.must("POST", sub("zs")+"/return", "office", map[string]any{"comment": "请补充创新指标的佐证说明", "comments": map[string]string{"innovation[0].result": "预期成果不够具体"}}, 200)
	g.to("2019-06-12 16:00")
	var v struct{ Version int }
	g.decode("GET", sub("zs"), "zs", nil, 200, &v)
	doc2 := withVersion(doc, v.Version)
	g.must("PUT", sub("zs"), "zs", doc2, 200)
	g.must("POST", sub("zs")+"/submit", "zs", nil, 200)
	g.to("2019-06-14 12:00")
	g.tick() // overdue notice and digest for xg

	g.to("2019-06-17 10:00")
	g.must("POST", sub("gjz")+"/certify", "office", map[string]any{"innovation": []map[string]any{{"index": 0, "certified": true}, {"index": 1, "certified": false}}}, 200)
	g.must("POST", sub("zs")+"/certify", "office", map[string]any{"innovation": []map[string]any{{"index": 0, "certified": true}, {"index": 1, "certified": true}}}, 200)
	g.must("POST", "/api/v1/plans/2019/release", "office", nil, 200)

	g.to("2019-06-28 09:00")
	g.tick() // checkpoint reminders for unreported nodes
	g.to("2019-06-28 14:00")
	gjz := g.nodes("gjz", "2019-06-30")
	zs := g.nodes("zs", "2019-06-30")
	g.report(gjz[0], "gjz", "主题教育方案及会议纪要", "会议纪要.pdf", "活动照片.png")
	g.report(gjz[1], "gjz", "", "签到表.jpg", "电子公文.ofd")
	g.report(gjz[2], "gjz", "工作总结", "工作总结.docx", "旧版文档.doc")
	g.report(zs[0], "zs", "电子公文", "电子公文.ofd")
	g.report(zs[1], "zs", "", "材料汇编.zip", "统计报表.xlsx")
	// gjz withdraws one file of its second node and sends another.
	var d struct {
		Evidence []struct{ ID int64 }
	}
	g.decode("GET", fmt.Sprintf("/api/v1/nodes/%d", gjz[1]), "gjz", nil, 200, &d)
	g.must("DELETE", fmt.Sprintf("/api/v1/evidence/%d", d.Evidence[1].ID), "gjz", nil, 204)
	g.report(gjz[1], "gjz", "补充签到表", "签到表.jpg")

	g.to("2019-07-02 10:00")
	g.review(gjz[0], "office", "accept", "full", "材料齐全")
	g.review(gjz[2], "clerk", "accept", "0.5", "部分完成")
	g.review(zs[0], "office", "reject", "", "请提供盖章件")
	g.to("2019-07-03 09:30")
	g.report(zs[0], "zs", "补充盖章件", "会议纪要.pdf")
	g.to("2019-07-04 10:00")
	g.review(zs[0], "office", "accept", "full", "")
	g.review(gjz[1], "clerk", "accept", "full", "")
	g.review(zs[1], "office", "reject", "", "统计报表与工作无关")

	for _, m := range []struct{ unit, month, count, when string }{
		{"gjz", "2019-06", "12034", "2019-07-01 10:00"},
		{"zs", "2019-06", "8800", "2019-07-05 10:00"},
		{"gjz", "2019-06", "12040", "2019-07-06 09:00"}, // a correction
		{"xg", "2019-06", "5120", "2019-07-08 10:00"},   // late
		{"gjz", "2019-07", "12100", "2019-08-02 10:00"},
	} {
		g.to(m.when)
		g.must("PUT", fmt.Sprintf("/api/v1/plans/2019/units/%s/monthly/%s", m.unit, m.month), m.unit, map[string]any{"count": json.Number(m.count)}, 200)
	}
	g.to("2019-08-06 09:00")
	g.tick() // monthly summaries, overdue notices

	g.to("2019-09-27 09:00")
	g.tick() // checkpoint reminders, sent
	g.to("2019-11-27 09:00")
	g.sched.RunTick(g.ctx) // checkpoint reminders, still pending: no dispatch after this

	g.to("2019-12-10 10:00")
	g.must("POST", "/api/v1/plans/2019/units/zs/deductions", "office", map[string]any{"points": "1.5", "reason": "督查工作联系人信息未及时更新", "rule": "迟报"}, 201)
	var ded struct{ ID int64 }
	g.decode("POST", "/api/v1/plans/2019/units/gjz/deductions", "office", map[string]any{"points": "1", "reason": "误录", "rule": "其他"}, 201, &ded)
	g.must("DELETE", fmt.Sprintf("/api/v1/plans/2019/units/gjz/deductions/%d", ded.ID), "office", nil, 204)

	g.to("2019-12-20 09:00")
	g.sched.RunTick(g.ctx) // the year-end scoring run
	g.to("2019-12-20 09:30")
	var run struct{ ID int64 }
	g.decode("POST", "/api/v1/plans/2019/scoring-runs", "office", nil, 201, &run)
	g.must("POST", fmt.Sprintf("/api/v1/plans/2019/scoring-runs/%d/publish", run.ID), "office", nil, 200)

	// Sessions alive at the fixture's moment, one per kind of user.
	g.to("2019-12-20 10:00")
	for _, u := range []string{"gjz", "zs", "xg", "leader", "clerk"} {
		g.tokens[u] = g.login(u, "password-"+u)
	}
	g.tokens["office"] = g.login("admin", "admin-password")
	g.to("2019-12-20 10:30")
	// A wrong password leaves a login failure behind.
	g.do("POST", "/api/v1/login", "", map[string]string{"username": "xg", "password": "wrong"})
	g.to("2019-12-20 11:00")
}

func sub(unit string) string { return "/api/v1/plans/2019/units/" + unit + "/submission" }

func readDoc() map[string]any {
	b, err := os.ReadFile("testdata/submission-2019.json")
	if err != nil {
		log.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		log.Fatal(err)
	}
	return d
}

func withVersion(d map[string]any, v int) map[string]any {
	out := map[string]any{"version": v}
	for k, x := range d {
		out[k] = x
	}
	return out
}

// nodes returns the IDs of unit's nodes due on due, in list order.
func (g *game) nodes(unit, due string) []int64 {
	var ns []struct {
		ID  int64
		Due string
	}
	g.decode("GET", "/api/v1/plans/2019/units/"+unit+"/nodes", unit, nil, 200, &ns)
	var out []int64
	for _, n := range ns {
		if n.Due == due {
			out = append(out, n.ID)
		}
	}
	if len(out) < 3 && unit == "gjz" || len(out) < 2 {
		log.Fatalf("%s has %d nodes due %s", unit, len(out), due)
	}
	return out
}

func (g *game) report(id int64, as, note string, names ...string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, n := range names {
		content, err := os.ReadFile(filepath.Join("testdata/evidence", n))
		if err != nil {
			log.Fatal(err)
		}
		p, err := w.CreateFormFile("files", n)
		if err != nil {
			log.Fatal(err)
		}
		p.Write(content)
	}
	if note != "" {
		w.WriteField("note", note)
	}
	w.Close()
	status, out := g.raw("POST", fmt.Sprintf("/api/v1/nodes/%d/evidence", id), as, w.FormDataContentType(), b.Bytes())
	if status != 201 {
		log.Fatalf("report node %d: %d %s", id, status, out)
	}
}

func (g *game) review(id int64, as, verdict, points, comment string) {
	body := map[string]any{"verdict": verdict, "comment": comment}
	if points == "full" {
		var n struct{ Points json.Number }
		g.decode("GET", fmt.Sprintf("/api/v1/nodes/%d", id), as, nil, 200, &n)
		points = string(n.Points)
	}
	if points != "" {
		body["points"] = json.Number(points)
	}
	g.must("POST", fmt.Sprintf("/api/v1/nodes/%d/review", id), as, body, 200)
}

func (g *game) login(user, pw string) string {
	var out struct{ Token string }
	g.decode("POST", "/api/v1/login", "", map[string]string{"username": user, "password": pw}, 200, &out)
	return out.Token
}

// raw sends a request as user as; a session that expired on the clock is
// renewed by logging in again, as a person would.
func (g *game) raw(method, path, as, contentType string, body []byte) (int, []byte) {
	status, out := g.send(method, path, as, contentType, body)
	if status == 401 && as != "" {
		pw := "password-" + as
		if as == "office" {
			pw = "admin-password"
		}
		user := as
		if as == "office" {
			user = "admin"
		}
		g.tokens[as] = g.login(user, pw)
		status, out = g.send(method, path, as, contentType, body)
	}
	return status, out
}

func (g *game) send(method, path, as, contentType string, body []byte) (int, []byte) {
	req, err := http.NewRequest(method, g.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if as != "" {
		req.Header.Set("Authorization", "Bearer "+g.tokens[as])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func (g *game) do(method, path, as string, body any) (int, []byte) {
	if body == nil {
		return g.raw(method, path, as, "", nil)
	}
	j, err := json.Marshal(body)
	if err != nil {
		log.Fatal(err)
	}
	return g.raw(method, path, as, "application/json", j)
}

func (g *game) must(method, path, as string, body any, want int) []byte {
	status, out := g.do(method, path, as, body)
	if status != want {
		log.Fatalf("%s %s as %s at %s: %d, want %d: %s", method, path, as, g.clock.Now(), status, want, out)
	}
	return out
}

func (g *game) decode(method, path, as string, body any, want int, v any) {
	if err := json.Unmarshal(g.must(method, path, as, body, want), v); err != nil {
		log.Fatal(err)
	}
}

// Fixture is what api.json holds.
type Fixture struct {
	// Now is the fixture's moment: the clock the lists were read at.
	Now time.Time `json:"now"`
	// Tokens are live sessions at Now, by user.
	Tokens map[string]string `json:"tokens"`
	// Reads are every list and record the API gave at Now.
	Reads []Read `json:"reads"`
}

// Read is one GET: who asked, what came back.
type Read struct {
	As     string          `json:"as"`
	Path   string          `json:"path"`
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body,omitempty"`
	// SHA256 is the hash of a body that is not JSON (a download, a CSV).
	SHA256 string `json:"sha256,omitempty"`
}

func (g *game) read(f *Fixture, as, path string) []byte {
	status, body := g.do("GET", path, as, nil)
	r := Read{As: as, Path: path, Status: status}
	if json.Valid(body) {
		r.Body = body
	} else {
		h := sha256.Sum256(body)
		r.SHA256 = hex.EncodeToString(h[:])
	}
	f.Reads = append(f.Reads, r)
	return body
}

func (g *game) record() *Fixture {
	f := &Fixture{Now: g.clock.Now().UTC(), Tokens: g.tokens}
	users := make([]string, 0, len(g.tokens))
	for u := range g.tokens {
		users = append(users, u)
	}
	sort.Strings(users)
	for _, u := range users {
		g.read(f, u, "/api/v1/me")
	}
	for _, p := range []string{"/api/v1/plans", "/api/v1/units", "/api/v1/users", "/api/v1/audit?limit=1000",
		"/api/v1/notifications?limit=1000", "/api/v1/notifications/counts", "/api/v1/plans/2019/submissions",
		"/api/v1/plans/2019/reviews", "/api/v1/plans/2019/progress", "/api/v1/plans/2019/monthly/2019-06",
		"/api/v1/plans/2019/monthly/2019-07", "/api/v1/plans/2019/scoring-runs"} {
		g.read(f, "office", p)
	}
	var runs []struct{ ID int64 }
	json.Unmarshal(g.must("GET", "/api/v1/plans/2019/scoring-runs", "office", nil, 200), &runs)
	for _, r := range runs {
		g.read(f, "office", fmt.Sprintf("/api/v1/plans/2019/scoring-runs/%d", r.ID))
		g.read(f, "office", fmt.Sprintf("/api/v1/plans/2019/scoring-runs/%d/export.csv", r.ID))
	}
	for _, u := range []string{"gjz", "zs", "xg"} {
		for _, p := range []string{"/api/v1/units/" + u, "/api/v1/units/" + u + "/contacts", sub(u), sub(u) + "/history",
			"/api/v1/plans/2019/units/" + u + "/deductions", "/api/v1/plans/2019/units/" + u + "/result",
			"/api/v1/plans/2019/units/" + u + "/monthly/2019-06", "/api/v1/plans/2019/units/" + u + "/monthly/2019-07"} {
			g.read(f, "office", p)
		}
		var ns []struct{ ID int64 }
		json.Unmarshal(g.read(f, "office", "/api/v1/plans/2019/units/"+u+"/nodes"), &ns)
		g.read(f, u, "/api/v1/plans/2019/units/"+u+"/nodes")
		for _, n := range ns {
			var d struct {
				Evidence []struct{ ID int64 }
			}
			json.Unmarshal(g.read(f, "office", fmt.Sprintf("/api/v1/nodes/%d", n.ID)), &d)
			for _, e := range d.Evidence {
				g.read(f, u, "/api/v1/evidence/"+strconv.FormatInt(e.ID, 10))
			}
		}
	}
	if n := len(f.Reads); n < 50 {
		log.Fatalf("only %d reads", n)
	}
	for _, r := range f.Reads {
		if r.Status != 200 && !strings.Contains(r.Path, "/result") {
			log.Fatalf("read %s as %s: %d %s", r.Path, r.As, r.Status, r.Body)
		}
	}
	return f
}
