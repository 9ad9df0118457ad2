package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kaohe/workflow/store"
)

// TestMigrateCommand: kaohe migrate on the first release's data prints the
// version before (1) and after (the binary's); --status lists every
// migration and which are applied, before and after.
func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	vars, _ := releaseData(t, "sqlite")
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "--status"}, envOf(vars), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	status := out.String()
	for _, want := range []string{"1        applied  (first release)  00001_initial.sql", "2        pending", "00002_backups.sql", "database at schema version 1"} {
		if !strings.Contains(status, want) {
			t.Errorf("migrate --status before upgrading lacks %q:\n%s", want, status)
		}
	}
	out.Reset()
	if err := run(ctx, []string{"migrate"}, envOf(vars), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	head := store.HeadVersion()
	if !strings.Contains(out.String(), "schema version before: 1\n") || !strings.Contains(out.String(), "schema version after:  "+strconv.FormatInt(head, 10)+" ") {
		t.Errorf("migrate printed:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "--status"}, envOf(vars), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "pending") || !strings.Contains(out.String(), "database at schema version "+strconv.FormatInt(head, 10)) {
		t.Errorf("migrate --status after upgrading:\n%s", out.String())
	}
}

// TestServeRefusesANewerDatabase: a server does not start on a database
// that a newer kaohe migrated, and says why.
func TestServeRefusesANewerDatabase(t *testing.T) {
	t.Parallel()
	vars := migratedRelease(t)
	ctx := context.Background()
	var out bytes.Buffer
	db, err := store.Open(ctx, store.Options{DataDir: vars["KAOHE_DATA"]})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm().Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)", store.HeadVersion()+1, true).Error; err != nil {
		t.Fatal(err)
	}
	db.Close()
	m := NewMain(envOf(vars), &out, io.Discard)
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	err = m.Run(ctx)
	m.Close()
	var tooNew *store.SchemaTooNewError
	if !errors.As(err, &tooNew) || !strings.Contains(err.Error(), "newer than this kaohe") {
		t.Fatalf("serve on a newer database: %v", err)
	}
}

// TestCheckFindsBrokenEvidence: kaohe check is clean on an upgraded copy of
// the first release's data, and names a deleted evidence file, a damaged
// one and a file no row names, and fails.
func TestCheckFindsBrokenEvidence(t *testing.T) {
	t.Parallel()
	vars := migratedRelease(t)
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"check"}, envOf(vars), &out, io.Discard); err != nil {
		t.Fatalf("check of intact data: %v\n%s", err, out.String())
	}
	if strings.TrimSpace(out.String()) != "no problems" {
		t.Fatalf("check of intact data:\n%s", out.String())
	}

	files, err := filepath.Glob(filepath.Join(vars["KAOHE_DATA"], "evidence", "*", "*"))
	if err != nil || len(files) < 3 {
		t.Fatalf("%d evidence files (%v)", len(files), err)
	}
	deleted, damaged := filepath.Base(files[0]), filepath.Base(files[1])
	if err := os.Remove(files[0]); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(files[1])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(files[1], b, 0o640); err != nil {
		t.Fatal(err)
	}
	orphan := strings.Repeat("ab", 32)
	if err := os.MkdirAll(filepath.Join(vars["KAOHE_DATA"], "evidence", "ab"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(vars["KAOHE_DATA"], "evidence", "ab", orphan), []byte("%PDF-1.4 nobody's"), 0o640); err != nil {
		t.Fatal(err)
	}

	checkFinds(t, vars,
		"evidence file "+deleted+" is missing",
		"evidence file "+damaged+" is damaged",
		"evidence file "+orphan+" has no evidence row",
		"3 problems")

	// A backup of the same data is still written, everything else in it,
	// and fails naming the missing and the damaged file.
	archive := filepath.Join(t.TempDir(), "broken.tar.gz")
	out.Reset()
	err = run(ctx, []string{"backup", "--to", archive}, envOf(vars), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), deleted+" is missing") || !strings.Contains(err.Error(), damaged+" is damaged") {
		t.Fatalf("backup of broken evidence: %v, want both files named", err)
	}
	if !strings.HasPrefix(out.String(), "wrote "+archive) {
		t.Fatalf("backup of broken evidence wrote nothing: %q", out.String())
	}
}

// checkFinds runs kaohe check on the data of vars, which must fail and
// name each of want.
func checkFinds(t *testing.T, vars map[string]string, want ...string) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), []string{"check"}, envOf(vars), &out, io.Discard)
	report := out.String()
	if !errors.Is(err, errProblems) {
		t.Fatalf("check: %v, want a failure\n%s", err, report)
	}
	for _, w := range want {
		if !strings.Contains(report, w) {
			t.Errorf("check does not say %q:\n%s", w, report)
		}
	}
}

