package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"kaohe/internal/robottest"
)

// matrixRoles are the callers of the authorization matrix, in the order
// of its columns: anonymous, a token no session has, a viewer, the unit
// whose data the path names (gjz), another unit (zs), the office.
var matrixRoles = [6]string{"", "not-a-session-token", "viewer", "unitA", "unitB", "office"}

// world is what a matrix entry prepared: the records its path names.
type world struct {
	node, nodeVersion, evidence, run, deduction, notification int64
	nodePoints                                                float64
	xlsx                                                      []byte
	unitRobot, officeRobot                                    int64
	feed                                                      string
	robots                                                    *robottest.Server
}

// prepare brings a fresh server to state: a state of gjz's tables
// ("none" … "released"), "executing" (nodes exist), "reported" (gjz's
// first node has a file), "run" (a scoring run of the executing year),
// "published" (that run published), "deduction" (one manual deduction of
// gjz), "outbox" (a failed mail), "export" (a draft and its workbook).
func prepare(e *env, state string) world {
	e.t.Helper()
	var w world
	switch state {
	case "reported", "executing", "run", "published", "deduction":
		e.toState("executing")
		nodes := e.nodes("gjz", "unitA", "")
		w.node = nodes[0].ID
		if state == "reported" {
			if status, out := e.upload(w.node, "unitA", "", upFile{"报告.pdf", pdfOfSize(e.t, 1000)}); status != 201 {
				e.t.Fatalf("upload: %d %s", status, out)
			}
			n := e.node(w.node, "unitA")
			w.evidence, w.nodeVersion, w.nodePoints = n.Evidence[0].ID, int64(n.Version), n.Points
		}
		if state == "run" || state == "published" {
			var run runView
			e.mustDecode("POST", runsPath, "office", nil, 201, &run)
			w.run = run.ID
		}
		if state == "published" {
			e.mustDo("POST", fmt.Sprintf("%s/%d/publish", runsPath, w.run), "office", nil, 200)
		}
		if state == "deduction" {
			var d struct{ ID int64 }
			e.mustDecode("POST", "/api/v1/plans/2019/units/gjz/deductions", "office", map[string]any{"points": 1, "reason": "迟报", "rule": "瞒报"}, 201, &d)
			w.deduction = d.ID
		}
	case "outbox":
		_, w.notification, _ = e.seedOutbox()
	case "export":
		e.draft()
		_, w.xlsx = e.do("GET", subPath+"/export.xlsx", "unitA", nil)
	default:
		e.toState(state)
	}
	return w
}

// newWorld starts a server in state: those of prepare, or
// "contest:executing" and "contest:published" (contestEnv: a waiver 1, a
// receipt, and when published objection 1 with its file 1 and run 2
// after the published run 1), "robots" (robotEnv with a robot of gjz and
// one of the office, and gjz's calendar feed), "plan-v2" (version 2 of the
// 2019 plan saved as a draft).
func newWorld(t *testing.T, state string) (*env, world) {
	t.Helper()
	switch state {
	case "contest:executing", "contest:published":
		return contestEnv(t, strings.TrimPrefix(state, "contest:")), world{}
	case "robots":
		e, srv := robotEnv(t, nil)
		w := world{robots: srv}
		var r robotJSON
		e.mustDecode("POST", "/api/v1/units/gjz/robots", "office", newWeCom(e, srv), 201, &r)
		w.unitRobot = r.ID
		e.mustDecode("POST", "/api/v1/office/robots", "office", newWeCom(e, srv), 201, &r)
		w.officeRobot = r.ID
		var link calendarJSON
		e.mustDecode("GET", "/api/v1/units/gjz/calendar", "unitA", nil, 200, &link)
		w.feed = strings.TrimPrefix(link.URL, e.srv.URL)
		return e, w
	case "plan-v2":
		e := newEnv(t, "sqlite")
		p, err := e.plan.Clone()
		if err != nil {
			t.Fatal(err)
		}
		p.ForbiddenPhrases = append(p.ForbiddenPhrases, "大力")
		e.mustDo("PUT", "/api/v1/plans/2019/draft", "office", map[string]any{"version": 1, "plan": p}, 200)
		return e, world{}
	}
	e := newEnv(t, "sqlite")
	return e, prepare(e, state)
}

