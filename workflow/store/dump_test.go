package store_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// kindsTable has a column of every kind a table file carries, with values
// that are easy to lose: NULLs, microseconds, bytes that are not text, JSON,
// long text with characters outside the BMP.
const kindsTable = "CREATE TABLE kinds (id bigint NOT NULL PRIMARY KEY, at datetime(6) NULL, day date NULL, raw longblob NULL, " +
	"doc json NULL, body longtext NULL, amount decimal(12,2) NULL, ratio double NULL, flag tinyint(1) NOT NULL, big bigint unsigned NULL) " +
	"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

// TestMariaDBSnapshotRoundTrip: every table of a MySQL snapshot loads back
// into an empty database of the same schema exactly.
func TestMariaDBSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	src := openMariaDB(t)
	long := strings.Repeat("会员实名制😀\n", 200000)
	for _, q := range []string{
		kindsTable,
		"INSERT INTO kinds VALUES (1, '2019-12-20 01:02:03.456789', '2019-06-30', X'00FF10', '{\"a\": [1, \"二\"]}', ?, 1234567890.12, 0.1, 1, 18446744073709551615)",
		"INSERT INTO kinds VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL)",
		"INSERT INTO kinds VALUES (3, '1970-01-01 00:00:00.000001', '2020-02-29', X'', 'null', '', -0.01, -1e-300, 1, 0)",
		"INSERT INTO units (code, name, created_at) VALUES ('gjz', '甘井子区总工会', '2019-06-03 01:00:00.123456')",
	} {
		args := []any{}
		if strings.Contains(q, "?") {
			args = append(args, long)
		}
		if err := src.Gorm().WithContext(ctx).Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	snap, err := src.Snapshot(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(snap.Files, "kinds.jsonl") || !slices.Contains(snap.Files, "units.jsonl") || snap.Dialect != "mysql" {
		t.Fatalf("snapshot %+v", snap)
	}
	dst := openMariaDB(t)
	if err := dst.Gorm().WithContext(ctx).Exec(kindsTable).Error; err != nil {
		t.Fatal(err)
	}
	for _, f := range snap.Files {
		r, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := dst.LoadTable(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	for _, table := range []string{"kinds", "units"} {
		want, got := tableRows(t, src, table), tableRows(t, dst, table)
		if !slices.Equal(want, got) {
			t.Errorf("table %s differs after the round trip:\nwant %.300v\n got %.300v", table, want, got)
		}
	}
}

// TestSnapshotNamesObjectionFiles: a snapshot (what a backup copies) and
// EvidenceHashes (what kaohe check compares with the store) name the files
// of objections with those of node evidence, on each database.
func TestSnapshotNamesObjectionFiles(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := t.Context()
		db := open(t, emptyDB(t, backend))
		at := time.Date(2019, 12, 23, 2, 0, 0, 0, time.UTC)
		err := db.Update(ctx, func(tx service.Tx) error {
			return tx.AddObjection(&workflow.Objection{Year: 2019, Unit: "gjz", Ref: "indicator:P1", Line: "P1", Text: "异议", Run: 1, By: "gjz", At: at,
				Files: []workflow.ObjectionFile{{Name: "说明.pdf", Size: 3, SHA256: "aaaa", Type: "application/pdf", UploadedAt: at, UploadedBy: "gjz"}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		sizes, _, err := db.EvidenceHashes(ctx)
		if err != nil || sizes["aaaa"] != 3 {
			t.Fatalf("evidence hashes %v %v", sizes, err)
		}
		snap, err := db.Snapshot(ctx, t.TempDir())
		if err != nil || snap.Evidence["aaaa"] != 3 {
			t.Fatalf("snapshot evidence %v %v", snap, err)
		}
	})
}
