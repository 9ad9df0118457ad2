package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kaohe/configs"
	"kaohe/internal/app"
	"kaohe/internal/testdb"
	"kaohe/internal/testenv"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// env is one test's server: a fresh database, the 2019 plan, a clock the
// test moves, and accounts for every role, built by app.Open as the server
// builds itself.
type env struct {
	t   testing.TB
	srv *httptest.Server
	app *app.App
	// handler is the server's handler (a *gin.Engine: its Routes() list
	// every route).
	handler http.Handler
	svc     *service.Service
	clock   *workflow.ManualClock
	plan    *workflow.Plan
	tokens  map[string]string // office, viewer, unitA (gjz), unitB (zs)
	// data is the server's data directory (the SQLite file and evidence/).
	data string
}

// Upload limits of the test server: small, so that a file of exactly the
// limit is small.
const (
	testMaxFileBytes = 8192
	testMaxFiles     = 4
)

// Shanghai is the plan's zone.
var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// testConfig is the configuration of a test server on backend ("sqlite" or
// "mariadb"): the defaults with a temporary data directory, fast password
// hashing, small upload limits, no scheduled jobs (tests run them by hand)
// and one office address for the digests. Tests walk the plan's calendar
// across days and months on the clock; a login lasts the whole year here
// so that moving the clock does not sign the test's users out
// (TestLogoutEndsTheSession checks expiry).
func testConfig(t testing.TB, backend string) *configs.Config {
	cfg := configs.Default()
	cfg.Data = t.TempDir()
	if backend == "mariadb" {
		cfg.MySQLDSN = testdb.MariaDB(t)
	}
	cfg.Login.BcryptCost = bcrypt.MinCost
	cfg.Session.TTL = 400 * 24 * time.Hour
	cfg.Upload.MaxFileBytes, cfg.Upload.MaxFiles = testMaxFileBytes, testMaxFiles
	cfg.Jobs.Enabled = false
	cfg.OfficeEmail = "office@dl.example.cn"
	return cfg
}

// newEnv starts a test server on backend ("sqlite" or "mariadb").
func newEnv(t testing.TB, backend string) *env {
	t.Helper()
	return newEnvWith(t, testConfig(t, backend))
}

// newEnvWith starts a test server with cfg, on June 10 2019, with two
// units (gjz, zs) with their contacts and an account of every role.
func newEnvWith(t testing.TB, cfg *configs.Config) *env {
	t.Helper()
	clock := workflow.NewManualClock(time.Date(2019, 6, 10, 9, 0, 0, 0, shanghai))
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, clock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	plan, err := a.Service.Plan(ctx, 2019)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Service.EnsureAdmin(ctx, "admin-password"); err != nil {
		t.Fatal(err)
	}
	h := a.Handler()
	e := &env{t: t, app: a, svc: a.Service, clock: clock, plan: plan, handler: h, srv: httptest.NewServer(h), tokens: map[string]string{}, data: cfg.Data}
	t.Cleanup(e.srv.Close)
	e.tokens["office"] = e.login("admin", "admin-password")
	e.mustDo("POST", "/api/v1/units", "office", map[string]any{"code": "gjz", "name": "甘井子区总工会", "contacts": loadContacts(t)}, 201)
	e.mustDo("POST", "/api/v1/units", "office", map[string]any{"code": "zs", "name": "中山区总工会", "contacts": loadContacts(t)}, 201)
	for _, u := range []struct{ name, role, unit string }{{"gjz", "unit", "gjz"}, {"zs", "unit", "zs"}, {"leader", "viewer", ""}} {
		e.mustDo("POST", "/api/v1/users", "office", map[string]any{"username": u.name, "password": "password-" + u.name, "role": u.role, "unit_code": u.unit}, 201)
	}
	e.tokens["unitA"] = e.login("gjz", "password-gjz")
	e.tokens["unitB"] = e.login("zs", "password-zs")
	e.tokens["viewer"] = e.login("leader", "password-leader")
	return e
}

func (e *env) login(user, pw string) string {
	e.t.Helper()
	var out struct{ Token string }
	e.mustDecode("POST", "/api/v1/login", "", map[string]string{"username": user, "password": pw}, 200, &out)
	if out.Token == "" {
		e.t.Fatal("no token")
	}
	return out.Token
}

