package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"kaohe/internal/testdb"
	"kaohe/workflow"
	"kaohe/workflow/service"
	"kaohe/workflow/store"
)

// The upgrade fixture: a year played by the first release (testdata/upgrade).
const fixtureDir = "../../testdata/upgrade"

// openRelease opens a copy of the first release's database on backend
// as it is, not migrated.
func openRelease(t *testing.T, backend string) *store.DB {
	t.Helper()
	o := releaseFixture(t, backend)
	o.NoMigrate = true
	return open(t, o)
}

// releaseFixture returns store options for a copy of the first release's
// database on backend ("sqlite": the data directory's file; "mariadb": the
// dump loaded into a new database).
func releaseFixture(t *testing.T, backend string) store.Options {
	t.Helper()
	if backend == "mariadb" {
		dsn := testdb.MariaDB(t)
		b, err := os.ReadFile(filepath.Join(fixtureDir, "mysql", "kaohe.sql"))
		if err != nil {
			t.Fatal(err)
		}
		testdb.Exec(t, dsn, string(b))
		return store.Options{DSN: dsn}
	}
	dir := testdb.SQLite(t)
	copyFile(t, filepath.Join(fixtureDir, "sqlite", store.SQLiteFile), filepath.Join(dir, store.SQLiteFile))
	return store.Options{DataDir: dir}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func emptyDB(t *testing.T, backend string) store.Options {
	t.Helper()
	if backend == "mariadb" {
		return store.Options{DSN: testdb.MariaDB(t)}
	}
	return store.Options{DataDir: testdb.SQLite(t)}
}

var backends = []string{"sqlite", "mariadb"}

// eachBackend runs fn as a subtest on each backend, one after the other.
func eachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) { fn(t, backend) })
	}
}

// schemaOf lists the schema's tables, columns and indexes, one line each,
// sorted; goose's version table and except are left out.
func schemaOf(t *testing.T, db *store.DB, except ...string) []string {
	t.Helper()
	ctx := t.Context()
	g := db.Gorm().WithContext(ctx)
	skip := func(table string) bool {
		return table == "goose_db_version" || slices.Contains(except, table)
	}
	var out []string
	if g.Dialector.Name() == "mysql" {
		q := func(query string) {
			rows, err := db.Gorm().WithContext(ctx).Raw(query).Rows()
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]sql.NullString, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				if skip(vals[1].String) {
					continue
				}
				var parts []string
				for _, v := range vals {
					if v.Valid {
						parts = append(parts, v.String)
					} else {
						parts = append(parts, "NULL")
					}
				}
				out = append(out, strings.Join(parts, " "))
			}
		}
		q(`SELECT 'table', TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`)
		q(`SELECT 'column', TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLLATION_NAME, EXTRA
			FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()`)
		q(`SELECT 'index', TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()`)
	} else {
		var tables []string
		if err := g.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).Scan(&tables).Error; err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			if skip(tb) {
				continue
			}
			out = append(out, "table "+tb)
			var cols []struct {
				Cid       int
				Name      string
				Type      string
				NotNull   int `gorm:"column:notnull"`
				DfltValue sql.NullString
				Pk        int
			}
			if err := g.Raw("SELECT * FROM pragma_table_info(?)", tb).Scan(&cols).Error; err != nil {
				t.Fatal(err)
			}
			for _, c := range cols {
				// gorm writes an empty default as "", a migration as '': the
				// same empty string to SQLite.
				if c.DfltValue.String == `""` {
					c.DfltValue.String = "''"
				}
				out = append(out, fmt.Sprintf("column %s %d %s %s notnull=%d default=%v pk=%d", tb, c.Cid, c.Name, c.Type, c.NotNull, c.DfltValue, c.Pk))
			}
			var idx []struct {
				Name   string
				Unique int
				Origin string
			}
			if err := g.Raw("SELECT name, \"unique\", origin FROM pragma_index_list(?)", tb).Scan(&idx).Error; err != nil {
				t.Fatal(err)
			}
			for _, ix := range idx {
				var icols []string
				if err := g.Raw("SELECT name FROM pragma_index_info(?) ORDER BY seqno", ix.Name).Scan(&icols).Error; err != nil {
					t.Fatal(err)
				}
				out = append(out, fmt.Sprintf("index %s %s unique=%d origin=%s (%s)", tb, ix.Name, ix.Unique, ix.Origin, strings.Join(icols, ",")))
			}
		}
	}
	slices.Sort(out)
	return out
}

