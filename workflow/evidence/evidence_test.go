package evidence_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"kaohe/internal/tests3"
	"kaohe/workflow"
	"kaohe/workflow/evidence"
	"kaohe/workflow/evidence/evidencetest"
)

// files lists every file under root, relative, sorted.
func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestSniff: the type comes from the content, whatever the name says.
func TestSniff(t *testing.T) {
	tests := []struct {
		file string
		want string
		ok   bool
	}{
		{"会议纪要.pdf", "application/pdf", true},
		{"活动照片.png", "image/png", true},
		{"签到表.jpg", "image/jpeg", true},
		{"电子公文.ofd", "application/ofd", true},
		{"工作总结.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", true},
		{"统计报表.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", true},
		{"材料汇编.zip", "application/zip", true},
		{"旧版文档.doc", "application/x-ole-storage", true},
		{"program.pdf", "application/x-executable", false},
		{"notes.pdf", "text/plain; charset=utf-8", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, ok := evidence.Sniff(evidencetest.Fixture(t, tt.file))
			if ok != tt.ok || (tt.ok && got != tt.want) {
				t.Fatalf("Sniff = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestDir runs the conformance suite on the data directory.
func TestDir(t *testing.T) {
	evidencetest.Run(t, func(t *testing.T) evidencetest.Store {
		d, err := evidence.Open(filepath.Join(t.TempDir(), "evidence"))
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

// TestDirLayout: a kept file is ROOT/ab/abcdef… and nothing else is left in
// the directory.
func TestDirLayout(t *testing.T) {
	root := filepath.Join(t.TempDir(), "evidence")
	d, err := evidence.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.Stage(bytes.NewReader(evidencetest.Fixture(t, "会议纪要.pdf")), 4096)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Keep(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if got := files(t, root); len(got) != 1 || got[0] != filepath.Join(f.SHA256[:2], f.SHA256) {
		t.Fatalf("files after Keep: %v", got)
	}
}

// s3Store opens an S3 store on a new bucket of srv.
func s3Store(t *testing.T, srv *tests3.Server, prefix string) (*evidence.S3, string) {
	t.Helper()
	bucket := srv.Bucket(t)
	s, err := evidence.OpenS3(evidence.S3Options{Endpoint: srv.Endpoint, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey,
		Bucket: bucket, Prefix: prefix, StagingDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return s, bucket
}

// TestS3 runs the conformance suite on versitygw, one bucket per subtest,
// with and without a key prefix.
func TestS3(t *testing.T) {
	srv := tests3.Start(t)
	for _, prefix := range []string{"", "kaohe/evidence"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			evidencetest.Run(t, func(t *testing.T) evidencetest.Store {
				s, _ := s3Store(t, srv, prefix)
				return s
			})
		})
	}
}

// TestS3Layout: objects are PREFIX/ab/abcdef…, and Walk ignores objects
// below the prefix that are not named like evidence.
func TestS3Layout(t *testing.T) {
	srv := tests3.Start(t)
	s, bucket := s3Store(t, srv, "city/evidence")
	png := evidencetest.Fixture(t, "活动照片.png")
	f, err := s.Stage(bytes.NewReader(png), 4096)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Keep(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(srv.Dir, bucket, "city", "evidence", "README.txt"), []byte("not evidence"), 0o640); err != nil {
		t.Fatal(err)
	}
	var listed []string
	if err := s.Walk(context.Background(), func(sha string, size int64) error { listed = append(listed, sha); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 || listed[0] != f.SHA256 {
		t.Fatalf("walk: %v", listed)
	}
	var objects []string
	for _, p := range files(t, filepath.Join(srv.Dir, bucket)) {
		if !strings.HasPrefix(p, ".") { // the gateway's own temporary files
			objects = append(objects, filepath.ToSlash(p))
		}
	}
	want := []string{"city/evidence/README.txt", "city/evidence/" + f.SHA256[:2] + "/" + f.SHA256}
	sort.Strings(want)
	if strings.Join(objects, " ") != strings.Join(want, " ") {
		t.Fatalf("objects %v, want %v", objects, want)
	}
}

// TestS3RefusesAWrongHash: the server checks the content against the hash
// the key is named by, so a staged file whose hash is wrong (a corrupted
// staging disk) is refused and no object appears under that key.
func TestS3RefusesAWrongHash(t *testing.T) {
	srv := tests3.Start(t)
	s, _ := s3Store(t, srv, "")
	pdf := evidencetest.Fixture(t, "会议纪要.pdf")
	f, err := s.Stage(bytes.NewReader(append(append([]byte{}, pdf...), strings.Repeat("A", 100)...)), 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Discard(f)
	other, err := s.Stage(bytes.NewReader(append(append([]byte{}, pdf...), strings.Repeat("B", 100)...)), 4096)
	if err != nil {
		t.Fatal(err)
	}
	s.Discard(other)
	if f.Size != other.Size {
		t.Fatal("test setup: sizes differ")
	}
	f.SHA256 = other.SHA256 // the name of other content of the same size
	err = s.Keep(context.Background(), f)
	if err == nil {
		t.Fatal("content stored under the hash of other content")
	}
	t.Logf("refused: %v", err)
	if _, err := s.Open(context.Background(), other.SHA256); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Fatalf("open after a refused put: %v", err)
	}
}

// TestS3Outage: while the store is down every operation says unavailable
// promptly, a staged file survives a failed Keep, and the same Keep
// succeeds once the store is back.
func TestS3Outage(t *testing.T) {
	srv := tests3.Start(t)
	s, _ := s3Store(t, srv, "")
	ctx := context.Background()
	kept := evidencetest.Fixture(t, "签到表.jpg")
	g, err := s.Stage(bytes.NewReader(kept), 4096)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Keep(ctx, g); err != nil {
		t.Fatal(err)
	}
	f, err := s.Stage(bytes.NewReader(evidencetest.Fixture(t, "会议纪要.pdf")), 4096)
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if err := s.Keep(ctx, f); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Fatalf("Keep while down: %v", err)
	}
	if f.Temp == "" {
		t.Fatal("the staged file was dropped by a failed Keep")
	}
	if _, err := s.Open(ctx, g.SHA256); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Fatalf("Open while down: %v", err)
	}
	if err := s.Ping(ctx); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Fatalf("Ping while down: %v", err)
	}
	if err := s.Walk(ctx, func(string, int64) error { return nil }); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Fatalf("Walk while down: %v", err)
	}
	srv.Restart(t)
	if err := s.Keep(ctx, f); err != nil {
		t.Fatalf("Keep after the store came back: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

// cutProxy forwards TCP connections to target and cuts each one after
// limit bytes from the client: a store that goes away in the middle of a
// request body.
func cutProxy(t *testing.T, target string, limit int64) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer u.Close()
				go io.Copy(c, u)
				io.Copy(u, io.LimitReader(c, limit))
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestS3PutCutOff: the connection to the store breaks in the middle of a
// PUT (and of each retry): Keep says unavailable, and no object, complete
// or partial, appears under the key.
func TestS3PutCutOff(t *testing.T) {
	srv := tests3.Start(t)
	direct, bucket := s3Store(t, srv, "")
	cut, err := evidence.OpenS3(evidence.S3Options{Endpoint: cutProxy(t, strings.TrimPrefix(srv.Endpoint, "http://"), 64<<10),
		AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey, Bucket: bucket, StagingDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	content := append(evidencetest.Fixture(t, "会议纪要.pdf"), bytes.Repeat([]byte("0123456789abcdef"), 1<<16)...)
	f, err := cut.Stage(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		t.Fatal(err)
	}
	defer cut.Discard(f)
	if err := cut.Keep(context.Background(), f); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Fatalf("Keep through a connection cut mid-body: %v", err)
	}
	if _, err := direct.Open(context.Background(), f.SHA256); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Fatalf("after the cut PUT: %v", err)
	}
	for _, p := range files(t, filepath.Join(srv.Dir, bucket)) {
		if !strings.HasPrefix(p, ".") {
			t.Errorf("object left by a cut PUT: %s", p)
		}
	}
	if err := direct.Keep(context.Background(), f); err != nil {
		t.Fatalf("the same file over a sound connection: %v", err)
	}
}

// TestS3PingMissingBucket: a bucket that does not exist is a configuration
// error, not an outage.
func TestS3PingMissingBucket(t *testing.T) {
	srv := tests3.Start(t)
	s, err := evidence.OpenS3(evidence.S3Options{Endpoint: srv.Endpoint, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey,
		Bucket: "no-such-bucket", StagingDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Ping(context.Background())
	if err == nil || workflow.ErrorCode(err) == workflow.EUNAVAILABLE || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Ping: %v", err)
	}
}

// TestOpenURL: which store each KAOHE_EVIDENCE_URL opens, and the URLs that
// are refused before anything starts.
func TestOpenURL(t *testing.T) {
	data := t.TempDir()
	abs := filepath.Join(t.TempDir(), "files")
	s3 := evidence.S3Options{Endpoint: "http://127.0.0.1:1", AccessKeyID: "id", SecretAccessKey: "secret"}
	tests := []struct {
		url     string
		opts    evidence.S3Options
		want    string // "dir ROOT", "s3 BUCKET PREFIX" or "error"
		staging string
	}{
		{"", s3, "dir " + filepath.Join(data, "evidence"), ""},
		{"file://" + abs, s3, "dir " + abs, ""},
		{"file://localhost" + abs, s3, "dir " + abs, ""},
		{"s3://evidence", s3, "s3 evidence ", filepath.Join(data, "staging")},
		{"s3://evidence/city/dalian/", s3, "s3 evidence city/dalian/", filepath.Join(data, "staging")},
		{"file:relative/path", s3, "error", ""},
		{"file://host/path", s3, "error", ""},
		{"s3://Bad_Bucket/x", s3, "error", ""},
		{"s3://evidence?versioning=1", s3, "error", ""},
		{"s3://evidence", evidence.S3Options{Endpoint: "http://127.0.0.1:1"}, "error", ""}, // no keys
		{"s3://evidence", evidence.S3Options{Endpoint: "ftp://x", AccessKeyID: "id", SecretAccessKey: "s"}, "error", ""},
		{"gs://evidence", s3, "error", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, err := evidence.OpenURL(tt.url, data, tt.opts)
			got := "error"
			switch s := s.(type) {
			case *evidence.Dir:
				got = "dir " + s.Root()
			case *evidence.S3:
				b, p := s.Bucket()
				got = "s3 " + b + " " + p
				if s.StagingDir() != tt.staging {
					t.Errorf("staging in %s, want %s", s.StagingDir(), tt.staging)
				}
			}
			if got != tt.want {
				t.Fatalf("OpenURL: %s (%v), want %s", got, err, tt.want)
			}
		})
	}
}
