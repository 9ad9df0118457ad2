package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
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
			got.Body = canonical(t, withoutAdded(t, r.Path, body))
		} else {
			h := sha256.Sum256(body)
			got.SHA256 = hex.EncodeToString(h[:])
		}
		out = append(out, got)
	}
	return out
}

// addedFields are the fields a route's objects gained after the first
// release, by path prefix, with the value the release's data must read
// as: apart from them, it reads the same.
var addedFields = map[string]map[string]string{
	"/api/v1/notifications": {"channel": `"email"`}, // group robots beside email
}

// withoutAdded removes the fields added after the release from the
// objects of a list read from path.
func withoutAdded(t *testing.T, path string, body []byte) []byte {
	t.Helper()
	var fields map[string]string
	for prefix, fs := range addedFields {
		if strings.HasPrefix(path, prefix) {
			fields = fs
		}
	}
	if len(fields) == 0 {
		return body
	}
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(body, &list); err != nil {
		return body // an error or a single object: nothing was added there
	}
	for _, o := range list {
		for f, want := range fields {
			if string(o[f]) != want {
				t.Errorf("%s: a release row reads %s = %s, want %s", path, f, o[f], want)
			}
			delete(o, f)
		}
	}
	out, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
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

// changedByDesign are the fields whose value a later release computes
// differently on purpose, from the same stored data; every other field the
// first release answered must read the same. Fields a later release adds
// are allowed. A key names the end of a field's path: "due_at" is every
// due_at, "contacts.required" only the plan's.
var changedByDesign = map[string]string{
	// A deadline on a day off ends on the next working day (workflow/due.go):
	// the June 30 and November 30, 2019 checkpoints fall on a weekend.
	"due_at": "deadlines on a day off move to the next working day",
	// The notice asks for a head and a staff member by name, position and
	// telephones; email was never its requirement.
	"contacts.required":  "a complete contact needs no email",
	"contacts.min_count": "a head and a staff member: two contacts",
}

// changed says whether the field at path is one of changedByDesign.
func changed(path string) bool {
	for k := range changedByDesign {
		if path == k || strings.HasSuffix(path, "."+k) {
			return true
		}
	}
	return false
}

// filesChangedByDesign are the downloads (by the end of their path) whose
// bytes a later release writes differently on purpose.
var filesChangedByDesign = map[string]string{
	// Units that took no part are listed apart, with no rank or grade.
	"/export.csv": "the ranking lists units that took no part apart",
}

// fileChangedByDesign reports whether the download at path may differ.
func fileChangedByDesign(path string) bool {
	for suffix := range filesChangedByDesign {
		if strings.HasSuffix(path, suffix) {
			return true
		}
	}
	return false
}

// compareReads reports every read whose status or body differs: every
// field of the first release's answer must be in the answer now, with the
// same value, but for changedByDesign.
func compareReads(t *testing.T, want, got []fixtureRead) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%d reads, want %d", len(got), len(want))
	}
	bad := 0
	for i := range want {
		w, g := want[i], got[i]
		diff := ""
		if w.Body != nil {
			diff = contains(decodeJSON(t, g.Body), decodeJSON(t, w.Body), "")
		}
		if w.Status != g.Status || diff != "" || (w.SHA256 != g.SHA256 && !fileChangedByDesign(w.Path)) {
			bad++
			if bad <= 5 {
				t.Errorf("GET %s as %s: status %d, want %d; %s\n got: %.600s\nwant: %.600s", w.Path, w.As, g.Status, w.Status, diff, g.Body, w.Body)
			}
		}
	}
	if bad > 5 {
		t.Errorf("… and %d more reads differ", bad-5)
	}
}

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%v: %.200s", err, b)
	}
	return v
}

// contains returns "" when got holds everything want holds (objects may
// have more keys), else the path of the first difference.
func contains(got, want any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path + ": not an object"
		}
		for k, wv := range w {
			if changed(path + "." + k) {
				continue
			}
			gv, ok := g[k]
			if !ok {
				return path + "." + k + ": missing"
			}
			if unitCodeLists[k] {
				gv, wv = sortedList(gv), sortedList(wv)
			}
			if d := contains(gv, wv, path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path + ": a different list"
		}
		// Units are listed in the notice's order (the order they were
		// created in), where the first release listed them by code: a list
		// of units' records is compared record by record, by unit.
		if key := unitKey(w); key != "" && unitKey(g) == key {
			return containsByUnit(g, w, key, path)
		}
		for i := range w {
			if d := contains(g[i], w[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Sprintf("%s: %v, want %v", path, got, want)
	}
	return ""
}

// TestUpgradeReadsTheSame: a database of the first release, upgraded by
// the server at start, still holds every unit, user, session, submission
// with its history, node, evidence file, review, monthly count, deduction,
// scoring run, audit entry and outbox message, and the API reads every one
// of them exactly as the first release did.
func TestUpgradeReadsTheSame(t *testing.T) {
	t.Parallel()
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

// unitKey is the field ("unit" or "code") that names the unit of every
// record of list, or "" when the list is not one record per unit.
func unitKey(list []any) string {
	for _, key := range []string{"unit", "code"} {
		seen := map[any]bool{}
		ok := len(list) > 1
		for _, v := range list {
			m, isMap := v.(map[string]any)
			if !isMap || m[key] == nil || seen[m[key]] {
				ok = false
				break
			}
			seen[m[key]] = true
		}
		if ok {
			return key
		}
	}
	return ""
}

// containsByUnit is contains for two lists of units' records, matched by
// their key.
func containsByUnit(got, want []any, key, path string) string {
	byUnit := map[any]any{}
	for _, v := range got {
		byUnit[v.(map[string]any)[key]] = v
	}
	for _, wv := range want {
		u := wv.(map[string]any)[key]
		gv, ok := byUnit[u]
		if !ok {
			return fmt.Sprintf("%s[%s=%v]: missing", path, key, u)
		}
		if d := contains(gv, wv, fmt.Sprintf("%s[%s=%v]", path, key, u)); d != "" {
			return d
		}
	}
	return ""
}

// unitCodeLists are the fields that list units' codes, in the notice's
// order where the first release listed them by code: compared as sets.
var unitCodeLists = map[string]bool{"not_reported": true}

// sortedList is v sorted when it is a list of strings, else v.
func sortedList(v any) any {
	l, ok := v.([]any)
	if !ok {
		return v
	}
	out := append([]any{}, l...)
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}
