package api_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// The execution pages in headless Chromium: a unit reports a node through
// the page, the office reviews it in the queue, points show on both sides
// and in the progress page; monthly counts are reported, corrected, seen
// and imported; a viewer finds nothing to change.

// upload chooses files for the upload form of node id (open) and sends it.
func (b *tab) upload(id int64, note string, paths ...string) {
	b.t.Helper()
	form := fmt.Sprintf(`form[data-form="upload"][data-node="%d"]`, id)
	b.waitFor(fmt.Sprintf("document.querySelector(%q)", form))
	b.run(chromedp.SetUploadFiles(chromedp.CSS(form+` input[type="file"]`), paths))
	if note != "" {
		b.typeInto(form+` textarea[name="note"]`, note)
	}
	b.click(form + ` button[type="submit"]`)
}

// openNode opens the detail row of node id on a unit's execution page.
func (b *tab) openNode(id int64) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf(`document.querySelector('tr.node-row[data-node="%d"]')`, id))
	b.click(fmt.Sprintf(`button[data-action="toggle-node"][data-id="%d"]`, id))
	b.waitFor(fmt.Sprintf(`document.querySelector('[data-node-detail="%d"]')`, id))
}

// rowState is the state the page shows for node id.
func (b *tab) rowState(id int64) string {
	b.t.Helper()
	return evalJSON[string](b, fmt.Sprintf(`(document.querySelector('tr.node-row[data-node="%d"]') || {dataset: {}}).dataset.state || ""`, id))
}

// allowDownloads saves this tab's downloads in dir under the names the
// page gives them.
func (b *tab) allowDownloads(dir string) {
	b.t.Helper()
	id := chromedp.FromContext(b.ctx).BrowserContextID
	b.run(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: id, DownloadPath: dir,
		})
		return err
	}))
}

