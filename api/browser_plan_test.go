package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kaohe/workflow"
)

// setInput sets a field's value as a date picker does, and says so to the
// page (an input event).
func (b *tab) setInput(css, value string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("document.querySelector(%q)", css))
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); })()`, css, value))); err != nil {
		b.t.Fatal(err)
	}
}

// closeToasts closes every notice, as a user clears the corner of the
// screen.
func (b *tab) closeToasts() {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#toasts .toast-close').forEach(c => c.click())`)); err != nil {
		b.t.Fatal(err)
	}
}

// planVersionOf reads version v of year's plan as the office, with its
// problems.
func (e *env) planVersionOf(t *testing.T, year, v int) (planVersion, *workflow.Plan) {
	t.Helper()
	body := e.mustDo("GET", fmt.Sprintf("/api/v1/plans/%d/versions/%d", year, v), "office", nil, 200)
	var pv planVersion
	if err := json.Unmarshal(body, &pv); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Plan json.RawMessage `json:"plan"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	p, err := workflow.DecodePlan(doc.Plan)
	if err != nil {
		t.Fatal(err)
	}
	return pv, p
}

// TestBrowserOfficePreparesANewYear: in January 2020 the office is offered
// 2020's plan, creates it from 2019, sees the problems of a check beside
// their fields, fills the 2020 calendar in the page, checks and publishes
// it; a unit drafts its tables against 2020; a correction that breaks the
// unit's stored table names the unit before it is published, and only the
// second confirmation publishes it. The versions and the blank annexes
// download as the API sends them; units read the plan and cannot edit it.
// Entirely in the pages.
func TestBrowserOfficePreparesANewYear(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	e.clock.Set(time.Date(2020, 1, 6, 9, 0, 0, 0, shanghai))
	office := e.browse()
	office.login("admin", "admin-password")

	t.Run("the pages open on 2019 and offer to create 2020", func(t *testing.T) {
		office := office.as(t)
		office.settled()
		office.waitFor(`document.querySelector('#new-year-offer')`)
		if got := evalJSON[string](office, `document.querySelector('#year-switch').value`); got != "2019" {
			t.Fatalf("the pages open on %s, want 2019 (2020 has no plan yet)", got)
		}
		if got := office.text("#new-year-offer"); !strings.Contains(got, "2020年度还没有考核方案") {
			t.Fatalf("the offer reads %q", got)
		}
		office.click("#offer-new-year")
		office.waitFor(`document.querySelector('#create-plan')`)
		if y, from := evalJSON[string](office, `document.querySelector('#new-plan-year').value`), evalJSON[string](office, `document.querySelector('#new-plan-from').value`); y != "2020" || from != "2019" {
			t.Fatalf("the form proposes %s from %s", y, from)
		}
		office.click("#create-plan-button")
		office.waitFor(`document.querySelector('#plan-state') && document.querySelector('#plan-state').dataset.version === '1'`)
		if got := office.text("#calendar-empty"); !strings.Contains(got, "2020年的节假日安排还没有填写") {
			t.Fatalf("the calendar banner reads %q", got)
		}
		if got := evalJSON[string](office, `document.querySelector('#year-switch').value`); got != "2020" {
			t.Fatalf("after creating 2020 the pages work on %s", got)
		}
		if got := evalJSON[string](office, `document.querySelector('[data-path="deadline.date"] input').value`); got != "2020-06-12" {
			t.Fatalf("the deadline reads %s, want Friday 2020-06-12", got)
		}
		if !evalJSON[bool](office, `document.querySelector('#publish-plan').disabled`) {
			t.Fatal("a plan with an empty calendar can be published")
		}
		office.screenshot("plan-new-year")
	})

	t.Run("a check shows every problem beside its field", func(t *testing.T) {
		office := office.as(t)
		office.typeInto(`[data-path="party.min"] input`, "21")
		office.click("#check-plan")
		office.waitFor(`document.querySelectorAll('#problem-list li').length === 2`)
		rules := evalJSON[[]string](office, `[...document.querySelectorAll('#problem-list li')].map(li => li.dataset.rule)`)
		if strings.Join(rules, " ") != workflow.RulePlanCalendarEmpty+" "+workflow.RulePlanUnreachable {
			t.Fatalf("the problems listed: %v", rules)
		}
		if got := office.text(`#plan-form [data-path="party"] > .vmsg.err`); !strings.Contains(got, "达不到100分") {
			t.Fatalf("beside the party ranges: %q", got)
		}
		if got := office.text(`#plan-form [data-path="calendar.holidays"] > .vmsg.err`); !strings.Contains(got, "放假日期") {
			t.Fatalf("beside the holidays: %q", got)
		}
		// The list names the fields in words, never by their paths.
		list := office.text("#problem-list")
		if strings.Contains(list, "party") || strings.Contains(list, "calendar") || !strings.Contains(list, "党建指标") {
			t.Fatalf("the problem list reads %q", list)
		}
		office.run(chromedp.ScrollIntoView(chromedp.CSS("#plan-problems")))
		office.screenshot("plan-check-problems")
		office.typeInto(`[data-path="party.min"] input`, "15")
	})

	workdays := []string{"2020-04-26", "2020-05-09", "2020-06-28", "2020-09-27", "2020-10-10"}
	t.Run("the office fills the 2020 calendar and saves it", func(t *testing.T) {
		office := office.as(t)
		office.typeInto("#paste-holidays", "2020-01-01\n春节：1月24日至2月2日\n2020-04-04..2020-04-06\n2020年5月1日至5月5日\n2020-06-25至2020-06-27\n2020-10-01..2020-10-08")
		office.click("#cal-paste-holidays")
		office.waitFor(`document.querySelectorAll('[data-cal-row^="holidays:"]').length === 6`)
		office.waitFor(`!document.querySelector('#calendar-empty')`)
		for i, d := range workdays {
			office.click("#cal-add-workdays")
			office.setInput(fmt.Sprintf(`[data-cal-row="workdays:%d"] input[data-end="from"]`, i), d)
		}
		if got := office.text(`[data-cal-row="holidays:1"] .cal-note`); got != "共10天" {
			t.Fatalf("the Spring Festival's run reads %q", got)
		}
		// A day of the next year is marked on its own run.
		office.click("#cal-add-workdays")
		office.setInput(`[data-cal-row="workdays:5"] input[data-end="from"]`, "2021-01-02")
		office.click("#check-plan")
		office.waitFor(`document.querySelector('[data-cal-row="workdays:5"] .vmsg.err')`)
		if got := office.text(`[data-cal-row="workdays:5"] .vmsg.err`); !strings.Contains(got, "不在2020年内") {
			t.Fatalf("beside the run of 2021: %q", got)
		}
		if n := evalJSON[int](office, `document.querySelectorAll('#plan-form .cal-row .vmsg.err').length`); n != 1 {
			t.Fatalf("%d runs marked, want the one of 2021", n)
		}
		office.closeToasts()
		office.clickCentered(`button[data-action="cal-del"][data-cal="workdays"][data-row="5"]`)
		office.waitFor(`document.querySelectorAll('[data-cal-row^="workdays:"]').length === 5`)
		office.run(chromedp.ScrollIntoView(chromedp.CSS("#part-calendar")))
		office.screenshot("plan-calendar")
		office.click("#save-plan")
		office.waitFor(`document.querySelector('#plan-state').dataset.version === '2'`)
		v, p := e.planVersionOf(t, 2020, 2)
		if len(v.Problems) != 0 || v.State != "draft" {
			t.Fatalf("version 2: %s, problems %v", v.State, v.Problems)
		}
		for _, d := range []string{"2020-01-01", "2020-01-31", "2020-02-02", "2020-10-08", "2020-06-26"} {
			if p.Calendar.IsWorkday(workflow.MustDate(d)) {
				t.Errorf("%s is a working day in the saved plan", d)
			}
		}
		for _, d := range workdays {
			if !p.Calendar.IsWorkday(workflow.MustDate(d)) {
				t.Errorf("%s is a day off in the saved plan", d)
			}
		}
		if p.Party.Min != 15*workflow.Point {
			t.Fatalf("party.min saved as %s", p.Party.Min)
		}
	})

	t.Run("checked and published after a confirmation", func(t *testing.T) {
		office := office.as(t)
		office.click("#check-plan")
		office.waitFor(`document.querySelector('#plan-valid')`)
		office.dialogSays("#publish-plan", "发布2020年度考核方案第2版")
		office.click("#confirm-ok")
		office.waitFor(`document.querySelector('#plan-state').dataset.state === 'published'`)
		e.mustDo("GET", "/api/v1/plans/2020", "unitA", nil, 200)
		if n := evalJSON[int](office, `document.querySelectorAll('#annexes-xlsx, #annexes-docx').length`); n != 2 {
			t.Fatal("the blank annexes are not offered once the plan is in force")
		}
	})

	unit := e.browse()
	unit.login("gjz", "password-gjz")
	t.Run("a unit drafts its tables against 2020", func(t *testing.T) {
		unit := unit.as(t)
		unit.settled()
		if got := evalJSON[string](unit, `document.querySelector('#year-switch').value`); got != "2020" {
			t.Fatalf("the unit's pages open on %s, want the current year", got)
		}
		unit.goTo("#/units/gjz")
		unit.waitState("none")
		unit.typeInto(`[data-path="business[0].points"] input`, "11")
		unit.click("#save")
		unit.waitState("draft")
		var sub struct {
			Version  int `json:"version"`
			Business []struct {
				Points float64 `json:"points"`
			} `json:"business"`
		}
		e.mustDecode("GET", "/api/v1/plans/2020/units/gjz/submission", "unitA", nil, 200, &sub)
		if sub.Version != 1 || sub.Business[0].Points != 11 {
			t.Fatalf("the 2020 draft: %+v", sub)
		}
	})

	t.Run("a correction that breaks the stored table names the unit first", func(t *testing.T) {
		office := office.as(t)
		office.typeInto(`[data-path="business.max"] input`, "10")
		office.typeInto("#plan-note", "业务指标每项最高10分")
		office.click("#save-plan")
		office.waitFor(`document.querySelector('#plan-state').dataset.version === '3' && document.querySelector('#publish-plan') && !document.querySelector('#publish-plan').disabled`)
		office.dialogSays("#publish-plan", "代替现在的方案")
		office.click("#confirm-ok")
		office.waitFor(`document.querySelector('#confirm-dialog #broken-units')`)
		units := evalJSON[[]string](office, `[...document.querySelectorAll('#broken-units li')].map(li => li.dataset.unit)`)
		if len(units) != 1 || units[0] != "gjz" {
			t.Fatalf("the second dialog lists %v", units)
		}
		if got := office.text("#broken-units"); !strings.Contains(got, "甘井子区总工会") || !strings.Contains(got, "B1") {
			t.Fatalf("the second dialog reads %q", got)
		}
		var inForce struct {
			Business struct {
				Max float64 `json:"max"`
			} `json:"business"`
		}
		e.mustDecode("GET", "/api/v1/plans/2020", "office", nil, 200, &inForce)
		if inForce.Business.Max != 11 {
			t.Fatalf("before the second confirmation the plan in force has max %v", inForce.Business.Max)
		}
		office.screenshot("plan-publish-breaks")
		office.click("#confirm-ok")
		office.waitFor(`document.querySelector('#plan-state').dataset.version === '3' && document.querySelector('#plan-state').dataset.state === 'published'`)
		e.mustDecode("GET", "/api/v1/plans/2020", "office", nil, 200, &inForce)
		if inForce.Business.Max != 10 {
			t.Fatalf("after the confirmation the plan in force has max %v", inForce.Business.Max)
		}
		states := evalJSON[[]string](office, `[...document.querySelectorAll('#versions tbody tr')].map(r => r.dataset.state)`)
		if strings.Join(states, " ") != "published superseded draft" {
			t.Fatalf("the versions read %v", states)
		}
		if got := evalJSON[string](office, `document.querySelector('#year-switch').selectedOptions[0].text`); got != "2020年度" {
			t.Fatalf("the year switcher reads %q after the publication", got)
		}
		office.closeToasts()
		office.run(chromedp.ScrollIntoView(chromedp.CSS("#plan-versions")))
		office.screenshot("plan-versions")
	})

	t.Run("the versions and the blank annexes download as the API sends them", func(t *testing.T) {
		office := office.as(t)
		dir := t.TempDir()
		office.allowDownloads(dir)
		for _, f := range []struct{ css, name, api string }{
			{`#versions tr[data-version="2"] [data-action="download-yaml"]`, "2020年度考核方案-第2版.yaml", "/api/v1/plans/2020/versions/2/plan.yaml"},
			{"#annexes-docx", "2020年度实绩考核指标表（附件1-3）.docx", "/api/v1/plans/2020/annexes.docx"},
		} {
			office.clickCentered(f.css)
			got := waitFile(t, filepath.Join(dir, f.name))
			if status, want := e.do("GET", f.api, "office", nil); status != 200 || !bytes.Equal(got, want) {
				t.Fatalf("%s: downloaded %d bytes, the API sends %d (status %d)", f.name, len(got), len(want), status)
			}
		}
	})

	t.Run("a save on a stale version keeps the edits", func(t *testing.T) {
		office := office.as(t)
		mine := "2020年度各区市县总工会实绩考核工作指标（修订）"
		office.typeInto(`[data-path="title"] textarea`, mine)
		// A colleague saves a version meanwhile.
		v3, _ := e.planVersionOf(t, 2020, 3)
		e.mustDo("PUT", "/api/v1/plans/2020/draft", "office", map[string]any{"version": 3, "plan": v3.Plan, "note": "同事的修改"}, 200)
		office.click("#save-plan")
		office.waitFor(`document.querySelector('#plan-conflict')`)
		if got := evalJSON[string](office, `document.querySelector('[data-path="title"] textarea').value`); got != mine {
			t.Fatalf("after the conflict the title reads %q", got)
		}
		office.click("#plan-overwrite")
		office.waitFor(`document.querySelector('#plan-state').dataset.version === '5'`)
		if v, p := e.planVersionOf(t, 2020, 5); p.Title != mine || v.State != "draft" {
			t.Fatalf("version 5: %s %q", v.State, p.Title)
		}
	})

	t.Run("the editor on a phone", func(t *testing.T) {
		office := office.as(t)
		office.viewport(390)
		office.goTo("#/")
		office.settled()
		office.goTo("#/plan")
		office.settled()
		office.waitFor(`document.querySelector('#part-calendar')`)
		if over, where := office.overflow(); over > 0 {
			t.Fatalf("the plan editor is %d px wider than a phone (%s)", over, where)
		}
		office.closeToasts()
		office.run(chromedp.ScrollIntoView(chromedp.CSS(`[data-cal-row="holidays:1"]`)))
		office.screenshot("plan-phone")
		office.viewport(1440)
	})

	t.Run("units read the plan in force and cannot edit it", func(t *testing.T) {
		unit := unit.as(t)
		unit.goTo("#/plan")
		unit.settled()
		unit.waitFor(`document.querySelector('#part-business')`)
		if n := evalJSON[int](unit, `document.querySelectorAll('#plan-form input, #plan-form textarea, #plan-form select, #save-plan, #publish-plan, #plan-versions').length`); n != 0 {
			t.Fatalf("a unit's plan page has %d controls that change the plan", n)
		}
		if got := unit.text("#part-business"); !strings.Contains(got, "B13") {
			t.Fatalf("the business indicators read %.200q", got)
		}
		if n := evalJSON[int](unit, `document.querySelectorAll('#annexes-xlsx, #annexes-docx').length`); n != 2 {
			t.Fatal("a unit cannot download the blank annexes")
		}
	})
}
