package api_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"kaohe/internal/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The two screen widths every page is checked at: a 390-pixel phone and a
// 1366-pixel office screen.
var widths = []int64{390, 1366}

// viewport sets the tab's screen to width (and a height to match).
func (b *tab) viewport(width int64) {
	b.t.Helper()
	height := int64(900)
	if width < 600 {
		height = 844
	}
	b.run(chromedp.EmulateViewport(width, height))
}

// settled waits until the page of the hash has drawn: #app says it shows
// the hash, no loading state, and a heading or an error in it.
func (b *tab) settled() {
	b.t.Helper()
	b.waitFor(`document.querySelector('#app').dataset.shown === (location.hash || '#/') && !document.querySelector('#app[aria-busy]') && !document.body.classList.contains('loading') && document.querySelector('#app h2, #app .error')`)
}

// fitScreens checks that no page of hashes is wider than the screen at any
// of the widths; it leaves the tab at 1366 pixels.
func (b *tab) fitScreens(hashes ...string) {
	b.t.Helper()
	for _, w := range widths {
		b.viewport(w)
		for _, hash := range hashes {
			b.goTo(hash)
			b.settled()
			if over, where := b.overflow(); over > 0 {
				b.t.Errorf("%s at %d px is %d px wider than the screen (%s)", hash, w, over, where)
			}
		}
	}
	b.viewport(1366)
}

// overflow is how many pixels the page is wider than the screen (0 when
// nothing scrolls sideways), with the widest element that sticks out.
func (b *tab) overflow() (int, string) {
	b.t.Helper()
	v := evalJSON[struct {
		Over  int    `json:"over"`
		Where string `json:"where"`
	}](b, `(() => {
		const over = document.scrollingElement.scrollWidth - window.innerWidth;
		let where = "";
		if (over > 0) {
			let worst = 0;
			for (const el of document.querySelectorAll("body *")) {
				const r = el.getBoundingClientRect();
				if (r.right > window.innerWidth + 1 && r.right > worst) { worst = r.right; where = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className; }
			}
		}
		return {over, where};
	})()`)
	return v.Over, v.Where
}

