package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"kaohe/workflow/service"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// upFile is one file of a multipart upload: the name as the client sends
// it and the content.
type upFile struct {
	name    string
	content []byte
}

func evidenceFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../testdata/evidence", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pdfOfSize is a valid PDF start padded to exactly n bytes.
func pdfOfSize(t testing.TB, n int) []byte {
	t.Helper()
	b := evidenceFixture(t, "会议纪要.pdf")
	return append(append([]byte{}, b...), bytes.Repeat([]byte{'%'}, n-len(b))...)
}

// multipartBody builds a real multipart/form-data body: each file as a
// "files" part with its name unaltered, and a "note" part.
func multipartBody(t testing.TB, note string, files []upFile) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range files {
		p, err := w.CreateFormFile("files", f.name)
		if err != nil {
			t.Fatal(err)
		}
		p.Write(f.content)
	}
	if note != "" {
		w.WriteField("note", note)
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func (e *env) upload(id int64, role, note string, files ...upFile) (int, []byte) {
	e.t.Helper()
	body, ct := multipartBody(e.t, note, files)
	status, _, out := e.raw("POST", fmt.Sprintf("/api/v1/nodes/%d/evidence", id), role, ct, body)
	return status, out
}

// nodeJSON is a node as the API returns it.
type nodeJSON struct {
	ID            int64      `json:"id"`
	Unit          string     `json:"unit"`
	Category      string     `json:"category"`
	Indicator     string     `json:"indicator"`
	Work          string     `json:"work"`
	Due           string     `json:"due"`
	Points        float64    `json:"points"`
	State         string     `json:"state"`
	Late          bool       `json:"late"`
	Awarded       *float64   `json:"awarded"`
	Colour        string     `json:"colour"`
	EvidenceCount int        `json:"evidence_count"`
	Version       int        `json:"version"`
	ReportedAt    *time.Time `json:"reported_at"`
	Evidence      []struct {
		ID         int64     `json:"id"`
		Name       string    `json:"name"`
		Size       int64     `json:"size"`
		SHA256     string    `json:"sha256"`
		Type       string    `json:"type"`
		UploadedAt time.Time `json:"uploaded_at"`
		UploadedBy string    `json:"uploaded_by"`
	} `json:"evidence"`
	Reviews []struct {
		Verdict string  `json:"verdict"`
		Points  float64 `json:"points"`
		Comment string  `json:"comment"`
		By      string  `json:"by"`
	} `json:"reviews"`
}

func (e *env) nodes(unit, role, query string) []nodeJSON {
	e.t.Helper()
	var ns []nodeJSON
	e.mustDecode("GET", "/api/v1/plans/2019/units/"+unit+"/nodes"+query, role, nil, 200, &ns)
	return ns
}

func (e *env) node(id int64, role string) nodeJSON {
	e.t.Helper()
	var n nodeJSON
	e.mustDecode("GET", fmt.Sprintf("/api/v1/nodes/%d", id), role, nil, 200, &n)
	return n
}

// executing drives gjz to executing and returns its nodes.
func (e *env) executing() []nodeJSON {
	e.t.Helper()
	e.toState("executing")
	return e.nodes("gjz", "unitA", "")
}

// diskState is what the evidence directory and the evidence table hold:
// files by hash (content checked against its name), and the hashes of the
// current rows.
type diskState struct {
	files []string
	rows  []string
}

// disk checks that the data directory holds nothing but the database and
// evidence files named by the SHA-256 of their content, and returns them
// with the hashes of the current evidence rows.
func (e *env) disk() diskState {
	e.t.Helper()
	var d diskState
	err := filepath.WalkDir(e.data, func(p string, de os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(e.data, p)
		if de.IsDir() {
			if rel != "." && rel != "evidence" && !(filepath.Dir(rel) == "evidence" && len(de.Name()) == 2) {
				e.t.Errorf("unexpected directory %s in the data directory", rel)
			}
			return nil
		}
		if strings.HasPrefix(rel, "kaohe.db") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		if rel != filepath.Join("evidence", h[:2], h) {
			e.t.Errorf("unexpected file %s in the data directory", rel)
		}
		d.files = append(d.files, h)
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	err = e.app.Store.Update(e.t.Context(), func(tx service.Tx) error {
		es, err := tx.EvidenceList(service.EvidenceFilter{Year: 2019})
		for _, ev := range es {
			d.rows = append(d.rows, ev.SHA256)
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	sort.Strings(d.files)
	sort.Strings(d.rows)
	return d
}

// wantConsistent fails unless every current row has its file and every
// file a row (no orphans either way).
func (e *env) wantConsistent() diskState {
	e.t.Helper()
	d := e.disk()
	rowSet := map[string]bool{}
	for _, r := range d.rows {
		rowSet[r] = true
	}
	fileSet := map[string]bool{}
	for _, f := range d.files {
		fileSet[f] = true
		if !rowSet[f] {
			e.t.Errorf("orphan file %s", f)
		}
	}
	for r := range rowSet {
		if !fileSet[r] {
			e.t.Errorf("row without its file %s", r)
		}
	}
	return d
}

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestExecutionAcceptance is the acceptance run, on each database:
// after release the unit lists its nodes, uploads evidence with Chinese
// names, sees the node reported, downloads the files byte for byte; the
// office reviews it and the points show in the unit's progress; the other
// unit sees and downloads nothing.
func TestExecutionAcceptance(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)
			ns := e.executing()
			// 106 party and business nodes in the fixture, and the three of
			// the one certified innovation item (the uncertified one has none).
			if len(ns) != 109 {
				t.Fatalf("%d nodes, want 109", len(ns))
			}
			cats := map[string]int{}
			for _, n := range ns {
				cats[n.Category]++
				if n.State != "pending" || n.Colour != "green" || n.EvidenceCount != 0 || n.Awarded != nil {
					t.Fatalf("fresh node %+v", n)
				}
			}
			if cats["innovation"] != 3 || ns[0].Category != "party" || ns[0].Indicator != "P1" || ns[len(ns)-1].Indicator != "I1" {
				t.Fatalf("categories %v, first %+v, last %+v", cats, ns[0], ns[len(ns)-1])
			}
			n := ns[0]
			if n.Due != "2019-06-30" || n.Points != 7 {
				t.Fatalf("first node %+v", n)
			}

			pdf, png := evidenceFixture(t, "会议纪要.pdf"), evidenceFixture(t, "活动照片.png")
			e.clock.Set(time.Date(2019, 6, 28, 16, 0, 0, 0, shanghai))
			status, out := e.upload(n.ID, "unitA", "动员会材料", upFile{"会议纪要（定稿）.pdf", pdf}, upFile{"活动照片 2019.png", png})
			if status != 201 {
				t.Fatalf("upload: %d %s", status, out)
			}
			got := e.node(n.ID, "unitA")
			if got.State != "reported" || got.Late || len(got.Evidence) != 2 || got.EvidenceCount != 2 {
				t.Fatalf("reported node %+v", got)
			}
			for i, want := range []struct {
				name    string
				content []byte
				typ     string
			}{{"会议纪要（定稿）.pdf", pdf, "application/pdf"}, {"活动照片 2019.png", png, "image/png"}} {
				ev := got.Evidence[i]
				if ev.Name != want.name || ev.SHA256 != hashOf(want.content) || ev.Size != int64(len(want.content)) || ev.UploadedBy != "gjz" {
					t.Fatalf("evidence %d: %+v", i, ev)
				}
				for _, role := range []string{"unitA", "office", "viewer"} {
					status, h, body := e.raw("GET", fmt.Sprintf("/api/v1/evidence/%d", ev.ID), role, "", nil)
					if status != 200 || !bytes.Equal(body, want.content) || hashOf(body) != ev.SHA256 {
						t.Fatalf("download as %s: %d, %d bytes", role, status, len(body))
					}
					if h.Get("Content-Type") != want.typ || h.Get("X-Content-Type-Options") != "nosniff" {
						t.Fatalf("download headers %v", h)
					}
					_, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
					if err != nil || params["filename"] != want.name {
						t.Fatalf("Content-Disposition %q: name %q (%v)", h.Get("Content-Disposition"), params["filename"], err)
					}
				}
				status, _, _ := e.raw("GET", fmt.Sprintf("/api/v1/evidence/%d", ev.ID), "unitB", "", nil)
				if status != 404 {
					t.Fatalf("other unit downloads: %d", status)
				}
			}
			if status, _ := e.do("GET", fmt.Sprintf("/api/v1/nodes/%d", n.ID), "unitB", nil); status != 404 {
				t.Fatalf("other unit reads the node: %d", status)
			}
			if status, _ := e.do("GET", "/api/v1/plans/2019/units/gjz/nodes", "unitB", nil); status != 404 {
				t.Fatalf("other unit lists the nodes: %d", status)
			}

			var queue []nodeJSON
			e.mustDecode("GET", "/api/v1/plans/2019/reviews?state=reported", "office", nil, 200, &queue)
			if len(queue) != 1 || queue[0].ID != n.ID || queue[0].Unit != "gjz" {
				t.Fatalf("review queue %+v", queue)
			}
			e.clock.Set(time.Date(2019, 7, 3, 10, 0, 0, 0, shanghai))
			e.mustDo("POST", fmt.Sprintf("/api/v1/nodes/%d/review", n.ID), "office", map[string]any{"verdict": "accept", "points": 6.5, "comment": "材料齐全"}, 200)
			got = e.node(n.ID, "unitA")
			if got.State != "accepted" || got.Awarded == nil || *got.Awarded != 6.5 || len(got.Reviews) != 1 || got.Reviews[0].By != "admin" {
				t.Fatalf("accepted node %+v", got)
			}
			e.mustDecode("GET", "/api/v1/plans/2019/reviews", "office", nil, 200, &queue)
			if len(queue) != 0 {
				t.Fatalf("queue after review %+v", queue)
			}

			var prog []struct {
				Unit      string
				Awarded   float64
				AwardedBy map[string]float64 `json:"awarded_by_category"`
				States    map[string]int
				Colour    string
				Nodes     int
				Missing   int
			}
			e.mustDecode("GET", "/api/v1/plans/2019/progress", "unitA", nil, 200, &prog)
			if len(prog) != 1 || prog[0].Unit != "gjz" || prog[0].Awarded != 6.5 || prog[0].AwardedBy["party"] != 6.5 || prog[0].States["accepted"] != 1 {
				t.Fatalf("unit's progress %+v", prog)
			}
			// Other June 30 nodes are overdue on July 3: the unit is red.
			if prog[0].Colour != "red" || prog[0].States["overdue"] == 0 || prog[0].Missing != prog[0].States["overdue"] {
				t.Fatalf("unit's colour %+v", prog[0])
			}
			e.mustDecode("GET", "/api/v1/plans/2019/progress", "office", nil, 200, &prog)
			if len(prog) != 2 || prog[0].Unit != "gjz" || prog[1].Unit != "zs" || prog[1].Nodes != 0 || prog[1].Colour != "green" {
				t.Fatalf("office's progress %+v", prog)
			}
			e.mustDecode("GET", "/api/v1/plans/2019/progress", "unitB", nil, 200, &prog)
			if len(prog) != 1 || prog[0].Unit != "zs" {
				t.Fatalf("other unit's progress %+v", prog)
			}
			e.wantConsistent()
		})
	}
}

// TestUploads sends bad and odd uploads over HTTP and checks the status,
// the node and the data directory after each: nothing outside it, no
// orphan files, no orphan rows.
func TestUploads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	ns := e.executing()
	pdf := evidenceFixture(t, "会议纪要.pdf")
	elf := evidenceFixture(t, "program.pdf")
	tests := []struct {
		name     string
		files    []upFile
		want     int
		names    []string // display names of a success
		newFiles int      // files added to the data directory
	}{
		{"several files with Chinese names", []upFile{{"会议纪要.pdf", pdf}, {"签到表.jpg", evidenceFixture(t, "签到表.jpg")}, {"电子公文.ofd", evidenceFixture(t, "电子公文.ofd")}}, 201,
			[]string{"会议纪要.pdf", "签到表.jpg", "电子公文.ofd"}, 3},
		{"Office documents and a zip", []upFile{{"工作总结.docx", evidenceFixture(t, "工作总结.docx")}, {"统计报表.xlsx", evidenceFixture(t, "统计报表.xlsx")}, {"旧版文档.wps", evidenceFixture(t, "旧版文档.doc")}, {"材料汇编.zip", evidenceFixture(t, "材料汇编.zip")}}, 201,
			[]string{"工作总结.docx", "统计报表.xlsx", "旧版文档.wps", "材料汇编.zip"}, 4},
		{"a file of exactly the limit", []upFile{{"整本.pdf", pdfOfSize(t, testMaxFileBytes)}}, 201, []string{"整本.pdf"}, 1},
		{"a file one byte over the limit", []upFile{{"超限.pdf", pdfOfSize(t, testMaxFileBytes+1)}}, 413, nil, 0},
		{"an executable renamed .pdf", []upFile{{"报告.pdf", elf}}, 415, nil, 0},
		{"plain text named .pdf", []upFile{{"说明.pdf", evidenceFixture(t, "notes.pdf")}}, 415, nil, 0},
		{"a good file then a bad one leaves neither", []upFile{{"先传.pdf", pdfOfSize(t, 1000)}, {"后传.pdf", elf}}, 415, nil, 0},
		{"a good file then an oversized one leaves neither", []upFile{{"先传.pdf", pdfOfSize(t, 1001)}, {"超限.pdf", pdfOfSize(t, testMaxFileBytes+1)}}, 413, nil, 0},
		{"more files than a node may hold", []upFile{{"1.pdf", pdfOfSize(t, 1002)}, {"2.pdf", pdfOfSize(t, 1003)}, {"3.pdf", pdfOfSize(t, 1004)}, {"4.pdf", pdfOfSize(t, 1005)}, {"5.pdf", pdfOfSize(t, 1006)}}, 413, nil, 0},
		{"a path-traversal name", []upFile{{"../../etc/passwd", pdfOfSize(t, 900)}}, 201, []string{"passwd"}, 1},
		{"slashes and backslashes in a name", []upFile{{`a/b\c.pdf`, pdfOfSize(t, 901)}}, 201, []string{"c.pdf"}, 1},
		{"no file at all", nil, 422, nil, 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			n := ns[i]
			before := e.wantConsistent()
			status, out := e.upload(n.ID, "unitA", "", tt.files...)
			if status != tt.want {
				t.Fatalf("status %d, want %d: %s", status, tt.want, out)
			}
			after := e.wantConsistent()
			if len(after.files) != len(before.files)+tt.newFiles {
				t.Fatalf("%d files on disk, want %d", len(after.files), len(before.files)+tt.newFiles)
			}
			got := e.node(n.ID, "unitA")
			if tt.want != 201 {
				decodeError(t, out)
				if got.State != "pending" || len(got.Evidence) != 0 || got.Version != 1 {
					t.Fatalf("a refused upload changed the node: %+v", got)
				}
				return
			}
			var names []string
			for j, ev := range got.Evidence {
				names = append(names, ev.Name)
				if ev.SHA256 != hashOf(tt.files[j].content) {
					t.Errorf("file %d: hash %s", j, ev.SHA256)
				}
			}
			if got.State != "reported" || strings.Join(names, "|") != strings.Join(tt.names, "|") {
				t.Fatalf("node %s with %v, want reported with %v", got.State, names, tt.names)
			}
		})
	}
	e.t = t
	if _, err := os.Stat(filepath.Join(filepath.Dir(e.data), "etc")); err == nil {
		t.Fatal("a file was written outside the data directory")
	}
	// A body that is not multipart is refused, as is an upload to a node
	// that does not exist or is another unit's, before anything is read.
	status, _, _ := e.raw("POST", fmt.Sprintf("/api/v1/nodes/%d/evidence", ns[20].ID), "unitA", "application/pdf", pdf)
	if status != 415 {
		t.Fatalf("non-multipart upload: %d", status)
	}
	for _, path := range []string{"/api/v1/nodes/999999/evidence", "/api/v1/nodes/abc/evidence"} {
		body, ct := multipartBody(t, "", []upFile{{"a.pdf", pdf}})
		if status, _, _ := e.raw("POST", path, "unitA", ct, body); status != 404 {
			t.Fatalf("upload to %s: %d", path, status)
		}
	}
	if status, _ := e.upload(ns[20].ID, "unitB", "", upFile{"a.pdf", pdfOfSize(t, 2000)}); status != 404 {
		t.Fatalf("other unit uploads: %d", status)
	}
	d := e.wantConsistent()
	for _, h := range d.files {
		if h == hashOf(pdfOfSize(t, 2000)) {
			t.Fatal("a refused upload left its file")
		}
	}
}