// request is one call of a matrix entry: its concrete path, content type
// and body.
type request struct {
	path, contentType string
	body              []byte
}

// matrixEntry is one route's row of the matrix: how to prepare the server,
// the request, and the status each caller gets, in matrixRoles' order.
type matrixEntry struct {
	state string
	req   func(e *env, w world) request
	want  [6]int
}

// at is a request without a body; jsonAt one with a JSON body.
func at(path string) func(*env, world) request {
	return func(*env, world) request { return request{path: path} }
}

func jsonAt(path, body string) func(*env, world) request {
	return func(*env, world) request {
		return request{path: path, contentType: "application/json", body: []byte(body)}
	}
}

const (
	y   = "/api/v1/plans/2019"
	gjz = y + "/units/gjz"
)

var (
	everyone   = [6]int{200, 200, 200, 200, 200, 200}
	signedIn   = [6]int{401, 401, 200, 200, 200, 200}
	officeOnly = [6]int{401, 401, 403, 403, 403, 200}
	// gjzReaders: gjz's data read by those who see it; zs sees nothing.
	gjzReaders = [6]int{401, 401, 200, 200, 404, 200}
	// overseers: the office and viewers read it, units may not.
	overseers = [6]int{401, 401, 200, 403, 403, 200}
)

// authzMatrix has one entry per route, keyed "METHOD /gin/path".
var authzMatrix = map[string]matrixEntry{
	"GET /":                                {"none", at("/"), everyone},
	"GET /healthz":                         {"none", at("/healthz"), everyone},
	"GET /readyz":                          {"none", at("/readyz"), everyone},
	"GET /metrics":                         {"none", at("/metrics"), everyone},
	"GET /static/*path":                    {"none", at("/static/main.js"), everyone},
	"GET /api/v1/labels":                   {"none", at("/api/v1/labels"), signedIn},
	"HEAD /static/*path":                   {"none", at("/static/main.js"), everyone},
	"POST /api/v1/login":                   {"none", jsonAt("/api/v1/login", `{"username":"gjz","password":"password-gjz"}`), everyone},
	"POST /api/v1/logout":                  {"none", at("/api/v1/logout"), [6]int{401, 401, 204, 204, 204, 204}},
	"GET /api/v1/me":                       {"none", at("/api/v1/me"), signedIn},
	"PUT /api/v1/me/password":              {"none", jsonAt("/api/v1/me/password", `{"password":"another-password"}`), [6]int{401, 401, 204, 204, 204, 204}},
	"GET /api/v1/users":                    {"none", at("/api/v1/users"), officeOnly},
	"POST /api/v1/users":                   {"none", jsonAt("/api/v1/users", `{"username":"new-user","password":"password-new","role":"viewer"}`), [6]int{401, 401, 403, 403, 403, 201}},
	"PUT /api/v1/users/:username/password": {"none", jsonAt("/api/v1/users/gjz/password", `{"password":"another-password"}`), [6]int{401, 401, 403, 204, 403, 204}},
	"GET /api/v1/audit":                    {"none", at("/api/v1/audit"), officeOnly},
	"GET /api/v1/operations/backup":        {"none", at("/api/v1/operations/backup"), officeOnly},
	"GET /api/v1/notifications":            {"outbox", at("/api/v1/notifications"), officeOnly},
	"GET /api/v1/notifications/counts":     {"outbox", at("/api/v1/notifications/counts"), officeOnly},
	"POST /api/v1/notifications/:id/resend": {"outbox", func(_ *env, w world) request {
		return request{path: fmt.Sprintf("/api/v1/notifications/%d/resend", w.notification)}
	}, officeOnly},
	"GET /api/v1/plans":                {"none", at("/api/v1/plans"), signedIn},
	"GET /api/v1/plans/:year":          {"none", at(y), signedIn},
	"GET /api/v1/units":                {"none", at("/api/v1/units"), signedIn},
	"POST /api/v1/units":               {"none", jsonAt("/api/v1/units", `{"code":"new","name":"新单位总工会"}`), [6]int{401, 401, 403, 403, 403, 201}},
	"GET /api/v1/units/:unit":          {"none", at("/api/v1/units/gjz"), gjzReaders},
	"GET /api/v1/units/:unit/contacts": {"none", at("/api/v1/units/gjz/contacts"), gjzReaders},
	"PUT /api/v1/units/:unit/contacts": {"none", jsonAt("/api/v1/units/gjz/contacts", `[{"name":"王明","duty":"head","position":"科员","phone":"0411-86640001","mobile":"13800000000","email":"wm@example.cn"}]`),
		[6]int{401, 401, 403, 200, 404, 200}},
	"GET /api/v1/plans/:year/submissions":                        {"draft", at(y + "/submissions"), signedIn},
	"POST /api/v1/plans/:year/release":                           {"certified", at(y + "/release"), officeOnly},
	"GET /api/v1/plans/:year/units/:unit/submission":             {"draft", at(subPath), gjzReaders},
	"PUT /api/v1/plans/:year/units/:unit/submission":             {"none", func(e *env, _ world) request { return jsonRequest(e, subPath, withVersion(validDoc(e.t), 0)) }, [6]int{401, 401, 403, 201, 404, 201}},
	"POST /api/v1/plans/:year/units/:unit/submission/validate":   {"draft", at(subPath + "/validate"), gjzReaders},
	"POST /api/v1/plans/:year/units/:unit/submission/submit":     {"draft", at(subPath + "/submit"), [6]int{401, 401, 403, 200, 404, 200}},
	"POST /api/v1/plans/:year/units/:unit/submission/return":     {"submitted", jsonAt(subPath+"/return", `{"comment":"请补充"}`), [6]int{401, 401, 403, 403, 404, 200}},
	"POST /api/v1/plans/:year/units/:unit/submission/certify":    {"submitted", jsonAt(subPath+"/certify", `{"innovation":[{"index":0,"certified":true}]}`), [6]int{401, 401, 403, 403, 404, 200}},
	"GET /api/v1/plans/:year/units/:unit/submission/history":     {"submitted", at(subPath + "/history"), gjzReaders},
	"GET /api/v1/plans/:year/units/:unit/submission/export.xlsx": {"draft", at(subPath + "/export.xlsx"), gjzReaders},
	"POST /api/v1/plans/:year/units/:unit/submission/import": {"export", func(e *env, w world) request {
		body, ct := multipartFile(e.t, "file", "tables.xlsx", w.xlsx)
		return request{path: subPath + "/import?version=1", contentType: ct, body: body}
	}, [6]int{401, 401, 403, 200, 404, 200}},
	"GET /api/v1/plans/:year/units/:unit/nodes": {"executing", at(gjz + "/nodes"), gjzReaders},
	"GET /api/v1/plans/:year/reviews":           {"reported", at(y + "/reviews"), overseers},
	"GET /api/v1/plans/:year/progress":          {"executing", at(y + "/progress"), signedIn},
	"GET /api/v1/nodes/:id":                     {"executing", func(_ *env, w world) request { return request{path: fmt.Sprintf("/api/v1/nodes/%d", w.node)} }, gjzReaders},
	"POST /api/v1/nodes/:id/evidence": {"executing", func(e *env, w world) request {
		body, ct := multipartBody(e.t, "", []upFile{{"报告.pdf", pdfOfSize(e.t, 1000)}})
		return request{path: fmt.Sprintf("/api/v1/nodes/%d/evidence", w.node), contentType: ct, body: body}
	}, [6]int{401, 401, 403, 201, 404, 403}},
	"POST /api/v1/nodes/:id/review": {"reported", func(e *env, w world) request {
		return jsonRequest(e, fmt.Sprintf("/api/v1/nodes/%d/review", w.node), map[string]any{"verdict": "accept", "points": w.nodePoints, "version": w.nodeVersion})
	}, [6]int{401, 401, 403, 403, 404, 200}},
	"GET /api/v1/evidence/:id": {"reported", func(_ *env, w world) request { return request{path: fmt.Sprintf("/api/v1/evidence/%d", w.evidence)} }, gjzReaders},
	"DELETE /api/v1/evidence/:id": {"reported", func(_ *env, w world) request {
		return request{path: fmt.Sprintf("/api/v1/evidence/%d", w.evidence)}
	}, [6]int{401, 401, 403, 204, 404, 403}},
	"PUT /api/v1/plans/:year/units/:unit/monthly/:month": {"none", jsonAt(gjz+"/monthly/2019-06", `{"count":120}`), [6]int{401, 401, 403, 200, 404, 200}},
	"GET /api/v1/plans/:year/units/:unit/monthly/:month": {"none", at(gjz + "/monthly/2019-06"), gjzReaders},
	"GET /api/v1/plans/:year/monthly/:month":             {"none", at(y + "/monthly/2019-06"), overseers},
	"POST /api/v1/plans/:year/monthly/:month/import": {"none", func(e *env, _ world) request {
		body, ct := multipartFile(e.t, "file", "counts.csv", []byte("单位,数量\ngjz,120\nzs,80\n"))
		return request{path: y + "/monthly/2019-06/import", contentType: ct, body: body}
	}, officeOnly},
	"GET /api/v1/plans/:year/units/:unit/deductions":  {"deduction", at(gjz + "/deductions"), [6]int{401, 401, 200, 403, 404, 200}},
	"POST /api/v1/plans/:year/units/:unit/deductions": {"executing", jsonAt(gjz+"/deductions", `{"points":1,"reason":"迟报","rule":"瞒报"}`), [6]int{401, 401, 403, 403, 404, 201}},
	"DELETE /api/v1/plans/:year/units/:unit/deductions/:id": {"deduction", func(_ *env, w world) request {
		return request{path: fmt.Sprintf("%s/deductions/%d", gjz, w.deduction)}
	}, [6]int{401, 401, 403, 403, 404, 204}},
	"GET /api/v1/plans/:year/units/:unit/result": {"published", at(gjz + "/result"), gjzReaders},
	"GET /api/v1/plans/:year/scoring-runs":       {"run", at(runsPath), overseers},
	"POST /api/v1/plans/:year/scoring-runs":      {"executing", at(runsPath), [6]int{401, 401, 403, 403, 403, 201}},
	"GET /api/v1/plans/:year/scoring-runs/:id":   {"run", func(_ *env, w world) request { return request{path: fmt.Sprintf("%s/%d", runsPath, w.run)} }, overseers},
	"GET /api/v1/plans/:year/scoring-runs/:id/export.xlsx": {"run", func(_ *env, w world) request {
		return request{path: fmt.Sprintf("%s/%d/export.xlsx", runsPath, w.run)}
	}, overseers},
	"GET /api/v1/plans/:year/scoring-runs/:id/export.csv": {"run", func(_ *env, w world) request {
		return request{path: fmt.Sprintf("%s/%d/export.csv", runsPath, w.run)}
	}, overseers},
	"POST /api/v1/plans/:year/scoring-runs/:id/publish": {"run", func(_ *env, w world) request {
		return request{path: fmt.Sprintf("%s/%d/publish", runsPath, w.run)}
	}, officeOnly},
}