// clickCentered clicks the element after scrolling it to the middle of
// the screen, clear of the sticky bars at the top and bottom.
func (b *tab) clickCentered(css string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.scrollIntoView({block: "center"}); return true; })()`, css))
	b.click(css)
}

// textPDF is a valid one-page A4 PDF that shows lines of ASCII text in
// Helvetica (a font every PDF reader has), small enough for the test
// server's upload limit.
func textPDF(lines ...string) []byte {
	var content bytes.Buffer
	content.WriteString("BT /F1 18 Tf 72 770 Td 24 TL\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) '\n", strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(l))
	}
	content.WriteString("ET\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// photoPNG is a 480×270 picture, a stand-in for a photo of a meeting: a
// wall, a banner, a table and rows of seats, small enough for the test
// server's upload limit.
func photoPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 480, 270))
	fill := func(x0, y0, x1, y1 int, c color.RGBA) {
		draw.Draw(img, image.Rect(x0, y0, x1, y1), &image.Uniform{c}, image.Point{}, draw.Src)
	}
	fill(0, 0, 480, 270, color.RGBA{236, 230, 218, 255})
	fill(60, 24, 420, 70, color.RGBA{183, 28, 28, 255})
	fill(80, 40, 400, 54, color.RGBA{255, 214, 102, 255})
	fill(120, 100, 360, 130, color.RGBA{121, 85, 72, 255})
	for row := 0; row < 3; row++ {
		for seat := 0; seat < 8; seat++ {
			x, y := 52+seat*50, 160+row*34
			fill(x, y, x+30, y+22, color.RGBA{38, 50, 56, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// workplaceEnv is a year in July: gjz executes its tables (its June nodes
// overdue but for one reported and one sent back), zs has not submitted;
// June's count of gjz is in.
func workplaceEnv(t *testing.T) (*env, []nodeJSON) {
	t.Helper()
	e := newEnv(t, "sqlite")
	ns := e.executing()
	pdf := textPDF("Minutes of the launch meeting, 2019-06-20", "Ganjingzi District Federation of Trade Unions", "", "1. Plan for the theme education adopted.", "2. 38 party members attended (sign-in sheet attached).")
	png := photoPNG(t)
	e.clock.Set(time.Date(2019, 6, 28, 10, 0, 0, 0, shanghai))
	for i, n := range ns[:3] {
		files := []upFile{{fmt.Sprintf("会议纪要%d.pdf", i+1), pdf}}
		if i == 0 {
			files = append(files, upFile{"活动照片.png", png})
		}
		if status, out := e.upload(n.ID, "unitA", "会议通知与签到表", files...); status != 201 {
			t.Fatalf("upload: %d %s", status, out)
		}
	}
	e.clock.Set(time.Date(2019, 7, 3, 10, 0, 0, 0, shanghai))
	e.mustDo("POST", fmt.Sprintf("/api/v1/nodes/%d/review", ns[2].ID), "office", map[string]any{"verdict": "reject", "comment": "缺少签到表"}, 200)
	e.mustDo("PUT", "/api/v1/plans/2019/units/gjz/monthly/2019-06", "unitA", map[string]any{"count": 18234}, 200)
	return e, ns
}

// TestBrowserWorkplaceForEveryRole: each role's first page is its to-do
// list, at 390 and 1366 pixels, each line with its count and a link that
// leads to where it is done.
func TestBrowserWorkplaceForEveryRole(t *testing.T) {
	t.Parallel()
	e, _ := workplaceEnv(t)
	for _, who := range []struct{ role, user, password string }{
		{"unit", "gjz", "password-gjz"}, {"office", "admin", "admin-password"}, {"viewer", "leader", "password-leader"},
	} {
		var want []string
		for kind := range e.todo(map[string]string{"unit": "unitA", "office": "office", "viewer": "viewer"}[who.role]) {
			want = append(want, kind)
		}
		b := e.browse()
		b.login(who.user, who.password)
		for _, w := range widths {
			t.Run(fmt.Sprintf("%s at %d px", who.role, w), func(t *testing.T) {
				b := b.as(t)
				b.viewport(w)
				b.goTo("#/")
				b.settled()
				b.waitFor(`document.querySelector('#todo')`)
				kinds := evalJSON[[]string](b, `[...document.querySelectorAll('#todo .todo-item')].map(li => li.dataset.kind)`)
				if len(kinds) != len(want) {
					t.Fatalf("the page lists %v, the API %v", kinds, want)
				}
				for _, k := range want {
					if !strings.Contains(strings.Join(kinds, ","), k) {
						t.Fatalf("the page lists %v, the API %v", kinds, want)
					}
				}
				if over, where := b.overflow(); over > 0 {
					t.Fatalf("the workplace is %d px wider than the screen (%s)", over, where)
				}
				if who.role == "unit" {
					if got := b.text(`#todo [data-kind="overdue_nodes"]`); !strings.Contains(got, "去处理") {
						t.Fatalf("the overdue line reads %q", got)
					}
					if n := evalJSON[int](b, `document.querySelectorAll('#deadlines li').length`); n == 0 {
						t.Fatal("no deadline is counted down")
					}
					// A deadline at the end of a day reads as that day's 24:00,
					// never the next day's 00:00.
					if got := b.text("#deadlines"); !strings.Contains(got, "2019年7月5日 24:00截止") || strings.Contains(got, "00:00") {
						t.Fatalf("the deadlines read %q", got)
					}
				}
				b.screenshot(fmt.Sprintf("workplace-%s-%d", who.role, w))
			})
		}
		if who.role == "unit" {
			t.Run("the overdue line leads to the overdue nodes", func(t *testing.T) {
				b := b.as(t)
				b.click(`#todo [data-kind="overdue_nodes"] a`)
				b.waitFor(`location.hash === '#/exec/gjz/overdue' && document.querySelector('#exec-filter select[data-filter="state"]')`)
				if got := evalJSON[string](b, `document.querySelector('#exec-filter select[data-filter="state"]').value`); got != "overdue" {
					t.Fatalf("the filter reads %q", got)
				}
				states := evalJSON[[]string](b, `[...new Set([...document.querySelectorAll('tr.node-row')].map(r => r.dataset.state))]`)
				if len(states) != 1 || states[0] != "overdue" {
					t.Fatalf("the filtered page shows %v", states)
				}
				id := evalJSON[int64](b, `Number(document.querySelector('tr.node-row').dataset.node)`)
				b.openNode(id)
				// The limits are stated beside the upload.
				if got := b.text(fmt.Sprintf(`form[data-form="upload"][data-node="%d"] .upload-limit`, id)); !strings.Contains(got, "每个文件不超过8.0 KB") || !strings.Contains(got, "最多4个文件") {
					t.Fatalf("the upload states %q", got)
				}
				dir := t.TempDir()
				// A program is refused by its name and what it is, in words.
				lib := filepath.Join(dir, "libtool.so")
				if err := os.WriteFile(lib, append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x3e\x00"), bytes.Repeat([]byte{0}, 200)...), 0o644); err != nil {
					t.Fatal(err)
				}
				b.upload(id, "", lib)
				b.waitFor(fmt.Sprintf(`document.querySelector('form[data-form="upload"][data-node="%d"] .form-result .error')`, id))
				if got := b.text(fmt.Sprintf(`form[data-form="upload"][data-node="%d"] .form-result`, id)); !strings.Contains(got, "libtool.so") || !strings.Contains(got, "可执行程序") {
					t.Fatalf("the refusal reads %q", got)
				}
				b.screenshot("upload-refused")
				// A good file: the node is reported, and stays in view with
				// its confirmation although the filter says 已逾期.
				minutes := filepath.Join(dir, "会议纪要.pdf")
				if err := os.WriteFile(minutes, textPDF("Minutes"), 0o644); err != nil {
					t.Fatal(err)
				}
				b.upload(id, "", minutes)
				b.waitFor(fmt.Sprintf(`document.querySelector('tr.node-row[data-node="%d"]') && document.querySelector('tr.node-row[data-node="%d"]').dataset.state === 'reported' && document.querySelector('[data-node-detail="%d"] .ok')`, id, id, id))
				b.screenshot("upload-under-overdue-filter")
			})
		}
	}
}