// roleName names role ("" is anonymous) in subtests and messages.
func roleName(role string) string {
	if role == "" {
		return "anonymous"
	}
	return role
}

// do sends a request as role ("" = anonymous) with body (nil, []byte, or a
// value marshalled to JSON) and returns the status and body.
func (e *env) do(method, path, role string, body any) (int, []byte) {
	e.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			e.t.Fatal(err)
		}
		b = j
	}
	contentType := ""
	if body != nil {
		contentType = "application/json"
	}
	status, _, out := e.raw(method, path, role, contentType, b)
	return status, out
}

// raw sends a request with a body of its own content type.
func (e *env) raw(method, path, role, contentType string, body []byte) (int, http.Header, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if role != "" {
		tok, ok := e.tokens[role]
		if !ok {
			tok = role // a raw token
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return testenv.Do(e.t, req)
}

func (e *env) mustDo(method, path, role string, body any, want int) []byte {
	e.t.Helper()
	status, out := e.do(method, path, role, body)
	if status != want {
		e.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, role, status, want, out)
	}
	return out
}

func (e *env) mustDecode(method, path, role string, body any, want int, v any) {
	e.t.Helper()
	out := e.mustDo(method, path, role, body, want)
	if err := json.Unmarshal(out, v); err != nil {
		e.t.Fatalf("decode %s: %v", out, err)
	}
}

func loadContacts(t testing.TB) []map[string]string {
	t.Helper()
	var cs []map[string]string
	testenv.ReadJSON(t, "../testdata/contacts.json", &cs)
	return cs
}

// validDoc returns the realistic valid 2019 submission of testdata as a
// generic JSON map, to be mutated by tests.
func validDoc(t testing.TB) map[string]any {
	t.Helper()
	var d map[string]any
	testenv.ReadJSON(t, "../testdata/submission-2019.json", &d)
	return d
}

// apiError is the SPEC error shape.
type apiError struct {
	Error struct {
		Code    string               `json:"code"`
		Message string               `json:"message"`
		Details []workflow.Violation `json:"details"`
	} `json:"error"`
}

func decodeError(t testing.TB, b []byte) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(b, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not an error body: %s", b)
	}
	return e
}

const subPath = "/api/v1/plans/2019/units/gjz/submission"

// withVersion adds "version" to a document.
func withVersion(d map[string]any, v int) map[string]any {
	out := map[string]any{}
	for k, x := range d {
		out[k] = x
	}
	out["version"] = v
	return out
}

// submission reads the unit's submission as the office.
type subView struct {
	State       string            `json:"state"`
	Version     int               `json:"version"`
	Late        bool              `json:"late"`
	SubmittedAt *time.Time        `json:"submitted_at"`
	Comment     string            `json:"comment"`
	Comments    map[string]string `json:"comments"`
}

func (e *env) sub(unit string) subView {
	e.t.Helper()
	var v subView
	e.mustDecode("GET", "/api/v1/plans/2019/units/"+unit+"/submission", "office", nil, 200, &v)
	return v
}

// draft creates gjz's draft with the valid document and returns its version.
func (e *env) draft() int {
	e.t.Helper()
	var v subView
	e.mustDecode("PUT", subPath, "unitA", withVersion(validDoc(e.t), 0), 201, &v)
	return v.Version
}

// toState drives gjz's submission to state.
func (e *env) toState(state string) {
	e.t.Helper()
	if state == "none" {
		return
	}
	e.draft()
	if state == "draft" {
		return
	}
	e.mustDo("POST", subPath+"/submit", "unitA", nil, 200)
	switch state {
	case "submitted":
		return
	case "returned":
		e.mustDo("POST", subPath+"/return", "office", map[string]any{"comment": "请修改"}, 200)
		return
	}
	e.mustDo("POST", subPath+"/certify", "office", map[string]any{"innovation": []map[string]any{{"index": 0, "certified": true}}}, 200)
	if state == "certified" {
		return
	}
	e.mustDo("POST", "/api/v1/plans/2019/release", "office", nil, 200)
}
