package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kaohe/internal/testenv"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// behindProxy is a test server whose client (127.0.0.1) is a trusted
// reverse proxy, so that X-Forwarded-For names the address of each login.
func behindProxy(t *testing.T) *env {
	t.Helper()
	cfg := testConfig(t, "sqlite")
	cfg.HTTP.TrustedProxies = []string{"127.0.0.1"}
	return newEnvWith(t, cfg)
}

// loginFrom signs in as user from addr (an X-Forwarded-For address; ""
// sends none) and returns the status, the headers and the body.
func (e *env) loginFrom(addr, user, pw string) (int, http.Header, []byte) {
	e.t.Helper()
	b, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/login", bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	return testenv.Do(e.t, req)
}

func (e *env) wantLogin(addr, user, pw string, want int) http.Header {
	e.t.Helper()
	status, h, out := e.loginFrom(addr, user, pw)
	if status != want {
		e.t.Fatalf("login %s from %q: %d, want %d: %s", user, addr, status, want, out)
	}
	if status >= 400 {
		decodeError(e.t, out)
	}
	return h
}

// TestLoginWaitsGrow: five failures of a username from an address are
// free; then each attempt from there waits 1 s, 2 s, 4 s … (Retry-After),
// right password or not, and a right one after the wait signs in.
func TestLoginWaitsGrow(t *testing.T) {
	e := newEnv(t, "sqlite")
	for range 5 {
		e.wantLogin("", "gjz", "wrong-password", 401)
	}
	for _, wait := range []int{1, 2, 4, 8} {
		h := e.wantLogin("", "gjz", "password-gjz", 429)
		if h.Get("Retry-After") != fmt.Sprint(wait) {
			t.Fatalf("Retry-After %q, want %d", h.Get("Retry-After"), wait)
		}
		e.clock.Advance(time.Duration(wait)*time.Second - time.Millisecond)
		e.wantLogin("", "gjz", "password-gjz", 429)
		e.clock.Advance(time.Millisecond)
		e.wantLogin("", "gjz", "wrong-password", 401)
	}
	e.clock.Advance(16 * time.Second)
	e.wantLogin("", "gjz", "password-gjz", 200)
	// A success forgets the failures of the name from the address.
	for range 5 {
		e.wantLogin("", "gjz", "wrong-password", 401)
	}
	e.wantLogin("", "gjz", "wrong-password", 429)
}

// TestStrangerCannotLockOutTheOffice: however often a stranger fails as
// admin, and from however many addresses, the office signs in at once
// from an address that has not failed for admin; the stranger's own
// address waits at most login.max_delay, never a lock it can renew.
func TestStrangerCannotLockOutTheOffice(t *testing.T) {
	e := behindProxy(t)
	const stranger, office = "203.0.113.66", "198.51.100.10"
	refused := 0
	for range 60 {
		status, _, _ := e.loginFrom(stranger, "admin", "guess-password")
		if status == 429 {
			refused++
			e.clock.Advance(20 * time.Minute) // past any wait
		}
	}
	for i := range 30 { // a crowd of addresses, one guess each
		e.wantLogin(fmt.Sprintf("192.0.2.%d", i+1), "admin", "guess-password", 401)
	}
	if refused == 0 {
		t.Fatal("the stranger was never slowed down")
	}
	e.wantLogin(office, "admin", "admin-password", 200)
	// The stranger's address waits, even with the right password, but only
	// up to max_delay (15 minutes).
	h := e.wantLogin(stranger, "admin", "admin-password", 429)
	if ra, err := strconv.Atoi(h.Get("Retry-After")); err != nil || ra < 1 || ra > 900 {
		t.Fatalf("Retry-After %q", h.Get("Retry-After"))
	}
	e.clock.Advance(15 * time.Minute)
	e.wantLogin(stranger, "admin", "admin-password", 200)
}

// TestOneAddressSprayingNamesWaits: an address failing for many usernames
// waits after login.max_address_failures (20), even for a name it has
// not tried; other addresses are not slowed.
func TestOneAddressSprayingNamesWaits(t *testing.T) {
	e := behindProxy(t)
	for i := range 20 {
		e.wantLogin("203.0.113.7", fmt.Sprintf("user%d", i), "guess-password", 401)
	}
	e.wantLogin("203.0.113.7", "gjz", "password-gjz", 429)
	e.wantLogin("203.0.113.8", "gjz", "password-gjz", 200)
}

