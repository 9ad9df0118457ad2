package store_test

import (
	"context"
	"log/slog"
	"testing"

	"kaohe/internal/testdb"
	"kaohe/workflow"
	"kaohe/workflow/service"
	"kaohe/workflow/store"
	"kaohe/workflow/store/storetest"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// testWriter sends the store's log to the test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

func open(t *testing.T, o store.Options) *store.DB {
	t.Helper()
	o.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func openSQLite(t *testing.T) *store.DB {
	t.Helper()
	return open(t, store.Options{DataDir: testdb.SQLite(t)})
}

func openMariaDB(t *testing.T) *store.DB {
	t.Helper()
	return open(t, store.Options{DSN: testdb.MariaDB(t)})
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) service.Store { return openSQLite(t) })
}

func TestMariaDB(t *testing.T) {
	t.Parallel()
	testdb.MariaDB(t) // skips the whole test, once, without mariadbd
	storetest.Run(t, func(t *testing.T) service.Store { return openMariaDB(t) })
}

// TestMigrateKeepsData: migrating an up-to-date schema again, and opening
// an existing database (which migrates), keeps the data.
func TestMigrateKeepsData(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "mariadb"} {
		t.Run(backend, func(t *testing.T) {
			var o store.Options
			if backend == "sqlite" {
				o.DataDir = testdb.SQLite(t)
			} else {
				o.DSN = testdb.MariaDB(t)
			}
			db := open(t, o)
			ctx := t.Context()
			err := db.Update(ctx, func(tx service.Tx) error {
				return tx.CreateUnit(&workflow.Unit{Code: "gjz", Name: "甘井子区总工会"})
			})
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if err := db.Migrate(ctx); err != nil {
					t.Fatalf("migrate again: %v", err)
				}
			}
			again := open(t, o)
			err = again.Update(ctx, func(tx service.Tx) error {
				u, err := tx.Unit("gjz")
				if err == nil && u.Name != "甘井子区总工会" {
					t.Errorf("unit name %q", u.Name)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestMariaDBSchema: every table is InnoDB with utf8mb4_unicode_ci, and
// identifier columns compare in binary.
func TestMariaDBSchema(t *testing.T) {
	t.Parallel()
	db := openMariaDB(t)
	type table struct{ Name, Engine, Collation string }
	var tables []table
	err := db.Gorm().WithContext(t.Context()).Raw(`SELECT TABLE_NAME AS name, ENGINE AS engine, TABLE_COLLATION AS collation
		FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'goose_db_version' ORDER BY TABLE_NAME`).Scan(&tables).Error
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != store.TableCount() {
		t.Errorf("%d tables, want %d: %+v", len(tables), store.TableCount(), tables)
	}
	for _, tb := range tables {
		if tb.Engine != "InnoDB" || tb.Collation != "utf8mb4_unicode_ci" {
			t.Errorf("table %s: engine %s, collation %s", tb.Name, tb.Engine, tb.Collation)
		}
	}
	var cols []struct{ Table, Column, Collation string }
	err = db.Gorm().WithContext(t.Context()).Raw(`SELECT TABLE_NAME AS ` + "`table`" + `, COLUMN_NAME AS ` + "`column`" + `, COLLATION_NAME AS collation
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'goose_db_version' AND COLLATION_NAME IS NOT NULL`).Scan(&cols).Error
	if err != nil {
		t.Fatal(err)
	}
	binary := map[string]bool{"units.code": true, "users.username": true, "sessions.token_hash": true, "submissions.unit": true, "login_failures.username": true, "login_failures.address": true,
		"manual_deductions.unit": true,
		"outbox.unit":            true, "outbox.deadline": true, "outbox.recipient": true, "outbox.claimed_by": true,
		"leases.name": true, "job_marks.name": true}
	for _, c := range cols {
		want := "utf8mb4_unicode_ci"
		if binary[c.Table+"."+c.Column] {
			want = "utf8mb4_bin"
		}
		if c.Collation != want && !(want == "utf8mb4_unicode_ci" && c.Collation == "utf8mb4_bin") {
			t.Errorf("column %s.%s: collation %s, want %s", c.Table, c.Column, c.Collation, want)
		}
		delete(binary, c.Table+"."+c.Column)
	}
	if len(binary) > 0 {
		t.Errorf("identifier columns missing: %v", binary)
	}
}

// TestMariaDBSessionIsUTC: the store runs its sessions in UTC even when
// the DSN asks for another zone.
func TestMariaDBSessionIsUTC(t *testing.T) {
	t.Parallel()
	dsn := testdb.MariaDB(t) + "&time_zone=%27%2B08%3A00%27"
	db := open(t, store.Options{DSN: dsn})
	var zone string
	if err := db.Gorm().WithContext(t.Context()).Raw("SELECT @@session.time_zone").Scan(&zone).Error; err != nil {
		t.Fatal(err)
	}
	if zone != "+00:00" {
		t.Fatalf("session time zone %q, want +00:00", zone)
	}
}

// TestMariaDBServersMigrateTogether: servers starting at once against one
// empty database all open it; the migration lock makes them take turns.
func TestMariaDBServersMigrateTogether(t *testing.T) {
	t.Parallel()
	dsn := testdb.MariaDB(t)
	const servers = 4
	errs := make(chan error, servers)
	for range servers {
		go func() {
			db, err := store.Open(t.Context(), store.Options{DSN: dsn})
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	for range servers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestOpenNeedsDSNOrDataDir(t *testing.T) {
	t.Parallel()
	if _, err := store.Open(context.Background(), store.Options{}); err == nil {
		t.Fatal("Open with neither a DSN nor a data directory succeeded")
	}
}
