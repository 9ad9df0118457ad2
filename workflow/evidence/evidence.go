// Package evidence keeps evidence files (佐证材料) by content hash, in a
// local directory (Dir) or in S3-compatible object storage (S3). Both
// implement service.FileStore; Open chooses one from a URL.
//
// # Layout
//
// A file with SHA-256 "abcdef…" is stored as ab/abcdef… below the store's
// root: DATA/evidence/ab/abcdef… on disk, PREFIX/ab/abcdef… in a bucket. The
// name a client sent is never part of a path or key: it is kept in the
// database for display only. Identical uploads share one file.
//
// # Writing
//
// Stage sniffs the type from the first bytes before anything is written,
// then streams the content into a temporary local file (.upload-*) while
// hashing it, stops one byte past the limit, and syncs the file. Keep then
// puts it in place, checked against its hash, before the database row is
// written:
//
//   - Dir renames it to its place (same file system, atomic) and syncs the
//     directory.
//   - S3 sends it in one PUT whose signed x-amz-content-sha256 and
//     x-amz-checksum-sha256 headers carry the hash, so the server refuses a
//     body that does not match it; an S3 PUT is atomic, so the object at
//     its key is either absent or complete. A file already there with the
//     same size is not sent again.
//
// A row therefore never exists without its file; a file whose row did not
// commit is harmless. A refused upload (too large, wrong type) leaves
// nothing behind, and neither does a store that cannot be reached: Keep
// returns workflow.EUNAVAILABLE and the request writes no row.
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
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// sniffBytes is how much of a file the type is decided from (mimetype's
// default read limit).
const sniffBytes = 3072

// tempPrefix starts the names of staged files.
const tempPrefix = ".upload-"

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

// stager writes uploads into temporary files in one local directory. Dir
// stages in its root (so that Keep is a rename), S3 in its staging
// directory.
type stager struct {
	dir string
}

// newStager creates dir if missing and removes staged files left there more
// than an hour ago by a crashed server.
func newStager(dir string) (stager, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return stager{}, fmt.Errorf("evidence: %w", err)
	}
	s := stager{dir: dir}
	// Wall-clock time on purpose (not the plan's clock): it is compared
	// with the staged files' modification times, which the OS writes.
	s.removeStale(time.Now().Add(-time.Hour))
	return s, nil
}

func (s stager) removeStale(before time.Time) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(before) {
			os.Remove(filepath.Join(s.dir, e.Name()))
		}
	}
}

// Stage reads r into a temporary file (see the package comment). Errors:
// ETOOLARGE past max bytes, EUNSUPPORTED for a type not allowed (decided
// before anything is written); nothing remains after any error.
func (s stager) Stage(r io.Reader, max int64) (*service.StagedFile, error) {
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
		return nil, workflow.Errorf(workflow.EUNSUPPORTED, "文件内容是%s，佐证材料只能是PDF、OFD、JPG/PNG图片、Word、Excel、WPS文档或ZIP压缩包", TypeInWords(typ))
	}
	if int64(n) > max {
		return nil, tooLarge(max)
	}
	tmp, err := os.CreateTemp(s.dir, tempPrefix+"*")
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

// StagingDir returns the local directory uploads are staged in.
func (s stager) StagingDir() string { return s.dir }

// Discard removes a staged file; after Keep or a first Discard it does
// nothing.
func (s stager) Discard(f *service.StagedFile) {
	if f == nil || f.Temp == "" {
		return
	}
	os.Remove(f.Temp)
	f.Temp = ""
}

// checkStaged refuses a file that is not staged or has no valid hash.
func checkStaged(f *service.StagedFile) error {
	if f == nil || f.Temp == "" {
		return errors.New("evidence: keep: file is not staged")
	}
	if !validHash(f.SHA256) {
		return fmt.Errorf("evidence: keep: bad hash %q", f.SHA256)
	}
	return nil
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

// relPath is where the file with hash sha lives below a store's root, with
// slashes: "ab/abcdef…".
func relPath(sha string) string {
	return sha[:2] + "/" + sha
}

// hashOfPath returns the hash named by "ab/abcdef…", and whether rel is such
// a path (anything else below a root is not evidence and is ignored).
func hashOfPath(rel string) (string, bool) {
	dir, name, ok := strings.Cut(rel, "/")
	if !ok || !validHash(name) || dir != name[:2] {
		return "", false
	}
	return name, true
}

func notFound() error {
	return workflow.Errorf(workflow.ENOTFOUND, "文件不存在")
}

// TypeInWords names a sniffed media type for people: what a refused file
// is, in the words of someone who sees only its name.
func TypeInWords(typ string) string {
	t, _, _ := strings.Cut(typ, ";")
	switch {
	case strings.Contains(t, "sharedlib"), strings.Contains(t, "executable"), strings.Contains(t, "msdownload"),
		strings.Contains(t, "elf"), strings.Contains(t, "mach-binary"), strings.Contains(t, "java-archive"):
		return "可执行程序"
	case t == "text/html", strings.Contains(t, "xhtml"):
		return "网页文件"
	case strings.HasPrefix(t, "text/"):
		return "纯文本文件"
	case strings.HasPrefix(t, "image/"):
		return strings.ToUpper(strings.TrimPrefix(t, "image/")) + "格式的图片（只接受JPG和PNG）"
	case strings.HasPrefix(t, "video/"):
		return "视频"
	case strings.HasPrefix(t, "audio/"):
		return "音频"
	case strings.Contains(t, "rar"), strings.Contains(t, "7z"), strings.Contains(t, "gzip"), strings.Contains(t, "tar"):
		return "ZIP以外的压缩包（如RAR、7z）"
	}
	return "无法识别的格式"
}
