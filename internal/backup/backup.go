// Package backup writes and restores kaohe's backup archives.
//
// # The archive
//
// One tar file, gzip-compressed when its name ends in .gz or .tgz:
//
//	database/kaohe.db            SQLite: the snapshot (VACUUM INTO)
//	database/TABLE.jsonl         MySQL: one logical export per table
//	evidence/ab/abcdef…          every evidence file the snapshot's rows name
//	plans/NAME.yaml              the plan files of plans_dir
//	manifest.json                last: every entry's size and SHA-256, the
//	                             schema version, the database kind
//
// The database is copied first, in one consistent read, while the server
// keeps serving; the evidence files are read afterwards. A file is kept
// before its row commits and is never removed, so every file the snapshot
// names is there to read. Files uploaded after the snapshot are not in the
// archive, as their rows are not.
//
// # Restoring
//
// Restore reads the archive twice: first it checks every entry against the
// manifest and refuses a damaged archive before writing anything, then it
// writes the database, the evidence files and the plan files into an empty
// target, and migrates the database to this binary's schema version.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"kaohe/workflow/store"
)

// Files is the evidence store as a backup and a check read it.
type Files interface {
	// Open opens the stored file with the hash (an error when absent).
	Open(ctx context.Context, sha256 string) (io.ReadSeekCloser, error)
	// Walk calls fn for every stored file.
	Walk(ctx context.Context, fn func(sha256 string, size int64) error) error
}

// FileKeeper is where a restore puts evidence files: Put reads r to its
// end, checks that its content has the hash, and keeps it durably.
type FileKeeper interface {
	Put(ctx context.Context, sha256 string, r io.Reader) error
}

// ManifestName is the archive's last entry.
const ManifestName = "manifest.json"

// Format is the archive format written; Restore reads it and older ones.
const Format = 1

