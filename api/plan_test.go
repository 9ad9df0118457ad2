package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/app"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// planVersion is a version as the API sends it.
type planVersion struct {
	Year        int                  `json:"year"`
	Version     int                  `json:"version"`
	State       string               `json:"state"`
	Latest      bool                 `json:"latest"`
	Note        string               `json:"note"`
	CreatedBy   string               `json:"created_by"`
	PublishedAt *time.Time           `json:"published_at"`
	Plan        map[string]any       `json:"plan"`
	Problems    []workflow.Violation `json:"problems"`
	Warnings    []workflow.Violation `json:"warnings"`
}

type yearsView struct {
	Current    int `json:"current"`
	CreateFrom int `json:"create_from"`
	Years      []struct {
		Year      int  `json:"year"`
		Published int  `json:"published"`
		Latest    int  `json:"latest"`
		Draft     bool `json:"draft"`
	} `json:"years"`
}

// calendar2020 is the State Council's arrangement for 2020 (国办发明电
// 〔2019〕16号, with the Spring Festival extended to February 2).
var calendar2020 = map[string]any{
	"holidays": []string{"2020-01-01", "2020-01-24..2020-02-02", "2020-04-04..2020-04-06", "2020-05-01..2020-05-05",
		"2020-06-25..2020-06-27", "2020-10-01..2020-10-08"},
	"workdays": []string{"2020-04-26", "2020-05-09", "2020-06-28", "2020-09-27", "2020-10-10"},
}

