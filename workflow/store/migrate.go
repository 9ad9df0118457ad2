package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
)

// Schema versions
//
// The schema changes only through numbered migrations, run by
// pressly/goose: SQL files per dialect in migrations/sqlite and
// migrations/mysql (the same version in both), and Go migrations listed in
// goMigrations where data must move. goose records every applied version
// in the table goose_db_version. Version 1 is the schema of the first
// release, which gorm's AutoMigrate created; a database of that release has
// its tables but no version table, and Migrate adopts it at version 1
// without changing it.
//
// To change the schema, add the next version: NNNNN_what.sql in both
// migrations/sqlite and migrations/mysql (a "-- +goose Up" section; there
// are no down migrations: a failed upgrade is undone by restoring the
// backup), or a Go migration in goMigrations. Then change the row structs
// to match; TestModelsMatchMigrations fails until they agree.

//go:embed migrations/sqlite/*.sql migrations/mysql/*.sql
var migrationFiles embed.FS

// goMigrations are the migrations written in Go, for changes that move
// data (split a column, rewrite JSON, fill a new table from an old one).
// Each is
//
//	goose.NewGoMigration(VERSION, &goose.GoFunc{RunTx: fn}, nil)
//
// with fn(ctx, *sql.Tx) doing the work in the migration's transaction, its
// VERSION unused by the SQL files of both dialects, and fn in a file of its
// own (migrate_VERSION_what.go). fn runs on both databases: ask tx for
// nothing dialect-specific, or branch on the dialect it is given. Go
// migrations run in version order with the SQL ones.
var goMigrations = []*goose.Migration{migratePlanVersions, migrateNodeFacts}

// versionTable is goose's table of applied versions.
const versionTable = "goose_db_version"

// releaseTables are the tables of the first release; a database that has
// them and no version table is at version 1.
var releaseTables = []string{"plans", "units", "unit_contacts", "users", "sessions", "login_failures",
	"submissions", "submission_history", "audit_log", "nodes", "evidence", "node_reviews",
	"monthly_reports", "monthly_report_history", "manual_deductions", "scoring_runs",
	"outbox", "leases", "job_marks", "monthly_summaries"}

// SchemaTooNewError is returned by Migrate and Open for a database whose
// schema version is newer than any this binary knows: a newer kaohe
// upgraded it. The server must not run on it.
type SchemaTooNewError struct {
	Database, Binary int64
}

// Error says what happened and what to do.
func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("the database is at schema version %d, newer than this kaohe knows (%d): "+
		"run the kaohe release that upgraded it, or restore a backup made before that upgrade", e.Database, e.Binary)
}

// MigrationInfo is one known migration and whether the database has it.
type MigrationInfo struct {
	Version int64
	// Source is the file (or "go") that defines it.
	Source  string
	Applied bool
	// AppliedAt is when it ran (zero for version 1 of an adopted database
	// and for pending ones).
	AppliedAt time.Time
}

func (db *DB) dialect() database.Dialect {
	if db.mysql {
		return database.DialectMySQL
	}
	return database.DialectSQLite3
}

// provider returns a goose provider over this database's migrations, plus
// extra (tests register Go migrations this way).
func (db *DB) provider(extra ...*goose.Migration) (*goose.Provider, error) {
	dir := "migrations/sqlite"
	if db.mysql {
		dir = "migrations/mysql"
	}
	fsys, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithSlog(db.log)}
	if gm := append(append([]*goose.Migration{}, goMigrations...), extra...); len(gm) > 0 {
		opts = append(opts, goose.WithGoMigrations(gm...))
	}
	p, err := goose.NewProvider(db.dialect(), db.sql, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, nil
}

// HeadVersion returns the newest schema version this binary knows.
func HeadVersion() int64 {
	var head int64
	for _, dir := range []string{"migrations/sqlite", "migrations/mysql"} {
		fsys, _ := fs.Sub(migrationFiles, dir)
		names, _ := fs.Glob(fsys, "*.sql")
		for _, n := range names {
			if v, err := goose.NumericComponent(n); err == nil && v > head {
				head = v
			}
		}
	}
	for _, m := range goMigrations {
		head = max(head, m.Version)
	}
	return head
}

// hasTable reports whether the table exists.
func (db *DB) hasTable(ctx context.Context, name string) bool {
	return db.gorm.WithContext(ctx).Migrator().HasTable(name)
}

