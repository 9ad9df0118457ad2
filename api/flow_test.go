package api_test

import (
	"encoding/json"
	"kaohe/configs"
	"strings"
	"testing"
	"time"
)

var backends = []string{"sqlite", "mariadb"}

// TestSubmissionLifecycle walks a unit through draft, validate, submit,
// return, fix, resubmit, certify and release, as a new user would with curl,
// on each database.
func TestSubmissionLifecycle(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend)

			// Before the first PUT there is nothing to read.
			status, out := e.do("GET", subPath, "unitA", nil)
			if status != 404 || decodeError(t, out).Error.Code != "not_found" {
				t.Fatalf("GET before PUT: %d %s", status, out)
			}

			// The first PUT creates the draft: 201, version 1.
			doc := validDoc(t)
			var v subView
			e.mustDecode("PUT", subPath, "unitA", withVersion(doc, 0), 201, &v)
			if v.State != "draft" || v.Version != 1 || v.SubmittedAt != nil {
				t.Fatalf("created %+v", v)
			}
			// Editing with the version read: 200, version 2.
			e.mustDecode("PUT", subPath, "unitA", withVersion(doc, 1), 200, &v)
			if v.Version != 2 {
				t.Fatalf("version after edit %d", v.Version)
			}
			// A stale version is refused and changes nothing.
			bad := withVersion(doc, 1)
			bad["party"] = []any{}
			status, out = e.do("PUT", subPath, "unitA", bad)
			if status != 409 || decodeError(t, out).Error.Code != "stale_version" {
				t.Fatalf("stale PUT: %d %s", status, out)
			}
			var full map[string]any
			e.mustDecode("GET", subPath, "unitA", nil, 200, &full)
			if len(full["party"].([]any)) != 5 || full["version"].(float64) != 2 {
				t.Fatal("a refused PUT changed the draft")
			}

			// Validate the stored draft: valid, with no violations.
			var val struct {
				Valid    bool
				Warnings []any
			}
			e.mustDecode("POST", subPath+"/validate", "unitA", nil, 200, &val)
			if !val.Valid {
				t.Fatal("the fixture must be valid")
			}

			// Submit before the deadline: on time.
			e.clock.Set(time.Date(2019, 6, 13, 17, 0, 0, 0, shanghai))
			e.mustDecode("POST", subPath+"/submit", "unitA", nil, 200, &v)
			if v.State != "submitted" || v.Late || v.SubmittedAt == nil {
				t.Fatalf("submitted %+v", v)
			}
			// The unit can no longer edit.
			status, out = e.do("PUT", subPath, "unitA", withVersion(doc, v.Version))
			if status != 409 || decodeError(t, out).Error.Code != "wrong_state" {
				t.Fatalf("PUT while submitted: %d %s", status, out)
			}

			// The office returns it with comments; the unit sees them.
			e.clock.Set(time.Date(2019, 6, 17, 10, 0, 0, 0, shanghai))
			e.mustDo("POST", subPath+"/return", "office", map[string]any{
				"comment": "请按意见修改后重新报送", "comments": map[string]string{"B3": "完成标准不够具体"}}, 200)
			e.mustDecode("GET", subPath, "unitA", nil, 200, &v)
			if v.State != "returned" || v.Comment != "请按意见修改后重新报送" || v.Comments["B3"] != "完成标准不够具体" {
				t.Fatalf("returned %+v", v)
			}
			// Returning again is a wrong-state request.
			status, _ = e.do("POST", subPath+"/return", "office", map[string]any{"comment": "x"})
			if status != 409 {
				t.Fatalf("double return: %d", status)
			}

			// Fix and resubmit after the deadline: still on time, because
			// lateness is decided by the first submission.
			e.mustDecode("PUT", subPath, "unitA", withVersion(doc, v.Version), 200, &v)
			version := v.Version
			v = subView{} // comments are omitted once resubmitted: decode afresh
			e.mustDecode("POST", subPath+"/submit", "unitA", map[string]int{"version": version}, 200, &v)
			if v.Late || v.Comment != "" {
				t.Fatalf("resubmitted %+v", v)
			}

			// History keeps both submitted versions and the office's comments.
			var hist []struct {
				Action   string
				Version  int
				Document json.RawMessage
				Comment  string
				Comments map[string]string
			}
			e.mustDecode("GET", subPath+"/history", "unitA", nil, 200, &hist)
			actions := []string{}
			for _, h := range hist {
				actions = append(actions, h.Action)
			}
			if strings.Join(actions, ",") != "submit,return,submit" {
				t.Fatalf("history %v", actions)
			}
			if len(hist[0].Document) == 0 || hist[1].Comments["B3"] == "" || hist[1].Comment == "" {
				t.Fatalf("history lost content: %+v", hist)
			}

			// Certify with a decision per innovation item, then release.
			var cert struct {
				State               string
				InnovationCertified []bool `json:"innovation_certified"`
			}
			e.mustDecode("POST", subPath+"/certify", "office", map[string]any{
				"innovation": []map[string]any{{"index": 0, "certified": true}, {"index": 1, "certified": false}}}, 200, &cert)
			if cert.State != "certified" || len(cert.InnovationCertified) != 2 || !cert.InnovationCertified[0] || cert.InnovationCertified[1] {
				t.Fatalf("certified %+v", cert)
			}
			var rel struct{ Released []string }
			e.mustDecode("POST", "/api/v1/plans/2019/release", "office", nil, 200, &rel)
			if len(rel.Released) != 1 || rel.Released[0] != "gjz" || e.sub("gjz").State != "executing" {
				t.Fatalf("released %+v", rel)
			}
			// Nothing left to release.
			status, _ = e.do("POST", "/api/v1/plans/2019/release", "office", nil)
			if status != 409 {
				t.Fatalf("second release: %d", status)
			}

			// The audit log, filtered by unit, shows every step with its actor.
			var audit []struct{ Actor, Action, Unit string }
			e.mustDecode("GET", "/api/v1/audit?unit=gjz", "office", nil, 200, &audit)
			seen := map[string]bool{}
			for _, a := range audit {
				if a.Unit != "gjz" {
					t.Fatalf("filter leaked %+v", a)
				}
				seen[a.Action+"/"+a.Actor] = true
			}
			for _, want := range []string{"submission.save/gjz", "submission.submit/gjz", "submission.return/admin", "submission.certify/admin", "submission.release/admin"} {
				if !seen[want] {
					t.Errorf("audit lacks %s: %v", want, seen)
				}
			}
		})
	}
}

