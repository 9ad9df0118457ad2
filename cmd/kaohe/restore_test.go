package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"kaohe/internal/testdb"
)

// writer keeps changing a running server, one step at a time, the same
// way every time. setup opens the 2020 plan's execution for gjz (the 2019
// year of the fixture is scored, and takes no more evidence); then step
// 2i creates unit w<i> and step 2i+1 uploads a new PDF to one of gjz's
// 2020 nodes. Replaying the same steps on a copy of the same data gives
// the same state.
type writer struct {
	t     *testing.T
	addr  string
	fx    *fixture
	nodes []int64
}

// plan2020 writes the 2019 plan moved to 2020 into dir.
func plan2020(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile("../../configs/plans/2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "2020.yaml"), bytes.ReplaceAll(b, []byte("2019"), []byte("2020")), 0o640); err != nil {
		t.Fatal(err)
	}
}

func (w *writer) setup() {
	t := w.t
	doc, err := os.ReadFile("../../testdata/submission-2019.json")
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(bytes.ReplaceAll(doc, []byte("2019"), []byte("2020")), &d); err != nil {
		t.Fatal(err)
	}
	d["version"] = 0
	body, _ := json.Marshal(d)
	sub := "/api/v1/plans/2020/units/gjz/submission"
	w.send("PUT", sub, "gjz", "application/json", body, http.StatusCreated)
	// Contacts saved before duties existed have none: the unit names its
	// head and staff member before it submits again.
	contacts, err := os.ReadFile("../../testdata/contacts.json")
	if err != nil {
		t.Fatal(err)
	}
	w.send("PUT", "/api/v1/units/gjz/contacts", "gjz", "application/json", contacts, http.StatusOK)
	w.send("POST", sub+"/submit", "gjz", "", nil, http.StatusOK)
	w.send("POST", sub+"/certify", "office", "application/json", []byte(`{"innovation":[]}`), http.StatusOK)
	w.send("POST", "/api/v1/plans/2020/release", "office", "", nil, http.StatusOK)
	_, b := apiGet(t, w.addr, w.fx.Tokens["office"], "/api/v1/plans/2020/units/gjz/nodes")
	var ns []struct{ ID int64 }
	if err := json.Unmarshal(b, &ns); err != nil {
		t.Fatalf("2020 nodes: %v: %s", err, b)
	}
	for _, n := range ns {
		w.nodes = append(w.nodes, n.ID)
	}
	if len(w.nodes) < 3 {
		t.Fatalf("%d nodes in 2020", len(w.nodes))
	}
}

func (w *writer) post(path, as, contentType string, body []byte) {
	w.send("POST", path, as, contentType, body, http.StatusCreated)
}

func (w *writer) send(method, path, as, contentType string, body []byte, want int) {
	req, err := http.NewRequest(method, "http://"+w.addr+path, bytes.NewReader(body))
	if err != nil {
		w.t.Error(err)
		return
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+w.fx.Tokens[as])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Error(err)
		return
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		w.t.Errorf("%s %s: %d %s", method, path, resp.StatusCode, out)
	}
}