// review posts a review and returns the status and body.
func (e *env) review(id int64, role string, body map[string]any) (int, []byte) {
	e.t.Helper()
	return e.do("POST", fmt.Sprintf("/api/v1/nodes/%d/review", id), role, body)
}

// TestReviewAndOverdueOnTheClock walks two June 30 nodes across their
// checkpoint: report on time, reject, report again late, bad scores, accept;
// and a node that is never reported turning yellow, then red and overdue.
func TestReviewAndOverdueOnTheClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	ns := e.executing()
	a, b := ns[0], ns[3] // both due 2019-06-30, 7 and 3 points
	if a.Due != "2019-06-30" || b.Due != "2019-06-30" {
		t.Fatalf("fixture nodes: %+v %+v", a, b)
	}
	pdf := evidenceFixture(t, "会议纪要.pdf")
	set := func(m time.Month, d, h, min int) { e.clock.Set(time.Date(2019, m, d, h, min, 0, 0, shanghai)) }
	wantNode := func(id int64, state, colour string, late bool) nodeJSON {
		t.Helper()
		n := e.node(id, "office")
		if n.State != state || n.Colour != colour || n.Late != late {
			t.Fatalf("node %d at %s: %s/%s late=%v, want %s/%s late=%v", id, e.clock.Now().In(shanghai).Format(time.DateTime), n.State, n.Colour, n.Late, state, colour, late)
		}
		return n
	}

	// June 30 2019 is a Sunday: the checkpoint ends with Monday July 1,
	// and yellow starts seven days before that.
	set(6, 24, 23, 59)
	wantNode(b.ID, "pending", "green", false)
	set(6, 25, 0, 0)
	wantNode(b.ID, "pending", "yellow", false)

	// Reported at 23:00 on the checkpoint day: on time.
	set(6, 30, 23, 0)
	if status, out := e.upload(a.ID, "unitA", "", upFile{"a.pdf", pdf}); status != 201 {
		t.Fatalf("upload: %d %s", status, out)
	}
	wantNode(a.ID, "reported", "green", false)
	set(7, 1, 23, 59)
	wantNode(b.ID, "pending", "yellow", false)

	// Midnight after Monday July 1: the unreported node is overdue and red,
	// and filters find it.
	set(7, 2, 0, 0)
	wantNode(b.ID, "overdue", "red", false)
	for _, q := range []string{"?state=overdue", "?colour=red", "?checkpoint=2019-06-30&state=overdue"} {
		found := false
		for _, n := range e.nodes("gjz", "unitA", q) {
			found = found || n.ID == b.ID
			if n.ID == a.ID {
				t.Fatalf("filter %s lists the reported node", q)
			}
		}
		if !found {
			t.Fatalf("filter %s misses the overdue node", q)
		}
	}
	if got := e.nodes("gjz", "unitA", "?checkpoint=2019-09-30&state=overdue"); len(got) != 0 {
		t.Fatalf("September nodes overdue on July 2: %d", len(got))
	}
	for _, q := range []string{"?state=late", "?colour=blue", "?checkpoint=june"} {
		if status, _ := e.do("GET", "/api/v1/plans/2019/units/gjz/nodes"+q, "unitA", nil); status != 400 {
			t.Fatalf("filter %s: %d", q, status)
		}
	}

	// Bad reviews change nothing.
	bad := []map[string]any{
		{"verdict": "accept", "points": 7.5},
		{"verdict": "accept", "points": -1},
		{"verdict": "accept", "points": 6.25},
		{"verdict": "accept", "points": 1.234},
		{"verdict": "accept"},
		{"verdict": "reject"},
		{"verdict": "reject", "comment": "   "},
		{"verdict": "maybe", "comment": "?"},
	}
	for _, body := range bad {
		status, out := e.review(a.ID, "office", body)
		if status != 422 || decodeError(t, out).Error.Code != "validation_failed" {
			t.Fatalf("review %v: %d %s", body, status, out)
		}
	}
	wantNode(a.ID, "reported", "green", false)
	for _, role := range []string{"unitA", "viewer"} {
		if status, _ := e.review(a.ID, role, map[string]any{"verdict": "accept", "points": 7}); status != 403 {
			t.Fatalf("review as %s: %d", role, status)
		}
	}
	if status, _ := e.review(a.ID, "unitB", map[string]any{"verdict": "accept", "points": 7}); status != 404 {
		t.Fatalf("review as the other unit: %d", status)
	}
	// A pending node cannot be reviewed.
	if status, _ := e.review(b.ID, "office", map[string]any{"verdict": "accept", "points": 1}); status != 409 {
		t.Fatalf("review of an unreported node: %d", status)
	}

	// Reject: the node goes back to the unit, overdue since its checkpoint
	// has passed.
	set(7, 2, 10, 0)
	e.mustDo("POST", fmt.Sprintf("/api/v1/nodes/%d/review", a.ID), "office", map[string]any{"verdict": "reject", "comment": "缺少签到表"}, 200)
	wantNode(a.ID, "overdue", "red", false)
	// The unit reports again, now after the checkpoint: late.
	set(7, 3, 9, 0)
	if status, out := e.upload(a.ID, "unitA", "补充签到表", upFile{"签到表.jpg", evidenceFixture(t, "签到表.jpg")}); status != 201 {
		t.Fatalf("report again: %d %s", status, out)
	}
	wantNode(a.ID, "reported", "green", true)
	// Reporting the overdue node late.
	if status, _ := e.upload(b.ID, "unitA", "", upFile{"b.pdf", pdfOfSize(t, 500)}); status != 201 {
		t.Fatal("report an overdue node")
	}
	wantNode(b.ID, "reported", "green", true)

	// Accept with half points; every review is kept.
	var n nodeJSON
	e.mustDecode("POST", fmt.Sprintf("/api/v1/nodes/%d/review", a.ID), "office", map[string]any{"verdict": "accept", "points": 6.5}, 200, &n)
	n = wantNode(a.ID, "accepted", "green", true)
	if *n.Awarded != 6.5 || len(n.Reviews) != 2 || n.Reviews[0].Verdict != "reject" || n.Reviews[0].Comment != "缺少签到表" || n.Reviews[1].Points != 6.5 {
		t.Fatalf("accepted node %+v", n)
	}
	// Zero and full points are allowed.
	e.mustDo("POST", fmt.Sprintf("/api/v1/nodes/%d/review", b.ID), "office", map[string]any{"verdict": "accept", "points": 0}, 200)

	// Accepted is final: no more files, no withdrawal, no second review.
	if status, _ := e.upload(a.ID, "unitA", "", upFile{"c.pdf", pdfOfSize(t, 600)}); status != 409 {
		t.Fatalf("upload to an accepted node: %d", status)
	}
	if status, _ := e.do("DELETE", fmt.Sprintf("/api/v1/evidence/%d", n.Evidence[0].ID), "unitA", nil); status != 409 {
		t.Fatalf("withdraw from an accepted node: %d", status)
	}
	if status, _ := e.review(a.ID, "office", map[string]any{"verdict": "accept", "points": 7}); status != 409 {
		t.Fatalf("second review: %d", status)
	}
	var prog []struct {
		Unit    string
		Awarded float64
		Late    int
	}
	e.mustDecode("GET", "/api/v1/plans/2019/progress", "viewer", nil, 200, &prog)
	if prog[0].Awarded != 6.5 || prog[0].Late != 2 {
		t.Fatalf("progress %+v", prog[0])
	}

	// The year end: an unreported node is missing.
	e.clock.Set(e.plan.YearEnd())
	if got := e.nodes("gjz", "office", "?state=missing"); len(got) != len(ns)-2 {
		t.Fatalf("%d missing nodes at year end, want %d", len(got), len(ns)-2)
	}
	// Every review and report is in the audit log.
	var audit []struct{ Action string }
	e.mustDecode("GET", "/api/v1/audit?unit=gjz&limit=20", "office", nil, 200, &audit)
	count := map[string]int{}
	for _, a := range audit {
		count[a.Action]++
	}
	if count["node.report"] != 3 || count["node.review"] != 3 {
		t.Fatalf("audit %v", count)
	}
	e.wantConsistent()
}