// pagesOf are the pages each role can reach, by hash.
var pagesOf = map[string][]string{
	"unit":   {"#/", "#/units/gjz", "#/exec/gjz", "#/monthly", "#/result", "#/password", "#/tables", "#/plan"},
	"office": {"#/", "#/dashboard", "#/tables", "#/units/gjz", "#/exec/gjz", "#/progress", "#/reviews", "#/monthly", "#/deductions", "#/scoring", "#/objections", "#/objections/answered", "#/result/gjz", "#/notify", "#/admin", "#/audit", "#/password", "#/plan", "#/plan/2021"},
	"viewer": {"#/", "#/dashboard", "#/tables", "#/units/gjz", "#/exec/gjz", "#/progress", "#/monthly", "#/scoring", "#/objections", "#/password", "#/plan"},
}

// rawCodeJS finds, in what a page shows, a code people should never read:
// the server's own account, a time zone, a deduction rule, a line's path
// in the document, a record's reference. It yields the first found, or "".
const rawCodeJS = `(() => {
  const m = document.querySelector('#app').innerText.match(/\bsystem\b|Asia\/Shanghai|\b(late_submission|late_node|missing_node|monthly_missing|monthly_late)\b|works\[\d+\]|\b(submission|monthly|deduction|indicator):[\w\/-]+/);
  return m ? m[0] : "";
})()`

// TestBrowserNothingOverflows: at 390 and 1366 pixels no page of any role
// is wider than the screen (document.scrollingElement.scrollWidth <=
// innerWidth): tables become cards, forms one column, the header a menu.
func TestBrowserNothingOverflows(t *testing.T) {
	t.Parallel()
	e, _ := workplaceEnv(t)
	e.mustDo("POST", "/api/v1/plans/2019/scoring-runs", "office", nil, 201)
	for _, who := range []struct{ role, user, password string }{
		{"unit", "gjz", "password-gjz"}, {"office", "admin", "admin-password"}, {"viewer", "leader", "password-leader"},
	} {
		b := e.browse()
		b.login(who.user, who.password)
		for _, w := range widths {
			t.Run(fmt.Sprintf("%s at %d px", who.role, w), func(t *testing.T) {
				b := b.as(t)
				b.viewport(w)
				for _, hash := range pagesOf[who.role] {
					b.goTo(hash)
					b.settled()
					if over, where := b.overflow(); over > 0 {
						b.screenshot(fmt.Sprintf("overflow-%s-%d-%s", who.role, w, strings.NewReplacer("#/", "", "/", "-").Replace(hash)))
						t.Errorf("%s is %d px wider than the screen (%s)", hash, over, where)
					}
					if code := evalJSON[string](b, rawCodeJS); code != "" {
						t.Errorf("%s shows a code, not words: %q", hash, code)
					}
				}
				if w < 600 {
					if h := evalJSON[float64](b, `document.querySelector('header').getBoundingClientRect().height`); h > 64 {
						t.Errorf("the header is %.0f px tall on a phone", h)
					}
					b.goTo("#/exec/gjz")
					b.settled()
					b.screenshot(fmt.Sprintf("phone-exec-%s", who.role))
					b.goTo("#/units/gjz")
					b.settled()
					b.screenshot(fmt.Sprintf("phone-tables-%s", who.role))
					b.goTo("#/tables")
					b.settled()
					b.screenshot(fmt.Sprintf("phone-overview-%s", who.role))
				}
			})
		}
	}
}

