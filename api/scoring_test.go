package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/sheets"
	"kaohe/internal/testenv"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// scoringRows writes the year's execution records of scoringEnv through
// the store: every node of gjz's released tables accepted at its full
// points, reported on time, and every monthly count reported on its due
// day; the tests then move single nodes to other states.
type scoringRows struct{ e *env }

// acceptAll accepts every node and reports every month on time.
func (r scoringRows) acceptAll() {
	r.e.t.Helper()
	r.update(func(tx service.Tx, p *workflow.Plan) error {
		ns, err := tx.Nodes(service.NodeFilter{Year: 2019, Unit: "gjz"})
		if err != nil {
			return err
		}
		for _, n := range ns {
			if err := setNode(tx, p, n, workflow.NodeAccepted); err != nil {
				return err
			}
		}
		for _, m := range p.Months() {
			at := p.MonthDue(m).In(p.Location())
			if err := tx.PutMonthlyReport(&workflow.MonthlyReport{Year: 2019, Unit: "gjz", Month: m, Count: 100, ReportedAt: at, FirstReportedAt: at, By: "gjz", Source: workflow.SourceAPI}); err != nil {
				return err
			}
		}
		return nil
	})
}

// set puts gjz's node at path ("business[2].works[0].nodes[0]") in state:
// pending (never reported), reported on time and waiting for review, or
// accepted at full points.
func (r scoringRows) set(path string, state workflow.NodeState) {
	r.e.t.Helper()
	r.update(func(tx service.Tx, p *workflow.Plan) error {
		ns, err := tx.Nodes(service.NodeFilter{Year: 2019, Unit: "gjz"})
		if err != nil {
			return err
		}
		for _, n := range ns {
			f := workflow.NodeFact{Category: n.Category, ItemIndex: n.ItemIndex, WorkIndex: n.WorkIndex, NodeIndex: n.NodeIndex}
			if f.Path() == path {
				return setNode(tx, p, n, state)
			}
		}
		return fmt.Errorf("gjz has no node %s", path)
	})
}

func (r scoringRows) update(fn func(tx service.Tx, p *workflow.Plan) error) {
	r.e.t.Helper()
	err := r.e.app.Store.Update(r.e.t.Context(), func(tx service.Tx) error {
		p, err := tx.Plan(2019)
		if err != nil {
			return err
		}
		return fn(tx, p)
	})
	if err != nil {
		r.e.t.Fatal(err)
	}
}

func setNode(tx service.Tx, p *workflow.Plan, n workflow.NodeRecord, state workflow.NodeState) error {
	prev := n.Version
	n.State, n.Version, n.Late, n.Awarded, n.ReportedAt, n.ReviewedAt = state, n.Version+1, false, 0, nil, nil
	if state != workflow.NodePending {
		at := n.DueAt(p).Add(-time.Hour)
		n.ReportedAt = &at
	}
	if state == workflow.NodeAccepted {
		at := n.DueAt(p)
		n.Awarded, n.ReviewedAt = n.Points, &at
	}
	return tx.UpdateNode(&n, prev)
}

type runView struct {
	ID           int64                 `json:"id"`
	CreatedAt    time.Time             `json:"created_at"`
	Published    bool                  `json:"published"`
	InputsDigest string                `json:"inputs_digest"`
	Results      []workflow.UnitResult `json:"results"`
}

const runsPath = "/api/v1/plans/2019/scoring-runs"

// scoringEnv is gjz executing with the fixture (innovation item 1
// certified, item 2 not) with every node accepted and every month reported
// on time, zs with nothing, and the clock at the plan's scoring time.
func scoringEnv(t *testing.T, backend string) (*env, scoringRows) {
	t.Helper()
	e := newEnv(t, backend)
	e.clock.Set(time.Date(2019, 6, 13, 10, 0, 0, 0, shanghai))
	e.toState("executing")
	rows := scoringRows{e}
	rows.acceptAll()
	e.clock.Set(time.Date(2019, 12, 20, 9, 0, 0, 0, shanghai))
	return e, rows
}