// TestCheckFindsDatabaseProblems: a node without a released submission,
// an outbox message sent without sent_at, one pending with it, one of
// an unknown channel and one naming a missing notice row, a notice row
// without a message, a submission whose scoring facts disagree with it,
// one without them, a scoring run missing a result row, a node changed
// past the store so that its unit's node facts no longer hold, and an old
// schema version are each named.
func TestCheckFindsDatabaseProblems(t *testing.T) {
	t.Parallel()
	vars, _ := releaseData(t, "sqlite")
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"check"}, envOf(vars), &out, io.Discard); !errors.Is(err, errProblems) ||
		!strings.Contains(out.String(), "schema version 1, this kaohe's is") {
		t.Fatalf("check before migrating: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"migrate"}, envOf(vars), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, store.Options{DataDir: vars["KAOHE_DATA"]})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE submissions SET state = 'draft' WHERE unit = 'zs'",
		"UPDATE outbox SET sent_at = NULL WHERE id = (SELECT MIN(id) FROM outbox WHERE state = 'sent')",
		"UPDATE outbox SET sent_at = next_attempt_at WHERE id = (SELECT MIN(id) FROM outbox WHERE state = 'pending')",
		"UPDATE outbox SET channel = 'sms' WHERE id = (SELECT MAX(id) FROM outbox)",
		"UPDATE outbox SET notice = 987654 WHERE id = (SELECT MIN(id) FROM outbox)",
		"INSERT INTO outbox_notices (facts, created_at) VALUES ('{}', '2019-06-12 02:00:00')",
		"DELETE FROM submission_facts WHERE unit = 'xg'",
		"DELETE FROM scoring_results WHERE seq = 2 AND run_id = (SELECT MIN(id) FROM scoring_runs)",
		"UPDATE nodes SET awarded = awarded - 1 WHERE id = (SELECT MIN(id) FROM nodes WHERE state = 'accepted' AND late = 0)",
	} {
		if err := db.Gorm().Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	checkFinds(t, vars, "(2019/zs) has no released submission (state draft)", "is sent without sent_at", "is pending but has sent_at", "has unknown channel sms",
		"scoring facts of 2019/zs disagree with the submission (state draft there, scored in the facts)",
		"submission 2019/xg has no scoring facts", "has 2 result rows for 3 units",
		"names notice 987654, which is missing", "has no message",
		"node facts of 2019/gjz disagree with its nodes")
}

// TestRestoreRefusesADamagedArchiveAndAFullTarget: an archive with one byte
// changed is refused before anything is written, and so is a target that
// already holds a database.
func TestRestoreRefusesADamagedArchiveAndAFullTarget(t *testing.T) {
	t.Parallel()
	vars, _ := releaseData(t, "sqlite")
	ctx := context.Background()
	archive := filepath.Join(t.TempDir(), "kaohe.tar")
	var out bytes.Buffer
	if err := run(ctx, []string{"backup", "--to", archive}, envOf(vars), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("%PDF-1.4"))
	if i < 0 {
		t.Fatal("no evidence file in the archive")
	}
	damaged := filepath.Join(t.TempDir(), "damaged.tar")
	b[i+1] ^= 0x20
	if err := os.WriteFile(damaged, b, 0o640); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "restored")
	err = run(ctx, []string{"restore", damaged, "--data", target}, envOf(nil), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "does not match its manifest") {
		t.Fatalf("restore of a damaged archive: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(target, "evidence", "*", "*"))
	if _, statErr := os.Stat(filepath.Join(target, "kaohe.db")); statErr == nil || len(left) > 0 {
		t.Fatalf("the refused restore wrote a database or %d evidence files", len(left))
	}

	err = run(ctx, []string{"restore", archive, "--data", vars["KAOHE_DATA"]}, envOf(nil), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore over existing data: %v", err)
	}
	if err := run(ctx, []string{"restore", archive, "--data", target}, envOf(nil), &out, io.Discard); err != nil {
		t.Fatalf("restore of the sound archive into the same target: %v", err)
	}
}

// migratedRelease is releaseData on SQLite, migrated by `kaohe migrate`.
func migratedRelease(t *testing.T) map[string]string {
	t.Helper()
	vars, _ := releaseData(t, "sqlite")
	if err := run(context.Background(), []string{"migrate"}, envOf(vars), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	return vars
}
