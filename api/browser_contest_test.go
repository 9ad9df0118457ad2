package api_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kaohe/workflow"
)

// The pages of a contested result in headless Chromium, checked against
// the API at every step: before publication the office waives a
// deduction, records when the tables arrived and deducts for 瞒报 from a
// flagged month; it publishes; during the objection period the unit
// objects to a node's award from its result page with a file; the office
// finds the objection from its to-do list, reads the file and accepts it
// with a corrected award; a correction run shows the difference and is
// published; the unit reads the answer and the corrected line, and after
// the period the result is final.

// shot takes a screenshot named name with the element at css in the
// middle of the screen ("" leaves the scroll as it is) and without the
// toasts of earlier steps, when screenshots are asked for.
func (b *tab) shot(name, css string) {
	b.t.Helper()
	if os.Getenv("KAOHE_SCREENSHOTS") == "" {
		return
	}
	b.waitFor(fmt.Sprintf(`(() => { document.querySelectorAll('#toasts .toast').forEach(t => t.remove());
		const e = %q && document.querySelector(%q); if (e) e.scrollIntoView({block: "center"}); return true; })()`, css, css))
	b.screenshot(name)
}

// nodeOf returns gjz's node at ref.
func (e *env) nodeOf(ref string) nodeRef {
	e.t.Helper()
	var nodes []nodeRef
	e.mustDecode("GET", "/api/v1/plans/2019/units/gjz/nodes", "office", nil, 200, &nodes)
	for _, n := range nodes {
		if n.Ref == ref {
			return n
		}
	}
	e.t.Fatalf("gjz has no node %s", ref)
	return nodeRef{}
}