// tableRows returns every row of table as text, by primary key order.
func tableRows(t *testing.T, db *store.DB, table string, columns ...string) []string {
	t.Helper()
	list := "*"
	if len(columns) > 0 {
		list = strings.Join(columns, ", ")
	}
	return queryRows(t, db, "SELECT "+list+" FROM "+table+" ORDER BY 1")
}

// queryRows returns every row query yields, each as text.
func queryRows(t *testing.T, db *store.DB, query string) []string {
	t.Helper()
	rows, err := store.Values(t.Context(), db, query)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(rows))
	for _, vals := range rows {
		out = append(out, fmt.Sprintf("%q", vals))
	}
	return out
}

// replacedTables are tables of the first release that a later migration
// drops and creates anew, data and all: 00011 replaces login_failures
// (failed logins by name and address instead of one key).
var replacedTables = []string{"login_failures"}

// releaseTables are the first release's tables, as its fixture has them.
var releaseTables = []string{"plans", "units", "unit_contacts", "users", "sessions", "login_failures",
	"submissions", "submission_history", "audit_log", "nodes", "evidence", "node_reviews",
	"monthly_reports", "monthly_report_history", "manual_deductions", "scoring_runs",
	"outbox", "leases", "job_marks", "monthly_summaries"}

// changedByUpgrade are the release's tables that later migrations change,
// with the release's columns whose values an upgrade keeps (in the order
// they are compared): manual deductions gain the cited month and figures,
// scoring runs trade publish_key for a publication number and an objection
// period and move their results into rows of scoring_results (compared
// apart), the monthly counts are rebuilt one row per source from their
// history (new ids, the same values for the release's data, which has one
// source per month), and the outbox gains a channel and facts and lists
// its unique key's columns notice first (its rows keep their text and
// html, and are sent as stored).
var changedByUpgrade = map[string][]string{
	"outbox": {"id", "kind", "unit", "deadline", "lead", "recipient", "name", "subject", "text", "html", "state", "attempts",
		"next_attempt_at", "last_error", "last_attempt_at", "expires_at", "claimed_by", "claimed_until", "created_at", "sent_at"},
	"manual_deductions": {"id", "year", "unit", "rule", "points", "reason", "actor", "created_at"},
	"scoring_runs":      {"id", "year", "created_at", "created_by", "inputs_digest", "units", "published", "published_at", "published_by"},
	"monthly_reports":   {"year", "unit", "month", "source", "count", "reported_at", "first_reported_at", "late", "reported_by"},
}

// columnRows returns the given columns of every row of table as text,
// ordered by those columns.
func columnRows(t *testing.T, db *store.DB, table string, cols []string) []string {
	t.Helper()
	list := strings.Join(cols, ", ")
	return queryRows(t, db, "SELECT "+list+" FROM "+table+" ORDER BY "+list)
}

// TestMigrationOneIsTheReleaseSchema: migration 1 on an empty database
// creates exactly the tables, columns and indexes that the first release's
// AutoMigrate created (the fixture's), on each database.
func TestMigrationOneIsTheReleaseSchema(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		o := emptyDB(t, backend)
		o.NoMigrate = true
		fresh := open(t, o)
		if err := store.MigrateWith(t.Context(), fresh, 1); err != nil {
			t.Fatal(err)
		}
		release := openRelease(t, backend)
		got, want := schemaOf(t, fresh), schemaOf(t, release)
		if len(want) < 100 {
			t.Fatalf("the fixture's schema has %d lines", len(want))
		}
		if d := diffLines(want, got); d != "" {
			t.Errorf("migration 1 differs from the release's schema (- release, + migration 1):\n%s", d)
		}
	})
}

