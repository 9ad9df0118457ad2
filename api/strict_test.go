package api_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// jsonRoutes are the routes that take a JSON body, with a role allowed to
// call them, a good body, and whether an empty body is allowed (the
// action's defaults).
var jsonRoutes = []struct {
	method, path, role, prep string
	good                     string
	emptyOK                  bool
}{
	{"POST", "/api/v1/login", "", "none", `{"username":"gjz","password":"password-gjz"}`, false},
	{"PUT", "/api/v1/me/password", "unitA", "none", `{"password":"another-password"}`, false},
	{"POST", "/api/v1/users", "office", "none", `{"username":"new-user","password":"password-new","role":"viewer"}`, false},
	{"PUT", "/api/v1/users/zs/password", "office", "none", `{"password":"another-password"}`, false},
	{"POST", "/api/v1/units", "office", "none", `{"code":"new","name":"新单位总工会"}`, false},
	{"PUT", "/api/v1/units/gjz/contacts", "unitA", "none", `[{"name":"王明","duty":"head","position":"科员","phone":"0411-86640001","mobile":"13800000000","email":"wm@example.cn"}]`, false},
	{"PUT", subPath, "unitA", "none", `{"version":0,"party":[]}`, false},
	{"POST", subPath + "/validate", "unitA", "draft", `{"version":1,"party":[]}`, true},
	{"POST", subPath + "/submit", "unitA", "draft", `{}`, true},
	{"POST", subPath + "/return", "office", "submitted", `{"comment":"请补充"}`, false},
	{"POST", subPath + "/certify", "office", "submitted", `{"innovation":[{"index":0,"certified":true}]}`, true},
	{"POST", "/api/v1/plans/2019/units/gjz/deductions", "office", "none", `{"points":1,"reason":"迟报","rule":"x"}`, false},
	{"POST", "/api/v1/nodes/1/review", "office", "none", `{"verdict":"accept"}`, false},
	{"PUT", "/api/v1/plans/2019/units/gjz/monthly/2019-06", "unitA", "none", `{"count":1}`, false},
}

// TestStrictJSONEverywhere: on every route with a JSON body, another
// content type is 415, a field the route does not know is 400 at its
// path, null is 400, a name given twice is 400, and an empty body is 400
// unless the action has defaults. Nothing is changed by any of them.
func TestStrictJSONEverywhere(t *testing.T) {
	for _, r := range jsonRoutes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			e := newEnv(t, "sqlite")
			e.toState(r.prep)
			audit := len(e.mustDo("GET", "/api/v1/audit?limit=1000", "office", nil, 200))
			check := func(name, contentType, body string, want int, path string) {
				t.Helper()
				status, _, out := e.raw(r.method, r.path, r.role, contentType, []byte(body))
				if status != want {
					t.Fatalf("%s: %d, want %d: %s", name, status, want, out)
				}
				er := decodeError(t, out)
				if path != "" && (len(er.Error.Details) != 1 || er.Error.Details[0].Path != path) {
					t.Fatalf("%s: details %+v, want one at %q", name, er.Error.Details, path)
				}
			}
			check("text/plain", "text/plain", r.good, 415, "")
			check("form", "application/x-www-form-urlencoded", r.good, 415, "")
			check("multipart", "multipart/form-data; boundary=x", r.good, 415, "")
			check("null", "application/json", "null", 400, "")
			unknown, field := `{"bogus_field":1}`, "bogus_field"
			if r.good[0] == '[' {
				unknown, field = `[{"name":"王明","bogus_field":1}]`, "[0].bogus_field"
			}
			check("unknown field", "application/json", unknown, 400, field)
			check("a second value", "application/json", r.good+r.good, 400, "")
			if r.good[0] == '{' && r.good != "{}" {
				dup := r.good[:len(r.good)-1] + "," + r.good[1:]
				check("a name twice", "application/json", dup, 400, "")
			}
			if !r.emptyOK {
				check("empty", "application/json", "", 400, "")
			}
			if got := len(e.mustDo("GET", "/api/v1/audit?limit=1000", "office", nil, 200)); got != audit {
				t.Fatal("a refused request left an audit entry")
			}
		})
	}
}