// TestBrowserContestedResult: see the file's comment.
func TestBrowserContestedResult(t *testing.T) {
	t.Parallel()
	e, facts := scoringEnv(t, "sqlite")
	// P1's first node was never reported: missing, with its deduction.
	// B3's first was reported and awarded half a point short.
	missing, short := "party[0].works[0].nodes[0]", "business[2].works[0].nodes[0]"
	facts.set(missing, workflow.NodePending)
	facts.set(short, workflow.NodeReported)
	b3 := e.nodeOf(short)
	e.mustDo("POST", fmt.Sprintf("/api/v1/nodes/%d/review", b3.ID), "office", map[string]any{"verdict": "accept", "points": b3.Points - 0.5}, 200)
	// The member information system's August figure is 10% below gjz's.
	if status, _, out := e.raw("POST", "/api/v1/plans/2019/monthly/2019-08/import", "office", "text/csv", []byte("unit,count\ngjz,90\n")); status != 200 {
		t.Fatalf("import: %d %s", status, out)
	}
	e.mustDo("POST", runsPath, "office", nil, 201)

	office := e.browse()
	office.login("admin", "admin-password")
	base := "/api/v1/plans/2019/units/gjz"

	t.Run("the office waives the missing node's deduction, chosen from the run", func(t *testing.T) {
		office := office.as(t)
		office.click(`nav a[href="#/deductions"]`)
		office.waitFor(`document.querySelector('#waiver-form select[name="ref"]')`)
		if got := office.text(`nav a[href="#/deductions"]`); got != "扣分与减免" {
			t.Errorf("the link reads %q", got)
		}
		options := evalJSON[[]string](office, `[...document.querySelectorAll('#waiver-form select[name="ref"] option')].map(o => o.value + '|' + o.textContent)`)
		found := false
		for _, o := range options {
			if strings.HasPrefix(o, missing+"|") && strings.Contains(o, "未报送") {
				found = true
			}
			if strings.Contains(strings.SplitN(o, "|", 2)[1], "[") {
				t.Errorf("an option shows a path: %q", o)
			}
		}
		if !found {
			t.Fatalf("the missing node's deduction is not offered: %v", options)
		}
		office.selectValue(`#waiver-form select[name="ref"]`, missing)
		office.typeInto(`#waiver-form input[name="points"]`, "0")
		office.typeInto(`#waiver-form textarea[name="reason"]`, "材料按时送达，系统维护延误录入")
		office.clickCentered(`#waiver-form button[type="submit"]`)
		office.waitFor(`document.querySelector('#waivers tr[data-state="in-force"]')`)
		var ws []workflow.Waiver
		e.mustDecode("GET", base+"/waivers", "office", nil, 200, &ws)
		if len(ws) != 1 || ws[0].Ref != missing || ws[0].Points != 0 || ws[0].WithdrawnAt != nil {
			t.Fatalf("waivers %+v", ws)
		}
		if got := office.text(`#waivers tr[data-state="in-force"]`); !strings.Contains(got, "全部免除") || !strings.Contains(got, "未报送") {
			t.Errorf("the waiver reads %q", got)
		}
		// Withdrawing asks first; a cancelled dialog changes nothing.
		office.clickCentered(`#waivers button[data-action="withdraw-waiver"]`)
		if got := office.text("#confirm-dialog"); !strings.Contains(got, "撤回这项减免") || !strings.Contains(got, "恢复原扣分") {
			t.Fatalf("the dialog reads %q", got)
		}
		office.click("#confirm-cancel")
		office.waitFor(`!document.querySelector('#confirm-dialog')`)
		if e.mustDecode("GET", base+"/waivers", "office", nil, 200, &ws); ws[0].WithdrawnAt != nil {
			t.Fatal("a cancelled dialog withdrew the waiver")
		}
		office.shot("deductions-waiver", "#waiver-section")
	})

	t.Run("the office records when the tables arrived", func(t *testing.T) {
		office := office.as(t)
		office.selectValue(`#received-form input[name="at"]`, "2019-06-13T09:30")
		office.typeInto(`#received-form textarea[name="reason"]`, "6月13日9:30通过电子邮件报送，当日录入系统")
		office.clickCentered(`#received-form button[type="submit"]`)
		office.waitFor(`document.querySelector('#received-state') && document.querySelector('#received-state').innerText.includes('09:30')`)
		var sub struct {
			Received *workflow.Receipt `json:"received"`
		}
		e.mustDecode("GET", subPath, "office", nil, 200, &sub)
		if sub.Received == nil || !sub.Received.At.Equal(cst(6, 13, 9, 30)) {
			t.Fatalf("the receipt %+v, want 2019-06-13 09:30 in Shanghai", sub.Received)
		}
		if n := evalJSON[int](office, `document.querySelectorAll('#received-form button[data-action="clear-received"]').length`); n != 1 {
			t.Fatal("no way to clear the receipt")
		}
	})

	var kanbao []workflow.ManualDeduction
	t.Run("the monthly page shows both figures and deducts for 瞒报 from the flag", func(t *testing.T) {
		office := office.as(t)
		office.goTo("#/monthly/2019-08")
		row := `#monthly tr[data-unit="gjz"]`
		office.waitFor(fmt.Sprintf(`document.querySelector('%s')`, row))
		cells := evalJSON[map[string]string](office, `(() => { const r = document.querySelector('#monthly tr[data-unit="gjz"]'); const t = s => r.querySelector(s).innerText.trim();
			return {own: t('td.count'), system: t('td.system-count'), diff: t('td.difference'), pct: t('td.percent'), flag: t('td.flag-cell'), flagged: r.dataset.flagged}; })()`)
		if cells["own"] != "100" || !strings.HasPrefix(cells["system"], "90") || cells["diff"] != "+10" || cells["pct"] != "+11.11%" || cells["flag"] != "数量不符" || cells["flagged"] != "true" {
			t.Fatalf("gjz's August reads %v", cells)
		}
		flag := `#flags tr[data-flag="gjz/2019-08"]`
		office.waitFor(fmt.Sprintf(`document.querySelector('%s form.kanbao-form')`, flag))
		office.shot("monthly-flags", "")
		office.typeInto(flag+` input[name="points"]`, "1")
		office.clickCentered(flag + ` button[type="submit"]`)
		office.waitFor(fmt.Sprintf(`document.querySelector('%s') && document.querySelector('%s').innerText.includes('已扣分')`, flag, flag))
		e.mustDecode("GET", base+"/deductions", "office", nil, 200, &kanbao)
		if len(kanbao) != 1 || kanbao[0].Rule != "瞒报" || kanbao[0].Month != "2019-08" || *kanbao[0].UnitCount != 100 || *kanbao[0].SystemCount != 90 {
			t.Fatalf("deductions %+v", kanbao)
		}
	})

	var run1 int64
	t.Run("publication opens the objection period", func(t *testing.T) {
		office := office.as(t)
		office.goTo("#/scoring")
		office.clickCentered("#run-scoring")
		run1 = office.runIDOfPage()
		office.waitFor(`document.querySelector('#publish-run')`)
		if n := evalJSON[int](office, `document.querySelectorAll('#run-diff').length`); n != 0 {
			t.Fatal("a first publication has a difference to show")
		}
		office.clickCentered("#publish-run")
		if got := office.text("#confirm-dialog"); !strings.Contains(got, "公示期") {
			t.Fatalf("the dialog reads %q", got)
		}
		office.click("#confirm-ok")
		office.waitFor(`document.querySelector('#run-meta').dataset.published === 'true'`)
		if got := office.text("#run-meta"); !strings.Contains(got, "公示期至 2019年12月27日 24:00") {
			t.Fatalf("the run reads %q", got)
		}
	})

	e.clock.Set(cst(12, 23, 10, 0))
	unit := e.browse()
	unit.login("gjz", "password-gjz")
	b3Line := fmt.Sprintf(`#result-lines tr.line[data-kind="node"][data-ref=%q]`, short)
	var objection workflow.Objection
	t.Run("the unit reads every line in order and objects to B3's node with a file", func(t *testing.T) {
		unit := unit.as(t)
		unit.click(`nav a[href="#/result"]`)
		unit.waitFor(`document.querySelector('#result-state')`)
		r := e.result("gjz", "unitA")
		if got := evalJSON[string](unit, `document.querySelector('#result-state').dataset.state`); got != "public" {
			t.Fatalf("state %q", got)
		}
		if got := unit.text("#period-ends"); got != "2019年12月27日 24:00" {
			t.Fatalf("the period ends %q", got)
		}
		refs := evalJSON[[]string](unit, `[...document.querySelectorAll('#result-lines tr.line')].map(r => r.dataset.kind + ' ' + r.dataset.ref)`)
		if len(refs) != len(r.Lines) {
			t.Fatalf("the page shows %d lines, the result %d", len(refs), len(r.Lines))
		}
		for i, l := range r.Lines {
			if refs[i] != l.Kind+" "+l.Ref {
				t.Fatalf("line %d is %q, the result's %s %s", i, refs[i], l.Kind, l.Ref)
			}
		}
		waived := fmt.Sprintf(`#result-lines tr.line[data-kind="deduction"][data-ref=%q]`, missing)
		if got := unit.text(waived); !strings.Contains(got, "已减免") || !strings.Contains(got, "全部免除") || !strings.Contains(got, "系统维护延误录入") {
			t.Errorf("the waived deduction reads %q", got)
		}
		manual := fmt.Sprintf(`#result-lines tr.line[data-kind="deduction"][data-ref="deduction:%d"]`, kanbao[0].ID)
		if got := unit.text(manual); !strings.Contains(got, "100") || !strings.Contains(got, "90") {
			t.Errorf("the 瞒报 deduction reads %q", got)
		}
		if got := unit.text("#received-note"); !strings.Contains(got, "2019年6月13日 09:30") {
			t.Errorf("the receipt reads %q", got)
		}
		if text := unit.pageText(); strings.Contains(text, "business[") || strings.Contains(text, "indicator:") {
			t.Errorf("the page shows a ref: %.300s", text)
		}
		unit.shot("result-public", "")

		unit.clickCentered(b3Line + ` button[data-action="object"]`)
		form := `form.objection-form`
		unit.waitFor(fmt.Sprintf("document.querySelector(%q)", form))
		if got := unit.text(form + " .upload-limit"); !strings.Contains(got, "每个文件不超过") || !strings.Contains(got, "每项异议最多") {
			t.Errorf("the limits read %q", got)
		}
		// Without reasons nothing is sent.
		unit.clickCentered(form + ` button[type="submit"]`)
		unit.waitFor(fmt.Sprintf(`document.querySelector('%s [data-path="text"] .vmsg.err')`, form))
		minutes := filepath.Join(t.TempDir(), "会议纪要.pdf")
		if err := os.WriteFile(minutes, textPDF("Minutes: B3 node completed on 2019-06-28"), 0o644); err != nil {
			t.Fatal(err)
		}
		unit.typeInto(form+` textarea[name="text"]`, "该节点已于6月28日全部完成，见会议纪要，应得满分")
		unit.run(chromedp.SetUploadFiles(chromedp.CSS(form+` input[type="file"]`), []string{minutes}))
		unit.shot("result-objection-form", "form.objection-form")
		unit.clickCentered(form + ` button[type="submit"]`)
		unit.waitFor(`document.querySelector('.line-objections .objection')`)
		var os []workflow.Objection
		e.mustDecode("GET", base+"/objections", "unitA", nil, 200, &os)
		if len(os) != 1 || os[0].Ref != short || len(os[0].Files) != 1 || os[0].Files[0].Name != "会议纪要.pdf" || !os[0].Open() {
			t.Fatalf("objections %+v", os)
		}
		objection = os[0]
		if got := unit.text(fmt.Sprintf(`.objection[data-objection="%d"]`, objection.ID)); !strings.Contains(got, "应得满分") || !strings.Contains(got, "待答复") || !strings.Contains(got, "会议纪要.pdf") {
			t.Errorf("the objection reads %q", got)
		}
		unit.shot("result-objection-filed", fmt.Sprintf(`.objection[data-objection="%d"]`, objection.ID))
	})

	t.Run("the office finds it on its to-do list, reads the file and accepts it with the correction", func(t *testing.T) {
		office := office.as(t)
		office.goTo("#/")
		office.waitFor(`document.querySelector('#todo [data-kind="objections"] a')`)
		office.clickCentered(`#todo [data-kind="objections"] a`)
		card := fmt.Sprintf(`.objection-card[data-objection="%d"]`, objection.ID)
		office.waitFor(fmt.Sprintf("document.querySelector(%q)", card))
		if got := office.text(card); !strings.Contains(got, "甘井子区总工会") || !strings.Contains(got, "应得满分") || !strings.Contains(got, "B3") {
			t.Errorf("the card reads %q", got)
		}
		dir := t.TempDir()
		office.allowDownloads(dir)
		office.clickCentered(card + ` a[data-action="objection-file"]`)
		if got := waitFile(t, filepath.Join(dir, "会议纪要.pdf")); !strings.Contains(string(got), "B3 node completed") {
			t.Fatalf("the downloaded file holds %d bytes", len(got))
		}
		office.clickCentered(card + ` input[name="verdict"][value="accept"]`)
		office.waitFor(fmt.Sprintf(`!document.querySelector('%s fieldset.correction').hidden`, card))
		if !evalJSON[bool](office, fmt.Sprintf(`document.querySelector('%s input[name="use-review"]').checked`, card)) {
			t.Fatal("the node's award is not the correction offered first")
		}
		if got := evalJSON[string](office, fmt.Sprintf(`document.querySelector('%s select[name="review-ref"]').value`, card)); got != short {
			t.Fatalf("the node chosen is %q", got)
		}
		office.typeInto(card+` input[name="review-points"]`, fmt.Sprint(b3.Points))
		office.typeInto(card+` textarea[name="reason"]`, "会议纪要证明节点已按时全部完成")
		office.shot("objections-answer", "")
		office.clickCentered(card + ` button[type="submit"]`)
		if got := office.text("#confirm-dialog"); !strings.Contains(got, "不能修改") || !strings.Contains(got, "异议成立") {
			t.Fatalf("the dialog reads %q", got)
		}
		office.click("#confirm-ok")
		office.waitFor(`document.querySelector('#no-objections')`)
		var o workflow.Objection
		e.mustDecode("GET", fmt.Sprintf("/api/v1/objections/%d", objection.ID), "office", nil, 200, &o)
		if o.Verdict != "accept" || o.Correction == nil || o.Correction.Review == nil || o.Correction.Review.Points != pts(b3.Points) {
			t.Fatalf("the answer %+v", o)
		}
		office.clickCentered(`#objection-tabs a[data-state="answered"]`)
		office.waitFor(fmt.Sprintf(`document.querySelector('%s .answer')`, card))
		if got := office.text(card + " .answer"); !strings.Contains(got, "节点得分由") {
			t.Errorf("the answer reads %q", got)
		}
	})

	e.clock.Set(cst(12, 24, 9, 0))
	var run2 int64
	t.Run("the correction run shows its difference and is published", func(t *testing.T) {
		office := office.as(t)
		office.goTo("#/scoring")
		office.waitFor(`document.querySelector('#published-run')`)
		office.clickCentered("#run-scoring")
		office.waitFor(fmt.Sprintf(`location.hash !== '#/scoring/%d' && document.querySelector('#run-diff')`, run1))
		run2 = office.runIDOfPage()
		unitDiff := `#run-diff .diff-unit[data-unit="gjz"]`
		if got := office.text(unitDiff); !strings.Contains(got, "B3") {
			t.Fatalf("the difference reads %q", got)
		}
		if got := evalJSON[string](office, `document.querySelector('#run-diff tr[data-ref="indicator:B3"]').dataset.change`); got != "changed" {
			t.Fatalf("B3's change %q", got)
		}
		if got := office.text(unitDiff + ` .diff-basis`); !strings.Contains(got, "异议第1号") || !strings.Contains(got, "节点得分由1.5分改为2分") {
			t.Fatalf("the correction's basis reads %q", got)
		}
		if got := office.text("#publish-run"); got != "发布为更正结果" {
			t.Fatalf("the button reads %q", got)
		}
		office.shot("run-diff", "")
		office.clickCentered("#publish-run")
		if got := office.text("#confirm-dialog"); !strings.Contains(got, "更正结果") || !strings.Contains(got, "甘井子区总工会") || !strings.Contains(got, "公示期截止时间不变") {
			t.Fatalf("the dialog reads %q", got)
		}
		office.click("#confirm-ok")
		office.waitFor(`document.querySelector('#run-meta').dataset.publication === '2'`)
		if r := e.result("gjz", "unitA"); r.Run != run2 || r.Publication != 2 {
			t.Fatalf("the result is run %d, publication %d", r.Run, r.Publication)
		}
	})

	t.Run("the unit reads the answer and the corrected line", func(t *testing.T) {
		unit := unit.as(t)
		unit.run(chromedp.Reload())
		block := fmt.Sprintf(`.objection[data-objection="%d"]`, objection.ID)
		unit.waitFor(fmt.Sprintf(`document.querySelector('%s[data-verdict="accept"]')`, block))
		if got := unit.text(block); !strings.Contains(got, "会议纪要证明节点已按时全部完成") || !strings.Contains(got, "异议成立") ||
			!strings.Contains(got, fmt.Sprintf("节点得分由%s分改为%s分", pts(b3.Points-0.5), pts(b3.Points))) {
			t.Errorf("the answer reads %q", got)
		}
		if got := unit.text(b3Line + " td.scored"); got != twoDecimals(pts(b3.Points)) {
			t.Errorf("B3's node scores %q, want %s", got, twoDecimals(pts(b3.Points)))
		}
		if got := unit.text("#result-state"); !strings.Contains(got, "第2次发布") {
			t.Errorf("the state reads %q", got)
		}
		unit.shot("result-answered", block)
	})

	t.Run("after the period the result is final and takes no objection", func(t *testing.T) {
		unit := unit.as(t)
		e.clock.Set(cst(12, 28, 9, 0))
		unit.run(chromedp.Reload())
		unit.waitFor(`document.querySelector('#result-state[data-state="final"]')`)
		if n := evalJSON[int](unit, `document.querySelectorAll('button[data-action="object"]').length`); n != 0 {
			t.Fatalf("%d objection buttons after the period", n)
		}
	})

	t.Run("nothing is wider than the screen", func(t *testing.T) {
		unit.as(t).fitScreens("#/result")
		office.as(t).fitScreens("#/objections", "#/objections/answered", "#/deductions/gjz", fmt.Sprintf("#/scoring/%d", run2), "#/monthly/2019-08", "#/result/gjz", "#/units/gjz")
		for _, c := range []struct {
			b          *tab
			hash, name string
		}{{office, "#/objections/answered", "phone-objections"}, {unit, "#/result", "phone-result"}} {
			b := c.b.as(t)
			b.viewport(390)
			b.goTo(c.hash)
			b.settled()
			b.shot(c.name, "")
			b.viewport(1366)
		}
	})
}