// TestWithdrawEvidence: a unit withdraws its own files while the node is
// reported or rejected; the last file out sends the node back to pending;
// others may not withdraw.
func TestWithdrawEvidence(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	ns := e.executing()
	id := ns[0].ID
	e.upload(id, "unitA", "", upFile{"a.pdf", pdfOfSize(t, 700)}, upFile{"b.pdf", pdfOfSize(t, 701)})
	n := e.node(id, "unitA")
	path := func(i int) string { return fmt.Sprintf("/api/v1/evidence/%d", n.Evidence[i].ID) }
	for role, want := range map[string]int{"office": 403, "viewer": 403, "unitB": 404, "": 401} {
		if status, _ := e.do("DELETE", path(0), role, nil); status != want {
			t.Fatalf("withdraw as %q: %d, want %d", role, status, want)
		}
	}
	e.mustDo("DELETE", path(0), "unitA", nil, 204)
	if status, _ := e.do("DELETE", path(0), "unitA", nil); status != 404 {
		t.Fatalf("withdraw twice: %d", status)
	}
	if status, _ := e.do("GET", path(0), "office", nil); status != 404 {
		t.Fatalf("download a withdrawn file: %d", status)
	}
	if got := e.node(id, "unitA"); got.State != "reported" || len(got.Evidence) != 1 {
		t.Fatalf("after one withdrawal %+v", got)
	}
	e.mustDo("DELETE", path(1), "unitA", nil, 204)
	if got := e.node(id, "unitA"); got.State != "pending" || len(got.Evidence) != 0 || got.ReportedAt != nil {
		t.Fatalf("after the last withdrawal %+v", got)
	}
	// The files stay on disk with their rows (withdrawn rows are kept).
	if d := e.disk(); len(d.files) != 2 || len(d.rows) != 0 {
		t.Fatalf("disk after withdrawal %+v", d)
	}
}