func resultsJSON(t *testing.T, r runView) string {
	t.Helper()
	b, err := json.Marshal(r.Results)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestScoringRunPublishAndResults walks the year end as the office does:
// a manual deduction, two runs that agree byte for byte, a publication
// refused while a node waits for review, then published, after which
// nothing about the year's result can change; units see their own result
// only.
func TestScoringRunPublishAndResults(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e, facts := scoringEnv(t, backend)
			doc := validDoc(t)
			b3 := doc["business"].([]any)[2].(map[string]any)["works"].([]any)[0].(map[string]any)["nodes"].([]any)[0].(map[string]any)
			b3Points, _ := workflow.ParsePoints(jsonNumber(b3["points"]))
			facts.set("business[2].works[0].nodes[0]", workflow.NodePending)

			// Manual deductions: office only; bad input is refused whole.
			dedPath := "/api/v1/plans/2019/units/gjz/deductions"
			status, out := e.do("POST", dedPath, "office", map[string]any{"points": 0, "reason": " ", "rule": "乱扣"})
			if status != 422 || len(decodeError(t, out).Error.Details) != 3 {
				t.Fatalf("bad deduction: %d %s", status, out)
			}
			e.mustDo("POST", dedPath, "unitA", map[string]any{"points": 2, "reason": "自评", "rule": "其他"}, 403)
			var ded workflow.ManualDeduction
			e.mustDecode("POST", dedPath, "office", map[string]any{"points": 2, "reason": "B3完成标准不严", "rule": "质量不高"}, 201, &ded)
			var removed workflow.ManualDeduction
			e.mustDecode("POST", dedPath, "office", map[string]any{"points": 1.5, "reason": "录入错误", "rule": "其他"}, 201, &removed)
			e.mustDo("DELETE", dedPath+"/"+itoa(removed.ID), "office", nil, 204)
			e.mustDo("DELETE", dedPath+"/"+itoa(removed.ID), "office", nil, 404)
			var list []workflow.ManualDeduction
			e.mustDecode("GET", dedPath, "viewer", nil, 200, &list)
			if len(list) != 1 || list[0].ID != ded.ID || list[0].Points != 200 || list[0].Rule != "质量不高" {
				t.Fatalf("deductions %+v", list)
			}
			e.mustDo("GET", dedPath, "unitB", nil, 404)
			var audit []workflow.AuditEntry
			e.mustDecode("GET", "/api/v1/audit?unit=gjz", "office", nil, 200, &audit)
			if !hasAudit(audit, "deduction.add") || !hasAudit(audit, "deduction.delete") {
				t.Fatalf("deductions not audited: %+v", audit)
			}

			// Two runs on the same data agree byte for byte.
			e.mustDo("POST", runsPath, "unitA", nil, 403)
			var run1, run2 runView
			e.mustDecode("POST", runsPath, "office", nil, 201, &run1)
			e.clock.Advance(time.Hour)
			e.mustDecode("POST", runsPath, "office", nil, 201, &run2)
			if resultsJSON(t, run1) != resultsJSON(t, run2) || run1.InputsDigest != run2.InputsDigest || run1.ID == run2.ID {
				t.Fatalf("two runs differ:\n%s\n%s", resultsJSON(t, run1), resultsJSON(t, run2))
			}

			// gjz: 100 party, 100 business less the missing B3 node, 3 for
			// its certified innovation item, less 1 (missing node) and 2
			// (manual).
			gjz, zs := run1.Results[0], run1.Results[1]
			wantTotal := 20000 - b3Points + 300 - 100 - 200
			if gjz.Unit != "gjz" || gjz.Rank != 1 || gjz.Party != 10000 || gjz.Business != 10000-b3Points || gjz.Innovation != 300 || gjz.Total != wantTotal {
				t.Fatalf("gjz %+v, want total %s", gjz, wantTotal)
			}
			if len(gjz.Deductions) != 2 || gjz.Deductions[0].Rule != "missing_node" || gjz.Deductions[0].Ref != "business[2].works[0].nodes[0]" ||
				gjz.Deductions[1].Rule != "质量不高" || gjz.Deductions[1].Ref != "deduction:"+itoa(ded.ID) {
				t.Fatalf("gjz deductions %+v", gjz.Deductions)
			}
			if zs.Unit != "zs" || zs.Rank != 0 || zs.Grade != "" || zs.Total != 0 || zs.Reason == "" || zs.State != "none" {
				t.Fatalf("zs %+v", zs)
			}

			// Before publication nobody reads a result; units never read runs.
			e.mustDo("GET", "/api/v1/plans/2019/units/gjz/result", "unitA", nil, 404)
			e.mustDo("GET", "/api/v1/plans/2019/units/gjz/result", "office", nil, 404)
			e.mustDo("GET", runsPath+"/"+itoa(run1.ID), "unitA", nil, 403)
			e.mustDo("GET", runsPath+"/"+itoa(run1.ID), "viewer", nil, 200)
			var runs []runView
			e.mustDecode("GET", runsPath, "office", nil, 200, &runs)
			if len(runs) != 2 || runs[0].ID != run2.ID || runs[0].Results != nil {
				t.Fatalf("runs %+v", runs)
			}

			// Publication waits for every reported node to be reviewed.
			facts.set("party[1].works[0].nodes[1]", workflow.NodeReported)
			status, out = e.do("POST", runsPath+"/"+itoa(run2.ID)+"/publish", "office", nil)
			apiErr := decodeError(t, out)
			if status != 409 || len(apiErr.Error.Details) != 1 || apiErr.Error.Details[0].Path != "gjz:party[1].works[0].nodes[1]" {
				t.Fatalf("publish with a node unreviewed: %d %s", status, out)
			}
			if e.sub("gjz").State != "executing" {
				t.Fatal("a refused publication changed the submission")
			}
			facts.set("party[1].works[0].nodes[1]", workflow.NodeAccepted)

			e.mustDo("POST", runsPath+"/"+itoa(run2.ID)+"/publish", "viewer", nil, 403)
			var pub runView
			e.mustDecode("POST", runsPath+"/"+itoa(run2.ID)+"/publish", "office", nil, 200, &pub)
			if !pub.Published || resultsJSON(t, pub) != resultsJSON(t, run2) {
				t.Fatalf("published %+v", pub)
			}
			if st := e.sub("gjz").State; st != "scored" {
				t.Fatalf("gjz is %s after publication, want scored", st)
			}

			// A published run can't change, and no other run can be published.
			status, out = e.do("POST", runsPath+"/"+itoa(run2.ID)+"/publish", "office", nil)
			if status != 409 || decodeError(t, out).Error.Code != "wrong_state" {
				t.Fatalf("publish twice: %d %s", status, out)
			}
			status, out = e.do("POST", runsPath+"/"+itoa(run1.ID)+"/publish", "office", nil)
			if status != 409 || decodeError(t, out).Error.Code != "conflict" {
				t.Fatalf("publish a second run: %d %s", status, out)
			}
			status, out = e.do("POST", dedPath, "office", map[string]any{"points": 1, "reason": "事后", "rule": "其他"})
			if status != 409 || decodeError(t, out).Error.Code != "wrong_state" {
				t.Fatalf("deduction after publication: %d %s", status, out)
			}
			e.mustDo("DELETE", dedPath+"/"+itoa(ded.ID), "office", nil, 409)
			var again runView
			e.mustDecode("GET", runsPath+"/"+itoa(run2.ID), "office", nil, 200, &again)
			if resultsJSON(t, again) != resultsJSON(t, run2) || !again.Published {
				t.Fatal("the published run changed")
			}
			// A later run on the unchanged data (gjz now scored) agrees.
			var later runView
			e.mustDecode("POST", runsPath, "office", nil, 201, &later)
			if later.InputsDigest != run2.InputsDigest || resultsJSON(t, later) != resultsJSON(t, run2) {
				t.Fatal("a run after publication differs from the published one")
			}

			// Units see their own published result, and only theirs.
			var mine workflow.UnitResult
			e.mustDecode("GET", "/api/v1/plans/2019/units/gjz/result", "unitA", nil, 200, &mine)
			if mine.Total != wantTotal || len(mine.Deductions) != 2 || len(mine.Indicators) != 18 || len(mine.Items) != 2 {
				t.Fatalf("gjz's own result %+v", mine)
			}
			e.mustDo("GET", "/api/v1/plans/2019/units/gjz/result", "unitB", nil, 404)
			var theirs workflow.UnitResult
			e.mustDecode("GET", "/api/v1/plans/2019/units/zs/result", "unitB", nil, 200, &theirs)
			if theirs.Total != 0 || theirs.Reason == "" {
				t.Fatalf("zs's own result %+v", theirs)
			}
		})
	}
}

