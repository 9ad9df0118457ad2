package api_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// todoJSON is one line of GET /api/v1/todo.
type todoJSON struct {
	Kind  string     `json:"kind"`
	Title string     `json:"title"`
	Count int        `json:"count"`
	DueAt *time.Time `json:"due_at"`
	Link  string     `json:"link"`
}

func (e *env) todo(role string) map[string]todoJSON {
	e.t.Helper()
	var items []todoJSON
	e.mustDecode("GET", "/api/v1/todo", role, nil, 200, &items)
	out := map[string]todoJSON{}
	for _, it := range items {
		if _, dup := out[it.Kind]; dup {
			e.t.Fatalf("kind %s listed twice: %+v", it.Kind, items)
		}
		if it.Title == "" || it.Count <= 0 || !strings.HasPrefix(it.Link, "#/") {
			e.t.Fatalf("to-do line without a title, a count or a link: %+v", it)
		}
		out[it.Kind] = it
	}
	return out
}

// TestTodoForEveryRoleAndState follows one unit's year through the to-do
// lists of the unit, the office and a leader: what each must do next, how
// many, by when, and where.
func TestTodoForEveryRoleAndState(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	at := func(m time.Month, d, h int) { e.clock.Set(time.Date(2019, m, d, h, 0, 0, 0, shanghai)) }
	want := func(role string, kinds ...string) map[string]todoJSON {
		t.Helper()
		got := e.todo(role)
		var have []string
		for k := range got {
			have = append(have, k)
		}
		if len(got) != len(kinds) {
			t.Fatalf("%s's list at %s: %v, want %v", role, e.clock.Now().In(shanghai).Format(time.DateTime), have, kinds)
		}
		for _, k := range kinds {
			if _, ok := got[k]; !ok {
				t.Fatalf("%s's list at %s: %v, want %v", role, e.clock.Now().In(shanghai).Format(time.DateTime), have, kinds)
			}
		}
		return got
	}

	// June 10: both units owe their tables by the deadline; the office and
	// the leader have nothing yet.
	got := want("unitA", "submit_tables")
	if it := got["submit_tables"]; it.DueAt == nil || !it.DueAt.Equal(time.Date(2019, 6, 13, 17, 30, 0, 0, shanghai)) || it.Link != "#/units/gjz" {
		t.Fatalf("submit line %+v", it)
	}
	want("office")
	want("viewer")

	e.toState("submitted")
	want("unitA")
	if it := want("office", "certify_tables")["certify_tables"]; it.Count != 1 {
		t.Fatalf("certify line %+v", it)
	}
	e.mustDo("POST", subPath+"/return", "office", map[string]any{"comment": "请修改", "comments": map[string]string{"B3": "写明口径", "P1": "补充"}}, 200)
	if it := want("unitA", "returned_tables")["returned_tables"]; it.Count != 3 {
		t.Fatalf("returned line counts %d comments, want 3: %+v", it.Count, it)
	}
	want("unitB", "submit_tables")
	e.mustDo("POST", subPath+"/submit", "unitA", nil, 200)
	e.mustDo("POST", subPath+"/certify", "office", map[string]any{"innovation": []map[string]any{{"index": 0, "certified": true}}}, 200)
	if it := want("office", "release_tables")["release_tables"]; it.Count != 1 {
		t.Fatalf("release line %+v", it)
	}
	e.mustDo("POST", "/api/v1/plans/2019/release", "office", nil, 200)
	ns := e.nodes("gjz", "unitA", "")
	june := 0
	for _, n := range ns {
		if n.Due == "2019-06-30" {
			june++
		}
	}

	// June 26: the June nodes are due within the week; one is reported and
	// waits for the office.
	at(6, 26, 10)
	if status, out := e.upload(ns[0].ID, "unitA", "", upFile{"a.pdf", evidenceFixture(t, "会议纪要.pdf")}); status != 201 {
		t.Fatalf("upload: %d %s", status, out)
	}
	got = want("unitA", "due_soon_nodes")
	if it := got["due_soon_nodes"]; it.Count != june-1 || it.DueAt == nil || !it.DueAt.Equal(time.Date(2019, 7, 2, 0, 0, 0, 0, shanghai)) || it.Link != "#/exec/gjz/pending" {
		t.Fatalf("due-soon line %+v, want %d nodes due at the end of July 1 (June 30 is a Sunday)", it, june-1)
	}
	if it := want("office", "review_nodes")["review_nodes"]; it.Count != 1 || it.Link != "#/reviews" {
		t.Fatalf("review line %+v", it)
	}

	// July 10: the other June nodes are overdue, the rejected one must be
	// sent again, June's member count is owed by its due day, and the
	// leader sees gjz at risk.
	at(7, 3, 10)
	e.mustDo("POST", fmt.Sprintf("/api/v1/nodes/%d/review", ns[0].ID), "office", map[string]any{"verdict": "reject", "comment": "缺签到表"}, 200)
	got = want("unitA", "rejected_nodes", "overdue_nodes", "monthly_count")
	if it := got["overdue_nodes"]; it.Count != june-1 || it.Link != "#/exec/gjz/overdue" {
		t.Fatalf("overdue line %+v, want %d", it, june-1)
	}
	if it := got["rejected_nodes"]; it.Count != 1 {
		t.Fatalf("rejected line %+v", it)
	}
	if it := got["monthly_count"]; it.DueAt == nil || it.Link != "#/monthly/2019-06" || !strings.Contains(it.Title, "6月") {
		t.Fatalf("monthly line %+v", it)
	}
	want("office", "units_at_risk")
	if it := want("viewer", "units_at_risk")["units_at_risk"]; it.Count != 1 || it.Link != "#/dashboard" {
		t.Fatalf("risk line %+v", it)
	}
	// The unit reports June's count: that line goes; zs, which never took
	// part, still owes it, and once its due day passes it is overdue.
	e.mustDo("PUT", "/api/v1/plans/2019/units/gjz/monthly/2019-06", "unitA", map[string]any{"count": 1200}, 200)
	want("unitA", "rejected_nodes", "overdue_nodes")
	at(7, 20, 10)
	if it := want("unitB", "submit_tables", "monthly_overdue")["monthly_overdue"]; it.Count != 1 {
		t.Fatalf("monthly overdue line %+v", it)
	}
	if status, _ := e.do("GET", "/api/v1/todo?year=2018", "unitA", nil); status != 404 {
		t.Fatalf("a year without a plan: %d", status)
	}
}