// TestBrowserToastAfterSave: after 保存 the result shows in a toast that
// nothing covers, at the top of the screen, at both widths.
func TestBrowserToastAfterSave(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	e.draft()
	unit := e.browse()
	unit.login("gjz", "password-gjz")
	for _, w := range widths {
		t.Run(fmt.Sprintf("%d px", w), func(t *testing.T) {
			unit := unit.as(t)
			unit.viewport(w)
			unit.goTo("#/units/gjz")
			unit.waitState("draft")
			title := `[data-path="party[0].works[0].title"] textarea`
			unit.typeInto(title, fmt.Sprintf("开展“不忘初心、牢记使命”主题教育（%d）", w))
			// Scrolled down as someone editing would be: the header is
			// sticky above the page.
			unit.run(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 1200)`))
			unit.click("#save")
			unit.waitFor(`document.querySelector('#toasts .toast.ok')`)
			seen := evalJSON[struct {
				Top, Bottom float64
				Visible     bool
				Text        string
			}](unit, `(() => {
				const t = document.querySelector('#toasts .toast.ok'), r = t.getBoundingClientRect();
				const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
				return {Top: r.top, Bottom: r.bottom, Visible: t.contains(hit), Text: t.innerText};
			})()`)
			if !seen.Visible || seen.Top < 0 || seen.Bottom > 900.5 || !strings.Contains(seen.Text, "已保存") {
				t.Fatalf("the toast %+v is not fully in view", seen)
			}
			unit.screenshot(fmt.Sprintf("toast-after-save-%d", w))
		})
	}
}

// richYear is the year of workplaceEnv with the 2019 units of the notice
// around gjz and zs: six of them executing their tables (the first with
// nodes overdue, the others reporting more and more on time), June's
// member counts of most of them, and a trial run in July.
func richYear(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, "sqlite")
	var units []struct{ Code, Name string }
	testenv.ReadJSON(t, "../testdata/units-2019.json", &units)
	for _, u := range units {
		if u.Code != "gjz" && u.Code != "zs" {
			e.mustDo("POST", "/api/v1/units", "office", map[string]any{"code": u.Code, "name": u.Name, "contacts": loadContacts(t)}, 201)
		}
	}
	executing := []string{"gjz", "xg", "sh", "lsk", "jp", "wfd"}
	certify := map[string]any{"innovation": []map[string]any{{"index": 0, "certified": true}}}
	for _, u := range executing {
		path := "/api/v1/plans/2019/units/" + u + "/submission"
		e.mustDo("PUT", path, "office", withVersion(validDoc(t), 0), 201)
		e.mustDo("POST", path+"/submit", "office", nil, 200)
		e.mustDo("POST", path+"/certify", "office", certify, 200)
		if u != "gjz" {
			e.mustDo("POST", "/api/v1/users", "office", map[string]any{"username": u, "password": "password-" + u, "role": "unit", "unit_code": u}, 201)
			e.tokens[u] = e.login(u, "password-"+u)
		}
	}
	e.tokens["gjz"] = e.tokens["unitA"]
	e.mustDo("POST", "/api/v1/plans/2019/release", "office", nil, 200)
	pdf := textPDF("Evidence", "2019")
	e.clock.Set(time.Date(2019, 6, 27, 10, 0, 0, 0, shanghai))
	for i, u := range executing {
		var ns []nodeJSON
		e.mustDecode("GET", "/api/v1/plans/2019/units/"+u+"/nodes?checkpoint=2019-06-30", "office", nil, 200, &ns)
		for j, n := range ns[:min(len(ns), 8+6*i)] {
			if status, out := e.upload(n.ID, u, "", upFile{"a.pdf", pdf}); status != 201 {
				t.Fatalf("upload %s: %d %s", u, status, out)
			}
			if j%3 != 2 {
				e.mustDo("POST", fmt.Sprintf("/api/v1/nodes/%d/review", n.ID), "office", map[string]any{"verdict": "accept", "points": n.Points}, 200)
			}
		}
	}
	e.clock.Set(time.Date(2019, 7, 3, 10, 0, 0, 0, shanghai))
	for i, u := range units[:11] {
		e.mustDo("PUT", "/api/v1/plans/2019/units/"+u.Code+"/monthly/2019-06", "office", map[string]any{"count": 12000 + 1731*i}, 200)
	}
	e.mustDo("POST", "/api/v1/plans/2019/scoring-runs", "office", nil, 201)
	return e
}

// TestBrowserDashboardDraws: the leader's dashboard draws its charts (a
// canvas with something on it) under the page's CSP, at both widths.
func TestBrowserDashboardDraws(t *testing.T) {
	t.Parallel()
	e := richYear(t)
	var progress []struct {
		Unit, Colour string
		Nodes        int
	}
	e.mustDecode("GET", "/api/v1/plans/2019/progress", "viewer", nil, 200, &progress)
	red := 0
	for _, p := range progress {
		if p.Nodes > 0 && p.Colour == "red" {
			red++
		}
	}
	viewer := e.browse()
	viewer.login("leader", "password-leader")
	for _, w := range widths {
		t.Run(fmt.Sprintf("%d px", w), func(t *testing.T) {
			viewer := viewer.as(t)
			viewer.viewport(w)
			viewer.goTo("#/dashboard")
			viewer.settled()
			for _, id := range []string{"chart-units", "chart-checkpoints", "chart-lights", "chart-monthly", "chart-ranking", "chart-points"} {
				viewer.waitFor(fmt.Sprintf(`document.querySelector('#%s canvas')`, id))
				inked := evalJSON[int](viewer, fmt.Sprintf(`(() => {
					const c = document.querySelector('#%s canvas'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
					let n = 0;
					for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
					return n;
				})()`, id))
				if inked < 500 {
					t.Errorf("%s: %d pixels drawn", id, inked)
				}
			}
			if got := viewer.text(`#dash-stats [data-light="red"]`); got != fmt.Sprint(red) {
				t.Errorf("red units: %q, the API's %d", got, red)
			}
			if n := evalJSON[int](viewer, `document.querySelectorAll('#countdowns li').length`); n == 0 {
				t.Error("no countdown")
			}
			if over, where := viewer.overflow(); over > 0 {
				t.Errorf("the dashboard is %d px wider than the screen (%s)", over, where)
			}
			viewer.screenshotPage(fmt.Sprintf("dashboard-%d", w))
		})
	}

	t.Run("the July trial run: no total below zero, 截至…未报送, non-participants apart", func(t *testing.T) {
		var runs []runView
		e.mustDecode("GET", "/api/v1/plans/2019/scoring-runs", "office", nil, 200, &runs)
		office := e.browse().as(t)
		office.login("admin", "admin-password")
		office.goTo(fmt.Sprintf("#/scoring/%d/gjz", runs[0].ID))
		office.waitFor(`document.querySelector('#breakdown[data-unit="gjz"]')`)
		totals := evalJSON[[]string](office, `[...document.querySelectorAll('#ranking td[data-col="total"]')].map(td => td.textContent.trim()).filter(Boolean)`)
		for _, total := range totals {
			if strings.HasPrefix(total, "-") {
				t.Fatalf("a total below zero: %v", totals)
			}
		}
		if n := evalJSON[int](office, `document.querySelectorAll('#not-scored tr[data-unit]').length`); n != 14-6 {
			t.Fatalf("%d units listed apart, want 8", n)
		}
		if got := evalJSON[string](office, `document.querySelector('#app').innerText`); !strings.Contains(got, "截至2019年7月3日未报送") || strings.Contains(got, "年底未报送") {
			t.Fatalf("the trial run's deductions read %s", got)
		}
		office.run(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		office.screenshot("trial-run-july")
	})
}

// TestBrowserBatchReviewAndPreview: the office sees a PDF and a photo in
// the page, then accepts a selection of nodes at full points after a
// dialog that says how many.
func TestBrowserBatchReviewAndPreview(t *testing.T) {
	t.Parallel()
	e, ns := workplaceEnv(t)
	office := e.browse()
	office.login("admin", "admin-password")
	office.goTo("#/reviews")
	office.settled()
	office.waitFor(`document.querySelectorAll('#queue tr[data-node]').length === 2`)

	t.Run("a PDF and an image shown in the page", func(t *testing.T) {
		office := office.as(t)
		office.clickCentered(fmt.Sprintf(`#queue tr[data-node="%d"] button[data-action="preview"][data-type="application/pdf"]`, ns[0].ID))
		office.waitFor(`document.querySelector('#preview-frame') && document.querySelector('#preview-frame').src.startsWith('blob:')`)
		office.waitFor(`(() => { const d = document.querySelector('#preview-frame').contentDocument; return d && d.contentType === 'application/pdf'; })()`)
		office.clickCentered(fmt.Sprintf(`#queue tr[data-node="%d"] button[data-action="preview"][data-type="image/png"]`, ns[0].ID))
		office.waitFor(`document.querySelector('#preview-image') && document.querySelector('#preview-image').naturalWidth === 480`)
		office.screenshot("review-preview-image")
		office.click(`button[data-action="close-preview"]`)
	})

	t.Run("a selection accepted at full points in one batch", func(t *testing.T) {
		office := office.as(t)
		office.click("#pick-all")
		office.waitFor(`document.querySelector('#picked').textContent === '2' && !document.querySelector('#accept-picked').disabled`)
		office.dialogSays("#accept-picked", "2个节点", "甘井子区总工会")
		office.screenshot("review-batch-dialog")
		office.click("#confirm-ok")
		office.waitFor(`document.querySelector('#toasts .toast.ok') && document.querySelectorAll('#queue tr[data-node]').length === 0`)
		for _, n := range ns[:2] {
			if got := e.node(n.ID, "office"); got.State != "accepted" || got.Awarded == nil || *got.Awarded != n.Points {
				t.Fatalf("node %d after the batch: %s %v", n.ID, got.State, got.Awarded)
			}
		}
		office.screenshot("review-batch-done")
	})
}

// printPDF prints the page as Chromium does for Ctrl+P (page.PrintToPDF),
// with the page's own @page size.
func (b *tab) printPDF() []byte {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		b.t.Fatalf("print: %v", err)
	}
	return buf
}

