package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servedAt = regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)

// TestDemoServesThePlayedYear: `kaohe demo --at …` plays the year up to
// that instant into the data directory, prints the accounts, writes the
// mail as .eml files, and serves it with the clock stopped there; every
// account signs in with --password. A data directory that holds a
// database is refused.
func TestDemoServesThePlayedYear(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	at := "2019-07-02T10:00:00+08:00"
	go func() {
		done <- run(ctx, []string{"demo", "--data", dir, "--addr", "127.0.0.1:0", "--at", at, "--password", "demo-password"},
			envOf(map[string]string{"KAOHE_MYSQL_DSN": "kaohe:secret@tcp(db.invalid:3306)/kaohe"}), &out, &errOut)
	}()
	var addr string
	deadline := time.Now().Add(2 * time.Minute) // a wall-clock bound on a test that waits for a server
	for addr == "" {
		select {
		case err := <-done:
			t.Fatalf("demo stopped: %v\n%s\n%s", err, out.String(), errOut.String())
		case <-time.After(50 * time.Millisecond):
		}
		if m := servedAt.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo did not serve:\n%s\n%s", out.String(), errOut.String())
		}
	}
	for _, want := range []string{"admin", "leader", "hyk", "花园口经济区总工会", "demo-password", filepath.Join(dir, "outbox"), filepath.Join(dir, "robots")} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the summary lacks %q:\n%s", want, out.String())
		}
	}
	for _, user := range []string{"admin", "gjz", "leader"} {
		if code := login(t, addr, user, "demo-password"); code != http.StatusOK {
			t.Errorf("%s signs in with %d", user, code)
		}
	}
	body, _ := json.Marshal(map[string]string{"username": "zs", "password": "demo-password"})
	resp, err := http.Post("http://"+addr+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/plans/2019/units/zs/nodes", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []struct {
		State string `json:"state"`
	}
	json.NewDecoder(resp.Body).Decode(&nodes)
	resp.Body.Close()
	if len(nodes) < 50 {
		t.Fatalf("zs has %d nodes", len(nodes))
	}
	req, _ = http.NewRequest("GET", "http://"+addr+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me struct{ Now time.Time }
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	want, _ := time.Parse(time.RFC3339, at)
	if !me.Now.Equal(want) {
		t.Errorf("the served clock reads %v, want %v", me.Now, want)
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	if len(emls) < 30 {
		t.Errorf("%d .eml files by July 2", len(emls))
	}
	// jp's group and the office's were told too: their test messages,
	// jp's reminders of the tables, the office's overdue digest.
	for _, group := range []string{"jp-wecom", "office-dingtalk"} {
		mds, _ := filepath.Glob(filepath.Join(dir, "robots", group, "*.md"))
		if len(mds) < 2 {
			t.Errorf("%d robot messages to %s by July 2", len(mds), group)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "kaohe.db")); err != nil {
		t.Fatalf("the demo did not use SQLite in its data directory: %v", err)
	}
	// The same directory again: refused, nothing changed.
	err = run(context.Background(), []string{"demo", "--data", dir}, envOf(nil), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "already holds a database") {
		t.Fatalf("a used data directory: %v", err)
	}
}

// TestDemoPublicURL: the robot messages of the demo link to the address
// it will serve, when that is known before it listens.
func TestDemoPublicURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		":8080":          "http://localhost:8080",
		"0.0.0.0:9000":   "http://localhost:9000",
		"[::1]:8080":     "http://[::1]:8080",
		"127.0.0.1:0":    "",
		"localhost":      "",
	} {
		if got := demoPublicURL(addr); got != want {
			t.Errorf("demoPublicURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