// TestReviewBatchAllOrNothing: a batch with one bad item records nothing
// and names every fault at its item; the corrected batch records every
// review in one go.
func TestReviewBatchAllOrNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	ns := e.executing()
	pdf := evidenceFixture(t, "会议纪要.pdf")
	for _, n := range ns[:3] {
		if status, out := e.upload(n.ID, "unitA", "", upFile{"a.pdf", pdf}); status != 201 {
			t.Fatalf("upload: %d %s", status, out)
		}
	}
	full := func(n nodeJSON) map[string]any {
		return map[string]any{"node": n.ID, "verdict": "accept", "points": n.Points}
	}
	batch := "/api/v1/plans/2019/reviews/batch"
	bad := []map[string]any{
		full(ns[0]),
		{"node": ns[1].ID, "verdict": "accept", "points": ns[1].Points + 1},
		{"node": ns[2].ID, "verdict": "reject"},
		{"node": ns[3].ID, "verdict": "accept", "points": 1},
		full(ns[0]),
		{"node": 999999, "verdict": "accept", "points": 1},
		{"node": ns[2].ID + 0, "verdict": "accept", "points": 0.25},
	}
	status, out := e.do("POST", batch, "office", map[string]any{"items": bad})
	if status != 422 {
		t.Fatalf("bad batch: %d %s", status, out)
	}
	paths := map[string]bool{}
	for _, v := range decodeError(t, out).Error.Details {
		paths[v.Path] = true
	}
	for _, p := range []string{"items[1].points", "items[2].comment", "items[3].node", "items[4].node", "items[5].node"} {
		if !paths[p] {
			t.Errorf("no violation at %s: %v", p, paths)
		}
	}
	if paths["items[0].node"] || paths["items[0].points"] {
		t.Errorf("the good item is blamed: %v", paths)
	}
	for _, n := range ns[:3] {
		if got := e.node(n.ID, "office"); got.State != "reported" || len(got.Reviews) != 0 {
			t.Fatalf("a refused batch reviewed node %d: %s, %d reviews", n.ID, got.State, len(got.Reviews))
		}
	}
	// A malformed score is located too, and nothing is recorded.
	status, out = e.do("POST", batch, "office", []byte(fmt.Sprintf(`{"items":[{"node":%d,"verdict":"accept","points":1e400}]}`, ns[0].ID)))
	if status != 422 || decodeError(t, out).Error.Details[0].Path != "items[0].points" {
		t.Fatalf("malformed points: %d %s", status, out)
	}

	good := []map[string]any{full(ns[0]), full(ns[1]), {"node": ns[2].ID, "verdict": "reject", "comment": "缺签到表"}}
	var done []nodeJSON
	e.mustDecode("POST", batch, "office", map[string]any{"items": good}, 200, &done)
	if len(done) != 3 || done[0].State != "accepted" || done[2].State != "rejected" || done[0].EvidenceCount != 1 {
		t.Fatalf("batch result %+v", done)
	}
	for i, n := range ns[:2] {
		if got := e.node(n.ID, "office"); got.Awarded == nil || *got.Awarded != n.Points {
			t.Fatalf("node %d awarded %v, want %v", i, got.Awarded, n.Points)
		}
	}
	// The same batch again: nothing is reported any more.
	if status, _ := e.do("POST", batch, "office", map[string]any{"items": good}); status != 422 {
		t.Fatalf("a second run of the batch: %d", status)
	}
	for _, body := range []any{map[string]any{"items": []any{}}, map[string]any{"items": good, "extra": 1}} {
		if status, _ := e.do("POST", batch, "office", body); status != 422 && status != 400 {
			t.Fatalf("batch %v: %d", body, status)
		}
	}
}

