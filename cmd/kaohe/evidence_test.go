package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaohe/configs"
	"kaohe/internal/tests3"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// addUser creates an account directly in the database.
func addUser(t *testing.T, cfg *configs.Config, username, password string, role workflow.Role, unit string) {
	t.Helper()
	ctx := context.Background()
	a := openWith(t, cfg, workflow.SystemClock{})
	defer a.Close(ctx)
	if _, err := a.Service.CreateUser(ctx, service.SystemActor, service.NewUser{Username: username, Password: password, Role: role, UnitCode: unit}); err != nil {
		t.Fatal(err)
	}
}

// apiClient calls one server's API with one account's token.
type apiClient struct {
	t     testing.TB
	base  string
	token string
	http  *http.Client
}

// signIn logs username in on the server at addr.
func signIn(t testing.TB, addr, username, password string) *apiClient {
	t.Helper()
	c := &apiClient{t: t, base: "http://" + addr, http: &http.Client{
		Timeout:       time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	var out struct{ Token string }
	if code := c.json("POST", "/api/v1/login", map[string]string{"username": username, "password": password}, &out); code != 200 {
		t.Fatalf("login %s: %d", username, code)
	}
	c.token = out.Token
	return c
}

// do sends a request and returns the response with its body read.
func (c *apiClient) do(method, path string, body io.Reader, contentType string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return resp, b
}

// json sends in as JSON (none when nil), decodes the answer into out (when
// not nil and 2xx) and returns the status.
func (c *apiClient) json(method, path string, in, out any) int {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	resp, b := c.do(method, path, body, "application/json")
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// multipartFile is the body of an upload of one file named name.
func multipartFile(name string, content []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files"; filename="%s"`, name))
	h.Set("Content-Type", "application/octet-stream")
	p, _ := w.CreatePart(h)
	p.Write(content)
	w.Close()
	return &buf, w.FormDataContentType()
}

// upload reports node with one file and returns the response.
func (c *apiClient) upload(node int64, name string, content []byte) (*http.Response, []byte) {
	c.t.Helper()
	body, ct := multipartFile(name, content)
	return c.do("POST", fmt.Sprintf("/api/v1/nodes/%d/evidence", node), body, ct)
}

// nodeView is what the tests read of GET /api/v1/nodes/{id}.
type nodeView struct {
	ID       int64  `json:"id"`
	State    string `json:"state"`
	Version  int    `json:"version"`
	Points   any    `json:"points"`
	Evidence []struct {
		ID     int64  `json:"id"`
		Name   string `json:"name"`
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	} `json:"evidence"`
}

func (c *apiClient) node(id int64) nodeView {
	c.t.Helper()
	var n nodeView
	if code := c.json("GET", fmt.Sprintf("/api/v1/nodes/%d", id), nil, &n); code != 200 {
		c.t.Fatalf("node %d: %d", id, code)
	}
	return n
}

// firstNode returns the id of the unit's first node.
func (c *apiClient) firstNode(unit string) int64 {
	c.t.Helper()
	var ns []nodeView
	if code := c.json("GET", "/api/v1/plans/2019/units/"+unit+"/nodes", nil, &ns); code != 200 || len(ns) == 0 {
		c.t.Fatalf("nodes of %s: %d, %d nodes", unit, code, len(ns))
	}
	return ns[0].ID
}

// evidenceFile is a PDF of about size bytes whose content depends on tag.
func evidenceFile(t testing.TB, size int, tag string) []byte {
	t.Helper()
	pdf, err := os.ReadFile("../../testdata/evidence/会议纪要.pdf")
	if err != nil {
		t.Fatal(err)
	}
	b := append([]byte{}, pdf...)
	for len(b) < size {
		b = append(b, fmt.Sprintf("%% %s %08d\n", tag, len(b))...)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// stagedFiles lists the staged uploads left in dir.
func stagedFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".upload-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// objects lists the objects of bucket on srv (the gateway's own dot-files
// aside), relative to the bucket.
func objects(t *testing.T, srv *tests3.Server, bucket string) []string {
	t.Helper()
	root := filepath.Join(srv.Dir, bucket)
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.HasPrefix(d.Name(), ".") && rel != "." {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// executingUnit prepares a SQLite data directory where gjz's tables are
// being executed, with the unit account gjz and the office account admin.
func executingUnit(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	seed(t, dir, []string{"gjz"})
	release(t, dir, []string{"gjz"}, "")
	addUser(t, dirConfig(dir), "gjz", "unit-password", workflow.RoleUnit, "gjz")
	return dir
}

// readyz returns /readyz's status and body.
func readyz(t *testing.T, addr string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// TestObjectStoreOutage is the fault test: the object store stops while a
// unit's upload is on its way. The unit gets a clear 503 (code
// "unavailable", Retry-After), nothing is recorded (no row, the node still
// pending, no object, no staged file left), readiness names the store; once
// the store is back, the same upload succeeds and downloads with the same
// headers as from a directory.
func TestObjectStoreOutage(t *testing.T) {
	t.Parallel()
	dir := executingUnit(t)
	srv := tests3.Start(t)
	bucket := srv.Bucket(t)
	env := srv.Env(bucket, "evidence")
	env["KAOHE_ADMIN_PASSWORD"] = "admin-password"
	env["KAOHE_CLOCK_START"] = "2019-06-20T10:00:00+08:00"
	m, _, log := serve(t, dir, env)
	unit := signIn(t, m.Addr, "gjz", "unit-password")
	node := unit.firstNode("gjz")
	content := evidenceFile(t, 2<<20, "outage")

	// The first half of the body reaches the server; the store stops; the
	// rest follows.
	body, ct := multipartFile("动员会材料.pdf", content)
	pr, pw := io.Pipe()
	type result struct {
		resp *http.Response
		body []byte
	}
	done := make(chan result)
	go func() {
		resp, b := unit.do("POST", fmt.Sprintf("/api/v1/nodes/%d/evidence", node), pr, ct)
		done <- result{resp, b}
	}()
	raw := body.Bytes()
	if _, err := pw.Write(raw[:len(raw)/2]); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if _, err := pw.Write(raw[len(raw)/2:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-done
	var e struct {
		Error struct{ Code, Message string }
	}
	json.Unmarshal(r.body, &e)
	if r.resp.StatusCode != http.StatusServiceUnavailable || e.Error.Code != "unavailable" || r.resp.Header.Get("Retry-After") == "" {
		t.Fatalf("upload while the store is down: %d %s (Retry-After %q)", r.resp.StatusCode, r.body, r.resp.Header.Get("Retry-After"))
	}
	t.Logf("the unit was told: %s", e.Error.Message)
	if n := unit.node(node); n.State != "pending" || len(n.Evidence) != 0 {
		t.Fatalf("after the failed upload the node is %s with %d files", n.State, len(n.Evidence))
	}
	if left := stagedFiles(t, filepath.Join(dir, "staging")); len(left) != 0 {
		t.Fatalf("staged files left: %v", left)
	}
	if got := objects(t, srv, bucket); len(got) != 0 {
		t.Fatalf("objects after the failed upload: %v", got)
	}
	if code, body := readyz(t, m.Addr); code != 503 || body["evidence"] != "unavailable" || body["database"] != "ok" {
		t.Fatalf("readyz while the store is down: %d %v", code, body)
	}
	if !strings.Contains(log.String(), "evidence store unavailable") {
		t.Error("the outage's cause was not logged")
	}

	srv.Restart(t)
	if code, body := readyz(t, m.Addr); code != 200 || body["evidence"] != "ok" {
		t.Fatalf("readyz once the store is back: %d %v", code, body)
	}
	resp, b := unit.upload(node, "动员会材料.pdf", content)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload once the store is back: %d %s", resp.StatusCode, b)
	}
	n := unit.node(node)
	if n.State != "reported" || len(n.Evidence) != 1 || n.Evidence[0].SHA256 != sha(content) {
		t.Fatalf("node after the upload: %+v", n)
	}
	want := "evidence/" + sha(content)[:2] + "/" + sha(content)
	if got := objects(t, srv, bucket); len(got) != 1 || got[0] != want {
		t.Fatalf("objects %v, want [%s]", got, want)
	}
	resp, got := unit.do("GET", fmt.Sprintf("/api/v1/evidence/%d", n.Evidence[0].ID), nil, "")
	if resp.StatusCode != 200 || !bytes.Equal(got, content) {
		t.Fatalf("download: %d, %d bytes", resp.StatusCode, len(got))
	}
	for h, want := range map[string]string{
		"Content-Type":           "application/pdf",
		"Content-Disposition":    `attachment; filename="_____.pdf"; filename*=UTF-8''%E5%8A%A8%E5%91%98%E4%BC%9A%E6%9D%90%E6%96%99.pdf`,
		"Content-Length":         fmt.Sprint(len(content)),
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "private, no-store",
		"X-Content-Sha256":       sha(content),
		"Accept-Ranges":          "bytes",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	// A range request is answered from the object store too.
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/api/v1/evidence/%d", m.Addr, n.Evidence[0].ID), nil)
	req.Header.Set("Authorization", "Bearer "+unit.token)
	req.Header.Set("Range", "bytes=1000-1999")
	rresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(rresp.Body)
	rresp.Body.Close()
	if rresp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, content[1000:2000]) {
		t.Fatalf("range: %d, %d bytes", rresp.StatusCode, len(part))
	}

	// A download while the store is down is a 503 too.
	srv.Stop()
	if resp, b := unit.do("GET", fmt.Sprintf("/api/v1/evidence/%d", n.Evidence[0].ID), nil, ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("download while the store is down: %d %s", resp.StatusCode, b)
	}
}

// TestDownloadRedirect: with evidence.redirect on, a download is a 307 to a
// presigned URL of the store, which serves the file without a token, with
// the same type and name; another unit still gets 404 and no link.
func TestDownloadRedirect(t *testing.T) {
	t.Parallel()
	dir := executingUnit(t)
	addUser(t, dirConfig(dir), "zs", "unit-password", workflow.RoleUnit, "zs")
	srv := tests3.Start(t)
	env := srv.Env(srv.Bucket(t), "")
	env["KAOHE_EVIDENCE_REDIRECT"] = "true"
	env["KAOHE_CLOCK_START"] = "2019-06-20T10:00:00+08:00"
	m, _, _ := serve(t, dir, env)
	unit := signIn(t, m.Addr, "gjz", "unit-password")
	node := unit.firstNode("gjz")
	content := evidenceFile(t, 10000, "redirect")
	if resp, b := unit.upload(node, "签到表.pdf", content); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	id := unit.node(node).Evidence[0].ID
	resp, _ := unit.do("GET", fmt.Sprintf("/api/v1/evidence/%d", id), nil, "")
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || !strings.HasPrefix(loc, srv.Endpoint+"/") {
		t.Fatalf("download: %d to %q", resp.StatusCode, loc)
	}
	if resp.Header.Get("X-Content-Sha256") != sha(content) {
		t.Errorf("X-Content-SHA256 %q", resp.Header.Get("X-Content-Sha256"))
	}
	got, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != 200 || !bytes.Equal(b, content) {
		t.Fatalf("presigned URL: %d, %d bytes", got.StatusCode, len(b))
	}
	if ct, cd := got.Header.Get("Content-Type"), got.Header.Get("Content-Disposition"); ct != "application/pdf" || !strings.Contains(cd, "filename*=UTF-8''%E7%AD%BE%E5%88%B0%E8%A1%A8.pdf") {
		t.Errorf("the store served Content-Type %q, Content-Disposition %q", ct, cd)
	}
	other := signIn(t, m.Addr, "zs", "unit-password")
	if resp, _ := other.do("GET", fmt.Sprintf("/api/v1/evidence/%d", id), nil, ""); resp.StatusCode != 404 || resp.Header.Get("Location") != "" {
		t.Fatalf("another unit: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestEvidenceMigrate: `kaohe evidence migrate` copies DATA/evidence into
// the configured bucket and verifies every file; run again it copies
// nothing; a server on the bucket then serves the files with the directory
// gone. A source file that no longer matches its hash is reported, with the
// row that names it, and the command fails.
func TestEvidenceMigrate(t *testing.T) {
	t.Parallel()
	dir := executingUnit(t)
	m, _, _ := serve(t, dir, map[string]string{"KAOHE_CLOCK_START": "2019-06-20T10:00:00+08:00"})
	unit := signIn(t, m.Addr, "gjz", "unit-password")
	node := unit.firstNode("gjz")
	files := [][]byte{evidenceFile(t, 5000, "one"), evidenceFile(t, 70000, "two")}
	for i, f := range files {
		if resp, b := unit.upload(node, fmt.Sprintf("材料%d.pdf", i), f); resp.StatusCode != http.StatusCreated {
			t.Fatalf("upload: %d %s", resp.StatusCode, b)
		}
	}
	ids := unit.node(node).Evidence
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	srv := tests3.Start(t)
	bucket := srv.Bucket(t)
	env := srv.Env(bucket, "kaohe")
	migrate := func(env map[string]string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"evidence", "migrate", "--data", dir}, envOf(env), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	out, err := migrate(env)
	if err != nil || !strings.Contains(out, "2 files (0.1 MiB): 2 copied, 0 already there; 2 verified, 0 failed; 2 evidence rows, 0 without a verified file") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if out, err := migrate(env); err != nil || !strings.Contains(out, "0 copied, 2 already there; 2 verified") {
		t.Fatalf("migrate again: %v\n%s", err, out)
	}
	if len(objects(t, srv, bucket)) != 2 {
		t.Fatalf("objects: %v", objects(t, srv, bucket))
	}

	if err := os.Rename(filepath.Join(dir, "evidence"), filepath.Join(dir, "evidence.migrated")); err != nil {
		t.Fatal(err)
	}
	env["KAOHE_CLOCK_START"] = "2019-06-20T10:00:00+08:00"
	m2, _, _ := serve(t, dir, env)
	unit = signIn(t, m2.Addr, "gjz", "unit-password")
	for i, e := range ids {
		resp, b := unit.do("GET", fmt.Sprintf("/api/v1/evidence/%d", e.ID), nil, "")
		if resp.StatusCode != 200 || sha(b) != e.SHA256 {
			t.Fatalf("download %d from the bucket: %d", i, resp.StatusCode)
		}
	}
	m2.Close()

	// Corrupt one source file and migrate into a new bucket.
	if err := os.Rename(filepath.Join(dir, "evidence.migrated"), filepath.Join(dir, "evidence")); err != nil {
		t.Fatal(err)
	}
	bad := ids[1].SHA256
	p := filepath.Join(dir, "evidence", bad[:2], bad)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(p, b, 0o640); err != nil {
		t.Fatal(err)
	}
	out, err = migrate(srv.Env(srv.Bucket(t), ""))
	if err == nil || !strings.Contains(out, "failed: "+bad+": the source file does not match its hash") ||
		!strings.Contains(out, fmt.Sprintf("missing: evidence %d (2019 gjz", ids[1].ID)) || !strings.Contains(out, "1 verified, 1 failed") {
		t.Fatalf("migrate with a corrupt file: %v\n%s", err, out)
	}
}