// TestLateSubmission: the first submission after 17:30 on June 13 is late
// (迟报); one a minute before is not.
func TestLateSubmission(t *testing.T) {
	t.Parallel()
	tests := []struct {
		at   time.Time
		late bool
	}{
		{time.Date(2019, 6, 13, 17, 29, 0, 0, shanghai), false},
		{time.Date(2019, 6, 13, 17, 31, 0, 0, shanghai), true},
		{time.Date(2019, 6, 14, 9, 0, 0, 0, shanghai), true},
	}
	for _, tt := range tests {
		t.Run(tt.at.Format(time.DateTime), func(t *testing.T) {
			e := newEnv(t, "sqlite")
			e.draft()
			e.clock.Set(tt.at)
			var v subView
			e.mustDecode("POST", subPath+"/submit", "unitA", nil, 200, &v)
			if v.Late != tt.late {
				t.Fatalf("late = %v, want %v", v.Late, tt.late)
			}
		})
	}
}

// TestOneBadNodeIsLocatedAtThatNode: a table with one bad node gets
// violations at that node only, and nothing is submitted.
func TestOneBadNodeIsLocatedAtThatNode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	doc := validDoc(t)
	node := doc["business"].([]any)[2].(map[string]any)["works"].([]any)[0].(map[string]any)["nodes"].([]any)[0].(map[string]any)
	node["due"] = "2019-07-15"
	node["standard"] = "进一步做好帮扶工作"
	node["evidence"] = ""
	e.mustDo("PUT", subPath, "unitA", withVersion(doc, 0), 201)
	status, out := e.do("POST", subPath+"/submit", "unitA", nil)
	if status != 422 {
		t.Fatalf("submit: %d %s", status, out)
	}
	er := decodeError(t, out)
	if er.Error.Code != "validation_failed" || len(er.Error.Details) != 3 {
		t.Fatalf("want 3 violations: %s", out)
	}
	rules := map[string]bool{}
	for _, d := range er.Error.Details {
		if !strings.HasPrefix(d.Path, "business[2].works[0].nodes[0].") {
			t.Errorf("violation outside the bad node: %+v", d)
		}
		rules[d.Rule] = true
	}
	for _, r := range []string{"node.due.checkpoint", "node.standard.forbidden", "node.evidence.empty"} {
		if !rules[r] {
			t.Errorf("missing rule %s", r)
		}
	}
	if e.sub("gjz").State != "draft" {
		t.Fatal("a refused submit changed the state")
	}
	// validate with the body gives the same answer and stores nothing.
	status, out2 := e.do("POST", subPath+"/validate", "unitA", doc)
	if status != 422 || len(decodeError(t, out2).Error.Details) != 3 {
		t.Fatalf("validate: %d %s", status, out2)
	}
}