// isRelease reports whether the database holds the first release's tables
// without a version table. A database with only some of them is an error:
// neither empty nor that release.
func (db *DB) isRelease(ctx context.Context) (bool, error) {
	if db.hasTable(ctx, versionTable) {
		return false, nil
	}
	var missing []string
	for _, t := range releaseTables {
		if !db.hasTable(ctx, t) {
			missing = append(missing, t)
		}
	}
	switch len(missing) {
	case 0:
		return true, nil
	case len(releaseTables):
		return false, nil
	}
	return false, fmt.Errorf("store: the database has some of kaohe's tables but not %v, and no schema version: it is not a kaohe database, or its first start stopped half-way; restore a backup", missing)
}

// Version returns the database's schema version: 0 for an empty database,
// 1 for one of the first release (whose version is not recorded yet). It
// changes nothing.
func (db *DB) Version(ctx context.Context) (int64, error) {
	if !db.hasTable(ctx, versionTable) {
		rel, err := db.isRelease(ctx)
		if err != nil || !rel {
			return 0, err
		}
		return 1, nil
	}
	st, err := database.NewStore(db.dialect(), versionTable)
	if err != nil {
		return 0, err
	}
	v, err := st.GetLatestVersion(ctx, db.sql)
	if errors.Is(err, database.ErrVersionNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// Migrations lists every migration this binary knows, oldest first, and
// whether the database has it. It changes nothing.
func (db *DB) Migrations(ctx context.Context) ([]MigrationInfo, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	applied := map[int64]time.Time{}
	if db.hasTable(ctx, versionTable) {
		rows, err := db.sql.QueryContext(ctx, "SELECT version_id, tstamp FROM "+versionTable+" WHERE is_applied")
		if err != nil {
			return nil, fmt.Errorf("store: migrations: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var v int64
			var at sql.NullTime
			if err := rows.Scan(&v, &at); err != nil {
				return nil, fmt.Errorf("store: migrations: %w", err)
			}
			applied[v] = at.Time.UTC()
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: migrations: %w", err)
		}
	} else if rel, err := db.isRelease(ctx); err != nil {
		return nil, err
	} else if rel {
		applied[1] = time.Time{}
	}
	var out []MigrationInfo
	for _, s := range p.ListSources() {
		at, ok := applied[s.Version]
		src := string(s.Type)
		if s.Type == goose.TypeSQL {
			src = s.Path
		}
		out = append(out, MigrationInfo{Version: s.Version, Source: src, Applied: ok, AppliedAt: at})
	}
	return out, nil
}

// Migrate brings the schema to HeadVersion: it adopts a database of the
// first release at version 1, then applies every later migration in
// order, each in its own transaction where the database allows (MySQL
// commits DDL at once). A database newer than the binary is
// *SchemaTooNewError and is not touched. On MySQL, servers starting
// together take turns through a named lock; SQLite has one server.
func (db *DB) Migrate(ctx context.Context) error {
	return db.migrateTo(ctx, HeadVersion())
}

// MigrateTo is Migrate stopping at version target (a restore brings an
// archive's schema to the archive's version before loading its rows).
func (db *DB) MigrateTo(ctx context.Context, target int64) error {
	return db.migrateTo(ctx, target)
}

func (db *DB) migrateTo(ctx context.Context, target int64, extra ...*goose.Migration) error {
	if db.mysql {
		unlock, err := db.migrationLock(ctx)
		if err != nil {
			return err
		}
		defer unlock()
	}
	p, err := db.provider(extra...)
	if err != nil {
		return err
	}
	if err := db.adopt(ctx); err != nil {
		return err
	}
	head := p.ListSources()[len(p.ListSources())-1].Version
	if db.hasTable(ctx, versionTable) {
		cur, err := db.Version(ctx)
		if err != nil {
			return err
		}
		if cur > head {
			return &SchemaTooNewError{Database: cur, Binary: head}
		}
		if cur >= target {
			return nil
		}
	}
	if _, err := p.UpTo(ctx, target); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// adopt records version 1 in a database of the first release: it creates
// goose's version table with versions 0 and 1, in one transaction, and
// touches no other table.
func (db *DB) adopt(ctx context.Context) error {
	rel, err := db.isRelease(ctx)
	if err != nil || !rel {
		return err
	}
	st, err := database.NewStore(db.dialect(), versionTable)
	if err != nil {
		return err
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: adopt: %w", err)
	}
	defer tx.Rollback()
	if err := st.CreateVersionTable(ctx, tx); err != nil {
		return fmt.Errorf("store: adopt: %w", err)
	}
	for _, v := range []int64{0, 1} {
		if err := st.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return fmt.Errorf("store: adopt: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: adopt: %w", err)
	}
	db.log.Info("adopted a database of the first release at schema version 1")
	return nil
}