// step does step i.
func (w *writer) step(i int) {
	if i%2 == 0 {
		b, _ := json.Marshal(map[string]any{"code": fmt.Sprintf("w%03d", i/2), "name": fmt.Sprintf("写入单位%d", i/2)})
		w.post("/api/v1/units", "office", "application/json", b)
		return
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	p, _ := mw.CreateFormFile("files", fmt.Sprintf("进度%d.pdf", i/2))
	fmt.Fprintf(p, "%%PDF-1.4\n%% written at step %d\n%s", i, strings.Repeat("%", 200+i))
	mw.Close()
	w.post(fmt.Sprintf("/api/v1/nodes/%d/evidence", w.nodes[(i/2)/10]), "gjz", mw.FormDataContentType(), body.Bytes())
}

// countSteps works out from a server's units and gjz's evidence how many
// writer steps it holds, and fails unless they are a prefix of the steps
// (no step without the ones before it).
func countSteps(t *testing.T, addr string, fx *fixture, nodes []int64) int {
	t.Helper()
	_, b := apiGet(t, addr, fx.Tokens["office"], "/api/v1/units")
	var units []struct{ Code string }
	if err := json.Unmarshal(b, &units); err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, u := range units {
		if strings.HasPrefix(u.Code, "w") {
			created++
		}
	}
	uploaded := 0
	for _, id := range nodes {
		_, b := apiGet(t, addr, fx.Tokens["office"], fmt.Sprintf("/api/v1/nodes/%d", id))
		uploaded += strings.Count(string(b), "进度")
	}
	if uploaded != created && uploaded != created-1 {
		t.Fatalf("%d units and %d uploads of the writer: not a state the writer ever left", created, uploaded)
	}
	return created + uploaded
}

// TestRestoreDrill: a backup taken while a writer keeps creating units and
// uploading files, restored into a new data directory (and database), gives
// a server whose every list (units, users, submissions and their history,
// nodes with their evidence and downloads, reviews, monthly counts,
// deductions, scoring runs, audit, notifications) is the original's at the
// backup's moment; kaohe check finds nothing wrong with the copy.
func TestRestoreDrill(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			varsA, fx := releaseData(t, backend)
			varsA["KAOHE_PLANS_DIR"] = filepath.Join(t.TempDir(), "plans")
			plan2020(t, varsA["KAOHE_PLANS_DIR"])
			a := serveAt(t, varsA, fx.Now)
			w := &writer{t: t, addr: a.Addr, fx: fx}
			w.setup()

			var mu sync.Mutex
			done, stop := 0, make(chan struct{})
			finished := make(chan struct{})
			go func() {
				defer close(finished)
				for i := 0; i < 2*10*len(w.nodes); i++ {
					select {
					case <-stop:
						return
					default:
					}
					w.step(i)
					mu.Lock()
					done = i + 1
					mu.Unlock()
				}
			}()
			steps := func() int { mu.Lock(); defer mu.Unlock(); return done }
			waitFor(t, "the writer's first steps", func() bool { return steps() >= 6 })
			before := steps()
			archive := filepath.Join(t.TempDir(), "kaohe.tar.gz")
			var out, errOut bytes.Buffer
			if err := run(ctx, []string{"backup", "--to", archive}, envOf(varsA), &out, &errOut); err != nil {
				t.Fatalf("backup: %v\n%s", err, errOut.String())
			}
			after := steps()
			waitFor(t, "the writer's steps after the backup", func() bool { return steps() >= after+4 })
			close(stop)
			<-finished

			varsB := map[string]string{"KAOHE_DATA": filepath.Join(t.TempDir(), "restored"), "KAOHE_ADMIN_PASSWORD": "other",
				"KAOHE_PLANS_DIR": filepath.Join(t.TempDir(), "plans")}
			if backend == "mariadb" {
				varsB["KAOHE_MYSQL_DSN"] = testdb.MariaDB(t)
			}
			out.Reset()
			if err := run(ctx, []string{"restore", archive}, envOf(varsB), &out, &errOut); err != nil {
				t.Fatalf("restore: %v\n%s", err, errOut.String())
			}
			b := serveAt(t, varsB, fx.Now)
			if _, err := os.Stat(filepath.Join(varsB["KAOHE_PLANS_DIR"], "2020.yaml")); err != nil {
				t.Errorf("the plan file was not restored: %v", err)
			}
			n := countSteps(t, b.Addr, fx, w.nodes)
			if n < before || n > after {
				t.Fatalf("the archive holds %d writer steps; the backup ran between steps %d and %d", n, before, after)
			}
			t.Logf("backup taken after writer step %d (running between %d and %d)", n, before, after)

			// The original at the backup's moment: the same data with the
			// same n steps.
			varsT, _ := releaseData(t, backend)
			varsT["KAOHE_PLANS_DIR"] = varsA["KAOHE_PLANS_DIR"]
			twin := serveAt(t, varsT, fx.Now)
			tw := &writer{t: t, addr: twin.Addr, fx: fx}
			tw.setup()
			for i := range n {
				tw.step(i)
			}
			reads := *fx
			reads.Reads = append([]fixtureRead{}, fx.Reads...)
			for _, p := range []string{"/api/v1/plans/2020/submissions", "/api/v1/plans/2020/units/gjz/submission/history",
				"/api/v1/plans/2020/units/gjz/nodes", "/api/v1/plans/2020/progress"} {
				reads.Reads = append(reads.Reads, fixtureRead{As: "office", Path: p})
			}
			for _, id := range w.nodes {
				reads.Reads = append(reads.Reads, fixtureRead{As: "office", Path: fmt.Sprintf("/api/v1/nodes/%d", id)})
			}
			want := readAll(t, twin.Addr, &reads)
			for i := len(fx.Reads); i < len(want); i++ {
				if want[i].Status != http.StatusOK {
					t.Fatalf("GET %s: %d %s", want[i].Path, want[i].Status, want[i].Body)
				}
			}
			compareReads(t, want, readAll(t, b.Addr, &reads))

			out.Reset()
			if err := run(ctx, []string{"check"}, envOf(varsB), &out, &errOut); err != nil {
				t.Fatalf("check of the restored copy: %v\n%s", err, out.String())
			}
			if strings.TrimSpace(out.String()) != "no problems" {
				t.Errorf("check: %s", out.String())
			}
			if _, err := os.Stat(filepath.Join(varsB["KAOHE_DATA"], "evidence")); err != nil {
				t.Error(err)
			}
		})
	}
}