// TestPublishRefusesAStaleRun: a run computed before the data changed
// cannot be published; the office must run again.
func TestPublishRefusesAStaleRun(t *testing.T) {
	t.Parallel()
	e, _ := scoringEnv(t, "sqlite")
	var run runView
	e.mustDecode("POST", runsPath, "office", nil, 201, &run)
	e.mustDo("POST", "/api/v1/plans/2019/units/gjz/deductions", "office", map[string]any{"points": 1, "reason": "瞒报进度", "rule": "瞒报"}, 201)
	status, out := e.do("POST", runsPath+"/"+itoa(run.ID)+"/publish", "office", nil)
	if status != 409 || decodeError(t, out).Error.Code != "stale_version" {
		t.Fatalf("publish a stale run: %d %s", status, out)
	}
	if e.sub("gjz").State != "executing" {
		t.Fatal("a refused publication changed the submission")
	}
	e.mustDo("GET", runsPath+"/999", "office", nil, 404)
	e.mustDo("GET", runsPath+"/x", "office", nil, 404)
}

func hasAudit(es []workflow.AuditEntry, action string) bool {
	for _, a := range es {
		if a.Action == action {
			return true
		}
	}
	return false
}

func itoa(i int64) string { return strings.TrimSpace(jsonNumber(i)) }

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestRankingExports: the ranking workbook opens in LibreOffice and the
// numbers in it, and in the CSV, are the API's.
func TestRankingExports(t *testing.T) {
	t.Parallel()
	e, facts := scoringEnv(t, "sqlite")
	facts.set("party[0].works[0].nodes[1]", workflow.NodePending)
	e.mustDo("POST", "/api/v1/plans/2019/units/gjz/deductions", "office", map[string]any{"points": 0.75, "reason": "标准不严", "rule": "标准不严"}, 201)
	var run runView
	e.mustDecode("POST", runsPath, "office", nil, 201, &run)

	status, xlsx := e.do("GET", runsPath+"/"+itoa(run.ID)+"/export.xlsx", "office", nil)
	if status != 200 {
		t.Fatalf("export.xlsx: %d %s", status, xlsx)
	}
	lines, err := sheets.ReadRanking(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != len(run.Results) {
		t.Fatalf("%d ranking rows, want %d", len(lines), len(run.Results))
	}
	for i, l := range lines {
		r := run.Results[i]
		if l.Unit != r.Unit || l.Rank != r.Rank || l.Party != r.Party || l.Business != r.Business || l.Innovation != r.Innovation ||
			l.Deductions != r.DeductionTotal || l.Total != r.Total || l.Grade != r.Grade || l.Name != r.Name {
			t.Errorf("row %d: %+v, API %+v", i, l, r)
		}
	}

	status, csvBody := e.do("GET", runsPath+"/"+itoa(run.ID)+"/export.csv", "viewer", nil)
	if status != 200 || !bytes.HasPrefix(csvBody, []byte("\xEF\xBB\xBF名次,单位代码,单位")) {
		t.Fatalf("export.csv: %d %q", status, csvBody[:min(40, len(csvBody))])
	}
	csvLines := strings.Split(strings.TrimSpace(string(csvBody)), "\r\n")
	gjz := run.Results[0]
	want := strings.Join([]string{"1", "gjz", "甘井子区总工会", gjz.Party.Fixed(), gjz.Business.Fixed(), gjz.Innovation.Fixed(), gjz.DeductionTotal.Fixed(), gjz.Total.Fixed(), gjz.Grade, ""}, ",")
	if len(csvLines) != 3 || csvLines[1] != want {
		t.Fatalf("csv line %q, want %q", csvLines[1], want)
	}
	e.mustDo("GET", runsPath+"/"+itoa(run.ID)+"/export.xlsx", "unitA", nil, 403)

	// LibreOffice opens it: as a PDF, and as the CSV LibreOffice itself
	// reads from the ranking sheet, whose scores equal the API's.
	soffice := testenv.LibreOffice(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "ranking.xlsx")
	if err := os.WriteFile(src, xlsx, 0o600); err != nil {
		t.Fatal(err)
	}
	profile := "-env:UserInstallation=file://" + filepath.Join(dir, "profile")
	for _, to := range []string{"pdf", "csv:Text - txt - csv (StarCalc):44,34,76,1"} {
		cmd := exec.CommandContext(t.Context(), soffice, profile, "--headless", "--convert-to", to, "--outdir", dir, src)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("libreoffice --convert-to %s: %v\n%s", to, err, out)
		}
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "ranking.pdf"))
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 1000 {
		t.Fatalf("LibreOffice made no PDF of the ranking: %v (%d bytes)", err, len(pdf))
	}
	loCSV, err := os.ReadFile(filepath.Join(dir, "ranking.csv"))
	if err != nil {
		t.Fatal(err)
	}
	loRows, err := csv.NewReader(bytes.NewReader(loCSV)).ReadAll()
	if err != nil {
		t.Fatalf("LibreOffice's CSV: %v\n%s", err, loCSV)
	}
	// The units that took no part follow under a line of their own,
	// without rank, scores or grade.
	var rows []string
	apart := false
	for _, r := range run.Results {
		if r.Rank == 0 {
			if !apart {
				rows = append(rows, "以下单位指标表未下发执行，不参加计分和排名,,,,,,,,")
				apart = true
			}
			rows = append(rows, strings.Join([]string{"", r.Unit, r.Name, "", "", "", "", "", ""}, ","))
			continue
		}
		rows = append(rows, strings.Join([]string{itoa(int64(r.Rank)), r.Unit, r.Name, r.Party.Fixed(), r.Business.Fixed(), r.Innovation.Fixed(), r.DeductionTotal.Fixed(), r.Total.Fixed(), r.Grade}, ","))
	}
	if !apart || len(loRows) != 2+len(rows) {
		t.Fatalf("LibreOffice read %d rows: %q", len(loRows), loRows)
	}
	for i, w := range rows {
		if got := strings.Join(loRows[2+i][:9], ","); got != w {
			t.Errorf("LibreOffice row %d: %q, API %q", i, got, w)
		}
	}
	// Printed: A4 landscape, every sheet one page wide (the ranking and
	// each unit's breakdown on a page of its own).
	pages := pdfPages(t, filepath.Join(dir, "ranking.pdf"))
	if len(pages) != 1+len(run.Results) {
		t.Errorf("the ranking workbook prints on %d pages, want %d", len(pages), 1+len(run.Results))
	}
	for i, pg := range pages {
		if pg != "842 x 595" {
			t.Errorf("page %d is %s pt, want A4 landscape (842 x 595)", i+1, pg)
		}
	}
}

