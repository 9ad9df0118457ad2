package backup

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"

	"kaohe/workflow/store"
)

// Target is where a restore writes. It must be empty: no SQLite file in
// DataDir (or no table in the MySQL database of DSN), no evidence file, no
// plan file in PlansDir.
type Target struct {
	// DataDir receives the SQLite file (without DSN).
	DataDir string
	// DSN is an empty MySQL database; "" restores into DataDir.
	DSN string
	// Files receives the evidence files; Existing lists what it holds.
	Files    FileKeeper
	Existing Files
	// PlansDir receives the plan files (created if missing).
	PlansDir string
	Logger   *slog.Logger
}

// Restore checks the archive at file (Verify) and the target before
// writing anything, then restores the database, the evidence files and
// the plan files, and migrates the database from the archive's schema
// version to this binary's. It returns the archive's manifest.
func Restore(ctx context.Context, file string, t Target) (*Manifest, error) {
	m, err := Verify(ctx, file)
	if err != nil {
		return nil, err
	}
	if err := fits(m, t); err != nil {
		return nil, err
	}
	if err := checkEmpty(ctx, t); err != nil {
		return nil, err
	}
	log := t.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	var db *store.DB
	if t.DSN != "" {
		if db, err = openMySQLAt(ctx, t.DSN, m.SchemaVersion, log); err != nil {
			return nil, err
		}
		defer db.Close()
	}
	tr, closeAll, err := reader(file)
	if err != nil {
		return nil, err
	}
	defer closeAll()
	sqliteTmp, err := restoreEntries(ctx, tr, m, t, db, log)
	defer func() {
		if sqliteTmp != "" {
			os.Remove(sqliteTmp)
		}
	}()
	if err != nil {
		return nil, err
	}
	if sqliteTmp != "" {
		if err := os.Rename(sqliteTmp, filepath.Join(t.DataDir, store.SQLiteFile)); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		sqliteTmp = ""
	}
	// Bring the schema to this binary's version.
	if db != nil {
		if err := db.Migrate(ctx); err != nil {
			return nil, err
		}
		return m, db.Close()
	}
	db, err = store.Open(ctx, store.Options{DataDir: t.DataDir, Logger: log})
	if err != nil {
		return nil, err
	}
	return m, db.Close()
}

// openMySQLAt opens the empty MySQL database of dsn and creates the schema
// of the archive's version in it, ready for the archive's rows.
func openMySQLAt(ctx context.Context, dsn string, version int64, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(ctx, store.Options{DSN: dsn, NoMigrate: true, Logger: log})
	if err != nil {
		return nil, err
	}
	if err := db.MigrateTo(ctx, version); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// fits checks that the archive can be restored by this kaohe into t: a
// schema version it knows, and the kind of database the archive holds.
func fits(m *Manifest, t Target) error {
	if head := store.HeadVersion(); m.SchemaVersion > head {
		return fmt.Errorf("backup: the archive is at schema version %d, newer than this kaohe knows (%d): restore it with the kaohe that wrote it (%s)", m.SchemaVersion, head, m.Kaohe)
	}
	switch {
	case m.Database == "sqlite" && t.DSN != "":
		return errors.New("backup: the archive holds an embedded (SQLite) database; restore it into a data directory, without KAOHE_MYSQL_DSN")
	case m.Database == "mysql" && t.DSN == "":
		return errors.New("backup: the archive holds a MySQL database; restore it into an empty MySQL database given by KAOHE_MYSQL_DSN")
	case m.Database != "sqlite" && m.Database != "mysql":
		return fmt.Errorf("backup: unknown database kind %q in the manifest", m.Database)
	}
	return nil
}

// restoreEntries writes every entry of the archive where it belongs: the
// SQLite file to a temporary name beside its place (returned, for the
// caller to rename or remove), a MySQL table's rows into db, evidence into
// t.Files, plan files into t.PlansDir.
func restoreEntries(ctx context.Context, tr *tar.Reader, m *Manifest, t Target, db *store.DB, log *slog.Logger) (sqliteTmp string, err error) {
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sqliteTmp, fmt.Errorf("backup: %w", err)
		}
		dir, name := path.Split(hdr.Name)
		switch {
		case hdr.Name == "database/"+store.SQLiteFile && t.DSN == "":
			if sqliteTmp, err = writeNew(filepath.Join(t.DataDir, "."+store.SQLiteFile+".restore"), tr); err != nil {
				return sqliteTmp, err
			}
		case dir == "database/" && strings.HasSuffix(name, ".jsonl") && db != nil:
			table, n, err := db.LoadTable(ctx, tr)
			if err != nil {
				return sqliteTmp, err
			}
			log.Info("restored table", "table", table, "rows", n)
		case strings.HasPrefix(hdr.Name, "evidence/"):
			if EvidencePath(name) != hdr.Name {
				return sqliteTmp, fmt.Errorf("backup: unexpected entry %s", hdr.Name)
			}
			if err := t.Files.Put(ctx, name, tr); err != nil {
				// A file the manifest records as damaged is left out.
				if damaged(m, name) {
					log.Warn("damaged evidence file not restored", "sha256", name)
					continue
				}
				return sqliteTmp, err
			}
		case dir == "plans/" && strings.HasSuffix(name, ".yaml") && !strings.ContainsAny(name, `/\`):
			if err := os.MkdirAll(t.PlansDir, 0o750); err != nil {
				return sqliteTmp, fmt.Errorf("backup: %w", err)
			}
			if _, err := writeNew(filepath.Join(t.PlansDir, name), tr); err != nil {
				return sqliteTmp, err
			}
		case hdr.Name == ManifestName:
		default:
			return sqliteTmp, fmt.Errorf("backup: unexpected entry %s", hdr.Name)
		}
	}
	return sqliteTmp, nil
}

// damaged reports whether the manifest lists the evidence file as damaged.
func damaged(m *Manifest, sha string) bool {
	for _, p := range m.Problems {
		if strings.Contains(p, sha) {
			return true
		}
	}
	return false
}

// writeNew writes r to a new file at name (an existing file is an error),
// synced, and returns its path.
func writeNew(name string, r io.Reader) (string, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o750); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", fmt.Errorf("backup: %w", err)
	}
	return name, nil
}

// checkEmpty refuses a target that holds anything a restore would write.
func checkEmpty(ctx context.Context, t Target) error {
	var full []string
	if t.DSN != "" {
		db, err := store.Open(ctx, store.Options{DSN: t.DSN, NoMigrate: true, Logger: t.Logger})
		if err != nil {
			return err
		}
		empty, err := db.Empty(ctx)
		db.Close()
		if err != nil {
			return err
		}
		if !empty {
			full = append(full, "the MySQL database has tables")
		}
	} else if _, err := os.Stat(filepath.Join(t.DataDir, store.SQLiteFile)); err == nil {
		full = append(full, filepath.Join(t.DataDir, store.SQLiteFile)+" exists")
	}
	files := 0
	if t.Existing != nil {
		err := t.Existing.Walk(ctx, func(string, int64) error { files++; return nil })
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if files > 0 {
		full = append(full, fmt.Sprintf("the evidence directory holds %d files", files))
	}
	if t.PlansDir != "" {
		plans, _ := filepath.Glob(filepath.Join(t.PlansDir, "*.yaml"))
		if len(plans) > 0 {
			full = append(full, fmt.Sprintf("%s holds %d plan files", t.PlansDir, len(plans)))
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("backup: the restore target is not empty (%s): restore into a new data directory and an empty database", strings.Join(full, "; "))
	}
	return nil
}
