package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"kaohe/workflow/service"
	"os"
	"path/filepath"
)

// Dir is the evidence directory, DATA/evidence by default. It is safe for
// concurrent use, by several processes too when they share the directory.
type Dir struct {
	stager
	root string
}

var _ service.FileStore = (*Dir)(nil)

// Open returns the evidence directory root, creating it if missing, and
// removes staged files left there more than an hour ago by a crashed
// server.
func Open(root string) (*Dir, error) {
	st, err := newStager(root)
	if err != nil {
		return nil, err
	}
	return &Dir{stager: st, root: root}, nil
}

// Root returns the directory's path.
func (d *Dir) Root() string { return d.root }

// path is where the file with hash sha lives.
func (d *Dir) path(sha string) string {
	return filepath.Join(d.root, filepath.FromSlash(relPath(sha)))
}

// Keep moves a staged file to ROOT/ab/abcdef… and syncs the directory. When
// a file with the same content is there already, the staged copy is
// removed. ctx is not consulted: a rename is not worth interrupting.
func (d *Dir) Keep(_ context.Context, f *service.StagedFile) error {
	if err := checkStaged(f); err != nil {
		return err
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

// Open opens the file with hash sha (ENOTFOUND when there is none).
func (d *Dir) Open(_ context.Context, sha string) (io.ReadSeekCloser, error) {
	if !validHash(sha) {
		return nil, notFound()
	}
	f, err := os.Open(d.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return f, nil
}

// Walk calls fn for every file at its place, in hash order; staged files
// and anything else in the directory are skipped.
func (d *Dir) Walk(ctx context.Context, fn func(sha256 string, size int64) error) error {
	return filepath.WalkDir(d.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("evidence: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() || !e.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return nil
		}
		sha, ok := hashOfPath(filepath.ToSlash(rel))
		if !ok {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("evidence: %w", err)
		}
		return fn(sha, info.Size())
	})
}

// Ping reports whether the directory is there.
func (d *Dir) Ping(context.Context) error {
	fi, err := os.Stat(d.root)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("evidence: %s is not a directory", d.root)
	}
	return nil
}

// Link returns "": a directory cannot serve a file itself, so downloads
// are streamed through the server.
func (d *Dir) Link(context.Context, string, string, string) (string, error) { return "", nil }
