package evidence_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"kaohe/workflow"
	"kaohe/workflow/evidence"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../testdata/evidence", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// files lists every file under root, relative, sorted.
func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
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
			got, ok := evidence.Sniff(fixture(t, tt.file))
			if ok != tt.ok || (tt.ok && got != tt.want) {
				t.Fatalf("Sniff = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestStage: limits at the byte, refusals leave nothing, Keep places the
// file by hash and deduplicates, Open refuses anything but a hash.
func TestStage(t *testing.T) {
	pdf := fixture(t, "会议纪要.pdf")
	exact := append(append([]byte{}, pdf...), bytes.Repeat([]byte{' '}, 4096-len(pdf))...)
	tests := []struct {
		name    string
		content []byte
		code    string
	}{
		{"exactly the limit is kept", exact, ""},
		{"one byte over the limit is too large", append(append([]byte{}, exact...), ' '), workflow.ETOOLARGE},
		{"a large executable is refused for its type", bytes.Repeat(fixture(t, "program.pdf"), 4), workflow.EUNSUPPORTED},
		{"an empty file is refused", nil, workflow.EUNSUPPORTED},
		{"text named .pdf is refused", fixture(t, "notes.pdf"), workflow.EUNSUPPORTED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "evidence")
			d, err := evidence.Open(root)
			if err != nil {
				t.Fatal(err)
			}
			f, err := d.Stage(bytes.NewReader(tt.content), 4096)
			if tt.code != "" {
				if workflow.ErrorCode(err) != tt.code {
					t.Fatalf("Stage: %v, want %s", err, tt.code)
				}
				if got := files(t, root); len(got) != 0 {
					t.Fatalf("refused upload left %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tt.content)
			want := hex.EncodeToString(sum[:])
			if f.SHA256 != want || f.Size != int64(len(tt.content)) || f.Type != "application/pdf" {
				t.Fatalf("staged %+v", f)
			}
			if err := d.Keep(f); err != nil {
				t.Fatal(err)
			}
			if got := files(t, root); len(got) != 1 || got[0] != filepath.Join(want[:2], want) {
				t.Fatalf("files after Keep: %v", got)
			}
			// The same content again is one file.
			g, err := d.Stage(bytes.NewReader(tt.content), 4096)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Keep(g); err != nil {
				t.Fatal(err)
			}
			if got := files(t, root); len(got) != 1 {
				t.Fatalf("files after a duplicate: %v", got)
			}
			r, err := d.Open(want)
			if err != nil {
				t.Fatal(err)
			}
			back, _ := io.ReadAll(r)
			r.Close()
			if !bytes.Equal(back, tt.content) {
				t.Fatal("content read back differs")
			}
			for _, bad := range []string{"../../etc/passwd", strings.ToUpper(want), want[:63], ""} {
				if _, err := d.Open(bad); workflow.ErrorCode(err) != workflow.ENOTFOUND {
					t.Errorf("Open(%q): %v", bad, err)
				}
			}
		})
	}
}

// TestDiscard: a staged file that is discarded leaves nothing; discarding
// twice or after Keep does nothing.
func TestDiscard(t *testing.T) {
	root := filepath.Join(t.TempDir(), "evidence")
	d, err := evidence.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.Stage(bytes.NewReader(fixture(t, "活动照片.png")), 4096)
	if err != nil {
		t.Fatal(err)
	}
	if got := files(t, root); len(got) != 1 || !strings.HasPrefix(got[0], ".upload-") {
		t.Fatalf("staged files: %v", got)
	}
	d.Discard(f)
	d.Discard(f)
	if got := files(t, root); len(got) != 0 {
		t.Fatalf("after Discard: %v", got)
	}
	g, _ := d.Stage(bytes.NewReader(fixture(t, "活动照片.png")), 4096)
	if err := d.Keep(g); err != nil {
		t.Fatal(err)
	}
	d.Discard(g)
	if got := files(t, root); len(got) != 1 {
		t.Fatalf("Discard after Keep removed the file: %v", got)
	}
}

// TestWalkListsStoredFiles: Walk gives every kept file with its size, in
// hash order, and skips staged uploads and stray files.
func TestWalkListsStoredFiles(t *testing.T) {
	d, err := evidence.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for _, content := range []string{"%PDF-1.4 one", "%PDF-1.4 second file"} {
		f, err := d.Stage(strings.NewReader(content), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Keep(f); err != nil {
			t.Fatal(err)
		}
		want[f.SHA256] = int64(len(content))
	}
	staged, err := d.Stage(strings.NewReader("%PDF-1.4 staged"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Discard(staged)
	if err := os.WriteFile(filepath.Join(d.Root(), "stray.txt"), []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	var order []string
	err = d.Walk(context.Background(), func(sha string, size int64) error {
		got[sha] = size
		order = append(order, sha)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) || !slices.IsSorted(order) {
		t.Fatalf("walk gave %v in order %v, want %v", got, order, want)
	}
}
