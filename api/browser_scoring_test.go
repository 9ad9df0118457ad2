package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"kaohe/internal/sheets"
	"kaohe/workflow"
)

// The year-end scoring pages in headless Chromium: the office records a
// manual deduction, runs scoring, reads the ranking and a unit's breakdown,
// is told which node still waits for review, publishes and downloads the
// ranking; the unit reads its own result and nobody else's; a leader reads
// the published ranking; a unit exports its tables to Excel and imports
// them back into a returned submission.

// twoDecimals writes points as the pages and the ranking files show them.
func twoDecimals(p workflow.Points) string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return fmt.Sprintf("%s%d.%02d", sign, int64(p)/100, int64(p)%100)
}

// reviewedYear drives gjz to executing, reports every node on time through
// the API (June 20, before the first checkpoint) and has the office accept
// each with its full points, except the first node of B7, which stays
// reported and unreviewed; it returns that node. The clock ends at the
// plan's scoring time.
func (e *env) reviewedYear() nodeJSON {
	e.t.Helper()
	nodes := e.executing()
	e.clock.Set(time.Date(2019, 6, 20, 10, 0, 0, 0, shanghai))
	pdf := pdfOfSize(e.t, 2048)
	for _, n := range nodes {
		if status, out := e.upload(n.ID, "unitA", "", upFile{"完成情况.pdf", pdf}); status != 201 && status != 200 {
			e.t.Fatalf("upload node %d: %d %s", n.ID, status, out)
		}
	}
	e.clock.Set(time.Date(2019, 12, 10, 9, 0, 0, 0, shanghai))
	var pending nodeJSON
	for _, n := range nodes {
		if pending.ID == 0 && n.Indicator == "B7" {
			pending = n
			continue
		}
		e.mustDo("POST", fmt.Sprintf("/api/v1/nodes/%d/review", n.ID), "office", map[string]any{"verdict": "accept", "points": n.Points}, 200)
	}
	if pending.ID == 0 {
		e.t.Fatal("the fixture has no B7 node")
	}
	e.clock.Set(time.Date(2019, 12, 20, 9, 0, 0, 0, shanghai))
	return pending
}

// rankingRow is one row of the ranking as the page shows it.
type rankingRow struct {
	Unit, Rank, Party, Business, Innovation, Deductions, Total, Grade, Reason string
}

func (b *tab) ranking() []rankingRow {
	b.t.Helper()
	return evalJSON[[]rankingRow](b, `[...document.querySelectorAll('#ranking tr[data-unit]')].map(r => {
		const c = k => r.querySelector('[data-col="' + k + '"]').textContent.trim();
		return {Unit: r.dataset.unit, Rank: c('rank'), Party: c('party'), Business: c('business'), Innovation: c('innovation'),
			Deductions: c('deductions'), Total: c('total'), Grade: c('grade'), Reason: r.querySelector('.reason').textContent.trim()};
	})`)
}

// wantRanking checks the page's ranking against the run as the API returns it.
func wantRanking(t *testing.T, got []rankingRow, run runView) {
	t.Helper()
	if len(got) != len(run.Results) {
		t.Fatalf("the page ranks %d units, the run %d", len(got), len(run.Results))
	}
	for i, r := range run.Results {
		want := rankingRow{Unit: r.Unit, Rank: fmt.Sprint(r.Rank), Party: twoDecimals(r.Party), Business: twoDecimals(r.Business),
			Innovation: twoDecimals(r.Innovation), Deductions: twoDecimals(r.DeductionTotal), Total: twoDecimals(r.Total), Grade: r.Grade, Reason: r.Reason}
		if r.Rank == 0 { // took no part: listed apart, with its reason only
			want = rankingRow{Unit: r.Unit, Reason: r.Reason}
		}
		if got[i] != want {
			t.Errorf("ranking row %d:\n page %+v\n API  %+v", i, got[i], want)
		}
	}
}

// selectValue chooses an option of a select as a user does.
func (b *tab) selectValue(css, value string) {
	b.t.Helper()
	// One script finds the element, sets it and fires change, so that a
	// page re-rendering in between cannot leave a stale node behind.
	b.waitFor(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false;
		e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, css, value))
}

