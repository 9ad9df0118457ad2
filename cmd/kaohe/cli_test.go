package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kaohe/internal/testenv"
	"kaohe/workflow/store"
)

// envOf returns a getenv over vars only, so that the machine's own KAOHE_*
// variables never leak into a test.
func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// serve runs `kaohe serve` on a free loopback port with dataDir and vars,
// and returns the program, its stdout and its log. The server is closed
// when the test ends.
func serve(t *testing.T, dataDir string, vars map[string]string) (*Main, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	m := NewMain(envOf(vars), &stdout, &stderr)
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data", dataDir}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	t.Cleanup(func() { m.Close() })
	return m, &stdout, &stderr
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	status, _, b := testenv.Get(t, url)
	return status, string(b)
}

func login(t *testing.T, addr, user, pw string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	resp, err := http.Post("http://"+addr+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var printedPassword = regexp.MustCompile(`admin，密码 (\S+)`)

// TestFirstStartPrintsTheAdminPasswordOnce: an empty data directory gets
// the office account admin with a random password printed once; the next
// start prints nothing and the password still works.
func TestFirstStartPrintsTheAdminPasswordOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, out, _ := serve(t, dir, nil)
	if code, _ := get(t, "http://"+m.Addr+"/healthz"); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	if code, _ := get(t, "http://"+m.Addr+"/readyz"); code != 200 {
		t.Fatalf("readyz %d", code)
	}
	match := printedPassword.FindStringSubmatch(out.String())
	if match == nil {
		t.Fatalf("no password printed: %q", out.String())
	}
	if code := login(t, m.Addr, "admin", match[1]); code != 200 {
		t.Fatalf("login with the printed password: %d", code)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	m2, out2, _ := serve(t, dir, nil)
	if strings.Contains(out2.String(), "密码") {
		t.Fatalf("second start printed a password again: %q", out2.String())
	}
	if code := login(t, m2.Addr, "admin", match[1]); code != 200 {
		t.Fatalf("the first password no longer works: %d", code)
	}
}

// TestAdminPasswordFromEnvironment: KAOHE_ADMIN_PASSWORD is the password of
// admin and is never printed.
func TestAdminPasswordFromEnvironment(t *testing.T) {
	t.Parallel()
	m, out, _ := serve(t, t.TempDir(), map[string]string{"KAOHE_ADMIN_PASSWORD": "office-secret-1"})
	if strings.Contains(out.String(), "office-secret-1") {
		t.Fatal("the configured password was printed")
	}
	if code := login(t, m.Addr, "admin", "office-secret-1"); code != 200 {
		t.Fatalf("login: %d", code)
	}
	if code := login(t, m.Addr, "admin", "wrong-password"); code != 401 {
		t.Fatalf("wrong password: %d", code)
	}
}

// TestClockStart: KAOHE_CLOCK_START starts the clock at that instant,
// running forward, and says so in the log as a warning; a malformed value
// stops the server before it starts.
func TestClockStart(t *testing.T) {
	t.Parallel()
	m, _, log := serve(t, t.TempDir(), map[string]string{"KAOHE_CLOCK_START": "2019-06-10T09:00:00+08:00"})
	start := time.Date(2019, 6, 10, 1, 0, 0, 0, time.UTC)
	now := m.Clock.Now()
	if now.Before(start) || now.After(start.Add(time.Minute)) {
		t.Fatalf("clock reads %v, want just after %v", now, start)
	}
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "KAOHE_CLOCK_START") {
		t.Fatalf("no warning logged: %s", log.String())
	}

	bad := NewMain(envOf(map[string]string{"KAOHE_CLOCK_START": "2019-06-10 09:00"}), io.Discard, io.Discard)
	if err := bad.ParseFlags([]string{"--data", t.TempDir()}); err == nil || !strings.Contains(err.Error(), "clock_start") {
		t.Fatalf("malformed KAOHE_CLOCK_START: %v", err)
	}
}

// TestMigrateAndUserAdd: `kaohe migrate` creates the schema and `kaohe user
// add` creates accounts that can sign in; a unit account needs a unit that
// exists, and a taken name is refused.
func TestMigrateAndUserAdd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"migrate", "--data", dir}, envOf(nil), &out, &errOut); err != nil {
		t.Fatalf("migrate: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "schema version before: 0\n") || !strings.Contains(out.String(), "schema version after:  "+strconv.FormatInt(store.HeadVersion(), 10)) {
		t.Fatalf("migrate said %q", out.String())
	}

	out.Reset()
	if err := run(ctx, []string{"user", "add", "--data", dir, "--username", "leader", "--role", "viewer", "--password", "viewer-secret"}, envOf(nil), &out, &errOut); err != nil {
		t.Fatalf("user add: %v", err)
	}
	if err := run(ctx, []string{"user", "add", "--data", dir, "--username", "leader", "--role", "viewer", "--password", "viewer-secret"}, envOf(nil), &out, &errOut); err == nil {
		t.Fatal("a taken username was accepted")
	}
	if err := run(ctx, []string{"user", "add", "--data", dir, "--username", "gjz", "--role", "unit", "--unit", "nowhere"}, envOf(nil), &out, &errOut); err == nil {
		t.Fatal("a unit account for a unit that does not exist was accepted")
	}
	out.Reset()
	if err := run(ctx, []string{"user", "add", "--data", dir, "--username", "clerk", "--role", "office"}, envOf(nil), &out, &errOut); err != nil {
		t.Fatalf("user add with a generated password: %v", err)
	}
	generated := regexp.MustCompile(`with password (\S+)`).FindStringSubmatch(out.String())
	if generated == nil {
		t.Fatalf("no generated password printed: %q", out.String())
	}

	m, _, _ := serve(t, dir, nil)
	if code := login(t, m.Addr, "leader", "viewer-secret"); code != 200 {
		t.Fatalf("viewer login: %d", code)
	}
	if code := login(t, m.Addr, "clerk", generated[1]); code != 200 {
		t.Fatalf("office login with the generated password: %d", code)
	}
}

// TestUnknownCommand fails with the usage.
func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	var errOut bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, envOf(nil), io.Discard, &errOut); err == nil || !strings.Contains(errOut.String(), "usage") {
		t.Fatalf("err %v, stderr %q", err, errOut.String())
	}
}

// TestGracefulStop: Close right after Run stops the server cleanly (the
// serving goroutine once read a field that Close had cleared, and crashed),
// and new connections are refused afterwards.
func TestGracefulStop(t *testing.T) {
	t.Parallel()
	m, _, _ := serve(t, t.TempDir(), nil)
	addr := m.Addr
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("still serving after Close")
	}
}