// TestMalformedRequests: bad JSON, inexact points, unknown fields → 400 with
// the error shape, nothing stored.
func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	tests := []struct {
		name, body string
	}{
		{"not json", "{party"},
		{"three decimals", `{"version":0,"party":[{"code":"P1","points":20.555,"works":[]}]}`},
		{"misspelt field", `{"version":0,"party":[{"code":"P1","points":20,"works":[{"title":"x","points":20,"nodes":[{"due":"2019-06-30","standrad":"x"}]}]}]}`},
		{"no version", `{"party":[]}`},
		{"points as text", `{"version":0,"party":[{"code":"P1","points":"twenty"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := e.do("PUT", subPath, "unitA", tt.body)
			if status != 400 || decodeError(t, out).Error.Code != "invalid" {
				t.Fatalf("%d %s", status, out)
			}
		})
	}
	if status, _ := e.do("GET", subPath, "unitA", nil); status != 404 {
		t.Fatal("a malformed PUT created a draft")
	}
}

// TestLogoutAndExpiry: a token ends at logout, and a login lasts the
// service's TTL (12 hours by default), no longer.
func TestLogoutAndExpiry(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "sqlite")
	cfg.Session.TTL = configs.Default().Session.TTL // the production default
	e := newEnvWith(t, cfg)
	e.mustDo("POST", "/api/v1/logout", "unitA", nil, 204)
	if status, _ := e.do("GET", "/api/v1/me", "unitA", nil); status != 401 {
		t.Fatal("token still valid after logout")
	}
	e.clock.Advance(11 * time.Hour)
	if status, _ := e.do("GET", "/api/v1/me", "unitB", nil); status != 200 {
		t.Fatal("token refused after 11 hours")
	}
	e.clock.Advance(2 * time.Hour)
	if status, _ := e.do("GET", "/api/v1/me", "unitB", nil); status != 401 {
		t.Fatal("token valid after 13 hours")
	}
}

// TestUnitSeesOnlyItself in lists.
func TestUnitSeesOnlyItself(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	e.draft()
	var units []struct{ Code string }
	e.mustDecode("GET", "/api/v1/units", "unitB", nil, 200, &units)
	if len(units) != 1 || units[0].Code != "zs" {
		t.Fatalf("unit B sees %+v", units)
	}
	var subs []struct{ Unit, State string }
	e.mustDecode("GET", "/api/v1/plans/2019/submissions", "unitB", nil, 200, &subs)
	if len(subs) != 1 || subs[0].Unit != "zs" || subs[0].State != "none" {
		t.Fatalf("unit B sees %+v", subs)
	}
	e.mustDecode("GET", "/api/v1/plans/2019/submissions", "office", nil, 200, &subs)
	if len(subs) != 2 {
		t.Fatalf("office sees %+v", subs)
	}
}

// TestContactsAreRequiredToSubmit: a unit whose contacts are incomplete
// cannot submit; the violation is at "contacts".
func TestContactsAreRequiredToSubmit(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, backend)
			e.draft()
			e.mustDo("PUT", "/api/v1/units/gjz/contacts", "unitA", []map[string]string{{"name": "王明", "duty": "head", "email": "wm@example.cn"}}, 200)
			status, out := e.do("POST", subPath+"/submit", "unitA", nil)
			er := decodeError(t, out)
			if status != 422 || len(er.Error.Details) != 3 || er.Error.Details[0].Path != "contacts" ||
				er.Error.Details[1].Rule != "contacts.duty.missing" || er.Error.Details[2].Rule != "contacts.duty.missing" {
				t.Fatalf("%d %s", status, out)
			}
			// A complete head but no staff: the staff is asked for, at "contacts".
			contacts := loadContacts(t)
			e.mustDo("PUT", "/api/v1/units/gjz/contacts", "unitA", contacts[:1], 200)
			status, out = e.do("POST", subPath+"/submit", "unitA", nil)
			if er := decodeError(t, out); status != 422 || len(er.Error.Details) != 2 || er.Error.Details[1].Rule != "contacts.duty.missing" ||
				!strings.Contains(er.Error.Details[1].Message, "工作人员") {
				t.Fatalf("no staff: %d %s", status, out)
			}
			// A contact without a duty is refused at its path.
			status, out = e.do("PUT", "/api/v1/units/gjz/contacts", "unitA", []map[string]string{{"name": "王明", "email": "wm@example.cn"}})
			if status != 422 || decodeError(t, out).Error.Details[0].Path != "[0].duty" {
				t.Fatalf("%d %s", status, out)
			}
			// A bad email is refused at its path and changes nothing.
			status, out = e.do("PUT", "/api/v1/units/gjz/contacts", "unitA", []map[string]string{{"name": "王明", "duty": "head", "email": "not-an-email"}})
			if status != 422 || decodeError(t, out).Error.Details[0].Path != "[0].email" {
				t.Fatalf("%d %s", status, out)
			}
		})
	}
}

// TestContactsWithoutEmail: the notice asks for names and telephones, not
// email; a unit whose contacts have none submits, and the office's list
// says which units reminders cannot reach.
func TestContactsWithoutEmail(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, backend)
			e.draft()
			noMail := loadContacts(t)
			for i := range noMail {
				noMail[i]["email"] = ""
			}
			e.mustDo("PUT", "/api/v1/units/gjz/contacts", "unitA", noMail, 200)
			e.mustDo("POST", subPath+"/submit", "unitA", nil, 200)
			var subs []struct {
				Unit        string `json:"unit"`
				Unreachable bool   `json:"unreachable"`
			}
			e.mustDecode("GET", "/api/v1/plans/2019/submissions", "office", nil, 200, &subs)
			got := map[string]bool{}
			for _, s := range subs {
				got[s.Unit] = s.Unreachable
			}
			if !got["gjz"] || got["zs"] || len(got) != 2 {
				t.Fatalf("unreachable by unit %v, want only gjz", got)
			}
		})
	}
}