// doc2020 is the valid 2019 document with its node dates in 2020.
func doc2020(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../testdata/submission-2019.json")
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(bytes.ReplaceAll(b, []byte(`"2019-`), []byte(`"2020-`)), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestOfficePreparesANewYear: the office starts 2020 from 2019, fills the
// calendar, checks and publishes it; units draft against it; a correction
// that breaks a stored table names the unit before it is published, and a
// published version never changes. On both databases.
func TestOfficePreparesANewYear(t *testing.T) {
	for _, backend := range []string{"sqlite", "mariadb"} {
		t.Run(backend, func(t *testing.T) { officePreparesANewYear(t, backend) })
	}
}

func officePreparesANewYear(t *testing.T, backend string) {
	e := newEnv(t, backend)
	var years yearsView
	e.mustDecode("GET", "/api/v1/years", "unitA", nil, 200, &years)
	if years.Current != 2019 || len(years.Years) != 1 || years.Years[0].Published != 1 || years.CreateFrom != 0 {
		t.Fatalf("years in 2019: %+v", years)
	}
	// A new year begins: the overview offers to create its plan from 2019.
	e.clock.Set(time.Date(2020, 1, 6, 9, 0, 0, 0, shanghai))
	years = yearsView{}
	e.mustDecode("GET", "/api/v1/years", "office", nil, 200, &years)
	if years.Current != 2020 || years.CreateFrom != 2019 {
		t.Fatalf("years in 2020: %+v", years)
	}

	var v planVersion
	e.mustDecode("POST", "/api/v1/plans", "office", map[string]any{"year": 2020, "from": 2019}, 201, &v)
	if v.Version != 1 || v.State != "draft" || !v.Latest || v.Note != "从2019年度方案新建" || v.CreatedBy != "admin" {
		t.Fatalf("version 1: %+v", v)
	}
	if len(v.Problems) != 1 || v.Problems[0].Rule != workflow.RulePlanCalendarEmpty || v.Problems[0].Path != "calendar.holidays" {
		t.Fatalf("problems of the new year: %v", v.Problems)
	}
	if d := v.Plan["deadline"].(map[string]any); d["date"] != "2020-06-12" {
		t.Fatalf("deadline %v, want Friday 2020-06-12", d)
	}
	e.mustDo("POST", "/api/v1/plans", "office", map[string]any{"year": 2020, "from": 2019}, 409)
	// Not yet published: units cannot draft against it.
	e.mustDo("PUT", "/api/v1/plans/2020/units/gjz/submission", "unitA", withVersion(doc2020(t), 0), 404)
	e.mustDo("POST", "/api/v1/plans/2020/versions/1/publish", "office", nil, 422)

	// Fill the calendar: a new version, with no problem.
	plan := v.Plan
	plan["calendar"] = calendar2020
	e.mustDecode("PUT", "/api/v1/plans/2020/draft", "office", map[string]any{"version": 1, "plan": plan}, 200, &v)
	if v.Version != 2 || len(v.Problems) != 0 {
		t.Fatalf("version 2: %d, problems %v", v.Version, v.Problems)
	}
	stale := decodeError(t, e.mustDo("PUT", "/api/v1/plans/2020/draft", "office", map[string]any{"version": 1, "plan": plan}, 409))
	if stale.Error.Code != "stale_version" {
		t.Fatalf("a stale save: %+v", stale)
	}
	// A check of a document with a problem locates it and stores nothing.
	bad := cloneMap(t, plan)
	bad["party"].(map[string]any)["min"] = 21
	ce := decodeError(t, e.mustDo("POST", "/api/v1/plans/2020/check", "office", map[string]any{"plan": bad}, 422))
	if len(ce.Error.Details) != 1 || ce.Error.Details[0].Path != "party" || ce.Error.Details[0].Rule != workflow.RulePlanUnreachable {
		t.Fatalf("check: %+v", ce)
	}
	e.mustDo("POST", "/api/v1/plans/2020/check", "office", nil, 200)

	e.mustDecode("POST", "/api/v1/plans/2020/versions/2/publish", "office", nil, 200, &v)
	if v.State != "published" || v.PublishedAt == nil {
		t.Fatalf("published: %+v", v)
	}
	var inForce map[string]any
	e.mustDecode("GET", "/api/v1/plans/2020", "unitA", nil, 200, &inForce)
	if inForce["title"] != "2020年度各区市县（开放先导区）总工会实绩考核工作指标" {
		t.Fatalf("plan in force: %v", inForce["title"])
	}

	// Units draft against it and submit.
	e.mustDo("PUT", "/api/v1/plans/2020/units/gjz/submission", "unitA", withVersion(doc2020(t), 0), 201)
	e.mustDo("POST", "/api/v1/plans/2020/units/gjz/submission/submit", "unitA", nil, 200)

	// A correction: business items at most 10 points. gjz's B1 has 11.
	corr := cloneMap(t, plan)
	corr["business"].(map[string]any)["max"] = 10
	e.mustDecode("PUT", "/api/v1/plans/2020/draft", "office", map[string]any{"version": 2, "plan": corr}, 200, &v)
	if v.Version != 3 || v.State != "draft" || len(v.Problems) != 0 {
		t.Fatalf("correction: %+v", v)
	}
	var impact struct {
		Checked int `json:"checked"`
		Units   []struct {
			Unit       string               `json:"unit"`
			State      string               `json:"state"`
			Violations []workflow.Violation `json:"violations"`
		} `json:"units"`
	}
	e.mustDecode("GET", "/api/v1/plans/2020/versions/3/impact", "office", nil, 200, &impact)
	if impact.Checked != 1 || len(impact.Units) != 1 || impact.Units[0].Unit != "gjz" || impact.Units[0].State != "submitted" ||
		impact.Units[0].Violations[0].Path != "business[0].points" {
		t.Fatalf("impact %+v", impact)
	}
	ce = decodeError(t, e.mustDo("POST", "/api/v1/plans/2020/versions/3/publish", "office", map[string]any{}, 409))
	if ce.Error.Code != "conflict" || len(ce.Error.Details) != 1 || ce.Error.Details[0].Path != "units.gjz" {
		t.Fatalf("unconfirmed publication: %+v", ce)
	}
	e.mustDecode("GET", "/api/v1/plans/2020", "office", nil, 200, &inForce)
	if inForce["business"].(map[string]any)["max"] != 11.0 {
		t.Fatal("the refused correction is in force")
	}
	e.mustDo("POST", "/api/v1/plans/2020/versions/3/publish", "office", map[string]any{"confirm": true}, 200)
	e.mustDecode("GET", "/api/v1/plans/2020", "unitA", nil, 200, &inForce)
	if inForce["business"].(map[string]any)["max"] != 10.0 {
		t.Fatal("the confirmed correction is not in force")
	}
	ve := decodeError(t, e.mustDo("POST", "/api/v1/plans/2020/units/gjz/submission/validate", "unitA", nil, 422))
	if ve.Error.Details[0].Path != "business[0].points" {
		t.Fatalf("gjz's table under the correction: %+v", ve)
	}

	// Published versions never change.
	if ce := decodeError(t, e.mustDo("POST", "/api/v1/plans/2020/versions/2/publish", "office", nil, 409)); ce.Error.Code != "wrong_state" {
		t.Fatalf("publishing again: %+v", ce)
	}
	var list []planVersion
	e.mustDecode("GET", "/api/v1/plans/2020/versions", "office", nil, 200, &list)
	var states []string
	for _, l := range list {
		states = append(states, l.State)
		if l.Plan != nil {
			t.Error("a list carries plans")
		}
	}
	if strings.Join(states, " ") != "published superseded draft" {
		t.Fatalf("states %v", states)
	}
	var v2 planVersion
	e.mustDecode("GET", "/api/v1/plans/2020/versions/2", "office", nil, 200, &v2)
	if v2.Plan["business"].(map[string]any)["max"] != 11.0 || v2.State != "superseded" {
		t.Fatalf("version 2 changed: %+v", v2)
	}
	years = yearsView{}
	e.mustDecode("GET", "/api/v1/years", "office", nil, 200, &years)
	if years.CreateFrom != 0 || len(years.Years) != 2 || years.Years[1].Published != 3 || years.Years[1].Draft {
		t.Fatalf("years after publication: %+v", years)
	}

	// The plan file of a version loads back as that plan.
	yaml := e.mustDo("GET", "/api/v1/plans/2020/versions/latest/plan.yaml", "office", nil, 200)
	p, err := workflow.LoadPlan(yaml)
	if err != nil || p.Business.Max != 1000 || !p.Calendar.IsWorkday(workflow.MustDate("2020-06-28")) {
		t.Fatalf("plan.yaml: %v\n%s", err, yaml)
	}
	var audit []struct{ Action, Detail string }
	e.mustDecode("GET", "/api/v1/audit?action=plan.publish", "office", nil, 200, &audit)
	if len(audit) != 2 || audit[0].Detail != "发布第3版（确认影响1个单位的指标表）" || audit[1].Detail != "发布第2版" {
		t.Fatalf("audit %+v", audit)
	}
}

func cloneMap(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPlanEditingRefusesBadRequests: a draft of another year, an unknown
// field (a misspelt one would otherwise be lost), no source, or a version
// that does not exist.
func TestPlanEditingRefusesBadRequests(t *testing.T) {
	e := newEnv(t, "sqlite")
	var v planVersion
	e.mustDecode("GET", "/api/v1/plans/2019/versions/1", "office", nil, 200, &v)
	cases := []struct {
		method, path string
		body         any
		want         int
	}{
		{"PUT", "/api/v1/plans/2020/draft", map[string]any{"version": 0, "plan": v.Plan}, 400},
		{"PUT", "/api/v1/plans/2019/draft", map[string]any{"version": 1, "plan": map[string]any{"year": 2019, "titel": "x"}}, 400},
		{"PUT", "/api/v1/plans/2019/draft", map[string]any{"version": 1}, 400},
		{"POST", "/api/v1/plans", map[string]any{"year": 2021}, 400},
		{"POST", "/api/v1/plans", map[string]any{"year": 2021, "from": 2018}, 404},
		{"GET", "/api/v1/plans/2019/versions/7", nil, 404},
		{"GET", "/api/v1/plans/2019/versions/x", nil, 404},
		{"GET", "/api/v1/plans/2021/versions", nil, 404},
		{"GET", "/api/v1/plans/2021/annexes.xlsx", nil, 404},
	}
	for _, c := range cases {
		status, out := e.do(c.method, c.path, "office", c.body)
		if status != c.want {
			t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, status, c.want, out)
		}
	}
	var list []planVersion
	e.mustDecode("GET", "/api/v1/plans/2019/versions", "office", nil, 200, &list)
	if len(list) != 1 {
		t.Fatalf("a refused request stored a version: %d", len(list))
	}
}

// TestBlankAnnexDownloads: any signed-in user downloads the blank annexes
// of the plan in force, as a workbook and as a Word document.
func TestBlankAnnexDownloads(t *testing.T) {
	e := newEnv(t, "sqlite")
	xlsx := e.mustDo("GET", "/api/v1/plans/2019/annexes.xlsx", "unitA", nil, 200)
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("附件2 业务指标", "B5"); !strings.Contains(v, "须包括：1.落实《关于推进全市货车司机") {
		t.Fatalf("B1's cell: %q", v)
	}
	docx := e.mustDo("GET", "/api/v1/plans/2019/annexes.docx", "viewer", nil, 200)
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, zf := range zr.File {
		found = found || zf.Name == "word/document.xml"
	}
	if !found {
		t.Fatal("the Word document has no word/document.xml")
	}
}

// TestPlanFilesKeepWorking: a plan file of KAOHE_PLANS_DIR is loaded and
// published at start as before; a restart with the same file adds nothing
// and keeps a correction the office published since; an edited file is a
// new version in force.
func TestPlanFilesKeepWorking(t *testing.T) {
	cfg := testConfig(t, "sqlite")
	cfg.PlansDir = t.TempDir()
	b, err := os.ReadFile("../configs/plans/2019.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(cfg.PlansDir, "2020.yaml")
	write := func(b []byte) {
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(bytes.ReplaceAll(b, []byte("2019"), []byte("2020")))
	// A file of plans_dir replaces the embedded plan of its year, on
	// every start.
	override := bytes.Replace(b, []byte("title: 2019年度"), []byte("title: 2019年度（本地）"), 1)
	if err := os.WriteFile(filepath.Join(cfg.PlansDir, "2019.yaml"), override, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	officeActor := service.Actor{Username: "admin", Role: workflow.RoleOffice}
	clock := workflow.NewManualClock(time.Date(2020, 1, 6, 9, 0, 0, 0, shanghai))
	open := func() *app.App {
		a, err := app.Open(ctx, cfg, clock, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	versions := func(a *app.App) string {
		vs, err := a.Service.PlanVersions(ctx, officeActor, 2020)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range vs {
			out = append(out, v.State)
		}
		return strings.Join(out, " ")
	}
	a := open()
	if got := versions(a); got != "published" {
		t.Fatalf("after the first start: %s", got)
	}
	v, err := a.Service.PlanVersion(ctx, officeActor, 2020, 1)
	if err != nil {
		t.Fatal(err)
	}
	v.Plan.Title = "2020年度考核方案（更正）"
	v.Plan.Deadline.Date = workflow.MustDate("2020-06-12") // June 13 is a Saturday in 2020
	if _, err := a.Service.SavePlanDraft(ctx, officeActor, 2020, service.SavePlanRequest{Version: 1, Plan: v.Plan}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Service.PublishPlan(ctx, officeActor, 2020, 2, service.PublishRequest{}); err != nil {
		t.Fatal(err)
	}
	a.Close(ctx)

	a = open()
	if got := versions(a); got != "published superseded" {
		t.Fatalf("after a restart with the same file: %s", got)
	}
	if p, _ := a.Service.Plan(ctx, 2019); !strings.HasPrefix(p.Title, "2019年度（本地）") {
		t.Fatalf("the 2019 plan in force is %q, not plans_dir's", p.Title)
	}
	if vs, _ := a.Service.PlanVersions(ctx, officeActor, 2019); len(vs) != 1 {
		t.Fatalf("2019 has %d versions: the embedded plan was stored too", len(vs))
	}
	if p, _ := a.Service.Plan(ctx, 2020); p.Title != "2020年度考核方案（更正）" {
		t.Fatalf("the office's correction was lost: %q", p.Title)
	}
	a.Close(ctx)

	write(bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("2019"), []byte("2020")), []byte("late_node: 0.5"), []byte("late_node: 1")))
	a = open()
	defer a.Close(ctx)
	if got := versions(a); got != "published superseded superseded" {
		t.Fatalf("after the file changed: %s", got)
	}
	if p, _ := a.Service.Plan(ctx, 2020); p.Deductions.LateNode != 100 {
		t.Fatalf("the edited file is not in force: %v", p.Deductions.LateNode)
	}
}
