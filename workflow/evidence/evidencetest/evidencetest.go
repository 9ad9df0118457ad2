// Package evidencetest is the conformance suite of service.FileStore: the
// same behaviour, checked the same way, on every implementation (the data
// directory and S3-compatible storage).
//
//	func TestDir(t *testing.T) {
//		evidencetest.Run(t, func(t *testing.T) evidencetest.Store { … })
//	}
package evidencetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Store is a FileStore under test, which tells where it stages uploads so
// that the suite can see that nothing is left behind.
type Store interface {
	service.FileStore
	// StagingDir is the local directory of the staged files (.upload-*).
	StagingDir() string
}

// Run runs every check on stores from open, which returns a new, empty
// store for each subtest.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Run("type comes from the content", func(t *testing.T) { testTypes(t, open(t)) })
	t.Run("size limit at the byte", func(t *testing.T) { testLimits(t, open(t)) })
	t.Run("kept file reads back and is stored once", func(t *testing.T) { testKeepOpen(t, open(t)) })
	t.Run("discard leaves nothing", func(t *testing.T) { testDiscard(t, open(t)) })
	t.Run("open takes only a hash", func(t *testing.T) { testOpenNames(t, open(t)) })
	t.Run("walk lists every file in hash order", func(t *testing.T) { testWalk(t, open(t)) })
	t.Run("no half-written file is ever visible", func(t *testing.T) { testAtomic(t, open(t)) })
	t.Run("ping", func(t *testing.T) {
		if err := open(t).Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// Fixture returns a file of testdata/evidence.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "../../../testdata/evidence", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hashOf is the lowercase hex SHA-256 of b.
func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// staged lists the staged files left in s's staging directory.
func staged(t *testing.T, s Store) []string {
	t.Helper()
	entries, err := os.ReadDir(s.StagingDir())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".upload-") {
			out = append(out, e.Name())
		}
	}
	return out
}

type entry struct {
	SHA256 string
	Size   int64
}

