package api_test

import (
	"fmt"
	"testing"
)

// TestEveryEndpointForEveryRole runs each endpoint as each role on a fresh
// server prepared to the state where the call makes sense, and checks the
// status: anonymous 401, a role that may not act 403, another unit's data
// 404 (indistinguishable from absent), the rest succeed.
func TestEveryEndpointForEveryRole(t *testing.T) {
	t.Parallel()
	roles := []string{"", "office", "unitA", "unitB", "viewer"}
	newUnit := map[string]any{"code": "new", "name": "新单位总工会"}
	newUser := map[string]any{"username": "new-user", "password": "password-new", "role": "viewer"}
	contacts := []map[string]string{{"name": "王明", "duty": "head", "position": "科员", "phone": "0411-86640001", "mobile": "13800000000", "email": "wm@example.cn"}}
	certify := map[string]any{"innovation": []map[string]any{{"index": 0, "certified": true}}}
	tests := []struct {
		method, path string
		prep         string // state of gjz's submission before the call
		body         func(e *env) any
		want         [5]int // anonymous, office, unitA (gjz), unitB (zs), viewer
	}{
		{"GET", "/healthz", "none", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/readyz", "none", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/api/v1/me", "none", nil, [5]int{401, 200, 200, 200, 200}},
		{"GET", "/api/v1/plans", "none", nil, [5]int{401, 200, 200, 200, 200}},
		{"GET", "/api/v1/plans/2019", "none", nil, [5]int{401, 200, 200, 200, 200}},
		{"GET", "/api/v1/plans/2018", "none", nil, [5]int{401, 404, 404, 404, 404}},
		{"GET", "/api/v1/units", "none", nil, [5]int{401, 200, 200, 200, 200}},
		{"POST", "/api/v1/units", "none", func(*env) any { return newUnit }, [5]int{401, 201, 403, 403, 403}},
		{"GET", "/api/v1/units/gjz", "none", nil, [5]int{401, 200, 200, 404, 200}},
		{"GET", "/api/v1/units/gjz/contacts", "none", nil, [5]int{401, 200, 200, 404, 200}},
		{"PUT", "/api/v1/units/gjz/contacts", "none", func(*env) any { return contacts }, [5]int{401, 200, 200, 404, 403}},
		{"GET", "/api/v1/users", "none", nil, [5]int{401, 200, 403, 403, 403}},
		{"POST", "/api/v1/users", "none", func(*env) any { return newUser }, [5]int{401, 201, 403, 403, 403}},
		{"PUT", "/api/v1/users/gjz/password", "none", func(*env) any { return map[string]string{"password": "another-password"} }, [5]int{401, 204, 204, 403, 403}},
		{"PUT", "/api/v1/me/password", "none", func(*env) any { return map[string]string{"password": "another-password"} }, [5]int{401, 204, 204, 204, 204}},
		{"GET", "/api/v1/audit", "none", nil, [5]int{401, 200, 403, 403, 403}},
		{"GET", "/api/v1/operations/backup", "none", nil, [5]int{401, 200, 403, 403, 403}},
		{"GET", "/api/v1/notifications", "none", nil, [5]int{401, 200, 403, 403, 403}},
		{"GET", "/api/v1/notifications/counts", "none", nil, [5]int{401, 200, 403, 403, 403}},
		{"POST", "/api/v1/notifications/1/resend", "none", nil, [5]int{401, 404, 403, 403, 403}},
		{"GET", "/api/v1/plans/2019/submissions", "draft", nil, [5]int{401, 200, 200, 200, 200}},
		{"GET", subPath, "draft", nil, [5]int{401, 200, 200, 404, 200}},
		{"PUT", subPath, "none", func(e *env) any { return withVersion(validDoc(e.t), 0) }, [5]int{401, 201, 201, 404, 403}},
		{"PUT", subPath, "draft", func(e *env) any { return withVersion(validDoc(e.t), 1) }, [5]int{401, 200, 200, 404, 403}},
		{"POST", subPath + "/validate", "draft", nil, [5]int{401, 200, 200, 404, 200}},
		{"POST", subPath + "/submit", "draft", nil, [5]int{401, 200, 200, 404, 403}},
		{"POST", subPath + "/return", "submitted", func(*env) any { return map[string]string{"comment": "请补充"} }, [5]int{401, 200, 403, 404, 403}},
		{"POST", subPath + "/certify", "submitted", func(*env) any { return certify }, [5]int{401, 200, 403, 404, 403}},
		{"POST", "/api/v1/plans/2019/release", "certified", nil, [5]int{401, 200, 403, 403, 403}},
		{"GET", subPath + "/history", "submitted", nil, [5]int{401, 200, 200, 404, 200}},
		{"GET", "/api/v1/years", "none", nil, [5]int{401, 200, 200, 200, 200}},
		{"POST", "/api/v1/plans", "none", func(*env) any { return map[string]any{"year": 2020, "from": 2019} }, [5]int{401, 201, 403, 403, 403}},
		{"PUT", "/api/v1/plans/2019/draft", "none", func(e *env) any { return map[string]any{"version": 1, "plan": e.plan} }, [5]int{401, 200, 403, 403, 403}},
		{"POST", "/api/v1/plans/2019/check", "none", nil, [5]int{401, 200, 403, 403, 403}},
		{"GET", "/api/v1/plans/2019/versions", "none", nil, [5]int{401, 200, 403, 403, 403}},
		{"GET", "/api/v1/plans/2019/versions/1", "none", nil, [5]int{401, 200, 403, 403, 403}},
		{"GET", "/api/v1/plans/2019/versions/1/plan.yaml", "none", nil, [5]int{401, 200, 403, 403, 403}},
		{"GET", "/api/v1/plans/2019/versions/1/impact", "draft", nil, [5]int{401, 200, 403, 403, 403}},
		{"POST", "/api/v1/plans/2019/versions/2/publish", "draft", func(e *env) any { e.correct2019(); return nil }, [5]int{401, 200, 403, 403, 403}},
		{"GET", "/api/v1/plans/2019/annexes.xlsx", "none", nil, [5]int{401, 200, 200, 200, 200}},
		{"GET", "/api/v1/plans/2019/annexes.docx", "none", nil, [5]int{401, 200, 200, 200, 200}},
		{"POST", "/api/v1/logout", "none", nil, [5]int{401, 204, 204, 204, 204}},
	}
	for _, tt := range tests {
		for i, role := range roles {
			name := role
			if name == "" {
				name = "anonymous"
			}
			t.Run(fmt.Sprintf("%s %s from %s as %s", tt.method, tt.path, tt.prep, name), func(t *testing.T) {
				e := newEnv(t, "sqlite")
				e.toState(tt.prep)
				var body any
				if tt.body != nil {
					body = tt.body(e)
				}
				status, out := e.do(tt.method, tt.path, role, body)
				if status != tt.want[i] {
					t.Fatalf("status %d, want %d: %s", status, tt.want[i], out)
				}
				if status >= 400 {
					decodeError(t, out)
				}
			})
		}
	}
}

// correct2019 saves version 2 of the 2019 plan (a longer forbidden list,
// which breaks no table of the tests), as the office.
func (e *env) correct2019() {
	e.t.Helper()
	p, err := e.plan.Clone()
	if err != nil {
		e.t.Fatal(err)
	}
	p.ForbiddenPhrases = append(p.ForbiddenPhrases, "大力")
	e.mustDo("PUT", "/api/v1/plans/2019/draft", "office", map[string]any{"version": 1, "plan": p}, 200)
}