// columnsOf lists a table's columns, quoted for a SELECT.
func columnsOf(t *testing.T, db *store.DB, table string) []string {
	t.Helper()
	rows, err := db.Gorm().WithContext(t.Context()).Raw("SELECT * FROM " + table + " LIMIT 1").Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cols {
		cols[i] = "`" + c + "`"
	}
	return cols
}

func diffLines(want, got []string) string {
	var b strings.Builder
	for _, w := range want {
		if !slices.Contains(got, w) {
			fmt.Fprintf(&b, "- %s\n", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			fmt.Fprintf(&b, "+ %s\n", g)
		}
	}
	return b.String()
}

// TestMigrateFromEmpty: an empty database is brought to the head version,
// every migration applied, and migrating again changes nothing.
func TestMigrateFromEmpty(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		db := open(t, emptyDB(t, backend))
		ctx := t.Context()
		v, err := db.Version(ctx)
		if err != nil || v != store.HeadVersion() || v < 2 {
			t.Fatalf("version %d (%v), want head %d", v, err, store.HeadVersion())
		}
		ms, err := db.Migrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 || ms[len(ms)-1].Version != store.HeadVersion() {
			t.Fatalf("migrations %+v", ms)
		}
		for _, m := range ms {
			if !m.Applied || m.AppliedAt.IsZero() {
				t.Errorf("migration %d (%s) not applied: %+v", m.Version, m.Source, m)
			}
		}
		before := schemaOf(t, db)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if d := diffLines(before, schemaOf(t, db)); d != "" {
			t.Errorf("migrating again changed the schema:\n%s", d)
		}
	})
}