// TestBrowserPrintTables: the tables printed from the page are A4
// landscape with every column, 填报单位 and the 盖章 line.
func TestBrowserPrintTables(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	e.toState("submitted")
	office := e.browse()
	office.login("admin", "admin-password")
	office.goTo("#/units/gjz")
	office.waitState("submitted")
	file := filepath.Join(t.TempDir(), "tables.pdf")
	if err := os.WriteFile(file, office.printPDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	sizes := pdfPages(t, file)
	if len(sizes) == 0 || sizes[0] != "842 x 595" {
		t.Fatalf("printed pages %v, want A4 landscape", sizes)
	}
	texts := pdfPageTexts(t, file)
	all := strings.Join(strings.Fields(strings.Join(texts, "")), "")
	for _, want := range []string{"填报单位：甘井子区总工会", "盖章", "时间节点", "工作目标", "分值", "完成标准", "佐证材料", "须包括"} {
		if !strings.Contains(all, want) {
			t.Errorf("the printed tables lack %q", want)
		}
	}
	// Every page carries the header row: the last column included.
	for i, text := range texts {
		if flat := strings.Join(strings.Fields(text), ""); !strings.Contains(flat, "佐证材料") {
			t.Errorf("page %d has no 佐证材料 column", i+1)
		}
	}
	if dir := os.Getenv("KAOHE_SCREENSHOTS"); dir != "" {
		if pdftoppm, err := exec.LookPath("pdftoppm"); err == nil {
			exec.Command(pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", file, filepath.Join(dir, "print-tables")).Run()
		}
	}
}