// waitFile waits until path exists with its whole content (Chromium
// writes a .crdownload first and renames it when done).
func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil {
			return b
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(filepath.Dir(path))
			t.Fatalf("download %s did not arrive; the folder holds %v", path, entries)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrowserExecution: a unit uploads a file with a Chinese name through
// the page and sees the node reported; a file over the limit shows the
// server's 413 message and stores nothing; the office sends the node back
// with a comment, the unit sees it and reports again; the office downloads
// the file under its Chinese name, is told at the field that 9 points are
// too many, accepts with 6.5; the unit and the progress page show 6.5.
func TestBrowserExecution(t *testing.T) {
	e := newEnv(t, "sqlite")
	nodes := e.executing()
	var p1 nodeJSON // the first node of P1, due 2019-06-30, worth 7
	for _, n := range nodes {
		if n.Indicator == "P1" {
			p1 = n
			break
		}
	}
	if p1.ID == 0 || p1.Points != 7 || p1.Due != "2019-06-30" {
		t.Fatalf("fixture changed: first P1 node %+v", p1)
	}
	dir := t.TempDir()
	name := "动员会会议纪要（第1次）.pdf"
	content := pdfOfSize(t, 3000)
	if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "全年活动照片汇编.pdf")
	if err := os.WriteFile(big, pdfOfSize(t, testMaxFileBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}

	unit := e.browse()
	unit.login("gjz", "password-gjz")
	unit.click(`nav a[href="#/exec/gjz"]`)
	unit.waitFor(`document.querySelectorAll('tr.node-row').length > 0`)

	t.Run("nodes are grouped by checkpoint with their lights", func(t *testing.T) {
		unit := unit.as(t)
		cps := evalJSON[[]string](unit, `[...document.querySelectorAll('section.checkpoint')].map(s => s.dataset.checkpoint)`)
		if strings.Join(cps, ",") != "2019-06-30,2019-09-30,2019-11-30" {
			t.Fatalf("checkpoint sections %v", cps)
		}
		if n := evalJSON[int](unit, `document.querySelectorAll('tr.node-row').length`); n != len(nodes) {
			t.Fatalf("%d node rows, want %d", n, len(nodes))
		}
		row := unit.text(fmt.Sprintf(`tr.node-row[data-node="%d"]`, p1.ID))
		for _, want := range []string{"待报送", "7", "实施方案文件"} {
			if !strings.Contains(row, want) {
				t.Errorf("P1's row %q lacks %q", row, want)
			}
		}
		// 20 days before the checkpoint: green.
		if c := evalJSON[string](unit, fmt.Sprintf(`document.querySelector('tr.node-row[data-node="%d"]').dataset.colour`, p1.ID)); c != "green" {
			t.Fatalf("P1's light is %q on June 10", c)
		}
		unit.screenshot("exec-unit-nodes")
	})

	t.Run("a file over the limit shows the server's 413 message and stores nothing", func(t *testing.T) {
		unit := unit.as(t)
		before := e.wantConsistent()
		unit.openNode(p1.ID)
		unit.upload(p1.ID, "", big)
		form := fmt.Sprintf(`form[data-node="%d"] .form-result .error`, p1.ID)
		unit.waitFor(fmt.Sprintf("document.querySelector(%q)", form))
		msg := unit.text(form)
		if !strings.Contains(msg, "文件过大") || !strings.Contains(msg, "没有保存") {
			t.Fatalf("413 message reads %q", msg)
		}
		unit.screenshot("exec-413")
		if n := e.node(p1.ID, "office"); n.State != "pending" || len(n.Evidence) != 0 {
			t.Fatalf("after the refused upload the node is %s with %d files", n.State, len(n.Evidence))
		}
		if after := e.wantConsistent(); len(after.files) != len(before.files) {
			t.Fatalf("files on disk went from %d to %d", len(before.files), len(after.files))
		}
	})

	t.Run("the unit uploads a file with a Chinese name and sees it reported", func(t *testing.T) {
		unit := unit.as(t)
		unit.upload(p1.ID, "动员会材料", filepath.Join(dir, name))
		unit.waitFor(fmt.Sprintf(`document.querySelector('tr.node-row[data-node="%d"]').dataset.state === 'reported'`, p1.ID))
		files := evalJSON[[]string](unit, fmt.Sprintf(`[...document.querySelectorAll('[data-node-detail="%d"] tr[data-evidence] a')].map(a => a.textContent)`, p1.ID))
		if len(files) != 1 || files[0] != name {
			t.Fatalf("the page lists %q, want %q", files, name)
		}
		unit.screenshot("exec-reported")
		n := e.node(p1.ID, "office")
		if n.State != "reported" || len(n.Evidence) != 1 || n.Evidence[0].Name != name || n.Evidence[0].SHA256 != hashOf(content) {
			t.Fatalf("stored node %+v", n)
		}
	})

	office := e.browse()
	office.login("admin", "admin-password")
	queueRow := fmt.Sprintf(`#queue tr[data-node="%d"]`, p1.ID)
	reviewForm := queueRow + ` form[data-form="review"]`

	t.Run("the office sends it back with a comment", func(t *testing.T) {
		office := office.as(t)
		office.click(`nav a[href="#/reviews"]`)
		office.waitFor(fmt.Sprintf(`document.querySelector('%s [data-action="download"]')`, queueRow))
		office.click(reviewForm + ` button[value="reject"]`)
		office.waitFor(fmt.Sprintf(`document.querySelector('%s [data-path="comment"] .vmsg.err')`, reviewForm))
		if n := e.node(p1.ID, "office"); n.State != "reported" {
			t.Fatalf("a rejection without a comment changed the node to %s", n.State)
		}
		office.typeInto(reviewForm+` textarea[name="comment"]`, "缺少动员会签到表")
		office.click(reviewForm + ` button[value="reject"]`)
		office.waitFor(fmt.Sprintf(`document.querySelector('%s').dataset.state === 'rejected'`, queueRow))
	})

	t.Run("the unit sees the comment and reports again", func(t *testing.T) {
		unit := unit.as(t)
		unit.run(chromedp.Reload())
		unit.waitFor(fmt.Sprintf(`document.querySelector('tr.node-row[data-node="%d"] .rejection')`, p1.ID))
		if got := unit.text(fmt.Sprintf(`tr.node-row[data-node="%d"] .rejection`, p1.ID)); !strings.Contains(got, "缺少动员会签到表") {
			t.Fatalf("rejection shown as %q", got)
		}
		unit.screenshot("exec-rejected")
		unit.openNode(p1.ID)
		sign := filepath.Join(dir, "签到表.jpg")
		if err := os.WriteFile(sign, evidenceFixture(t, "签到表.jpg"), 0o644); err != nil {
			t.Fatal(err)
		}
		unit.upload(p1.ID, "补充签到表", sign)
		unit.waitFor(fmt.Sprintf(`document.querySelector('tr.node-row[data-node="%d"]').dataset.state === 'reported'`, p1.ID))
		if n := e.node(p1.ID, "office"); n.State != "reported" || len(n.Evidence) != 2 {
			t.Fatalf("after reporting again: %s with %d files", n.State, len(n.Evidence))
		}
	})

	t.Run("the unit withdraws a file it sent by mistake", func(t *testing.T) {
		unit := unit.as(t)
		wrong := filepath.Join(dir, "错传的照片.png")
		if err := os.WriteFile(wrong, evidenceFixture(t, "活动照片.png"), 0o644); err != nil {
			t.Fatal(err)
		}
		unit.upload(p1.ID, "", wrong)
		btn := fmt.Sprintf(`[data-node-detail="%d"] button[data-action="withdraw"][data-name="错传的照片.png"]`, p1.ID)
		unit.waitFor(fmt.Sprintf("document.querySelector(%q)", btn))
		unit.click(btn)
		unit.waitFor(`document.querySelector('#confirm-dialog')`)
		if n := e.node(p1.ID, "office"); len(n.Evidence) != 3 {
			t.Fatalf("the dialog alone withdrew already: %d files", len(n.Evidence))
		}
		unit.click("#confirm-ok")
		unit.waitFor(fmt.Sprintf("!document.querySelector(%q) && document.querySelector('[data-node-detail=\"%d\"] .ok')", btn, p1.ID))
		n := e.node(p1.ID, "office")
		if n.State != "reported" || len(n.Evidence) != 2 {
			t.Fatalf("after the withdrawal: %s with %d files", n.State, len(n.Evidence))
		}
		for _, f := range n.Evidence {
			if f.Name == "错传的照片.png" {
				t.Fatal("the withdrawn file is still listed")
			}
		}
	})

	t.Run("the office downloads the file under its Chinese name", func(t *testing.T) {
		office := office.as(t)
		downloads := t.TempDir()
		office.allowDownloads(downloads)
		office.run(chromedp.Reload())
		link := fmt.Sprintf(`%s a[data-action="download"][data-name=%q]`, queueRow, name)
		office.waitFor(fmt.Sprintf("document.querySelector(%q)", link))
		office.click(link)
		if got := waitFile(t, filepath.Join(downloads, name)); !bytes.Equal(got, content) {
			t.Fatalf("downloaded %d bytes, want the %d uploaded", len(got), len(content))
		}
	})

	t.Run("points out of range are shown at the field, then accepted", func(t *testing.T) {
		office := office.as(t)
		office.typeInto(reviewForm+` input[name="points"]`, "9")
		office.click(reviewForm + ` button[value="accept"]`)
		field := reviewForm + ` [data-path="points"] .vmsg.err`
		office.waitFor(fmt.Sprintf("document.querySelector(%q)", field))
		if msg := office.text(field); !strings.Contains(msg, "7") {
			t.Fatalf("422 at points reads %q", msg)
		}
		office.screenshot("exec-queue-422")
		if n := e.node(p1.ID, "office"); n.State != "reported" || n.Awarded != nil {
			t.Fatalf("a refused review changed the node: %+v", n)
		}
		office.typeInto(reviewForm+` input[name="points"]`, "6.5")
		office.typeInto(reviewForm+` textarea[name="comment"]`, "材料齐全")
		office.click(reviewForm + ` button[value="accept"]`)
		office.waitFor(fmt.Sprintf(`document.querySelector('%s').dataset.state === 'accepted'`, queueRow))
		if got := office.text(queueRow + " .review-cell"); !strings.Contains(got, "6.5") {
			t.Fatalf("after accepting the row reads %q", got)
		}
		if n := e.node(p1.ID, "office"); n.State != "accepted" || n.Awarded == nil || *n.Awarded != 6.5 {
			t.Fatalf("stored review %+v", n)
		}
	})

	t.Run("the unit sees the points and can no longer change the node", func(t *testing.T) {
		unit := unit.as(t)
		unit.run(chromedp.Reload())
		row := fmt.Sprintf(`tr.node-row[data-node="%d"]`, p1.ID)
		unit.waitFor(fmt.Sprintf(`document.querySelector('%s') && document.querySelector('%s').dataset.state === 'accepted'`, row, row))
		if got := unit.text(row + " td.awarded"); got != "6.5" {
			t.Fatalf("awarded cell %q", got)
		}
		if got := unit.text("#exec-awarded"); got != "6.5" {
			t.Fatalf("awarded total %q", got)
		}
		unit.openNode(p1.ID)
		n := evalJSON[int](unit, fmt.Sprintf(`document.querySelectorAll('[data-node-detail="%d"] form, [data-node-detail="%d"] [data-action="withdraw"]').length`, p1.ID, p1.ID))
		if n != 0 {
			t.Fatalf("an accepted node still offers %d upload or withdraw controls", n)
		}
		unit.screenshot("exec-accepted")
	})

	t.Run("the progress page shows the points and leads to the unit's nodes", func(t *testing.T) {
		office := office.as(t)
		office.click(`nav a[href="#/progress"]`)
		office.waitFor(`document.querySelector('#progress tr[data-unit="gjz"]')`)
		if got := office.text(`#progress tr[data-unit="gjz"] td.awarded b`); got != "6.5" {
			t.Fatalf("progress awarded %q", got)
		}
		if got := office.text(`#progress tr[data-unit="gjz"] [data-count="accepted"]`); got != "1" {
			t.Fatalf("progress accepted count %q", got)
		}
		office.screenshot("exec-progress")
		office.click(`#progress tr[data-unit="gjz"] a`)
		office.waitFor(fmt.Sprintf(`document.querySelector('tr.node-row[data-node="%d"]')`, p1.ID))
		if got := office.rowState(p1.ID); got != "accepted" {
			t.Fatalf("click-through shows P1 %q", got)
		}
	})
}

// TestBrowserMonthlyCounts: a unit reports a month and corrects it (the
// earlier value kept); the office sees it in the month's overview with the
// unit that has not reported flagged; an import with bad rows lists them by
// line and imports nothing; a good file fills the month.
func TestBrowserMonthlyCounts(t *testing.T) {
	e := newEnv(t, "sqlite")
	unit := e.browse()
	unit.login("gjz", "password-gjz")
	unit.click(`nav a[href="#/monthly"]`)
	unit.waitFor(`document.querySelectorAll('#monthly tr[data-month]').length > 0`)
	months := evalJSON[[]string](unit, `[...document.querySelectorAll('#monthly tr[data-month]')].map(r => r.dataset.month)`)
	if strings.Join(months, ",") != "2019-06,2019-07,2019-08,2019-09,2019-10,2019-11" {
		t.Fatalf("months %v", months)
	}
	if n := evalJSON[int](unit, `document.querySelectorAll('#monthly tr[data-month="2019-07"] form').length`); n != 0 {
		t.Fatal("July can be reported on June 10")
	}
	june := `#monthly tr[data-month="2019-06"]`

	t.Run("report and correct", func(t *testing.T) {
		unit := unit.as(t)
		unit.typeInto(june+` input[name="count"]`, "12,034")
		unit.click(june + ` button[type="submit"]`)
		unit.waitFor(fmt.Sprintf(`document.querySelector('%s').dataset.reported === 'true'`, june))
		if got := unit.text(june + " td.count"); got != "12,034" {
			t.Fatalf("count shown %q", got)
		}
		unit.typeInto(june+` input[name="count"]`, "-5")
		unit.click(june + ` button[type="submit"]`)
		unit.waitFor(fmt.Sprintf(`document.querySelector('%s [data-path="count"] .vmsg.err')`, june))
		unit.typeInto(june+` input[name="count"]`, "12100")
		unit.click(june + ` button[type="submit"]`)
		unit.waitFor(fmt.Sprintf(`document.querySelector('%s td.count').textContent === '12,100'`, june))
		if got := unit.text(june + " td.history"); !strings.Contains(got, "12,034") {
			t.Fatalf("history shows %q", got)
		}
		unit.screenshot("monthly-unit")
		var hist []struct{ Count int64 }
		e.mustDecode("GET", "/api/v1/plans/2019/units/gjz/monthly/2019-06", "office", nil, 200, &hist)
		if len(hist) != 2 || hist[0].Count != 12034 || hist[1].Count != 12100 {
			t.Fatalf("stored history %+v", hist)
		}
	})

	office := e.browse()
	office.login("admin", "admin-password")
	t.Run("the office sees the month with zs not reported, then overdue", func(t *testing.T) {
		office := office.as(t)
		office.click(`nav a[href="#/monthly"]`)
		office.waitFor(`document.querySelector('#monthly tr[data-unit="gjz"]')`)
		if got := office.text(`#monthly tr[data-unit="gjz"] td.count`); got != "12,100" {
			t.Fatalf("gjz's count in the overview %q", got)
		}
		if got := office.text("#not-reported"); !strings.Contains(got, "中山区总工会") {
			t.Fatalf("not reported %q", got)
		}
		e.clock.Set(time.Date(2019, 7, 6, 9, 0, 0, 0, shanghai))
		office.run(chromedp.Reload())
		office.waitFor(`document.querySelector('#monthly tr[data-unit="zs"]')`)
		if got := office.text(`#monthly tr[data-unit="zs"] td.count`); got != "逾期未报" {
			t.Fatalf("zs after the due day %q", got)
		}
	})

	t.Run("an import with bad rows lists them and imports nothing", func(t *testing.T) {
		office := office.as(t)
		dir := t.TempDir()
		bad := filepath.Join(dir, "6月数量（有误）.csv")
		if err := os.WriteFile(bad, monthlyFixture(t, "counts-bad.csv"), 0o644); err != nil {
			t.Fatal(err)
		}
		office.run(chromedp.SetUploadFiles(chromedp.CSS(`#import-form input[type="file"]`), []string{bad}))
		office.click(`#import-form button[type="submit"]`)
		office.waitFor(`document.querySelector('#import-result .error')`)
		msg := office.text("#import-result")
		for _, want := range []string{"第3行", "第4行", "第5行", "都没有导入"} {
			if !strings.Contains(msg, want) {
				t.Errorf("import errors %q lack %q", msg, want)
			}
		}
		office.screenshot("monthly-import-errors")
		if o := e.monthly("2019-06"); len(o.NotReported) != 1 || *o.Units[0].Count != 12100 {
			t.Fatalf("a refused import changed the month: %+v", o)
		}
		good := filepath.Join(dir, "counts-2019-06.csv")
		if err := os.WriteFile(good, monthlyFixture(t, "counts-2019-06.csv"), 0o644); err != nil {
			t.Fatal(err)
		}
		office.run(chromedp.SetUploadFiles(chromedp.CSS(`#import-form input[type="file"]`), []string{good}))
		office.click(`#import-form button[type="submit"]`)
		office.waitFor(`document.querySelector('#import-result .ok')`)
		// The system's figures stand beside the units' own: zs has only
		// the system's, gjz both, compared.
		if got := office.text(`#monthly tr[data-unit="zs"] td.system-count`); !strings.HasPrefix(got, "8,800") {
			t.Fatalf("zs after the import %q", got)
		}
		if got := office.text(`#monthly tr[data-unit="zs"] td.count`); got != "未报送" {
			t.Fatalf("zs's own figure after the import %q", got)
		}
		if own, diff := office.text(`#monthly tr[data-unit="gjz"] td.count`), office.text(`#monthly tr[data-unit="gjz"] td.difference`); own != "12,100" || diff != "+66" {
			t.Fatalf("gjz after the import: own %q, difference %q", own, diff)
		}
		office.screenshot("monthly-office")
	})
}

// TestBrowserViewerExecution: a leader sees progress, a unit's nodes with
// their files, the review queue and the monthly overview, and no control
// that changes anything.
func TestBrowserViewerExecution(t *testing.T) {
	e := newEnv(t, "sqlite")
	nodes := e.executing()
	if status, out := e.upload(nodes[0].ID, "unitA", "动员会材料", upFile{"会议纪要.pdf", evidenceFixture(t, "会议纪要.pdf")}); status != 201 {
		t.Fatalf("upload: %d %s", status, out)
	}
	e.mustDo("PUT", "/api/v1/plans/2019/units/gjz/monthly/2019-06", "unitA", map[string]any{"count": 100}, 200)

	viewer := e.browse()
	viewer.login("leader", "password-leader")
	writes := `document.querySelectorAll('#app form[data-form], #app input, #app textarea, [data-action="withdraw"]').length`
	for _, p := range []struct{ link, ready string }{
		{`nav a[href="#/progress"]`, `document.querySelector('#progress tr[data-unit="gjz"]')`},
		{`#progress tr[data-unit="gjz"] a`, `document.querySelector('tr.node-row')`},
		{`nav a[href="#/monthly"]`, `document.querySelector('#monthly tr[data-unit="gjz"]')`},
	} {
		viewer.click(p.link)
		viewer.waitFor(p.ready)
		if n := evalJSON[int](viewer, writes); n != 0 {
			t.Fatalf("after %s a viewer has %d controls that write", p.link, n)
		}
		if p.link == `#progress tr[data-unit="gjz"] a` {
			// Sunday June 30 shows the day it moved to; Monday September 30 does not move.
			if h := viewer.text(`section.checkpoint[data-checkpoint="2019-06-30"] h3`); !strings.Contains(h, "截止：6月30日前（遇休息日顺延至7月1日）") {
				t.Fatalf("the June checkpoint reads %q", h)
			}
			if h := viewer.text(`section.checkpoint[data-checkpoint="2019-09-30"] h3`); !strings.Contains(h, "截止：9月30日前；") {
				t.Fatalf("the September checkpoint reads %q", h)
			}
			viewer.openNode(nodes[0].ID)
			viewer.waitFor(fmt.Sprintf(`document.querySelector('[data-node-detail="%d"] a[data-action="download"]')`, nodes[0].ID))
			if n := evalJSON[int](viewer, writes); n != 0 {
				t.Fatalf("a node's detail offers a viewer %d controls that write", n)
			}
		}
	}
	// June 30 2019 is a Sunday: the June checkpoint ends with Monday
	// July 1. On July 2 the June nodes without a report are overdue: red.
	e.clock.Set(time.Date(2019, 7, 2, 9, 0, 0, 0, shanghai))
	viewer.click(`nav a[href="#/progress"]`)
	viewer.waitFor(`document.querySelector('#progress tr[data-unit="gjz"]') && document.querySelector('#progress tr[data-unit="gjz"]').dataset.colour === 'red'`)
	var june int
	for _, n := range nodes {
		if n.Due == "2019-06-30" {
			june++
		}
	}
	if got := viewer.text(`#progress tr[data-unit="gjz"] [data-count="overdue"]`); got != fmt.Sprint(june-1) {
		t.Fatalf("overdue on July 2: %q, want %d (every June node but the reported one)", got, june-1)
	}
	if n := evalJSON[int](viewer, `document.querySelectorAll('nav a[href="#/reviews"]').length`); n != 0 {
		t.Fatal("a viewer is offered the review queue")
	}
	viewer.goTo("#/reviews")
	viewer.waitFor(fmt.Sprintf(`document.querySelector('#queue tr[data-node="%d"]')`, nodes[0].ID))
	if n := evalJSON[int](viewer, writes); n != 0 {
		t.Fatalf("the review queue offers a viewer %d controls that write", n)
	}
}

// TestMeReportsServerClock: GET /me carries the server's clock, which the
// pages use for "not begun" and "overdue".
func TestMeReportsServerClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	at := time.Date(2019, 7, 6, 9, 30, 0, 0, shanghai)
	e.clock.Set(at)
	var me struct {
		Username string    `json:"username"`
		Now      time.Time `json:"now"`
	}
	e.mustDecode("GET", "/api/v1/me", "unitA", nil, 200, &me)
	if me.Username != "gjz" || !me.Now.Equal(at) {
		t.Fatalf("GET /me = %+v, want gjz at %s", me, at)
	}
}