// TestForwardedForNeedsATrustedProxy: without trusted proxies the client
// is the connection's peer, so a guesser cannot escape the throttle by
// inventing X-Forwarded-For addresses.
func TestForwardedForNeedsATrustedProxy(t *testing.T) {
	e := newEnv(t, "sqlite")
	for i := range 5 {
		e.wantLogin(fmt.Sprintf("192.0.2.%d", i), "gjz", "wrong-password", 401)
	}
	e.wantLogin("192.0.2.200", "gjz", "password-gjz", 429)
}

// TestParallelGuessesAreCounted: 40 wrong passwords sent at once from one
// address check the password five times; the rest wait (429).
func TestParallelGuessesAreCounted(t *testing.T) {
	e := newEnv(t, "sqlite")
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for range 40 {
		wg.Go(func() {
			status, _, _ := e.loginFrom("", "gjz", "wrong-password")
			mu.Lock()
			counts[status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[401] != 5 || counts[429] != 35 {
		t.Fatalf("statuses %v, want 5×401 and 35×429", counts)
	}
}

// TestLongUsernamesAreCutAndOldFailuresPurged: a username of almost 2 MB
// is recorded as its first 64 bytes, and failures older than login.window
// (24 h) are purged by the next one.
func TestLongUsernamesAreCutAndOldFailuresPurged(t *testing.T) {
	e := newEnv(t, "sqlite")
	for i := range 3 {
		e.wantLogin("", strings.Repeat(string(rune('a'+i)), 1_900_000), "guess-password", 401)
	}
	var rows []struct {
		Username string
		Address  string
	}
	g := e.app.Store.Gorm()
	if err := g.Raw("SELECT username, address FROM login_failures").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d failures recorded", len(rows))
	}
	for _, r := range rows {
		if len(r.Username) != workflow.MaxLoginNameBytes || r.Address != "127.0.0.1" {
			t.Errorf("recorded %d bytes of name from %q", len(r.Username), r.Address)
		}
	}
	e.clock.Advance(24*time.Hour + time.Second)
	e.wantLogin("", "nobody", "guess-password", 401)
	var n int64
	if err := g.Raw("SELECT COUNT(*) FROM login_failures").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d failures kept, want the latest one", n)
	}
}

// TestPasswordRules: 10 to 72 bytes, not the username, not common, on
// every route that sets a password; nothing is changed by a refusal, and
// a password over 72 bytes is 422, never 500.
func TestPasswordRules(t *testing.T) {
	e := newEnv(t, "sqlite")
	bad := []struct{ password, rule string }{
		{"12345678", workflow.RulePasswordShort},
		{"        ", workflow.RulePasswordShort},
		{"\x00\x00\x00\x00\x00\x00\x00\x00", workflow.RulePasswordShort},
		{strings.Repeat(" ", 12), workflow.RulePasswordCommon},
		{strings.Repeat("\x00", 12), workflow.RulePasswordControl},
		{"1234567890", workflow.RulePasswordCommon},
		{"Qwertyuiop", workflow.RulePasswordCommon},
		{strings.Repeat("长", 25), workflow.RulePasswordLong},
		{strings.Repeat("x", 73), workflow.RulePasswordLong},
	}
	e.mustDo("POST", "/api/v1/users", "office", map[string]any{"username": "wang.ming.2019", "password": "a-good-secret", "role": "viewer"}, 201)
	e.tokens["wang"] = e.login("wang.ming.2019", "a-good-secret")
	routes := []struct {
		method, path, role string
		body               func(pw string) any
		username           string
	}{
		{"POST", "/api/v1/users", "office", func(pw string) any {
			return map[string]any{"username": "li.hua.office", "password": pw, "role": "viewer"}
		}, "li.hua.office"},
		{"PUT", "/api/v1/me/password", "wang", func(pw string) any { return map[string]string{"password": pw} }, "wang.ming.2019"},
		{"PUT", "/api/v1/users/wang.ming.2019/password", "office", func(pw string) any { return map[string]string{"password": pw} }, "wang.ming.2019"},
		{"PUT", "/api/v1/users/zs/password", "office", func(pw string) any { return map[string]string{"password": pw} }, "zs"},
	}
	for _, r := range routes {
		cases := append(bad, struct{ password, rule string }{r.username, workflow.RulePasswordUsername},
			struct{ password, rule string }{strings.ToUpper(r.username) + "  ", workflow.RulePasswordUsername})
		if len(r.username) < workflow.MinPasswordBytes {
			cases = bad
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s %s %q", r.method, r.path, c.password[:min(len(c.password), 12)]), func(t *testing.T) {
				status, out := e.do(r.method, r.path, r.role, r.body(c.password))
				er := decodeError(t, out)
				if status != 422 || len(er.Error.Details) != 1 || er.Error.Details[0].Rule != c.rule || er.Error.Details[0].Path != "password" {
					t.Fatalf("%d %s, want 422 %s", status, out, c.rule)
				}
			})
		}
	}
	// Nothing changed: the old passwords work, no account was made.
	e.login("gjz", "password-gjz")
	e.login("zs", "password-zs")
	e.login("wang.ming.2019", "a-good-secret")
	if status, _, _ := e.loginFrom("", "li.hua.office", "li.hua.office"); status != 401 {
		t.Fatalf("a refused account signs in: %d", status)
	}
	// 72 bytes of Chinese is accepted.
	e.mustDo("PUT", "/api/v1/me/password", "unitA", map[string]string{"password": strings.Repeat("考核长", 8)}, 204)
	e.login("gjz", strings.Repeat("考核长", 8))
}