// TestReviewQueueCarriesFilesAndFilters: the queue lists each node with its
// files, and narrows by unit, checkpoint and indicator.
func TestReviewQueueCarriesFilesAndFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	ns := e.executing()
	pdf, png := evidenceFixture(t, "会议纪要.pdf"), evidenceFixture(t, "活动照片.png")
	if status, out := e.upload(ns[0].ID, "unitA", "", upFile{"a.pdf", pdf}, upFile{"b.png", png}); status != 201 {
		t.Fatalf("upload: %d %s", status, out)
	}
	var sept nodeJSON
	for _, n := range ns {
		if n.Due == "2019-09-30" && n.Indicator != ns[0].Indicator {
			sept = n
			break
		}
	}
	if status, out := e.upload(sept.ID, "unitA", "", upFile{"c.pdf", pdf}); status != 201 {
		t.Fatalf("upload: %d %s", status, out)
	}
	queue := func(q string) []nodeJSON {
		var out []nodeJSON
		e.mustDecode("GET", "/api/v1/plans/2019/reviews"+q, "office", nil, 200, &out)
		return out
	}
	all := queue("")
	if len(all) != 2 || len(all[0].Evidence) != 2 || all[0].Evidence[1].Name != "b.png" || len(all[1].Evidence) != 1 {
		t.Fatalf("queue %+v", all)
	}
	for q, want := range map[string]int{
		"?unit=gjz": 2, "?unit=zs": 0, "?checkpoint=2019-09-30": 1, "?checkpoint=" + ns[0].Due: 1,
		"?indicator=" + ns[0].Indicator: 1, "?indicator=B13&checkpoint=2019-09-30": 0,
	} {
		if got := queue(q); len(got) != want {
			t.Errorf("queue%s: %d nodes, want %d", q, len(got), want)
		}
	}
	if status, _ := e.do("GET", "/api/v1/plans/2019/reviews?checkpoint=june", "office", nil); status != 400 {
		t.Fatalf("bad checkpoint: %d", status)
	}
}

// TestEvidenceInlineAndZip: PDFs and images are shown inline under a
// sandbox, other files always download; a unit's or a checkpoint's
// evidence comes as one archive with every file whole.
func TestEvidenceInlineAndZip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	ns := e.executing()
	pdf, docx := evidenceFixture(t, "会议纪要.pdf"), evidenceFixture(t, "工作总结.docx")
	if status, out := e.upload(ns[0].ID, "unitA", "", upFile{"会议纪要.pdf", pdf}, upFile{"工作总结.docx", docx}, upFile{"会议纪要.pdf", pdf}); status != 201 {
		t.Fatalf("upload: %d %s", status, out)
	}
	files := e.node(ns[0].ID, "office").Evidence

	status, h, body := e.raw("GET", fmt.Sprintf("/api/v1/evidence/%d?inline=1", files[0].ID), "office", "", nil)
	if status != 200 || !bytes.Equal(body, pdf) || h.Get("Content-Type") != "application/pdf" {
		t.Fatalf("inline PDF: %d %s", status, h)
	}
	if cd := h.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline;") || !strings.Contains(cd, "filename*=UTF-8''%E4%BC%9A") {
		t.Fatalf("inline disposition %q", cd)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'self'") {
		t.Fatalf("inline CSP %q", csp)
	}
	status, h, _ = e.raw("GET", fmt.Sprintf("/api/v1/evidence/%d?inline=1", files[1].ID), "office", "", nil)
	// A download keeps the API's policy (securityHeaders), not the
	// inline sandbox that lets a page frame it.
	if status != 200 || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
		t.Fatalf("a Word file asked inline: %d %s", status, h)
	}
	status, h, _ = e.raw("GET", fmt.Sprintf("/api/v1/evidence/%d", files[0].ID), "office", "", nil)
	if status != 200 || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("plain download: %d %s", status, h)
	}

	for _, q := range []string{"?unit=gjz", "?checkpoint=" + ns[0].Due, "?unit=gjz&checkpoint=" + ns[0].Due} {
		status, h, body = e.raw("GET", "/api/v1/plans/2019/evidence.zip"+q, "viewer", "", nil)
		if status != 200 || h.Get("Content-Type") != "application/zip" || !strings.Contains(h.Get("Content-Disposition"), ".zip") {
			t.Fatalf("zip%s: %d %s %s", q, status, h, body)
		}
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if want := pdf; strings.HasSuffix(f.Name, ".docx") && !bytes.Equal(b, docx) || strings.HasSuffix(f.Name, ".pdf") && !bytes.Equal(b, want) {
				t.Fatalf("%s differs from the upload", f.Name)
			}
		}
		if len(names) != 3 || !strings.HasPrefix(names[0], "甘井子区总工会/") || names[0] == names[2] {
			t.Fatalf("zip%s holds %v", q, names)
		}
	}
	status, _, body = e.raw("GET", "/api/v1/plans/2019/evidence.zip?checkpoint=2019-09-30", "office", "", nil)
	if zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body))); status != 200 || err != nil || len(zr.File) != 0 {
		t.Fatalf("an empty checkpoint: %d %v", status, err)
	}
	if status, _, _ := e.raw("GET", "/api/v1/plans/2019/evidence.zip", "office", "", nil); status != 400 {
		t.Fatalf("no unit and no checkpoint: %d", status)
	}
}