// runIDOfPage is the run the page shows (#/scoring/ID).
func (b *tab) runIDOfPage() int64 {
	b.t.Helper()
	b.waitFor(`/^#\/scoring\/\d+/.test(location.hash)`)
	return evalJSON[int64](b, `Number(location.hash.split('/')[2])`)
}

// TestBrowserScoring: the office's year end in the pages, checked against
// the API at every step.
func TestBrowserScoring(t *testing.T) {
	e := newEnv(t, "sqlite")
	pending := e.reviewedYear()
	deductionsPath := "/api/v1/plans/2019/units/gjz/deductions"
	var deductions []workflow.ManualDeduction

	office := e.browse()
	office.login("admin", "admin-password")
	form := "#deduction-form"

	t.Run("the office records a manual deduction; a bad one is refused at its field", func(t *testing.T) {
		office := office.as(t)
		office.click(`nav a[href="#/deductions"]`)
		office.waitFor(`document.querySelector('#unit-tabs a.current[data-unit="gjz"]') && document.querySelector('#deduction-form')`)
		office.selectValue(form+` select[name="rule"]`, "质量不高")
		office.typeInto(form+` input[name="points"]`, "300")
		office.typeInto(form+` textarea[name="reason"]`, "B5完成标准不严，未按要求整改")
		office.click(form + ` button[type="submit"]`)
		field := form + ` [data-path="points"] .vmsg.err`
		office.waitFor(fmt.Sprintf("document.querySelector(%q)", field))
		if msg := office.text(field); !strings.Contains(msg, "200") {
			t.Fatalf("the 422 at points reads %q", msg)
		}
		office.screenshot("scoring-deduction-422")
		if e.mustDecode("GET", deductionsPath, "office", nil, 200, &deductions); len(deductions) != 0 {
			t.Fatalf("a refused deduction was stored: %+v", deductions)
		}
		office.typeInto(form+` input[name="points"]`, "2")
		office.click(form + ` button[type="submit"]`)
		office.waitFor(`document.querySelectorAll('#deductions tr[data-deduction]').length === 1`)
		if row := office.text("#deductions tr[data-deduction]"); !strings.Contains(row, "B5完成标准不严") || !strings.Contains(row, "2.00") {
			t.Fatalf("the listed deduction reads %q", row)
		}
		e.mustDecode("GET", deductionsPath, "office", nil, 200, &deductions)
		if len(deductions) != 1 || deductions[0].Points != 2*workflow.Point || deductions[0].Rule != "质量不高" {
			t.Fatalf("stored deductions %+v", deductions)
		}
	})

	t.Run("a deduction is deleted only once the dialog is confirmed", func(t *testing.T) {
		office := office.as(t)
		office.selectValue(form+` select[name="rule"]`, "瞒报")
		office.typeInto(form+` input[name="points"]`, "1")
		office.typeInto(form+` textarea[name="reason"]`, "录错了的扣分")
		office.click(form + ` button[type="submit"]`)
		office.waitFor(`document.querySelectorAll('#deductions tr[data-deduction]').length === 2`)
		e.mustDecode("GET", deductionsPath, "office", nil, 200, &deductions)
		btn := fmt.Sprintf(`#deductions tr[data-deduction="%d"] button[data-action="del-deduction"]`, deductions[1].ID)
		office.click(btn)
		if got := office.text("#confirm-dialog"); !strings.Contains(got, "删除这项扣分") || !strings.Contains(got, "不再计入") {
			t.Fatalf("the dialog reads %q", got)
		}
		office.click("#confirm-cancel")
		office.waitFor(`!document.querySelector('#confirm-dialog')`)
		if e.mustDecode("GET", deductionsPath, "office", nil, 200, &deductions); len(deductions) != 2 {
			t.Fatalf("a cancelled dialog deleted: %d left", len(deductions))
		}
		office.click(btn)
		office.click("#confirm-ok")
		office.waitFor(`document.querySelectorAll('#deductions tr[data-deduction]').length === 1`)
		if e.mustDecode("GET", deductionsPath, "office", nil, 200, &deductions); len(deductions) != 1 || deductions[0].Rule != "质量不高" {
			t.Fatalf("after the delete: %+v", deductions)
		}
	})

	var trial runView
	t.Run("a trial run shows the API's ranking, the unit that never executed last", func(t *testing.T) {
		office := office.as(t)
		office.click(`nav a[href="#/scoring"]`)
		office.click("#run-scoring")
		id := office.runIDOfPage()
		office.waitFor(`document.querySelectorAll('#ranking tr[data-unit]').length === 2`)
		e.mustDecode("GET", fmt.Sprintf("%s/%d", runsPath, id), "office", nil, 200, &trial)
		wantRanking(t, office.ranking(), trial)
		if last := trial.Results[len(trial.Results)-1]; last.Unit != "zs" || last.Reason == "" {
			t.Fatalf("the run lists %s last (%q), want zs with its reason", last.Unit, last.Reason)
		}
		office.screenshot("scoring-ranking")
	})

	t.Run("gjz's breakdown: every indicator, the innovation items and the deduction's reason", func(t *testing.T) {
		office := office.as(t)
		office.click(`#ranking tr[data-unit="gjz"] a`)
		office.waitFor(`document.querySelector('#breakdown[data-unit="gjz"]')`)
		gjz := trial.Results[0]
		if got := office.text(`#breakdown [data-score="total"]`); got != twoDecimals(gjz.Total) {
			t.Fatalf("breakdown total %q, the API's %s", got, twoDecimals(gjz.Total))
		}
		manual := fmt.Sprintf(`#deduction-items tr[data-ref="deduction:%d"]`, deductions[0].ID)
		if got := office.text(manual); !strings.Contains(got, "B5完成标准不严，未按要求整改") || !strings.Contains(got, "质量不高") {
			t.Fatalf("the manual deduction's row reads %q", got)
		}
		if n := evalJSON[int](office, `document.querySelectorAll('#deduction-items tr[data-rule]').length`); n != len(gjz.Deductions) {
			t.Fatalf("the page lists %d deductions, the run %d", n, len(gjz.Deductions))
		}
		b7 := evalJSON[string](office, `document.querySelector('#breakdown tr[data-indicator="B7"] td.awarded').textContent`)
		for _, l := range gjz.Indicators {
			if l.Code == "B7" && b7 != twoDecimals(l.Awarded) {
				t.Fatalf("B7 awarded on the page %q, in the run %s", b7, twoDecimals(l.Awarded))
			}
		}
		if got := office.text(`#innovation-items tr[data-item="I2"]`); !strings.Contains(got, "未认定") {
			t.Fatalf("the uncertified item reads %q", got)
		}
		office.screenshot("scoring-breakdown")
	})

	t.Run("publication waits for the unreviewed node, with a link to the queue", func(t *testing.T) {
		office := office.as(t)
		office.click("#publish-run")
		office.waitFor(`document.querySelector('#confirm-dialog')`)
		if e.sub("gjz").State != "executing" {
			t.Fatal("the first click published")
		}
		office.click("#confirm-ok")
		office.waitFor(`document.querySelector('#unreviewed')`)
		if got := office.text("#unreviewed"); !strings.Contains(got, "B7") || !strings.Contains(got, "甘井子区总工会") {
			t.Fatalf("the refusal lists %q", got)
		}
		office.screenshot("scoring-publish-409")
		var after runView
		if e.mustDecode("GET", fmt.Sprintf("%s/%d", runsPath, trial.ID), "office", nil, 200, &after); after.Published || e.sub("gjz").State != "executing" {
			t.Fatal("a refused publication changed something")
		}
		office.click(`#unreviewed a[href="#/reviews/gjz"]`)
		row := fmt.Sprintf(`#queue tr[data-node="%d"]`, pending.ID)
		office.waitFor(fmt.Sprintf("document.querySelector(%q)", row))
		if units := evalJSON[[]string](office, `[...new Set([...document.querySelectorAll('#queue tr[data-node]')].map(r => r.dataset.unit))]`); len(units) != 1 || units[0] != "gjz" {
			t.Fatalf("the queue shows units %v", units)
		}
		office.typeInto(row+` input[name="points"]`, fmt.Sprint(pending.Points))
		office.click(row + ` button[value="accept"]`)
		office.waitFor(fmt.Sprintf(`document.querySelector(%q).dataset.state === 'accepted'`, row))
	})

	var final runView
	t.Run("the stale run is refused, run again and published after the confirmation", func(t *testing.T) {
		office := office.as(t)
		// The review changed the data since the trial run.
		office.goTo(fmt.Sprintf("#/scoring/%d", trial.ID))
		office.click("#publish-run")
		office.click("#confirm-ok")
		office.waitFor(`document.querySelector('#result .error #run-scoring')`)
		if got := office.text("#result .error"); !strings.Contains(got, "重新计分") {
			t.Fatalf("the stale refusal reads %q", got)
		}
		office.click("#result #run-scoring")
		office.waitFor(fmt.Sprintf(`location.hash !== '#/scoring/%d' && document.querySelector('#run-meta')`, trial.ID))
		id := office.runIDOfPage()
		office.waitFor(fmt.Sprintf(`document.querySelector('#run-meta') && location.hash === '#/scoring/%d'`, id))
		office.click("#publish-run")
		office.click("#confirm-ok")
		office.waitFor(`document.querySelector('#run-meta').dataset.published === 'true'`)
		e.mustDecode("GET", fmt.Sprintf("%s/%d", runsPath, id), "office", nil, 200, &final)
		if !final.Published || e.sub("gjz").State != "scored" {
			t.Fatalf("after publishing: run published %v, gjz %s", final.Published, e.sub("gjz").State)
		}
		wantRanking(t, office.ranking(), final)
		if final.Results[0].Business <= trial.Results[0].Business {
			t.Fatalf("business %s after the last review, %s before", final.Results[0].Business, trial.Results[0].Business)
		}
		if n := evalJSON[int](office, `document.querySelectorAll('#publish-run').length`); n != 0 {
			t.Fatal("a published run still offers to publish")
		}
		office.screenshot("scoring-published")
		office.click(`nav a[href="#/scoring"]`)
		office.waitFor(`document.querySelectorAll('#runs tr[data-run]').length === 2`)
		published := evalJSON[[]string](office, `[...document.querySelectorAll('#runs tr[data-run]')].map(r => r.dataset.run + ':' + r.dataset.published)`)
		if want := []string{fmt.Sprintf("%d:true", final.ID), fmt.Sprintf("%d:false", trial.ID)}; fmt.Sprint(published) != fmt.Sprint(want) {
			t.Fatalf("the runs page lists %v, want %v (newest first)", published, want)
		}
		office.click(fmt.Sprintf(`#runs tr[data-run="%d"] a`, final.ID))
		office.waitFor(fmt.Sprintf(`location.hash === '#/scoring/%d' && document.querySelector('#run-meta')`, final.ID))
	})

	t.Run("the ranking downloads as xlsx and csv, the API's bytes under a Chinese name", func(t *testing.T) {
		office := office.as(t)
		dir := t.TempDir()
		office.allowDownloads(dir)
		for _, f := range []struct{ button, ext string }{{"#download-xlsx", "xlsx"}, {"#download-csv", "csv"}} {
			office.click(f.button)
			got := waitFile(t, filepath.Join(dir, fmt.Sprintf("2019年度实绩考核结果-第%d次计分.%s", final.ID, f.ext)))
			status, _, want := e.raw("GET", fmt.Sprintf("%s/%d/export.%s", runsPath, final.ID, f.ext), "office", "", nil)
			if status != 200 || !bytes.Equal(got, want) {
				t.Fatalf("%s: downloaded %d bytes, the API sends %d (status %d)", f.ext, len(got), len(want), status)
			}
			if f.ext == "csv" {
				if !bytes.HasPrefix(got, []byte("\xef\xbb\xbf")) || !strings.Contains(string(got), "甘井子区总工会") {
					t.Fatalf("the CSV starts %q", got[:min(len(got), 80)])
				}
				continue
			}
			if _, err := zip.NewReader(bytes.NewReader(got), int64(len(got))); err != nil {
				t.Fatalf("the xlsx is not a zip: %v", err)
			}
			lines, err := sheets.ReadRanking(bytes.NewReader(got))
			if err != nil {
				t.Fatalf("the xlsx does not read back: %v", err)
			}
			if len(lines) != 2 || fmt.Sprint(lines[0].Total) != fmt.Sprint(final.Results[0].Total) {
				t.Fatalf("the workbook ranks %+v, the run %s first with %s", lines, final.Results[0].Unit, final.Results[0].Total)
			}
		}
	})

	t.Run("the unit sees its own result and no other unit's", func(t *testing.T) {
		unit := e.browse().as(t)
		unit.login("gjz", "password-gjz")
		unit.click(`nav a[href="#/result"]`)
		unit.waitFor(`document.querySelector('#result-lines')`)
		var mine workflow.UnitResult
		e.mustDecode("GET", "/api/v1/plans/2019/units/gjz/result", "unitA", nil, 200, &mine)
		if got := unit.text(`.score-cards[data-unit="gjz"] [data-score="total"]`); got != twoDecimals(mine.Total) || mine.Total != final.Results[0].Total {
			t.Fatalf("the unit's page shows %q, its result %s, the run %s", got, twoDecimals(mine.Total), final.Results[0].Total)
		}
		if got := evalJSON[string](unit, `[...document.querySelectorAll('#result-lines tr.line[data-kind="deduction"]')].map(r => r.innerText).join('\n')`); !strings.Contains(got, "B5完成标准不严") {
			t.Fatalf("the unit's deductions read %q", got)
		}
		if got := unit.pageText(); strings.Contains(got, "中山区总工会") {
			t.Fatalf("the unit's result page names another unit: %q", got)
		}
		unit.screenshot("scoring-unit-result")
		unit.goTo("#/result/zs")
		unit.waitFor(`document.querySelector('#app .error')`)
		if n := evalJSON[int](unit, `document.querySelectorAll('#result-lines, .score-cards').length`); n != 0 {
			t.Fatal("a unit is shown another unit's result")
		}
		unit.goTo(fmt.Sprintf("#/scoring/%d", final.ID))
		unit.waitFor(`document.querySelector('#app .error') || document.querySelector('#breakdown')`)
		if n := evalJSON[int](unit, `document.querySelectorAll('#ranking tr[data-unit]').length`); n != 0 {
			t.Fatal("a unit is shown the ranking")
		}
	})

	t.Run("a leader reads the published ranking and can change nothing", func(t *testing.T) {
		viewer := e.browse().as(t)
		viewer.login("leader", "password-leader")
		viewer.click(`nav a[href="#/scoring"]`)
		viewer.waitFor(`document.querySelectorAll('#ranking tr[data-unit]').length === 2`)
		if id := viewer.runIDOfPageOr(); id != 0 && id != final.ID {
			t.Fatalf("the leader is shown run %d, the published is %d", id, final.ID)
		}
		if got := evalJSON[string](viewer, `document.querySelector('#run-meta').dataset.published`); got != "true" {
			t.Fatal("the leader is shown a run that is not published")
		}
		wantRanking(t, viewer.ranking(), final)
		if n := evalJSON[int](viewer, `document.querySelectorAll('#publish-run, #run-scoring, #app form, #app input, #app textarea').length`); n != 0 {
			t.Fatalf("a leader has %d controls that write", n)
		}
		viewer.screenshot("scoring-viewer")
	})
}