// The routes of plans as the office edits them, of contesting a result,
// and of robots and calendar feeds.
func init() {
	c := func(state string, req func(*env, world) request, want [6]int) matrixEntry {
		return matrixEntry{state, req, want}
	}
	unitWrite := [6]int{401, 401, 403, 200, 404, 200}
	officeWrite := [6]int{401, 401, 403, 403, 404, 200}
	for key, m := range map[string]matrixEntry{
		"GET /api/v1/years":  c("none", at("/api/v1/years"), signedIn),
		"POST /api/v1/plans": c("none", jsonAt("/api/v1/plans", `{"year":2020,"from":2019}`), [6]int{401, 401, 403, 403, 403, 201}),
		"PUT /api/v1/plans/:year/draft": c("none", func(e *env, _ world) request {
			return jsonRequest(e, y+"/draft", map[string]any{"version": 1, "plan": e.plan})
		}, officeOnly),
		"POST /api/v1/plans/:year/check":                             c("none", at(y+"/check"), officeOnly),
		"GET /api/v1/plans/:year/versions":                           c("none", at(y+"/versions"), officeOnly),
		"GET /api/v1/plans/:year/versions/:version":                  c("none", at(y+"/versions/1"), officeOnly),
		"GET /api/v1/plans/:year/versions/:version/plan.yaml":        c("none", at(y+"/versions/1/plan.yaml"), officeOnly),
		"GET /api/v1/plans/:year/versions/:version/impact":           c("draft", at(y+"/versions/1/impact"), officeOnly),
		"POST /api/v1/plans/:year/versions/:version/publish":         c("plan-v2", at(y+"/versions/2/publish"), officeOnly),
		"GET /api/v1/plans/:year/annexes.xlsx":                       c("none", at(y+"/annexes.xlsx"), signedIn),
		"GET /api/v1/plans/:year/annexes.docx":                       c("none", at(y+"/annexes.docx"), signedIn),
		"GET /api/v1/plans/:year/units/:unit/waivers":                c("contest:executing", at(gjz+"/waivers"), gjzReaders),
		"POST /api/v1/plans/:year/units/:unit/waivers":               c("contest:executing", jsonAt(gjz+"/waivers", `{"ref":"party[0].works[0].nodes[0]","points":0,"reason":"系统故障"}`), [6]int{401, 401, 403, 403, 404, 201}),
		"DELETE /api/v1/plans/:year/units/:unit/waivers/:id":         c("contest:executing", at(gjz+"/waivers/1"), [6]int{401, 401, 403, 403, 404, 204}),
		"POST /api/v1/plans/:year/units/:unit/submission/received":   c("contest:executing", jsonAt(subPath+"/received", `{"at":"2019-06-13T08:00:00+08:00","reason":"邮件"}`), officeWrite),
		"DELETE /api/v1/plans/:year/units/:unit/submission/received": c("contest:executing", at(subPath+"/received"), [6]int{401, 401, 403, 403, 404, 204}),
		"GET /api/v1/plans/:year/monthly":                            c("contest:executing", at(y+"/monthly"), overseers),
		"GET /api/v1/plans/:year/units/:unit/objections":             c("contest:published", at(gjz+"/objections"), gjzReaders),
		"POST /api/v1/plans/:year/units/:unit/objections":            c("contest:published", jsonAt(gjz+"/objections", `{"ref":"indicator:P2","text":"P2得分有误"}`), [6]int{401, 401, 403, 201, 404, 403}),
		"GET /api/v1/plans/:year/objections":                         c("contest:published", at(y+"/objections"), overseers),
		"GET /api/v1/objections/:id":                                 c("contest:published", at("/api/v1/objections/1"), gjzReaders),
		"POST /api/v1/objections/:id/answer":                         c("contest:published", jsonAt("/api/v1/objections/1/answer", `{"verdict":"reject","reason":"得分无误"}`), officeWrite),
		"GET /api/v1/objections/:id/files/:file":                     c("contest:published", at("/api/v1/objections/1/files/1"), [6]int{401, 401, 404, 200, 404, 200}),
		"GET /api/v1/plans/:year/scoring-runs/:id/diff":              c("contest:published", at(runsPath+"/2/diff"), overseers),
		"GET /api/v1/units/:unit/robots":                             c("robots", at("/api/v1/units/gjz/robots"), gjzReaders),
		"POST /api/v1/units/:unit/robots": c("robots", func(e *env, w world) request {
			return jsonRequest(e, "/api/v1/units/gjz/robots", newWeCom(e, w.robots))
		}, [6]int{401, 401, 403, 201, 404, 201}),
		"DELETE /api/v1/units/:unit/robots/:id": c("robots", func(_ *env, w world) request {
			return request{path: fmt.Sprintf("/api/v1/units/gjz/robots/%d", w.unitRobot)}
		}, [6]int{401, 401, 403, 204, 404, 204}),
		"POST /api/v1/units/:unit/robots/:id/test": c("robots", func(_ *env, w world) request {
			return request{path: fmt.Sprintf("/api/v1/units/gjz/robots/%d/test", w.unitRobot)}
		}, unitWrite),
		"GET /api/v1/office/robots": c("robots", at("/api/v1/office/robots"), overseers),
		"POST /api/v1/office/robots": c("robots", func(e *env, w world) request {
			return jsonRequest(e, "/api/v1/office/robots", newWeCom(e, w.robots))
		}, [6]int{401, 401, 403, 403, 403, 201}),
		"DELETE /api/v1/office/robots/:id": c("robots", func(_ *env, w world) request {
			return request{path: fmt.Sprintf("/api/v1/office/robots/%d", w.officeRobot)}
		}, [6]int{401, 401, 403, 403, 403, 204}),
		"POST /api/v1/office/robots/:id/test": c("robots", func(_ *env, w world) request {
			return request{path: fmt.Sprintf("/api/v1/office/robots/%d/test", w.officeRobot)}
		}, officeOnly),
		"GET /api/v1/units/:unit/calendar":         c("robots", at("/api/v1/units/gjz/calendar"), [6]int{401, 401, 403, 200, 404, 200}),
		"POST /api/v1/units/:unit/calendar/rotate": c("robots", at("/api/v1/units/gjz/calendar/rotate"), [6]int{401, 401, 403, 200, 404, 200}),
		"GET /api/v1/units/:unit/calendar/qr.svg":  c("robots", at("/api/v1/units/gjz/calendar/qr.svg"), [6]int{401, 401, 403, 200, 404, 200}),
		"GET /api/v1/units/:unit/calendar/qr.png":  c("robots", at("/api/v1/units/gjz/calendar/qr.png"), [6]int{401, 401, 403, 200, 404, 200}),
		"GET /api/v1/office/calendar":              c("robots", at("/api/v1/office/calendar"), officeOnly),
		"POST /api/v1/office/calendar/rotate":      c("robots", at("/api/v1/office/calendar/rotate"), officeOnly),
		"GET /api/v1/office/calendar/qr.svg":       c("robots", at("/api/v1/office/calendar/qr.svg"), officeOnly),
		"GET /api/v1/office/calendar/qr.png":       c("robots", at("/api/v1/office/calendar/qr.png"), officeOnly),
		"GET /api/v1/todo":                         c("none", at("/api/v1/todo"), signedIn),
		"GET /api/v1/plans/:year/evidence.zip":     c("reported", at(y+"/evidence.zip?unit=gjz"), gjzReaders),
		"POST /api/v1/plans/:year/reviews/batch": c("reported", func(e *env, w world) request {
			return jsonRequest(e, y+"/reviews/batch", map[string]any{"items": []map[string]any{{"node": w.node, "verdict": "accept", "points": w.nodePoints}}})
		}, officeOnly),
		"GET /calendar/:file":  c("robots", func(_ *env, w world) request { return request{path: w.feed} }, everyone),
		"HEAD /calendar/:file": c("robots", func(_ *env, w world) request { return request{path: w.feed} }, everyone),
	} {
		authzMatrix[key] = m
	}
}