// TestMigrateAdoptsTheRelease: a database of the first release (tables,
// no version table) is recognised at version 1, adopted without a change to
// its tables or rows, and brought to the head.
func TestMigrateAdoptsTheRelease(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := t.Context()
		db := openRelease(t, backend)
		v, err := db.Version(ctx)
		if err != nil || v != 1 {
			t.Fatalf("the release's database reads as version %d (%v), want 1", v, err)
		}
		ms, err := db.Migrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ms[0].Applied || ms[1].Applied {
			t.Fatalf("before migrating: %+v", ms)
		}
		changed := append(slices.Collect(maps.Keys(changedByUpgrade)), replacedTables...)
		schema := schemaOf(t, db, changed...)
		rows, columns := map[string][]string{}, map[string][]string{}
		for _, tb := range releaseTables {
			rows[tb] = tableRows(t, db, tb)
			columns[tb] = columnsOf(t, db, tb)
		}
		kept := map[string][]string{}
		for tb, cols := range changedByUpgrade {
			kept[tb] = columnRows(t, db, tb, cols)
		}
		var runs []struct {
			ID      int64
			Results string
		}
		if err := db.Gorm().Raw("SELECT id, results FROM scoring_runs ORDER BY id").Scan(&runs).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows["audit_log"]) < 50 || len(rows["evidence"]) < 10 || len(rows["outbox"]) < 20 {
			t.Fatalf("the fixture is thinner than it should be: %d audit, %d evidence, %d outbox",
				len(rows["audit_log"]), len(rows["evidence"]), len(rows["outbox"]))
		}

		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if v, err := db.Version(ctx); err != nil || v != store.HeadVersion() {
			t.Fatalf("after migrating: version %d (%v), want %d", v, err, store.HeadVersion())
		}
		// Later versions add tables and columns; every one of the
		// release's stays as it was, with its rows, but for the tables
		// changedByUpgrade, whose kept columns are compared below, and
		// the tables a migration replaces, which are emptied.
		if d := diffLines(schema, schemaOf(t, db, changed...)); strings.Contains(d, "- ") {
			t.Errorf("upgrading changed the release's tables:\n%s", d)
		}
		// The release's outbox rows are all emails, stored rendered.
		var emails int64
		db.Gorm().Raw("SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND facts IS NULL AND text <> ''").Scan(&emails)
		if int(emails) != len(rows["outbox"]) {
			t.Errorf("%d of the release's %d outbox rows are emails with their text and no facts after upgrading", emails, len(rows["outbox"]))
		}
		for _, tb := range releaseTables {
			if slices.Contains(replacedTables, tb) {
				if got := tableRows(t, db, tb); len(got) != 0 {
					t.Errorf("table %s, replaced, kept %d rows", tb, len(got))
				}
				continue
			}
			if _, ok := changedByUpgrade[tb]; ok {
				continue
			}
			if got := tableRows(t, db, tb, columns[tb]...); !slices.Equal(got, rows[tb]) {
				t.Errorf("table %s: %d rows before, %d after, or different", tb, len(rows[tb]), len(got))
			}
		}
		for tb, cols := range changedByUpgrade {
			if got := columnRows(t, db, tb, cols); !slices.Equal(got, kept[tb]) {
				t.Errorf("table %s: the release's columns changed:\n%s", tb, diffLines(kept[tb], got))
			}
		}
		// What the later migrations added: the published run is the
		// year's first publication, without an objection period, and
		// the release's deduction cites no month.
		var pub []struct {
			ID          int64
			Publication *int
			Ends        *string `gorm:"column:objection_period_ends"`
		}
		if err := db.Gorm().Raw("SELECT id, publication, objection_period_ends FROM scoring_runs ORDER BY id").Scan(&pub).Error; err != nil {
			t.Fatal(err)
		}
		if len(pub) != 2 || pub[0].Publication != nil || pub[1].Publication == nil || *pub[1].Publication != 1 || pub[1].Ends != nil {
			t.Errorf("publications after upgrading: %+v", pub)
		}
		var months []string
		if err := db.Gorm().Raw("SELECT month FROM manual_deductions").Scan(&months).Error; err != nil || !slices.Equal(months, []string{""}) {
			t.Errorf("cited months after upgrading: %q %v", months, err)
		}
		problems, err := db.Problems(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			if strings.Contains(p, "scoring") {
				t.Errorf("check after upgrading: %s", p)
			}
		}
		resultRows := map[int64][]string{}
		for _, r := range runs {
			var texts []string
			if err := db.Gorm().Raw("SELECT result FROM scoring_results WHERE run_id = ? ORDER BY seq", r.ID).Scan(&texts).Error; err != nil {
				t.Fatal(err)
			}
			resultRows[r.ID] = texts
		}
		// The service's view: the stored records read back, each run's
		// results as the release stored them, value for value, and
		// every submission's scoring facts as its document gives them.
		err = db.Update(ctx, func(tx service.Tx) error {
			us, err := tx.Units()
			if err != nil || len(us) != 3 {
				return fmt.Errorf("units %v: %w", us, err)
			}
			// The release's units are listed in the order they were
			// created.
			for i, u := range us {
				if i > 0 && (u.Seq <= us[i-1].Seq || u.CreatedAt.Before(us[i-1].CreatedAt)) {
					return fmt.Errorf("units out of creation order: %+v", us)
				}
			}
			for _, r := range runs {
				run, err := tx.ScoringRun(2019, r.ID)
				if err != nil {
					return err
				}
				var typed []workflow.UnitResult
				if err := json.Unmarshal([]byte(r.Results), &typed); err != nil || len(typed) != 3 || !reflect.DeepEqual(typed, run.Results) {
					t.Errorf("run %d: the results read differ from the release's (%v)", r.ID, err)
				}
				// Each row holds the release's result value for value.
				var release []any
				if err := json.Unmarshal([]byte(r.Results), &release); err != nil {
					return err
				}
				texts := resultRows[r.ID]
				for i, text := range texts {
					var got any
					if err := json.Unmarshal([]byte(text), &got); err != nil || i >= len(release) || !reflect.DeepEqual(got, release[i]) {
						t.Errorf("run %d, result %d: the row differs from the release's result (%v)", r.ID, i, err)
					}
				}
				if len(texts) != len(release) {
					t.Errorf("run %d: %d result rows, the release stored %d results", r.ID, len(texts), len(release))
				}
			}
			subs, err := tx.Submissions(2019)
			if err != nil {
				return err
			}
			codes := make([]string, len(subs))
			want := make([]workflow.SubmissionFact, len(subs))
			innovation := 0
			for i := range subs {
				codes[i], want[i] = subs[i].Unit, subs[i].Facts()
				innovation += len(want[i].Innovation)
			}
			facts, err := tx.SubmissionFacts(2019, codes)
			if err != nil {
				return err
			}
			if len(subs) != 3 || innovation == 0 || !reflect.DeepEqual(facts, want) {
				t.Errorf("scoring facts after upgrading:\n%+v\nwant, from the documents:\n%+v", facts, want)
			}
			ev, err := tx.EvidenceList(service.EvidenceFilter{Year: 2019})
			if err != nil || len(ev) == 0 {
				return fmt.Errorf("evidence %d: %w", len(ev), err)
			}
			// The release's plan is version 1 of its year, published,
			// and still the plan in force.
			vs, err := tx.PlanVersions(0)
			if err != nil || len(vs) != 1 || vs[0].Year != 2019 || vs[0].Version != 1 || vs[0].PublishedAt == nil || vs[0].Title == "" {
				return fmt.Errorf("plan versions %+v: %w", vs, err)
			}
			v1, err := tx.PlanVersion(2019, 1)
			if err != nil {
				return err
			}
			inForce, err := tx.Plan(2019)
			if err != nil || !workflow.SamePlan(v1.Plan, inForce) {
				return fmt.Errorf("the plan in force differs from version 1 (%v)", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestServerRefusesANewerDatabase: a database a newer kaohe migrated is
// refused with a message naming both versions, and left as it is.
func TestServerRefusesANewerDatabase(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		o := emptyDB(t, backend)
		db := open(t, o)
		newer := store.HeadVersion() + 1
		if err := db.Gorm().Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)", newer, true).Error; err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(t.Context(), o)
		var tooNew *store.SchemaTooNewError
		if !errors.As(err, &tooNew) || tooNew.Database != newer || tooNew.Binary != store.HeadVersion() {
			t.Fatalf("open: %v, want SchemaTooNewError", err)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("schema version %d", newer)) {
			t.Errorf("message %q does not name the database's version", err)
		}
		if v, _ := db.Version(t.Context()); v != newer {
			t.Errorf("version %d after the refusal", v)
		}
	})
}

// TestModelsMatchMigrations: the row structs and the migrations describe
// the same schema: AutoMigrate over a migrated database changes nothing.
// A struct changed without a migration (or the reverse) fails here.
func TestModelsMatchMigrations(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		db := open(t, emptyDB(t, backend))
		before := schemaOf(t, db)
		if err := store.AutoMigrateModels(t.Context(), db); err != nil {
			t.Fatal(err)
		}
		if d := diffLines(before, schemaOf(t, db)); d != "" {
			t.Errorf("the row structs differ from the migrations (- migrations, + structs):\n%s", d)
		}
	})
}