// runIDOfPageOr is the run in the hash, or 0 when the page shows the
// published run at #/scoring.
func (b *tab) runIDOfPageOr() int64 {
	b.t.Helper()
	return evalJSON[int64](b, `/^#\/scoring\/\d+/.test(location.hash) ? Number(location.hash.split('/')[2]) : 0`)
}

// TestBrowserResultBeforePublication: before the office publishes, a unit's
// result page says so and shows no score.
func TestBrowserResultBeforePublication(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.toState("executing")
	e.mustDo("POST", runsPath, "office", nil, 201) // a trial run is not a result
	unit := e.browse()
	unit.login("gjz", "password-gjz")
	unit.click(`nav a[href="#/result"]`)
	unit.waitFor(`document.querySelector('#not-published')`)
	if n := evalJSON[int](unit, `document.querySelectorAll('#breakdown, [data-score]').length`); n != 0 {
		t.Fatal("an unpublished result shows scores to the unit")
	}
	viewer := e.browse()
	viewer.login("leader", "password-leader")
	viewer.click(`nav a[href="#/scoring"]`)
	viewer.waitFor(`document.querySelector('#not-published')`)
}

// TestBrowserSubmissionExcel: a unit whose tables were returned exports
// them, edits the workbook, and imports it back: the tables reload with
// the edit. A workbook with a bad row lists the row and changes nothing.
func TestBrowserSubmissionExcel(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.toState("returned")
	before := e.fullSub(t)

	unit := e.browse()
	unit.login("gjz", "password-gjz")
	unit.goTo("#/units/gjz")
	unit.waitState("returned")
	dir := t.TempDir()
	unit.allowDownloads(dir)

	var exported []byte
	t.Run("导出Excel saves the API's workbook under the unit's name", func(t *testing.T) {
		unit := unit.as(t)
		unit.click("#export-xlsx")
		exported = waitFile(t, filepath.Join(dir, "2019年度实绩考核指标表-甘井子区总工会.xlsx"))
		status, _, want := e.raw("GET", subPath+"/export.xlsx", "unitA", "", nil)
		if status != 200 || !bytes.Equal(exported, want) {
			t.Fatalf("downloaded %d bytes, the API sends %d (status %d)", len(exported), len(want), status)
		}
	})

	title := "开展“不忘初心、牢记使命”主题教育（Excel中修改）"
	edited := filepath.Join(dir, "甘井子区指标表（修改后）.xlsx")
	bad := filepath.Join(dir, "甘井子区指标表（有误）.xlsx")
	writeEdited(t, exported, edited, func(f *excelize.File) {
		c, err := f.GetCellValue(sheets.PartySheet, "C4")
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(`(?s)^(工作1：).*(（[0-9.]+分）)$`)
		if !re.MatchString(c) {
			t.Fatalf("C4 of the party sheet reads %q", c)
		}
		if err := f.SetCellStr(sheets.PartySheet, "C4", re.ReplaceAllString(c, "${1}"+title+"${2}")); err != nil {
			t.Fatal(err)
		}
	})
	writeEdited(t, exported, bad, func(f *excelize.File) {
		if err := f.SetCellStr(sheets.PartySheet, "D5", "节点2 九月底前完成"); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStr(sheets.BusinessSheet, "B4", "不存在的指标（8分）"); err != nil {
			t.Fatal(err)
		}
	})
	input := `#xlsx-import-form input[type="file"]`

	t.Run("a workbook with bad rows lists them by sheet and row and imports nothing", func(t *testing.T) {
		unit := unit.as(t)
		unit.run(chromedp.SetUploadFiles(chromedp.CSS(input), []string{bad}))
		unit.click("#xlsx-import")
		unit.waitFor(`document.querySelector('#xlsx-result .error')`)
		msg := unit.text("#xlsx-result")
		for _, want := range []string{"附件1 党建指标", "第5行", "附件2 业务指标", "第4行", "D5", "没有导入"} {
			if !strings.Contains(msg, want) {
				t.Errorf("the import errors %q lack %q", msg, want)
			}
		}
		unit.screenshot("excel-import-errors")
		if d := e.fullSub(t); d.Version != before.Version || d.State != "returned" {
			t.Fatalf("a refused import changed the submission: version %d → %d, %s", before.Version, d.Version, d.State)
		}
	})

	t.Run("从Excel导入 reloads the tables with the edit", func(t *testing.T) {
		unit := unit.as(t)
		unit.run(chromedp.SetUploadFiles(chromedp.CSS(input), []string{edited}))
		unit.click("#xlsx-import")
		unit.waitFor(`document.querySelector('#xlsx-result .ok')`)
		cell := `[data-path="party[0].works[0].title"] textarea`
		if v, _ := chromedp.Run(unit.ctx, chromedp.Value(chromedp.CSS(cell))); v != title {
			t.Fatalf("after the import the page shows %q", v)
		}
		d := e.fullSub(t)
		if d.Version != before.Version+1 || d.State != "returned" || d.Party[0].Works[0].Title != title {
			t.Fatalf("after the import: version %d, state %s, title %q", d.Version, d.State, d.Party[0].Works[0].Title)
		}
		// Nothing else moved: the rest of the document is what was exported.
		d.Party[0].Works[0].Title = before.Party[0].Works[0].Title
		if fmt.Sprint(d.Party, d.Business) != fmt.Sprint(before.Party, before.Business) {
			t.Fatal("the import changed more than the edited cell")
		}
		if got := unit.text("#sub-version"); got != fmt.Sprint(before.Version+1) {
			t.Fatalf("the page shows version %q", got)
		}
		unit.screenshot("excel-imported")
	})

	t.Run("the annexes filled in Word import with covers to confirm", func(t *testing.T) {
		unit := unit.as(t)
		docx, err := filepath.Abs("../testdata/annexes-2019.docx")
		if err != nil {
			t.Fatal(err)
		}
		unit.run(chromedp.SetUploadFiles(chromedp.CSS(input), []string{docx}))
		unit.click("#xlsx-import")
		unit.waitFor(`document.querySelector('#xlsx-result .ok') && document.querySelector('#xlsx-result').textContent.includes('annexes-2019.docx')`)
		if msg := unit.text("#xlsx-result"); !strings.Contains(msg, "按工作内容推测") {
			t.Fatalf("the import result %q does not ask to check the covers", msg)
		}
		proposed := `document.querySelectorAll('.proposed[data-proposed]').length`
		if n := evalJSON[int](unit, proposed); n != 30 {
			t.Fatalf("%d works marked as proposed, want 30", n)
		}
		// 确认 on one work, a ticked box on another: both confirmed, and
		// saving keeps the other 28 waiting.
		unit.click(`.proposed[data-proposed="business[0].works[0]"] button[data-action="confirm-covers"]`)
		unit.waitFor(`!document.querySelector('.proposed[data-proposed="business[0].works[0]"]')`)
		unit.click(`input[data-cover="business[1].works[0]"][value="B2.2"]`)
		unit.click("#save")
		unit.waitFor(`document.querySelector('#result .ok') && document.querySelector('#result').textContent.includes('已保存')`)
		var d workflow.Document
		if err := json.Unmarshal(e.mustDo("GET", subPath, "office", nil, 200), &d); err != nil {
			t.Fatal(err)
		}
		waiting := 0
		for _, ind := range d.Business {
			for _, w := range ind.Works {
				if w.CoversProposed {
					waiting++
				}
			}
		}
		if waiting != 28 || d.Business[0].Works[0].CoversProposed || d.Business[1].Works[0].CoversProposed {
			t.Fatalf("after confirming two works %d wait, want 28", waiting)
		}
	})

	t.Run("a leader may export but not import", func(t *testing.T) {
		viewer := e.browse().as(t)
		viewer.login("leader", "password-leader")
		viewer.goTo("#/units/gjz")
		viewer.waitState("returned")
		if n := evalJSON[int](viewer, `document.querySelectorAll('#export-xlsx').length + 10 * document.querySelectorAll('#xlsx-import-form').length`); n != 1 {
			t.Fatalf("a leader's Excel controls: %d (want the export alone)", n)
		}
	})
}

// writeEdited writes the workbook src, changed by edit, to path.
func writeEdited(t *testing.T, src []byte, path string, edit func(f *excelize.File)) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	edit(f)
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
