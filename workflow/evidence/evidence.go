// Package evidence keeps evidence files (佐证材料) in the data directory by
// content hash. It implements service.FileStore.
//
// # Layout
//
// A file with SHA-256 "abcdef…" lives at ROOT/ab/abcdef… (ROOT is
// DATA/evidence). The name a client sent is never part of a path: it is
// kept in the database for display only. Identical uploads share one file.
//
// # Writing
//
// Stage sniffs the type from the first bytes before anything is written,
// then streams the content into a temporary file ROOT/.upload-* while
// hashing it, stops one byte past the limit, and syncs the file. Keep
// renames it to its place (same file system, atomic) and syncs the
// directory. The database row is written after Keep, in the request's
// transaction: a row never exists without its file; a file whose row did
// not commit is harmless. A refused upload (too large, wrong type) leaves
// nothing behind.
//
// # Types
//
// The type is sniffed from the content with gabriel-vasile/mimetype, never
// taken from the name: PDF, OFD (a zip holding OFD.xml), JPEG, PNG, OLE2
// compound files (DOC, XLS, PPT, WPS, ET) and zip files (DOCX, XLSX, PPTX,
// ZIP). Installers and executables that are zip or OLE2 files (MSI, APK,
// JAR) are refused.
package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// sniffBytes is how much of a file the type is decided from (mimetype's
// default read limit).
const sniffBytes = 3072

// tempPrefix starts the names of staged files in the root.
const tempPrefix = ".upload-"

// Dir is the evidence directory. It is safe for concurrent use.
type Dir struct {
	root string
}

var _ service.FileStore = (*Dir)(nil)

// Open returns the evidence directory root, creating it if missing, and
// removes staged files left there more than an hour ago by a crashed
// server.
func Open(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	d := &Dir{root: root}
	// Wall-clock time on purpose (not the plan's clock): it is compared
	// with the staged files' modification times, which the OS writes.
	d.removeStale(time.Now().Add(-time.Hour))
	return d, nil
}

// Root returns the directory's path.
func (d *Dir) Root() string { return d.root }

func (d *Dir) removeStale(before time.Time) {
	entries, err := os.ReadDir(d.root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(before) {
			os.Remove(filepath.Join(d.root, e.Name()))
		}
	}
}

// Sniff returns the media type of content starting with head, and whether
// evidence may have it.
func Sniff(head []byte) (string, bool) {
	m := mimetype.Detect(head)
	for _, bad := range []string{"application/x-ms-installer", "application/vnd.android.package-archive", "application/java-archive"} {
		if m.Is(bad) {
			return m.String(), false
		}
	}
	for x := m; x != nil; x = x.Parent() {
		switch {
		case x.Is("application/zip"):
			if bytes.Contains(head, []byte("OFD.xml")) {
				return "application/ofd", true
			}
			return m.String(), true
		case x.Is("application/pdf"), x.Is("image/jpeg"), x.Is("image/png"), x.Is("application/x-ole-storage"):
			return m.String(), true
		}
	}
	return m.String(), false
}

// Stage reads r into a temporary file (see the package comment). Errors:
// ETOOLARGE past max bytes, EUNSUPPORTED for a type not allowed (decided
// before anything is written); nothing remains after any error.
func (d *Dir) Stage(r io.Reader, max int64) (*service.StagedFile, error) {
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("evidence: read upload: %w", err)
	}
	head = head[:n]
	if n == 0 {
		return nil, workflow.Errorf(workflow.EUNSUPPORTED, "文件为空")
	}
	typ, ok := Sniff(head)
	if !ok {
		return nil, workflow.Errorf(workflow.EUNSUPPORTED, "不支持的文件类型（%s）：佐证材料只能是PDF、OFD、JPEG、PNG、Word、Excel、WPS或ZIP文件", typ)
	}
	if int64(n) > max {
		return nil, tooLarge(max)
	}
	tmp, err := os.CreateTemp(d.root, tempPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	w := io.MultiWriter(tmp, h)
	if _, err := w.Write(head); err != nil {
		return nil, fmt.Errorf("evidence: write: %w", err)
	}
	rest, err := io.Copy(w, io.LimitReader(r, max-int64(n)+1))
	if err != nil {
		return nil, fmt.Errorf("evidence: write upload: %w", err)
	}
	size := int64(n) + rest
	if size > max {
		return nil, tooLarge(max)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("evidence: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("evidence: close: %w", err)
	}
	keep = true
	return &service.StagedFile{SHA256: hex.EncodeToString(h.Sum(nil)), Size: size, Type: typ, Temp: tmp.Name()}, nil
}

func tooLarge(max int64) error {
	return workflow.Errorf(workflow.ETOOLARGE, "单个文件不能超过%s", humanBytes(max))
}

// humanBytes writes a limit as people read it: "20 MiB", "1000 字节".
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d字节", n)
}

// path is where the file with hash sha lives.
func (d *Dir) path(sha string) string {
	return filepath.Join(d.root, sha[:2], sha)
}

// validHash reports whether s is a lowercase hex SHA-256, the only thing
// that ever names a file here.
func validHash(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Keep moves a staged file to ROOT/ab/abcdef… and syncs the directory. When
// a file with the same content is there already, the staged copy is
// removed.
func (d *Dir) Keep(f *service.StagedFile) error {
	if f.Temp == "" {
		return errors.New("evidence: keep: file is not staged")
	}
	if !validHash(f.SHA256) {
		return fmt.Errorf("evidence: keep: bad hash %q", f.SHA256)
	}
	dir := filepath.Join(d.root, f.SHA256[:2])
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	target := d.path(f.SHA256)
	if _, err := os.Stat(target); err == nil {
		os.Remove(f.Temp)
		f.Temp = ""
		return nil
	}
	if err := os.Chmod(f.Temp, 0o640); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if err := os.Rename(f.Temp, target); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	f.Temp = ""
	if err := syncDir(dir); err != nil {
		return err
	}
	return syncDir(d.root)
}

func syncDir(dir string) error {
	fd, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	defer fd.Close()
	if err := fd.Sync(); err != nil {
		return fmt.Errorf("evidence: sync %s: %w", dir, err)
	}
	return nil
}

// Discard removes a staged file; after Keep or a first Discard it does
// nothing.
func (d *Dir) Discard(f *service.StagedFile) {
	if f == nil || f.Temp == "" {
		return
	}
	os.Remove(f.Temp)
	f.Temp = ""
}

// Open opens the file with hash sha (ENOTFOUND when there is none).
func (d *Dir) Open(sha string) (io.ReadSeekCloser, error) {
	if !validHash(sha) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "文件不存在")
	}
	f, err := os.Open(d.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "文件不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return f, nil
}

// Walk calls fn with the hash and size of every stored file, in hash
// order. Staged uploads and anything not named by a hash in its place are
// not stored files and are skipped. It stops at fn's first error, or when
// ctx is done, and returns that error.
func (d *Dir) Walk(ctx context.Context, fn func(sha256 string, size int64) error) error {
	dirs, err := os.ReadDir(d.root)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].Name() < dirs[j].Name() })
	for _, sub := range dirs {
		if !sub.IsDir() || len(sub.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(d.root, sub.Name()))
		if err != nil {
			return fmt.Errorf("evidence: %w", err)
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			name := f.Name()
			if !f.Type().IsRegular() || !validHash(name) || name[:2] != sub.Name() {
				continue
			}
			info, err := f.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("evidence: %w", err)
			}
			if err := fn(name, info.Size()); err != nil {
				return err
			}
		}
	}
	return nil
}