// TestGoMigrationMovesData: a Go migration registered after the SQL ones
// runs in version order, in a transaction, and is recorded; one that fails
// leaves its data and the version as they were.
func TestGoMigrationMovesData(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := t.Context()
		db := openRelease(t, backend)
		next := store.HeadVersion() + 1
		lower := goose.NewGoMigration(next, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE unit_contacts SET email = UPPER(email)")
			return err
		}}, nil)
		failing := goose.NewGoMigration(next+1, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "UPDATE units SET name = 'broken'"); err != nil {
				return err
			}
			return errors.New("data that cannot move")
		}}, nil)
		if err := store.MigrateWith(ctx, db, next+1, lower, failing); err == nil {
			t.Fatal("a failing Go migration reported success")
		}
		if v, _ := db.Version(ctx); v != next {
			t.Errorf("version %d, want %d (the Go migration that worked)", v, next)
		}
		var emails []string
		if err := db.Gorm().Raw("SELECT DISTINCT email FROM unit_contacts").Scan(&emails).Error; err != nil {
			t.Fatal(err)
		}
		for _, e := range emails {
			if e != strings.ToUpper(e) {
				t.Errorf("email %q was not moved", e)
			}
		}
		var broken int64
		db.Gorm().Raw("SELECT COUNT(*) FROM units WHERE name = 'broken'").Scan(&broken)
		if broken != 0 {
			t.Errorf("the failed migration's update stayed on %d units", broken)
		}
	})
}
