package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kaohe/internal/testdb"
	"kaohe/internal/testenv"
)

// The browser tests drive the web pages in a real headless Chromium, as the
// office and a unit would: one browser for the whole test binary, a fresh
// browser context (its own storage, so its own login) for each user.

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
)

// errNoChromium says that no Chromium is installed here.
var errNoChromium = errors.New("chromium not found (apt-get install -y chromium)")

func chromiumPath() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser starts the binary's one Chromium on first use; testdb.Main
// stops it and removes its profile after the tests.
func startBrowser() (context.Context, error) {
	browserOnce.Do(func() {
		path := chromiumPath()
		if path == "" {
			browserErr = errNoChromium
			return
		}
		dir, err := os.MkdirTemp("", "kaohe-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-quic", true),
			chromedp.NoFirstRun,
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1440, 1000),
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(allocCtx)
		testdb.AtExit(func() {
			cancel()
			cancelAlloc()
			os.RemoveAll(dir)
		})
		if err := chromedp.Do(ctx); err != nil {
			browserErr = fmt.Errorf("start %s: %w", path, err)
			return
		}
		browserCtx = ctx
	})
	return browserCtx, browserErr
}

// tab is one user's browser: its own browser context, so its own
// localStorage and login, on the test's server.
type tab struct {
	t    testing.TB
	ctx  context.Context
	base string
}

// browse opens a new browser context on e's server. Without Chromium the
// test is skipped, except under CI=true, where it fails.
func (e *env) browse() *tab {
	e.t.Helper()
	parent, err := startBrowser()
	if err != nil {
		if !errors.Is(err, errNoChromium) {
			e.t.Fatalf("browser: %v", err)
		}
		testenv.Missing(e.t, "Chromium", err)
	}
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	e.t.Cleanup(cancel)
	// A tab shares one Chromium and two cores with every other browser
	// test running in parallel: its whole life is bounded, generously.
	tctx, tcancel := context.WithTimeout(ctx, 180*time.Second)
	e.t.Cleanup(tcancel)
	b := &tab{t: e.t, ctx: tctx, base: e.srv.URL}
	b.run(chromedp.Navigate(b.base + "/"))
	return b
}

// dialogSays clicks sel and waits for the confirmation dialog it opens,
// which must say each of want; the caller answers it.
func (b *tab) dialogSays(sel string, want ...string) {
	b.t.Helper()
	b.click(sel)
	b.waitFor(`document.querySelector('#confirm-dialog')`)
	got := b.text("#confirm-dialog")
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.t.Fatalf("the dialog of %s reads %q, want %q in it", sel, got, w)
		}
	}
}

// as returns the tab reporting to t (a subtest).
func (b *tab) as(t *testing.T) *tab {
	c := *b
	c.t = t
	return &c
}

func (b *tab) run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v\npage: %s", err, b.pageText())
	}
}