// walk returns what s.Walk lists.
func walk(t *testing.T, s Store) []entry {
	t.Helper()
	var out []entry
	if err := s.Walk(context.Background(), func(sha string, size int64) error {
		out = append(out, entry{sha, size})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// keep stages and keeps content, and returns its hash.
func keep(t *testing.T, s Store, content []byte) string {
	t.Helper()
	f, err := s.Stage(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Keep(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if f.Temp != "" {
		t.Fatalf("staged path still set after Keep: %q", f.Temp)
	}
	return f.SHA256
}

// read opens the file with hash sha and reads it whole.
func read(t *testing.T, s Store, sha string) []byte {
	t.Helper()
	r, err := s.Open(context.Background(), sha)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testTypes(t *testing.T, s Store) {
	tests := []struct {
		file string
		want string // "" when refused
	}{
		{"会议纪要.pdf", "application/pdf"},
		{"活动照片.png", "image/png"},
		{"签到表.jpg", "image/jpeg"},
		{"电子公文.ofd", "application/ofd"},
		{"工作总结.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"统计报表.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"材料汇编.zip", "application/zip"},
		{"旧版文档.doc", "application/x-ole-storage"},
		{"program.pdf", ""},
		{"notes.pdf", ""},
	}
	var want []entry
	for _, tt := range tests {
		content := Fixture(t, tt.file)
		f, err := s.Stage(bytes.NewReader(content), 1<<20)
		if tt.want == "" {
			if workflow.ErrorCode(err) != workflow.EUNSUPPORTED {
				t.Errorf("%s: Stage: %v, want %s", tt.file, err, workflow.EUNSUPPORTED)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Stage: %v", tt.file, err)
			continue
		}
		if f.Type != tt.want {
			t.Errorf("%s: type %q, want %q", tt.file, f.Type, tt.want)
		}
		if err := s.Keep(context.Background(), f); err != nil {
			t.Fatalf("%s: Keep: %v", tt.file, err)
		}
		want = append(want, entry{hashOf(content), int64(len(content))})
	}
	if left := staged(t, s); len(left) != 0 {
		t.Errorf("staged files left: %v", left)
	}
	slices.SortFunc(want, func(a, b entry) int { return strings.Compare(a.SHA256, b.SHA256) })
	if got := walk(t, s); !slices.Equal(got, want) {
		t.Errorf("stored %v, want %v", got, want)
	}
}

func testLimits(t *testing.T, s Store) {
	pdf := Fixture(t, "会议纪要.pdf")
	exact := append(append([]byte{}, pdf...), bytes.Repeat([]byte{' '}, 4096-len(pdf))...)
	tests := []struct {
		name    string
		content []byte
		code    string
	}{
		{"exactly the limit is kept", exact, ""},
		{"one byte over the limit is too large", append(append([]byte{}, exact...), ' '), workflow.ETOOLARGE},
		{"far over the limit is too large", bytes.Repeat(exact, 64), workflow.ETOOLARGE},
		{"a large executable is refused for its type", bytes.Repeat(Fixture(t, "program.pdf"), 4), workflow.EUNSUPPORTED},
		{"an empty file is refused", nil, workflow.EUNSUPPORTED},
	}
	for _, tt := range tests {
		f, err := s.Stage(bytes.NewReader(tt.content), 4096)
		if tt.code != "" {
			if workflow.ErrorCode(err) != tt.code {
				t.Errorf("%s: Stage: %v, want %s", tt.name, err, tt.code)
			}
			if left := staged(t, s); len(left) != 0 {
				t.Errorf("%s: left %v", tt.name, left)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if f.Size != int64(len(tt.content)) || f.SHA256 != hashOf(tt.content) {
			t.Errorf("%s: staged %+v", tt.name, f)
		}
		s.Discard(f)
	}
	if got := walk(t, s); len(got) != 0 {
		t.Errorf("stored %v after refusals and a discard", got)
	}
}

func testKeepOpen(t *testing.T, s Store) {
	content := append(Fixture(t, "会议纪要.pdf"), bytes.Repeat([]byte("第一季度工作总结\n"), 20000)...)
	sha := keep(t, s, content)
	if sha != hashOf(content) {
		t.Fatalf("hash %s, want %s", sha, hashOf(content))
	}
	if got := read(t, s, sha); !bytes.Equal(got, content) {
		t.Fatalf("read back %d bytes differing from the %d kept", len(got), len(content))
	}
	// A download seeks to the end for the size and back for a range.
	r, err := s.Open(context.Background(), sha)
	if err != nil {
		t.Fatal(err)
	}
	end, err := r.Seek(0, io.SeekEnd)
	if err != nil || end != int64(len(content)) {
		t.Fatalf("seek to end: %d, %v", end, err)
	}
	if _, err := r.Seek(1000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 100)
	if _, err := io.ReadFull(r, part); err != nil || !bytes.Equal(part, content[1000:1100]) {
		t.Fatalf("range read: %v", err)
	}
	r.Close()
	// The same content again is the same file, stored once.
	if again := keep(t, s, content); again != sha {
		t.Fatalf("second hash %s", again)
	}
	if got := walk(t, s); len(got) != 1 || got[0] != (entry{sha, int64(len(content))}) {
		t.Fatalf("stored %v", got)
	}
	if left := staged(t, s); len(left) != 0 {
		t.Errorf("staged files left: %v", left)
	}
}

func testDiscard(t *testing.T, s Store) {
	png := Fixture(t, "活动照片.png")
	f, err := s.Stage(bytes.NewReader(png), 4096)
	if err != nil {
		t.Fatal(err)
	}
	if left := staged(t, s); len(left) != 1 {
		t.Fatalf("staged files: %v", left)
	}
	s.Discard(f)
	s.Discard(f)
	if left := staged(t, s); len(left) != 0 {
		t.Fatalf("after Discard: %v", left)
	}
	if got := walk(t, s); len(got) != 0 {
		t.Fatalf("a discarded file was stored: %v", got)
	}
	g, err := s.Stage(bytes.NewReader(png), 4096)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Keep(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	s.Discard(g)
	if got := read(t, s, hashOf(png)); !bytes.Equal(got, png) {
		t.Fatal("Discard after Keep changed the stored file")
	}
	if err := s.Keep(context.Background(), g); err == nil {
		t.Fatal("a file kept twice: want an error, the staged copy is gone")
	}
}

func testOpenNames(t *testing.T, s Store) {
	png := Fixture(t, "活动照片.png")
	sha := keep(t, s, png)
	for _, bad := range []string{"../../etc/passwd", strings.ToUpper(sha), sha[:63], sha + "0", "", sha[:2] + "/" + sha,
		hashOf([]byte("never stored"))} {
		if _, err := s.Open(context.Background(), bad); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("Open(%q): %v, want %s", bad, err, workflow.ENOTFOUND)
		}
	}
}

func testWalk(t *testing.T, s Store) {
	var want []entry
	for _, name := range []string{"会议纪要.pdf", "活动照片.png", "签到表.jpg"} {
		b := Fixture(t, name)
		want = append(want, entry{keep(t, s, b), int64(len(b))})
	}
	// A file being staged is not stored yet.
	f, err := s.Stage(bytes.NewReader(Fixture(t, "电子公文.ofd")), 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Discard(f)
	slices.SortFunc(want, func(a, b entry) int { return strings.Compare(a.SHA256, b.SHA256) })
	if got := walk(t, s); !slices.Equal(got, want) {
		t.Fatalf("walk %v, want %v", got, want)
	}
	stop := errors.New("stop")
	calls := 0
	err = s.Walk(context.Background(), func(string, int64) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("walk after fn failed: %v, %d calls", err, calls)
	}
}

// testAtomic opens a large file over and over while four writers keep it:
// every open either finds nothing or reads the whole content.
func testAtomic(t *testing.T, s Store) {
	content := append(Fixture(t, "签到表.jpg"), bytes.Repeat([]byte{0x5a, 0xa5, 0x3c}, 1<<20)...)
	sha := hashOf(content)
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 8)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := s.Stage(bytes.NewReader(content), int64(len(content)))
			if err != nil {
				errs <- err
				return
			}
			if err := s.Keep(context.Background(), f); err != nil {
				errs <- err
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	seen := 0
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		r, err := s.Open(context.Background(), sha)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if hashOf(b) != sha {
			t.Fatalf("read %d bytes of a file of %d: a partial file was visible", len(b), len(content))
		}
		seen++
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := walk(t, s); len(got) != 1 {
		t.Fatalf("stored %v", got)
	}
	if left := staged(t, s); len(left) != 0 {
		t.Errorf("staged files left: %v", left)
	}
	t.Logf("%d complete reads while the file was being kept", seen)
}
