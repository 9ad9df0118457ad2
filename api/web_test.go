package api_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"path"
	"regexp"
	"strings"
	"testing"
)

// get fetches path from e's server with the headers given.
func (e *env) get(t *testing.T, p string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestPagesServeTheirModules: the page loads one module under a CSP that
// allows no inline script, every module any module imports is served as
// JavaScript, an unchanged file answers 304, and folders are not listed.
func TestPagesServeTheirModules(t *testing.T) {
	e := newEnv(t, "sqlite")
	resp, page := e.get(t, "/")
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Fatalf("CSP %q", csp)
	}
	entry := regexp.MustCompile(`<script type="module" src="(/static/[^"]+)"></script>`).FindStringSubmatch(page)
	if entry == nil || strings.Count(page, "<script") != 1 {
		t.Fatalf("the page does not load exactly one module:\n%s", page)
	}

	// Follow the imports from the entry module.
	imports := regexp.MustCompile(`(?m)^(?:import|export)\b[^;]*?\bfrom "([^"]+)"|^import "([^"]+)"`)
	seen := map[string]bool{}
	queue := []string{entry[1]}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		resp, src := e.get(t, p)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
			t.Fatalf("GET %s: %d %s", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, m := range imports.FindAllStringSubmatch(src, -1) {
			dep := m[1] + m[2]
			if !strings.HasPrefix(dep, ".") {
				t.Fatalf("%s imports %q: modules are imported by relative path", p, dep)
			}
			queue = append(queue, path.Join(path.Dir(p), dep))
		}
	}
	if len(seen) < 10 || !seen["/static/api.js"] || !seen["/static/routes.js"] {
		t.Fatalf("the entry reaches only %v", seen)
	}

	resp, _ = e.get(t, "/static/style.css")
	tag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || tag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("style.css: %d, ETag %q, Cache-Control %q", resp.StatusCode, tag, resp.Header.Get("Cache-Control"))
	}
	if resp, _ = e.get(t, "/static/style.css", "If-None-Match", tag); resp.StatusCode != 304 {
		t.Fatalf("an unchanged style.css answers %d, want 304", resp.StatusCode)
	}
	for _, p := range []string{"/static/", "/static/pages/", "/static/nothing.js"} {
		if resp, body := e.get(t, p); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404: %.200s", p, resp.StatusCode, body)
		}
	}
}

// TestStaticFilesCompressed: text files go out gzipped to a browser that
// takes gzip (each encoding with its own ETag), as they are to one that
// does not; the vendored chart library may be kept a week.
func TestStaticFilesCompressed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	for _, p := range []string{"/static/main.js", "/static/style.css", "/static/vendor/echarts/echarts.esm.min.js"} {
		plain, body := e.get(t, p, "Accept-Encoding", "identity")
		zipped, zbody := e.get(t, p, "Accept-Encoding", "gzip, deflate, br")
		if plain.StatusCode != 200 || zipped.StatusCode != 200 || zipped.Header.Get("Content-Encoding") != "gzip" || plain.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s: %d/%d, encodings %q and %q", p, plain.StatusCode, zipped.StatusCode, plain.Header.Get("Content-Encoding"), zipped.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(strings.NewReader(zbody))
		if err != nil {
			t.Fatal(err)
		}
		unzipped, _ := io.ReadAll(zr)
		if string(unzipped) != body || len(zbody) >= len(body) {
			t.Fatalf("%s: gzipped %d bytes of %d, not the same content", p, len(zbody), len(body))
		}
		if plain.Header.Get("ETag") == zipped.Header.Get("ETag") || zipped.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%s: ETags %q %q, Vary %q", p, plain.Header.Get("ETag"), zipped.Header.Get("ETag"), zipped.Header.Get("Vary"))
		}
		if resp, _ := e.get(t, p, "Accept-Encoding", "gzip", "If-None-Match", zipped.Header.Get("ETag")); resp.StatusCode != 304 {
			t.Fatalf("%s: unchanged gzipped copy answers %d", p, resp.StatusCode)
		}
		want := "no-cache"
		if strings.Contains(p, "/vendor/") {
			want = "public, max-age=604800"
		}
		if cc := zipped.Header.Get("Cache-Control"); cc != want {
			t.Fatalf("%s: Cache-Control %q, want %q", p, cc, want)
		}
	}
}