// pageText is what the user sees in the main area, for failure messages.
func (b *tab) pageText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('#app') || document.body).innerText.slice(0, 1500)`))
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return s
}

// waitFor waits until the JavaScript expression is truthy in the page.
func (b *tab) waitFor(expr string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		b.t.Fatalf("waiting for %s: %v\npage: %s", expr, err, b.pageText())
	}
}

func evalJSON[T any](b *tab, expr string) T {
	b.t.Helper()
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string]("JSON.stringify("+expr+")"))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	var v T
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func (b *tab) text(css string) string {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("document.querySelector(%q)", css))
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// typeInto replaces the text of a field by typing, as a user does.
func (b *tab) typeInto(css, text string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("document.querySelector(%q)", css))
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("document.querySelector(%q).value = ''", css))); err != nil {
		b.t.Fatal(err)
	}
	b.run(chromedp.SendKeys(chromedp.CSS(css), text))
}

func (b *tab) click(css string) {
	b.t.Helper()
	b.run(chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// goTo changes the page's route as a click on a link does.
func (b *tab) goTo(hash string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("location.hash = %q", hash))); err != nil {
		b.t.Fatal(err)
	}
}

func (b *tab) login(user, password string) {
	b.t.Helper()
	b.typeInto("#username", user)
	b.typeInto("#password", password)
	b.click("#login-button")
	b.waitFor(fmt.Sprintf("document.querySelector('#whoami') && document.querySelector('#whoami').innerText.includes(%q)", user))
}

// waitState waits until the submission page shows state.
func (b *tab) waitState(state string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("document.querySelector('#sub-state') && document.querySelector('#sub-state').dataset.state === %q", state))
}

// screenshot writes a PNG of the page to $KAOHE_SCREENSHOTS, when set (for
// looking at the pages during development).
func (b *tab) screenshot(name string) {
	dir := os.Getenv("KAOHE_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot: %v", err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
}

// screenshotPage is screenshot of the whole page, beyond the screen's
// height.
func (b *tab) screenshotPage(name string) {
	dir := os.Getenv("KAOHE_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot: %v", err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
}

// fullDoc reads gjz's submission as the office, with its document.
type fullDoc struct {
	subView
	Party    []indicatorJSON `json:"party"`
	Business []indicatorJSON `json:"business"`
}

type indicatorJSON struct {
	Code  string `json:"code"`
	Works []struct {
		Title string `json:"title"`
		Nodes []struct {
			Standard string `json:"standard"`
		} `json:"nodes"`
	} `json:"works"`
}

func (e *env) fullSub(t *testing.T) fullDoc {
	t.Helper()
	status, out := e.do("GET", subPath, "office", nil)
	var d fullDoc
	if err := json.Unmarshal(out, &d); status != 200 || err != nil {
		t.Fatalf("GET %s: %d %s", subPath, status, out)
	}
	return d
}

// TestBrowserSubmissionWorkflow walks the whole cycle through the pages: the
// unit edits its imported tables, sees a violation beside the field, fixes
// it and submits; the office returns it with a comment on B3; the unit sees
// the comment and resubmits; the office certifies and releases.
func TestBrowserSubmissionWorkflow(t *testing.T) {
	e := newEnv(t, "sqlite")
	// The unit imported its tables through the API before opening the page.
	e.mustDo("PUT", subPath, "unitA", withVersion(validDoc(t), 0), 201)

	unit := e.browse()
	unit.login("gjz", "password-gjz")
	if who := unit.text("#whoami"); !strings.Contains(who, "甘井子区总工会") {
		t.Errorf("whoami = %q, want the unit's name", who)
	}

	t.Run("a unit sees only itself", func(t *testing.T) {
		unit := unit.as(t)
		unit.goTo("#/tables")
		unit.waitFor(`document.querySelectorAll('#overview tr[data-unit]').length > 0`)
		rows := evalJSON[[]string](unit, `[...document.querySelectorAll('#overview tr[data-unit]')].map(r => r.dataset.unit)`)
		if len(rows) != 1 || rows[0] != "gjz" {
			t.Fatalf("overview rows = %v, want only gjz", rows)
		}
		unit.goTo("#/units/zs")
		unit.waitFor(`document.querySelector('#app .error')`)
		if msg := unit.text("#app .error"); !strings.Contains(msg, "不存在") {
			t.Fatalf("another unit's page says %q", msg)
		}
	})

	std := `[data-path="business[2].works[0].nodes[0].standard"]`
	unit.goTo("#/units/gjz")
	unit.waitState("draft")
	unit.screenshot("unit-draft")

	t.Run("a violation shows beside its field", func(t *testing.T) {
		unit := unit.as(t)
		unit.typeInto(std+" textarea", "进一步加大困难职工帮扶力度")
		unit.click("#validate")
		unit.waitFor(`document.querySelector('` + std + ` .vmsg.err')`)
		if msg := unit.text(std + " .vmsg.err"); !strings.Contains(msg, "进一步") {
			t.Fatalf("violation beside the standard = %q", msg)
		}
		n := evalJSON[int](unit, `document.querySelectorAll('#tables .vmsg.err').length`)
		if n != 1 {
			t.Fatalf("%d violations marked, want exactly the one field", n)
		}
		unit.run(chromedp.ScrollIntoView(chromedp.CSS(std)))
		unit.screenshot("unit-violation")
		// Nothing was stored by the check.
		if got := e.fullSub(t).Business[2].Works[0].Nodes[0].Standard; strings.Contains(got, "进一步") {
			t.Fatalf("validate stored the draft: %q", got)
		}
	})

	fixed := "6月30日前完成在档困难职工档案复核100%，发放帮扶救助资金不少于60万元"
	t.Run("fixed and submitted", func(t *testing.T) {
		unit := unit.as(t)
		unit.typeInto(std+" textarea", fixed)
		unit.click("#validate")
		unit.waitFor(`document.querySelector('#valid')`)
		if n := evalJSON[int](unit, `document.querySelectorAll('#tables .vmsg.err').length`); n != 0 {
			t.Fatalf("%d violations still marked after the fix", n)
		}
		unit.click("#submit")
		unit.waitState("submitted")
		d := e.fullSub(t)
		if d.State != "submitted" || d.Business[2].Works[0].Nodes[0].Standard != fixed {
			t.Fatalf("after submit: state %s, standard %q", d.State, d.Business[2].Works[0].Nodes[0].Standard)
		}
		if n := evalJSON[int](unit, `document.querySelectorAll('#tables textarea, #tables input').length`); n != 0 {
			t.Fatalf("a submitted table still has %d editable fields", n)
		}
	})

	office := e.browse()
	office.login("admin", "admin-password")
	comment := "B3第1项工作请写明帮扶资金的统计口径"
	t.Run("the office returns it with a comment on B3", func(t *testing.T) {
		office := office.as(t)
		office.goTo("#/tables")
		office.waitFor(`document.querySelectorAll('#overview tr[data-unit]').length === 2`)
		office.click(`#overview tr[data-unit="gjz"] a`)
		office.waitState("submitted")
		office.typeInto(`textarea[data-comment-key="B3"]`, comment)
		office.typeInto("#return-overall", "请按意见修改后重新报送")
		office.screenshot("office-review")
		office.dialogSays("#return", "退回甘井子区总工会的指标表", "1条逐项意见")
		office.click("#confirm-ok")
		office.waitState("returned")
		if d := e.fullSub(t); d.Comments["B3"] != comment || d.Comment != "请按意见修改后重新报送" {
			t.Fatalf("stored comments %q %v", d.Comment, d.Comments)
		}
	})

	t.Run("the unit's workplace gathers the office's comments", func(t *testing.T) {
		unit := unit.as(t)
		unit.goTo("#/")
		unit.waitFor(`document.querySelector('#returned-comments')`)
		if got := unit.text("#returned-comments"); !strings.Contains(got, comment) || !strings.Contains(got, "请按意见修改后重新报送") {
			t.Fatalf("the workplace's comments read %q", got)
		}
		if got := unit.text(`#todo [data-kind="returned_tables"] .count`); got != "2" {
			t.Fatalf("the returned line counts %q comments, want 2", got)
		}
		unit.screenshot("workplace-returned")
		unit.goTo("#/units/gjz")
	})

	t.Run("the unit sees the comment beside B3 and resubmits", func(t *testing.T) {
		unit := unit.as(t)
		unit.run(chromedp.Reload())
		unit.waitState("returned")
		if got := unit.text(`#annex-business [data-comment-for="B3"]`); !strings.Contains(got, comment) {
			t.Fatalf("comment beside B3 = %q", got)
		}
		if got := unit.text("#return-comment"); !strings.Contains(got, "请按意见修改后重新报送") {
			t.Fatalf("overall comment = %q", got)
		}
		unit.screenshot("unit-returned")
		unit.click("#submit")
		unit.waitState("submitted")
	})

	t.Run("the office certifies and releases", func(t *testing.T) {
		office := office.as(t)
		office.run(chromedp.Reload())
		office.waitState("submitted")
		office.click(`.cert[data-index="0"]`)
		office.dialogSays("#certify", "予以认定1项")
		office.click("#confirm-ok")
		office.waitState("certified")
		office.click(`nav a[href="#/tables"]`)
		office.waitFor(`document.querySelector('#release') && !document.querySelector('#release').disabled`)
		office.dialogSays("#release", "甘井子区总工会", "中山区总工会（未填报）")
		office.screenshot("release-dialog")
		office.click("#confirm-ok")
		office.waitFor(`document.querySelector('#overview tr[data-unit="gjz"]').dataset.state === 'executing'`)
		var v struct {
			State               string `json:"state"`
			InnovationCertified []bool `json:"innovation_certified"`
		}
		e.mustDecode("GET", subPath, "office", nil, 200, &v)
		if v.State != "executing" || len(v.InnovationCertified) != 2 || !v.InnovationCertified[0] || v.InnovationCertified[1] {
			t.Fatalf("after release: %+v", v)
		}
	})

	t.Run("the history lists every step with the comments", func(t *testing.T) {
		office := office.as(t)
		office.click(`#overview tr[data-unit="gjz"] a`)
		office.waitState("executing")
		actions := evalJSON[[]string](office, `[...document.querySelectorAll('#history tr[data-action]')].map(r => r.dataset.action)`)
		if strings.Join(actions, ",") != "submit,return,submit,certify,release" {
			t.Fatalf("history = %v", actions)
		}
		if got := office.text(`#history tr[data-history-row="1"]`); !strings.Contains(got, comment) {
			t.Fatalf("return row = %q", got)
		}
		office.click(`button[data-history="0"]`)
		// The first submitted version differs from today's in the fixed standard only.
		changed := evalJSON[[]string](office, `[...document.querySelectorAll('#history-doc .f.changed')].map(f => f.dataset.path)`)
		if len(changed) != 0 {
			// The fix was made before the first submission, so both versions agree.
			t.Fatalf("cells marked changed between identical versions: %v", changed)
		}
	})
}