// Manifest describes an archive.
type Manifest struct {
	Format    int       `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	// Kaohe is the version of the binary that wrote the archive.
	Kaohe string `json:"kaohe"`
	// Database is "sqlite" or "mysql".
	Database      string  `json:"database"`
	SchemaVersion int64   `json:"schema_version"`
	Entries       []Entry `json:"entries"`
	// Problems are what could not be backed up (an evidence file missing
	// or damaged). An archive with problems is complete otherwise.
	Problems []string `json:"problems,omitempty"`
}

// Entry is one file of the archive.
type Entry struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Source is what a backup reads.
type Source struct {
	Store *store.DB
	Files Files
	// PlansDir holds extra plan files (*.yaml); "" for none.
	PlansDir string
	// Kaohe is the binary's version, recorded in the manifest.
	Kaohe string
	// Now is the time recorded in the manifest.
	Now time.Time
}

// Result is an archive written by WriteFile.
type Result struct {
	Manifest *Manifest
	// Size and SHA256 are the archive file's.
	Size   int64
	SHA256 string
}

// ErrProblems is wrapped by the error of a backup that was written but
// lacks something (Manifest.Problems).
var ErrProblems = errors.New("backup: archive written with problems")

// compressed reports whether an archive named name is gzip-compressed.
func compressed(name string) bool {
	return strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".tgz")
}

// WriteFile writes an archive to file (see the package comment) through a
// temporary file renamed into place, so that file is whole or absent. The
// error wraps ErrProblems when the archive was written without some
// evidence file; the Result is returned then too.
func WriteFile(ctx context.Context, file string, src Source) (*Result, error) {
	dir := filepath.Dir(file)
	tmp, err := os.CreateTemp(dir, ".kaohe-backup-*.part")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	cw := &countingWriter{w: io.MultiWriter(tmp, h)}
	m, werr := Write(ctx, cw, compressed(file), src)
	if werr != nil && !errors.Is(werr, ErrProblems) {
		return nil, werr
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return &Result{Manifest: m, Size: cw.n, SHA256: hex.EncodeToString(h.Sum(nil))}, werr
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Write writes an archive to w, gzip-compressed if gz. See WriteFile for
// the error.
func Write(ctx context.Context, w io.Writer, gz bool, src Source) (*Manifest, error) {
	stage, err := os.MkdirTemp("", "kaohe-snapshot-")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(stage)
	snap, err := src.Store.Snapshot(ctx, stage)
	if err != nil {
		return nil, err
	}
	a := &archive{m: &Manifest{Format: Format, CreatedAt: src.Now.UTC(), Kaohe: src.Kaohe, Database: snap.Dialect, SchemaVersion: snap.SchemaVersion}}
	if gz {
		a.zw = gzip.NewWriter(w)
		w = a.zw
	}
	a.tw = tar.NewWriter(w)
	for _, f := range snap.Files {
		if err := a.addFile("database/"+f, filepath.Join(stage, f)); err != nil {
			return nil, err
		}
	}
	if err := a.addEvidence(ctx, src.Files, snap.Evidence); err != nil {
		return nil, err
	}
	if src.PlansDir != "" {
		plans, err := filepath.Glob(filepath.Join(src.PlansDir, "*.yaml"))
		if err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		sort.Strings(plans)
		for _, p := range plans {
			if err := a.addFile("plans/"+filepath.Base(p), p); err != nil {
				return nil, err
			}
		}
	}
	if err := a.close(); err != nil {
		return nil, err
	}
	if len(a.m.Problems) > 0 {
		return a.m, fmt.Errorf("%w: %s", ErrProblems, strings.Join(a.m.Problems, "; "))
	}
	return a.m, nil
}

// archive is a backup being written: the tar stream (inside gzip when zw
// is set) and the manifest that lists every entry with its hash.
type archive struct {
	tw *tar.Writer
	zw *gzip.Writer
	m  *Manifest
}

// add writes one entry of size bytes from r and lists it in the manifest;
// a source that does not give exactly size bytes changed while it was read.
func (a *archive) add(name string, size int64, r io.Reader) error {
	hdr := &tar.Header{Name: name, Mode: 0o640, Size: size, ModTime: a.m.CreatedAt, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("backup: %s: %w", name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(a.tw, h), r)
	if err != nil {
		return fmt.Errorf("backup: %s: %w", name, err)
	}
	if n != size {
		return fmt.Errorf("backup: %s changed while it was read", name)
	}
	a.m.Entries = append(a.m.Entries, Entry{Path: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// addFile adds the file at file as the entry name.
func (a *archive) addFile(name, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return a.add(name, info.Size(), f)
}

// addEvidence adds every evidence file the database names, in hash
// order. A missing or damaged file is a problem of the manifest, not a
// failure: the rest of the backup is still worth having.
func (a *archive) addEvidence(ctx context.Context, files Files, evidence map[string]int64) error {
	hashes := make([]string, 0, len(evidence))
	for sha := range evidence {
		hashes = append(hashes, sha)
	}
	sort.Strings(hashes)
	for _, sha := range hashes {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := files.Open(ctx, sha)
		if err != nil {
			a.m.Problems = append(a.m.Problems, fmt.Sprintf("evidence file %s is missing: %v", sha, err))
			continue
		}
		size, err := f.Seek(0, io.SeekEnd)
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err == nil {
			err = a.add(EvidencePath(sha), size, f)
		}
		f.Close()
		if err != nil {
			return err
		}
		if e := a.m.Entries[len(a.m.Entries)-1]; e.SHA256 != sha {
			a.m.Problems = append(a.m.Problems, fmt.Sprintf("evidence file %s is damaged: its content hashes to %s", sha, e.SHA256))
		}
	}
	return nil
}

// close writes the manifest as the last entry and closes the streams.
func (a *archive) close() error {
	mb, err := json.MarshalIndent(a.m, "", "  ")
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: ManifestName, Mode: 0o640, Size: int64(len(mb)), ModTime: a.m.CreatedAt, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := a.tw.Write(mb); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := a.tw.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if a.zw != nil {
		if err := a.zw.Close(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	}
	return nil
}

// EvidencePath is the archive path of the evidence file with hash sha.
func EvidencePath(sha string) string { return path.Join("evidence", sha[:2], sha) }

// reader opens the archive at file for one pass over its entries.
func reader(file string) (*tar.Reader, func() error, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, fmt.Errorf("backup: %w", err)
	}
	var r io.Reader = f
	closeAll := f.Close
	if compressed(file) {
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("backup: %s is not a gzip file: %w", file, err)
		}
		r = zr
		closeAll = func() error { zr.Close(); return f.Close() }
	}
	return tar.NewReader(r), closeAll, nil
}

// Verify reads the whole archive at file and checks it against its
// manifest: every entry listed, present once, of its size and hash, and
// nothing else. It returns the manifest of a sound archive.
func Verify(ctx context.Context, file string) (*Manifest, error) {
	m, seen, err := readArchive(ctx, file)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("backup: %s has no manifest: not a kaohe backup, or cut short", file)
	}
	if m.Format < 1 || m.Format > Format {
		return nil, fmt.Errorf("backup: archive format %d; this kaohe reads up to %d", m.Format, Format)
	}
	if bad := m.mismatches(seen); len(bad) > 0 {
		return nil, fmt.Errorf("backup: %s does not match its manifest: %s", file, strings.Join(bad, "; "))
	}
	return m, nil
}

// readArchive reads every entry of the archive at file: its manifest (nil
// when it has none) and the size and hash of every other entry, by path.
// An entry found twice is an error.
func readArchive(ctx context.Context, file string) (*Manifest, map[string]Entry, error) {
	tr, closeAll, err := reader(file)
	if err != nil {
		return nil, nil, err
	}
	defer closeAll()
	seen := map[string]Entry{}
	var m *Manifest
	for {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return m, seen, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("backup: %s is damaged: %w", file, err)
		}
		if hdr.Name == ManifestName {
			m = &Manifest{}
			if err := json.NewDecoder(tr).Decode(m); err != nil {
				return nil, nil, fmt.Errorf("backup: manifest: %w", err)
			}
			continue
		}
		if _, dup := seen[hdr.Name]; dup {
			return nil, nil, fmt.Errorf("backup: %s appears twice in the archive", hdr.Name)
		}
		h := sha256.New()
		n, err := io.Copy(h, tr)
		if err != nil {
			return nil, nil, fmt.Errorf("backup: %s is damaged: %s: %w", file, hdr.Name, err)
		}
		seen[hdr.Name] = Entry{Path: hdr.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	}
}

// mismatches lists, sorted, how the entries found (seen, by path) differ
// from m's: missing, of another size or hash, or not listed. It empties
// seen.
func (m *Manifest) mismatches(seen map[string]Entry) []string {
	var bad []string
	for _, e := range m.Entries {
		got, ok := seen[e.Path]
		switch {
		case !ok:
			bad = append(bad, e.Path+": missing")
		case got.Size != e.Size || got.SHA256 != e.SHA256:
			bad = append(bad, fmt.Sprintf("%s: %d bytes with SHA-256 %s, the manifest says %d bytes with %s", e.Path, got.Size, got.SHA256, e.Size, e.SHA256))
		}
		delete(seen, e.Path)
	}
	for p := range seen {
		bad = append(bad, p+": not in the manifest")
	}
	sort.Strings(bad)
	return bad
}
