package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestBrowserHeadersEverywhere: the page, every static file and the API
// carry a Content-Security-Policy that forbids framing, nosniff and a
// same-origin referrer policy; the pages' policy allows no inline script.
func TestBrowserHeadersEverywhere(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, path := range []string{"/", "/static/index.html", "/static/main.js", "/static/pages/overview.js", "/static/style.css", "/static/nothing-here", "/api/v1/me", "/api/v1/plans", "/healthz", "/no-such-page"} {
		t.Run(path, func(t *testing.T) {
			status, h, _ := e.raw("GET", path, "office", "", nil)
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") || h.Get("X-Content-Type-Options") != "nosniff" ||
				h.Get("Referrer-Policy") != "same-origin" || h.Get("X-Frame-Options") != "DENY" {
				t.Fatalf("%d: CSP %q, nosniff %q, referrer %q, frame %q", status, csp, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"), h.Get("X-Frame-Options"))
			}
			if strings.HasPrefix(h.Get("Content-Type"), "text/html") && (!strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline")) {
				t.Fatalf("an HTML answer with the policy %q", csp)
			}
		})
	}
}

// TestNoCookieLogin: a session token sent as the kaohe_token cookie signs
// nobody in, so a cross-site form posting with the browser's cookies can
// do nothing (the probe created an office account that way).
func TestNoCookieLogin(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, ct := range []string{"text/plain", "application/json"} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/users",
			strings.NewReader(`{"username":"mallory","password":"mallory-password","role":"office"}`))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Origin", "http://evil.example")
		req.AddCookie(&http.Cookie{Name: "kaohe_token", Value: e.tokens["office"]})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("%s with the cookie: %d", ct, resp.StatusCode)
		}
	}
	if status, _, _ := e.loginFrom("", "mallory", "mallory-password"); status != 401 {
		t.Fatalf("the account was made: %d", status)
	}
}

// TestDownloadNamesHaveNoBidiControls: an evidence file uploaded as
// "invoice<U+202E>fdp.exe" (shown as "invoiceexe.pdf") is listed and
// downloaded without the override, and so is an export named after a
// unit whose name carries one.
func TestDownloadNamesHaveNoBidiControls(t *testing.T) {
	e := newEnv(t, "sqlite")
	nodes := e.executing()
	status, out := e.upload(nodes[0].ID, "unitA", "", upFile{"invoice\u202Efdp.pdf", pdfOfSize(t, 1000)})
	if status != 201 {
		t.Fatalf("upload: %d %s", status, out)
	}
	n := e.node(nodes[0].ID, "unitA")
	if name := n.Evidence[0].Name; name != "invoicefdp.pdf" {
		t.Fatalf("stored name %q", name)
	}
	_, h, _ := e.raw("GET", fmt.Sprintf("/api/v1/evidence/%d", n.Evidence[0].ID), "unitA", "", nil)
	if cd := h.Get("Content-Disposition"); strings.Contains(cd, "%E2%80%AE") || !strings.Contains(cd, "invoicefdp.pdf") {
		t.Fatalf("Content-Disposition %q", cd)
	}

	e.mustDo("POST", "/api/v1/units", "office", map[string]any{"code": "bidi", "name": "区\u202Excslx.exe总工会"}, 201)
	e.mustDo("PUT", "/api/v1/plans/2019/units/bidi/submission", "office", withVersion(validDoc(t), 0), 201)
	status, h, body := e.raw("GET", "/api/v1/plans/2019/units/bidi/submission/export.xlsx", "office", "", nil)
	cd := h.Get("Content-Disposition")
	if status != 200 || !bytes.HasPrefix(body, []byte("PK")) || strings.Contains(cd, "%E2%80%AE") || !strings.Contains(cd, "filename=") {
		t.Fatalf("%d Content-Disposition %q", status, cd)
	}
}