// TestBrowserStaleSaveKeepsEdits: a save on a version someone else changed
// meanwhile is refused with a clear message, the user's edits stay on the
// page (and survive a reload), and the user can keep them.
func TestBrowserStaleSaveKeepsEdits(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.draft()
	unit := e.browse()
	unit.login("gjz", "password-gjz")
	unit.goTo("#/units/gjz")
	unit.waitState("draft")

	title := `[data-path="party[0].works[0].title"] textarea`
	mine := "开展“不忘初心、牢记使命”主题教育（我的修改）"
	unit.typeInto(title, mine)

	// A reload before saving keeps the edit.
	unit.run(chromedp.Reload())
	unit.waitState("draft")
	unit.waitFor(`document.querySelector('#discard')`)
	if v, _ := chromedp.Run(unit.ctx, chromedp.Value(chromedp.CSS(title))); v != mine {
		t.Fatalf("after reload the title is %q, want the unsaved edit", v)
	}

	// A colleague saves meanwhile.
	doc := validDoc(t)
	doc["innovation"] = []any{}
	e.mustDo("PUT", subPath, "unitA", withVersion(doc, 1), 200)

	unit.click("#save")
	unit.waitFor(`document.querySelector('#conflict')`)
	if msg := unit.text("#result"); !strings.Contains(msg, "没有丢失") {
		t.Fatalf("conflict message = %q", msg)
	}
	if v, _ := chromedp.Run(unit.ctx, chromedp.Value(chromedp.CSS(title))); v != mine {
		t.Fatalf("after the conflict the title is %q, want the user's edit", v)
	}
	if d := e.fullSub(t); d.Version != 2 || d.Party[0].Works[0].Title == mine {
		t.Fatalf("the stale save changed the stored draft: version %d", d.Version)
	}

	unit.click("#overwrite")
	unit.waitFor(`document.querySelector('#result .ok')`)
	if d := e.fullSub(t); d.Version != 3 || d.Party[0].Works[0].Title != mine {
		t.Fatalf("after overwrite: version %d, title %q", d.Version, d.Party[0].Works[0].Title)
	}
}

