package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaohe/internal/testdb"
	"kaohe/workflow"
)

// The first release's data (testdata/upgrade): a year played by it.
const upgradeFixture = "../../testdata/upgrade"

// fixture is what the first release's API gave at the fixture's moment.
type fixture struct {
	Now    time.Time         `json:"now"`
	Tokens map[string]string `json:"tokens"`
	Reads  []fixtureRead     `json:"reads"`
}

type fixtureRead struct {
	As     string          `json:"as"`
	Path   string          `json:"path"`
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
	SHA256 string          `json:"sha256"`
}

var backends = []string{"sqlite", "mariadb"}

// releaseData copies the first release's data of backend into a new data
// directory (and, for MariaDB, a new database) and returns the server's
// environment and the fixture's reads.
func releaseData(t *testing.T, backend string) (map[string]string, *fixture) {
	t.Helper()
	dir := t.TempDir()
	vars := map[string]string{"KAOHE_DATA": dir, "KAOHE_ADMIN_PASSWORD": "admin-password"}
	src := filepath.Join(upgradeFixture, "sqlite")
	if backend == "mariadb" {
		src = filepath.Join(upgradeFixture, "mysql")
		dsn := testdb.MariaDB(t)
		b, err := os.ReadFile(filepath.Join(src, "kaohe.sql"))
		if err != nil {
			t.Fatal(err)
		}
		testdb.Exec(t, dsn, string(b))
		vars["KAOHE_MYSQL_DSN"] = dsn
	} else {
		copyTree(t, filepath.Join(src, "kaohe.db"), filepath.Join(dir, "kaohe.db"))
	}
	copyTree(t, filepath.Join(src, "evidence"), filepath.Join(dir, "evidence"))
	var fx fixture
	b, err := os.ReadFile(filepath.Join(src, "api.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	return vars, &fx
}

// copyTree copies a file or a directory tree.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o750)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o640)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// serveAt runs the server on vars with its clock stopped at now and the
// scheduled jobs off, so that it answers exactly as of now.
func serveAt(t *testing.T, vars map[string]string, now time.Time) *Main {
	t.Helper()
	var stderr bytes.Buffer
	m := NewMain(envOf(vars), io.Discard, &stderr)
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	m.Config.Jobs.Enabled = false
	m.Clock = workflow.NewManualClock(now)
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// apiGet reads path from the server at addr with token.
func apiGet(t *testing.T, addr, token, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// readAll reads what the fixture read, from the server at addr, in the
// fixture's form.
func readAll(t *testing.T, addr string, fx *fixture) []fixtureRead {
	t.Helper()
	var out []fixtureRead
	for _, r := range fx.Reads {
		status, body := apiGet(t, addr, fx.Tokens[r.As], r.Path)
		got := fixtureRead{As: r.As, Path: r.Path, Status: status}
		if json.Valid(body) {
			got.Body = canonical(t, body)
		} else {
			h := sha256.Sum256(body)
			got.SHA256 = hex.EncodeToString(h[:])
		}
		out = append(out, got)
	}
	return out
}

// canonical re-encodes JSON so that equal values compare equal as bytes.
func canonical(t *testing.T, b []byte) json.RawMessage {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// compareReads reports every read whose status or body differs. A body
// may carry fields the release did not have (later versions add to the
// API); every field the release gave must be there with the same value.
func compareReads(t *testing.T, want, got []fixtureRead) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%d reads, want %d", len(got), len(want))
	}
	bad := 0
	for i := range want {
		w, g := want[i], got[i]
		if w.Body != nil {
			w.Body = canonical(t, w.Body)
		}
		if w.Status != g.Status || !jsonWithin(t, w.Body, g.Body) || w.SHA256 != g.SHA256 {
			bad++
			if bad <= 5 {
				t.Errorf("GET %s as %s: status %d, want %d\n got: %.600s\nwant: %.600s", w.Path, w.As, g.Status, w.Status, g.Body, w.Body)
			}
		}
	}
	if bad > 5 {
		t.Errorf("… and %d more reads differ", bad-5)
	}
}

// TestUpgradeReadsTheSame: a database of the first release, upgraded by
// the server at start, still holds every unit, user, session, submission
// with its history, node, evidence file, review, monthly count, deduction,
// scoring run, audit entry and outbox message, and the API reads every one
// of them exactly as the first release did.
func TestUpgradeReadsTheSame(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			vars, fx := releaseData(t, backend)
			m := serveAt(t, vars, fx.Now)
			if v, err := m.App.Store.Version(t.Context()); err != nil || v < 2 {
				t.Fatalf("schema version %d (%v) after start", v, err)
			}
			covered := map[string]bool{}
			for _, r := range fx.Reads {
				for _, what := range []string{"/me", "/units", "/users", "/submission/history", "/nodes/", "/evidence/",
					"/reviews", "/monthly/", "/deductions", "/scoring-runs", "/audit", "/notifications", "/result"} {
					if strings.Contains(r.Path, what) {
						covered[what] = true
					}
				}
			}
			if len(covered) != 13 {
				t.Fatalf("the fixture reads only %v", covered)
			}
			compareReads(t, fx.Reads, readAll(t, m.Addr, fx))
		})
	}
}

// jsonWithin reports whether the JSON value want is within got: equal
// scalars, arrays of the same length whose elements are each within the
// other's, and objects whose every field of want is within got's (got may
// have more fields).
func jsonWithin(t *testing.T, want, got json.RawMessage) bool {
	t.Helper()
	if want == nil || got == nil {
		return want == nil && got == nil
	}
	decode := func(b []byte) any {
		var v any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	var within func(w, g any) bool
	within = func(w, g any) bool {
		switch w := w.(type) {
		case map[string]any:
			g, ok := g.(map[string]any)
			if !ok {
				return false
			}
			for k, v := range w {
				if gv, ok := g[k]; !ok || !within(v, gv) {
					return false
				}
			}
			return true
		case []any:
			g, ok := g.([]any)
			if !ok || len(g) != len(w) {
				return false
			}
			for i := range w {
				if !within(w[i], g[i]) {
					return false
				}
			}
			return true
		}
		return w == g
	}
	return within(decode(want), decode(got))
}