// jsonRequest is a request with v as its JSON body.
func jsonRequest(e *env, path string, v any) request {
	return request{path: path, contentType: "application/json", body: []byte(jsonNumber(v))}
}

// TestAuthorizationMatrix calls every route the server registers (read
// from gin's route list, so that a route added without an entry here
// fails) as each of matrixRoles and checks the status: 401 without a
// session, 403 for a role that may not act, 404 for another unit's data
// (as if it did not exist), success otherwise. Every refusal is in the
// error shape. A call that succeeds in changing something gets a server
// of its own; refusals and reads share one per route.
func TestAuthorizationMatrix(t *testing.T) {
	probe := newEnv(t, "sqlite")
	routes := probe.handler.(*gin.Engine).Routes()
	seen := map[string]bool{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		seen[key] = true
		if _, ok := authzMatrix[key]; !ok {
			t.Errorf("route %s has no entry in the authorization matrix", key)
		}
	}
	for key := range authzMatrix {
		if !seen[key] {
			t.Errorf("the matrix has an entry for %s, which is not a route", key)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		m := authzMatrix[key]
		t.Run(key, func(t *testing.T) {
			var shared *env
			var sharedWorld world
			for i, role := range matrixRoles {
				want := m.want[i]
				e, w := shared, sharedWorld
				changes := want < 400 && r.Method != "GET" && r.Method != "HEAD"
				if e == nil || changes {
					e, w = newWorld(t, m.state)
					if !changes {
						shared, sharedWorld = e, w
					}
				}
				req := m.req(e, w)
				status, _, out := e.raw(r.Method, req.path, role, req.contentType, req.body)
				name := roleName(role)
				if status != want {
					t.Errorf("%s %s as %s: %d, want %d: %.300s", r.Method, req.path, name, status, want, out)
					continue
				}
				if status >= 400 && r.Method != "HEAD" {
					decodeError(t, out)
				}
				if status == http.StatusUnauthorized && !strings.HasPrefix(string(out), `{"error"`) {
					t.Errorf("%s as %s: 401 not in the error shape", req.path, name)
				}
			}
		})
	}
}