// pdfPages returns the size of each page of a PDF ("842 x 595", in points,
// width first) as pdfinfo reads it.
func pdfPages(t *testing.T, file string) []string {
	t.Helper()
	pdfinfo, err := exec.LookPath("pdfinfo")
	if err != nil {
		t.Fatal("pdfinfo not found (apt-get install -y poppler-utils)")
	}
	out, err := exec.CommandContext(t.Context(), pdfinfo, "-f", "1", "-l", "1000", file).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	var sizes []string
	for _, line := range strings.Split(string(out), "\n") {
		// "Page    1 size: 841.89 x 595.276 pts (A4) (rotated 0 degrees)"
		f := strings.Fields(line)
		if len(f) >= 7 && f[0] == "Page" && f[2] == "size:" {
			w, _ := strconv.ParseFloat(f[3], 64)
			h, _ := strconv.ParseFloat(f[5], 64)
			sizes = append(sizes, fmt.Sprintf("%.0f x %.0f", w, h))
		}
	}
	return sizes
}

// TestSubmissionExcelRoundTrip: a unit's tables exported in the annex
// layout and imported into another unit's new draft give the same
// document; a broken workbook imports nothing.
func TestSubmissionExcelRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	e.draft()
	xlsx := e.mustDo("GET", subPath+"/export.xlsx", "unitA", nil, 200)
	e.mustDo("GET", subPath+"/export.xlsx", "unitB", nil, 404)

	zsPath := "/api/v1/plans/2019/units/zs/submission"
	// Another unit's draft is out of reach, even by import.
	status, _ := e.do("POST", zsPath+"/import?version=0", "unitA", xlsx)
	if status != 404 {
		t.Fatalf("import into another unit: %d", status)
	}
	e.mustDo("POST", zsPath+"/import", "unitB", xlsx, 400) // no version

	// A broken row: nothing is imported.
	f := brokenCopy(t, xlsx)
	status, out := e.do("POST", zsPath+"/import?version=0", "unitB", f)
	if status != 422 || !strings.Contains(decodeError(t, out).Error.Details[0].Path, sheets.BusinessSheet+"!") {
		t.Fatalf("broken import: %d %s", status, out)
	}
	e.mustDo("GET", zsPath, "unitB", nil, 404)

	e.mustDo("POST", zsPath+"/import?version=0", "unitB", xlsx, 201)
	var a, b struct {
		workflow.Document
	}
	e.mustDecode("GET", subPath, "office", nil, 200, &a)
	e.mustDecode("GET", zsPath, "office", nil, 200, &b)
	if jsonNumber(a.Document) != jsonNumber(b.Document) {
		t.Fatalf("imported document differs:\n%s\n%s", jsonNumber(a.Document), jsonNumber(b.Document))
	}
	// The imported draft is the valid fixture: it validates.
	e.mustDo("POST", zsPath+"/validate", "unitB", nil, 200)
}

// brokenCopy returns the workbook with one business node cell unreadable.
func brokenCopy(t *testing.T, xlsx []byte) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.SetCellStr(sheets.BusinessSheet, "D4", "节点1 六月底前完成"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