// TestPasswordChangeEndsOtherSessions: changing one's own password ends
// one's other sessions and keeps the one that changed it; the office's
// reset ends them all.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.tokens["unitA2"] = e.login("gjz", "password-gjz")
	e.mustDo("PUT", "/api/v1/me/password", "unitA2", map[string]string{"password": "a-new-secret-1"}, 204)
	e.mustDo("GET", "/api/v1/me", "unitA", nil, 401)
	e.mustDo("GET", "/api/v1/me", "unitA2", nil, 200)
	e.mustDo("GET", "/api/v1/me", "unitB", nil, 200)
	e.tokens["unitA3"] = e.login("gjz", "a-new-secret-1")
	e.mustDo("PUT", "/api/v1/users/gjz/password", "office", map[string]string{"password": "a-new-secret-2"}, 204)
	e.mustDo("GET", "/api/v1/me", "unitA2", nil, 401)
	e.mustDo("GET", "/api/v1/me", "unitA3", nil, 401)
	e.mustDo("GET", "/api/v1/me", "office", nil, 200)
	e.login("gjz", "a-new-secret-2")
}

// TestPasswordCheckHoldsNoWriteTransaction: while a login checks a slow
// password (bcrypt cost 13), another user's write goes through and
// finishes first: bcrypt runs outside any transaction.
func TestPasswordCheckHoldsNoWriteTransaction(t *testing.T) {
	e := newEnv(t, "sqlite")
	hash, err := bcrypt.GenerateFromPassword([]byte("slow-password-1"), 13)
	if err != nil {
		t.Fatal(err)
	}
	err = e.app.Store.Update(t.Context(), func(tx service.Tx) error {
		return tx.CreateUser(&workflow.User{Username: "slow", PasswordHash: string(hash), Role: workflow.RoleViewer, CreatedAt: e.clock.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		status, _, _ := e.loginFrom("", "slow", "wrong-password")
		done <- status
	}()
	// The attempt is recorded before the password is checked: once it is
	// there, the login is checking the password.
	for {
		var n int64
		if err := e.app.Store.Gorm().Raw("SELECT COUNT(*) FROM login_failures").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		select {
		case status := <-done:
			t.Fatalf("the login ended (%d) before its attempt was visible", status)
		case <-time.After(time.Millisecond):
		}
	}
	e.mustDo("PUT", "/api/v1/units/gjz/contacts", "unitA", loadContacts(t), 200)
	select {
	case status := <-done:
		t.Fatalf("the write waited for the login's password check (login %d)", status)
	default:
	}
	if status := <-done; status != 401 {
		t.Fatalf("login %d", status)
	}
}