// TestBrowserOfficeAdministers: the office creates a unit with a contact and
// its account through the page (a bad email is shown beside the field), and
// filters the audit log by unit.
func TestBrowserOfficeAdministers(t *testing.T) {
	e := newEnv(t, "sqlite")
	office := e.browse()
	office.login("admin", "admin-password")
	office.click(`nav a[href="#/admin"]`)
	office.waitFor(`document.querySelector('#unit-form')`)

	office.typeInto("#unit-code", "xg")
	office.typeInto("#unit-name", "西岗区总工会")
	for field, v := range map[string]string{"name": "赵强", "position": "办公室主任", "phone": "0411-83631234", "mobile": "13904110003", "email": "zhaoqiang"} {
		office.typeInto(fmt.Sprintf(`#new-contacts input[data-contact="0"][data-field=%q]`, field), v)
	}
	office.click("#create-unit")
	office.waitFor(`document.querySelector('#unit-form [data-path="contacts[0].email"] .vmsg')`)
	if status, _ := e.do("GET", "/api/v1/units/xg", "office", nil); status != 404 {
		t.Fatalf("a refused unit was created: %d", status)
	}
	office.typeInto(`#new-contacts input[data-contact="0"][data-field="email"]`, "zhaoqiang@xg.example.cn")
	office.click("#create-unit")
	office.waitFor(`document.querySelector('#units tr[data-unit="xg"]')`)
	var u struct {
		Name     string                   `json:"name"`
		Contacts []struct{ Email string } `json:"contacts"`
	}
	e.mustDecode("GET", "/api/v1/units/xg", "office", nil, 200, &u)
	if u.Name != "西岗区总工会" || len(u.Contacts) != 1 || u.Contacts[0].Email != "zhaoqiang@xg.example.cn" {
		t.Fatalf("created unit %+v", u)
	}

	office.typeInto("#user-name", "xg")
	office.typeInto("#user-password", "password-xg")
	office.run(chromedp.SetValue(chromedp.CSS("#user-unit"), "xg"))
	office.click("#create-user")
	office.waitFor(`document.querySelector('#users tr[data-user="xg"]')`)
	e.login("xg", "password-xg")

	office.click(`nav a[href="#/audit"]`)
	office.waitFor(`document.querySelectorAll('#audit tr[data-unit="gjz"]').length > 0`)
	// The log speaks in names: no user:, unit: or submission: codes.
	log := office.text("#audit tbody")
	for _, code := range []string{"user:", "unit:", "submission:", "version "} {
		if strings.Contains(log, code) {
			t.Errorf("the audit log shows the code %q", code)
		}
	}
	if !strings.Contains(log, "账号 xg") || !strings.Contains(log, "西岗区总工会") {
		t.Errorf("the audit log does not name the account and the unit: %.300s", log)
	}
	office.screenshot("audit-in-words")
	office.run(chromedp.SetValue(chromedp.CSS("#audit-unit"), "zs"))
	if _, err := chromedp.Run(office.ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('#audit-unit').dispatchEvent(new Event('change', {bubbles: true}))`)); err != nil {
		t.Fatal(err)
	}
	office.waitFor(`document.querySelectorAll('#audit tr[data-unit="gjz"]').length === 0`)
	units := evalJSON[[]string](office, `[...document.querySelectorAll('#audit tbody tr')].map(r => r.dataset.unit)`)
	if len(units) == 0 {
		t.Fatal("no audit entries for zs")
	}
	for _, got := range units {
		if got != "zs" {
			t.Fatalf("filtered audit shows unit %q", got)
		}
	}

	// A unit whose contacts have no email is marked on the overview: the
	// office has to call it, for no reminder reaches it.
	noMail := loadContacts(t)
	for i := range noMail {
		noMail[i]["email"] = ""
	}
	e.mustDo("PUT", "/api/v1/units/zs/contacts", "office", noMail, 200)
	office.goTo("#/tables")
	office.waitFor(`document.querySelector('#overview tr[data-unit="zs"] .unreachable')`)
	if got := office.text("#office-contacts"); got != "" {
		t.Errorf("the office's own pages name the office's contacts: %q", got)
	}
	if n := evalJSON[int](office, `document.querySelectorAll('#overview .unreachable').length`); n != 1 {
		t.Fatalf("%d units marked unreachable, want only zs", n)
	}
}

// TestBrowserViewerReadsOnly: a leader sees every unit and no way to change
// anything.
func TestBrowserViewerReadsOnly(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.toState("submitted")
	viewer := e.browse()
	viewer.login("leader", "password-leader")
	viewer.goTo("#/tables")
	viewer.waitFor(`document.querySelectorAll('#overview tr[data-unit]').length === 2`)
	if n := evalJSON[int](viewer, `document.querySelectorAll('#release').length`); n != 0 {
		t.Fatal("a viewer sees the release button")
	}
	viewer.click(`#overview tr[data-unit="gjz"] a`)
	viewer.waitState("submitted")
	n := evalJSON[int](viewer, `document.querySelectorAll('#app input, #app textarea, #save, #submit, #return, #certify, #save-contacts').length`)
	if n != 0 {
		t.Fatalf("a viewer's page has %d controls that change data", n)
	}
	if got := viewer.text(`#annex-party tbody[data-ind="P1"]`); !strings.Contains(got, "主题教育") {
		t.Fatalf("P1 reads %q", got)
	}
}

// TestBrowserUnitStartsItsTables: a unit with nothing submitted gets the
// empty tables built from the plan, adds and removes works, saves its first
// draft, and edits its contacts.
func TestBrowserUnitStartsItsTables(t *testing.T) {
	e := newEnv(t, "sqlite")
	unit := e.browse()
	unit.login("gjz", "password-gjz")
	unit.goTo("#/tables")
	unit.click(`#overview tr[data-unit="gjz"] a`)
	unit.waitState("none")

	// Every indicator of the plan has its row, with its name and required items.
	codes := evalJSON[[]string](unit, `[...document.querySelectorAll('#tables tbody[data-ind]')].map(b => b.dataset.ind)`)
	if len(codes) != 5+13 || codes[0] != "P1" || codes[17] != "B13" {
		t.Fatalf("indicator rows %v", codes)
	}
	if got := unit.text(`#annex-business tbody[data-ind="B1"] ul.req`); !strings.Contains(got, "B1.2") || !strings.Contains(got, "会员实名制") {
		t.Fatalf("B1's required items read %q", got)
	}

	unit.click(`button[data-action="add-work"][data-at="party[0]"]`)
	unit.waitFor(`document.querySelector('[data-path="party[0].works[1].title"]')`)
	unit.click(`button[data-action="del-work"][data-at="party[0].works[1]"]`)
	unit.waitFor(`!document.querySelector('[data-path="party[0].works[1].title"]')`)

	unit.typeInto(`[data-path="party[0].points"] input`, "20")
	unit.typeInto(`[data-path="party[0].works[0].title"] textarea`, "主题教育")
	unit.typeInto(`[data-path="party[0].works[0].points"] input`, "20")
	if got := unit.text(`[data-sum-ind="party[0]"]`); !strings.Contains(got, "20") {
		t.Fatalf("running total of P1's works reads %q", got)
	}
	unit.click("#save")
	unit.waitState("draft")
	d := e.fullSub(t)
	if d.Version != 1 || len(d.Party) != 5 || d.Party[0].Code != "P1" || d.Party[0].Works[0].Title != "主题教育" {
		t.Fatalf("first save stored %+v", d)
	}

	// The notice's contacts of the office are under every page.
	if got := unit.text("#office-contacts"); !strings.Contains(got, "林浩") || !strings.Contains(got, "82637411") {
		t.Fatalf("the office's contacts read %q", got)
	}
	duties := evalJSON[[]string](unit, `[...document.querySelectorAll('#contacts select[data-field="duty"]')].map(s => s.value)`)
	if len(duties) != 2 || duties[0] != "head" || duties[1] != "staff" {
		t.Fatalf("contacts' duties on the page %v", duties)
	}
	unit.typeInto(`#contacts input[data-contact="1"][data-field="phone"]`, "0411-86640000")
	unit.click("#save-contacts")
	unit.waitFor(`document.querySelector('#contacts-result .ok')`)
	var cs []struct{ Phone string }
	e.mustDecode("GET", "/api/v1/units/gjz/contacts", "office", nil, 200, &cs)
	if len(cs) != 2 || cs[1].Phone != "0411-86640000" {
		t.Fatalf("contacts after the page saved them: %+v", cs)
	}
}
