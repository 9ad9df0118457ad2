package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kaohe/api"
	"kaohe/internal/testdb"
	"kaohe/workflow"
	"kaohe/workflow/evidence"
	"kaohe/workflow/store"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// env is one test's server: a fresh database, the 2019 plan, a clock the
// test moves, and accounts for every role.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	svc    *workflow.Service
	clock  *workflow.ManualClock
	plan   *workflow.Plan
	tokens map[string]string // office, viewer, unitA (gjz), unitB (zs)
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

// backend selects the database of a test: "sqlite" or "mariadb".
func newEnv(t *testing.T, backend string) *env {
	t.Helper()
	data := t.TempDir()
	opts := store.Options{DataDir: data, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if backend == "mariadb" {
		opts.DSN = testdb.MariaDB(t)
	}
	db, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := workflow.NewManualClock(time.Date(2019, 6, 10, 9, 0, 0, 0, shanghai))
	// Tests walk the plan's calendar across days and months on the clock;
	// a login lasts the whole year here so that moving the clock does not
	// sign the test's users out (TestLogoutEndsTheSession checks expiry).
	files, err := evidence.Open(filepath.Join(data, "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	svc := &workflow.Service{Store: db, Clock: clock, BcryptCost: bcrypt.MinCost, TokenTTL: 400 * 24 * time.Hour,
		OnRelease: workflow.MaterializeNodes, ScoringFacts: workflow.ExecutionFacts{}, Files: files,
		Upload: workflow.UploadLimits{MaxFileBytes: testMaxFileBytes, MaxFiles: testMaxFiles}}
	b, err := os.ReadFile("../configs/plans/2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := workflow.LoadPlan(b)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := svc.LoadPlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.EnsureAdmin(ctx, "admin-password"); err != nil {
		t.Fatal(err)
	}
	s := &api.Server{Service: svc, Ready: db.Ping, EvidenceReady: files.Ping, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e := &env{t: t, svc: svc, clock: clock, plan: plan, srv: httptest.NewServer(s.Handler()), tokens: map[string]string{}, data: data}
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

// do sends a request as role ("" = anonymous) with body (nil, []byte, or a
// value marshalled to JSON) and returns the status and body.
func (e *env) do(method, path, role string, body any) (int, []byte) {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		tok, ok := e.tokens[role]
		if !ok {
			tok = role // a raw token
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
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
	readJSON(t, "../testdata/contacts.json", &cs)
	return cs
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// validDoc returns the realistic valid 2019 submission of testdata as a
// generic JSON map, to be mutated by tests.
func validDoc(t testing.TB) map[string]any {
	t.Helper()
	var d map[string]any
	readJSON(t, "../testdata/submission-2019.json", &d)
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