// TestWorkplaceEndpointsForEveryRole runs each route of the workplace as
// each role.
func TestWorkplaceEndpointsForEveryRole(t *testing.T) {
	t.Parallel()
	roles := []string{"", "office", "unitA", "unitB", "viewer"}
	reported := func(e *env) nodeJSON {
		ns := e.executing()
		if status, out := e.upload(ns[0].ID, "unitA", "", upFile{"a.pdf", evidenceFixture(e.t, "会议纪要.pdf")}); status != 201 {
			e.t.Fatalf("upload: %d %s", status, out)
		}
		return e.node(ns[0].ID, "unitA")
	}
	tests := []struct {
		name string
		prep func(e *env) (string, string, any)
		want [5]int // anonymous, office, unitA (gjz), unitB (zs), viewer
	}{
		{"to-do list", func(e *env) (string, string, any) { return "GET", "/api/v1/todo", nil }, [5]int{401, 200, 200, 200, 200}},
		{"batch review", func(e *env) (string, string, any) {
			n := reported(e)
			return "POST", "/api/v1/plans/2019/reviews/batch", map[string]any{"items": []map[string]any{{"node": n.ID, "verdict": "accept", "points": n.Points}}}
		}, [5]int{401, 200, 403, 403, 403}},
		{"inline evidence", func(e *env) (string, string, any) {
			return "GET", fmt.Sprintf("/api/v1/evidence/%d?inline=1", reported(e).Evidence[0].ID), nil
		}, [5]int{401, 200, 200, 404, 200}},
		{"a unit's evidence as a zip", func(e *env) (string, string, any) {
			reported(e)
			return "GET", "/api/v1/plans/2019/evidence.zip?unit=gjz", nil
		}, [5]int{401, 200, 200, 404, 200}},
		{"a checkpoint's evidence as a zip", func(e *env) (string, string, any) {
			reported(e)
			return "GET", "/api/v1/plans/2019/evidence.zip?checkpoint=2019-06-30", nil
		}, [5]int{401, 200, 200, 200, 200}},
		{"filtered review queue", func(e *env) (string, string, any) {
			reported(e)
			return "GET", "/api/v1/plans/2019/reviews?unit=gjz&checkpoint=2019-06-30&indicator=P1", nil
		}, [5]int{401, 200, 403, 403, 200}},
	}
	for _, tt := range tests {
		for i, role := range roles {
			name := roleName(role)
			t.Run(tt.name+" as "+name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, "sqlite")
				method, path, body := tt.prep(e)
				status, out := e.do(method, path, role, body)
				if status != tt.want[i] {
					t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, tt.want[i], out)
				}
				if status >= 400 {
					decodeError(t, out)
				}
			})
		}
	}
}

// TestTodoCountsObjections: an objection to the published result is on the
// office's to-do list until it is answered.
func TestTodoCountsObjections(t *testing.T) {
	t.Parallel()
	e := contestEnv(t, "published")
	it, ok := e.todo("office")["objections"]
	if !ok || it.Count != 1 || it.Link != "#/objections" {
		t.Fatalf("the office's objections line: %+v (listed %v)", it, ok)
	}
	if _, ok := e.todo("unitA")["objections"]; ok {
		t.Fatal("a unit is asked to answer objections")
	}
}