// TestNestedFieldsAndNumbers: an unknown or mistyped field deep in a
// document is named by its whole path, and numbers sent as strings are
// refused wherever they are.
func TestNestedFieldsAndNumbers(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, tt := range []struct {
		name, method, path, role, body string
		want                           int
		at                             string
	}{
		{"a misspelt node field", "PUT", subPath, "unitA",
			`{"version":0,"party":[{"code":"P1","points":20,"works":[{"title":"x","points":20,"nodes":[{"due":"2019-06-30","standrad":"x"}]}]}]}`,
			400, "party[0].works[0].nodes[0].standrad"},
		{"points as a string", "PUT", subPath, "unitA", `{"version":0,"party":[{"code":"P1","points":"20"}]}`, 400, ""},
		{"the version as a string", "PUT", subPath, "unitA", `{"version":"0","party":[]}`, 400, "version"},
		{"a contact's name as a number", "PUT", "/api/v1/units/gjz/contacts", "unitA", `[{"name":1}]`, 400, "[0].name"},
		{"a misspelt contacts list", "POST", "/api/v1/units", "office", `{"code":"new","name":"新单位总工会","contact":[]}`, 400, "contact"},
		{"deduction points as a string", "POST", "/api/v1/plans/2019/units/gjz/deductions", "office", `{"points":"2","reason":"迟报","rule":"x"}`, 400, ""},
		{"a count as a string", "PUT", "/api/v1/plans/2019/units/gjz/monthly/2019-06", "unitA", `{"count":"2"}`, 422, "count"},
		{"a certification flag as a string", "POST", subPath + "/certify", "office", `{"innovation":[{"index":0,"certified":"true"}]}`, 400, "innovation[0].certified"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, out := e.do(tt.method, tt.path, tt.role, tt.body)
			if status != tt.want {
				t.Fatalf("%d, want %d: %s", status, tt.want, out)
			}
			er := decodeError(t, out)
			if tt.at != "" && (len(er.Error.Details) == 0 || er.Error.Details[0].Path != tt.at) {
				t.Fatalf("details %+v, want %q", er.Error.Details, tt.at)
			}
		})
	}
	e.mustDo("GET", subPath, "unitA", nil, 404)
	e.mustDo("GET", "/api/v1/units/new", "office", nil, 404)
	var cs []map[string]any
	e.mustDecode("GET", "/api/v1/units/gjz/contacts", "unitA", nil, 200, &cs)
	if len(cs) == 0 {
		t.Fatal("contacts were changed")
	}
}

// TestHeaderAndQueryLimits: headers over http.max_header_bytes (16 KiB)
// are 431 and a query over http.max_query_bytes (4 KiB) is 414, both in
// the error shape, signed in or not.
func TestHeaderAndQueryLimits(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, tt := range []struct {
		name, path string
		header     int
		want       int
		code       string
	}{
		{"headers of 15 KiB", "/api/v1/me", 15 << 10, 200, ""},
		{"headers of 17 KiB", "/api/v1/me", 17 << 10, 431, "headers_too_large"},
		{"a query of 4 KiB", "/api/v1/audit?action=" + strings.Repeat("x", 4096-7), 0, 200, ""},
		{"a query over 4 KiB", "/api/v1/audit?action=" + strings.Repeat("x", 4096), 0, 414, "uri_too_long"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.srv.URL+tt.path, nil)
			req.Header.Set("Authorization", "Bearer "+e.tokens["office"])
			if tt.header > 0 {
				req.Header.Set("X-Padding", strings.Repeat("p", tt.header-200))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want {
				t.Fatalf("%d, want %d: %.200s", resp.StatusCode, tt.want, out)
			}
			if tt.code != "" {
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Fatalf("Content-Type %q", ct)
				}
				if er := decodeError(t, out); er.Error.Code != tt.code {
					t.Fatalf("code %s", er.Error.Code)
				}
			}
		})
	}
}

// TestBodiesAreBoundedWhateverTheirType: a 20 MB body is refused with 413
// after at most the route's limit is read, whatever its Content-Type, on
// /login (no token needed) and on a JSON route; an import route stops at
// its own limit (or at once, when a multipart body is not one). The probe's 200 MB multipart body to /login took the
// server past 1 GB.
func TestBodiesAreBoundedWhateverTheirType(t *testing.T) {
	e := newEnv(t, "sqlite")
	big := append([]byte(`{"username":"x","password":"`), bytes.Repeat([]byte("a"), 20<<20)...)
	big = append(big, `"}`...)
	for _, r := range []struct{ method, path, role string }{
		{"POST", "/api/v1/login", ""},
		{"PUT", "/api/v1/units/gjz/contacts", "unitA"},
		{"POST", subPath + "/import?version=0", "unitA"},
	} {
		for _, ct := range []string{"multipart/form-data; boundary=x", "application/json", "text/plain", ""} {
			t.Run(r.path+" "+ct, func(t *testing.T) {
				var status int
				var out []byte
				allocs, _ := allocated(func() { status, _, out = e.raw(r.method, r.path, r.role, ct, big) })
				want := 413
				if strings.HasPrefix(ct, "multipart/") && strings.Contains(r.path, "import") {
					want = 400 // not a multipart body at all: refused at its first line
				}
				if status != want {
					t.Fatalf("%d, want %d: %.200s", status, want, out)
				}
				decodeError(t, out)
				if allocs > 40<<20 {
					t.Fatalf("%d MB allocated to refuse it", allocs>>20)
				}
			})
		}
	}
}