// TestExecutionEndpointsForEveryRole runs each execution endpoint as each
// role on a fresh server with gjz executing: anonymous 401, a role that may
// not act 403, another unit's data 404, the rest succeed.
func TestExecutionEndpointsForEveryRole(t *testing.T) {
	t.Parallel()
	roles := []string{"", "office", "unitA", "unitB", "viewer"}
	// uploaded reports the first node with one file and returns the node
	// and the file.
	uploaded := func(e *env) (nodeJSON, int64) {
		ns := e.executing()
		if status, out := e.upload(ns[0].ID, "unitA", "", upFile{"a.pdf", evidenceFixture(e.t, "会议纪要.pdf")}); status != 201 {
			e.t.Fatalf("upload: %d %s", status, out)
		}
		n := e.node(ns[0].ID, "unitA")
		return n, n.Evidence[0].ID
	}
	type call struct {
		method, path, contentType string
		body                      []byte
	}
	jsonCall := func(method, path string, v any) call {
		b, _ := json.Marshal(v)
		return call{method, path, "application/json", b}
	}
	tests := []struct {
		name string
		prep func(e *env) call
		want [5]int // anonymous, office, unitA (gjz), unitB (zs), viewer
	}{
		{"list nodes", func(e *env) call {
			e.executing()
			return call{"GET", "/api/v1/plans/2019/units/gjz/nodes", "", nil}
		}, [5]int{401, 200, 200, 404, 200}},
		{"read a node", func(e *env) call {
			return call{"GET", fmt.Sprintf("/api/v1/nodes/%d", e.executing()[0].ID), "", nil}
		}, [5]int{401, 200, 200, 404, 200}},
		{"upload evidence", func(e *env) call {
			body, ct := multipartBody(e.t, "说明", []upFile{{"会议纪要.pdf", evidenceFixture(e.t, "会议纪要.pdf")}})
			return call{"POST", fmt.Sprintf("/api/v1/nodes/%d/evidence", e.executing()[0].ID), ct, body}
		}, [5]int{401, 403, 201, 404, 403}},
		{"download evidence", func(e *env) call {
			_, id := uploaded(e)
			return call{"GET", fmt.Sprintf("/api/v1/evidence/%d", id), "", nil}
		}, [5]int{401, 200, 200, 404, 200}},
		{"withdraw evidence", func(e *env) call {
			_, id := uploaded(e)
			return call{"DELETE", fmt.Sprintf("/api/v1/evidence/%d", id), "", nil}
		}, [5]int{401, 403, 204, 404, 403}},
		{"review a node", func(e *env) call {
			n, _ := uploaded(e)
			return jsonCall("POST", fmt.Sprintf("/api/v1/nodes/%d/review", n.ID), map[string]any{"verdict": "accept", "points": 5})
		}, [5]int{401, 200, 403, 404, 403}},
		{"review queue", func(e *env) call {
			uploaded(e)
			return call{"GET", "/api/v1/plans/2019/reviews?state=reported", "", nil}
		}, [5]int{401, 200, 403, 403, 200}},
		{"progress", func(e *env) call {
			e.executing()
			return call{"GET", "/api/v1/plans/2019/progress", "", nil}
		}, [5]int{401, 200, 200, 200, 200}},
		{"report a monthly count", func(e *env) call {
			return jsonCall("PUT", "/api/v1/plans/2019/units/gjz/monthly/2019-06", map[string]any{"count": 100})
		}, [5]int{401, 200, 200, 404, 403}},
		{"a unit's monthly history", func(e *env) call {
			return call{"GET", "/api/v1/plans/2019/units/gjz/monthly/2019-06", "", nil}
		}, [5]int{401, 200, 200, 404, 200}},
		{"a month's overview", func(e *env) call {
			return call{"GET", "/api/v1/plans/2019/monthly/2019-06", "", nil}
		}, [5]int{401, 200, 403, 403, 200}},
		{"import a month", func(e *env) call {
			return call{"POST", "/api/v1/plans/2019/monthly/2019-06/import", "text/csv", monthlyFixture(e.t, "counts-2019-06.csv")}
		}, [5]int{401, 200, 403, 403, 403}},
	}
	for _, tt := range tests {
		for i, role := range roles {
			name := roleName(role)
			t.Run(tt.name+" as "+name, func(t *testing.T) {
				e := newEnv(t, "sqlite")
				c := tt.prep(e)
				status, _, out := e.raw(c.method, c.path, role, c.contentType, c.body)
				if status != tt.want[i] {
					t.Fatalf("%s %s: status %d, want %d: %s", c.method, c.path, status, tt.want[i], out)
				}
				if status >= 400 {
					decodeError(t, out)
				}
				if role == "unitB" || role == "viewer" || role == "" {
					e.wantConsistent()
				}
			})
		}
	}
}
