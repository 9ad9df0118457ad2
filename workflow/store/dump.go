package store

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Snapshots and table files
//
// Snapshot copies the database consistently while the server keeps
// serving. On SQLite it is one file written by VACUUM INTO. On MySQL it is
// a logical export read in one transaction WITH CONSISTENT SNAPSHOT: one
// file TABLE.jsonl per table, whose first line is a header
//
//	{"table":"units","columns":[{"name":"id","kind":"int"},…]}
//
// and every further line one row, a JSON array in column order: null for
// NULL, a number for an integer ("int"), an RFC 3339 UTC string to the
// microsecond for a time ("time"), base64 for binary columns ("bytes"), and
// the text itself for everything else ("text": strings, JSON, decimals).
// LoadTable reads such a file back exactly.

// Snapshot is a consistent copy of the database.
type Snapshot struct {
	// Dialect is "sqlite" or "mysql".
	Dialect string
	// Files are the files written, relative to the snapshot's directory:
	// SQLiteFile, or TABLE.jsonl per table (goose's version table left
	// out: SchemaVersion stands for it).
	Files         []string
	SchemaVersion int64
	// Evidence is the size of every file the snapshot's evidence rows
	// name, by SHA-256.
	Evidence map[string]int64
}

// Column kinds of a table file.
const (
	kindInt   = "int"
	kindTime  = "time"
	kindBytes = "bytes"
	kindText  = "text"
)

// tableHeader is the first line of a table file.
type tableHeader struct {
	Table   string        `json:"table"`
	Columns []tableColumn `json:"columns"`
}

type tableColumn struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Dialect returns "mysql" or "sqlite".
func (db *DB) Dialect() string {
	if db.mysql {
		return "mysql"
	}
	return "sqlite"
}

// Snapshot writes a consistent copy of the database into dir, which must
// exist, and returns what it wrote. Writers are not blocked.
func (db *DB) Snapshot(ctx context.Context, dir string) (*Snapshot, error) {
	if db.mysql {
		return db.mysqlSnapshot(ctx, dir)
	}
	path := filepath.Join(dir, SQLiteFile)
	if err := db.gorm.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return nil, fmt.Errorf("store: snapshot: %w", err)
	}
	// The copy answers for itself: its version and its evidence rows.
	cp, err := Open(ctx, Options{DataDir: dir, NoMigrate: true, Logger: db.log})
	if err != nil {
		return nil, err
	}
	defer cp.Close()
	s := &Snapshot{Dialect: "sqlite", Files: []string{SQLiteFile}}
	if s.SchemaVersion, err = cp.Version(ctx); err != nil {
		return nil, err
	}
	if s.Evidence, _, err = cp.EvidenceHashes(ctx); err != nil {
		return nil, err
	}
	if err := cp.Close(); err != nil {
		return nil, fmt.Errorf("store: snapshot: %w", err)
	}
	return s, nil
}

// mysqlSnapshot exports every table in one consistent read on a connection
// of its own, which is discarded afterwards (its transaction was begun in
// SQL, unknown to database/sql).
func (db *DB) mysqlSnapshot(ctx context.Context, dir string) (_ *Snapshot, err error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: snapshot: %w", err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = conn.Close()
	}()
	for _, q := range []string{"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("store: snapshot: %w", err)
		}
	}
	s := &Snapshot{Dialect: "mysql"}
	tables, err := snapshotTables(ctx, conn)
	if err != nil {
		return nil, err
	}
	if slices.Contains(tables, versionTable) {
		if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(version_id), 0) FROM "+versionTable).Scan(&s.SchemaVersion); err != nil {
			return nil, fmt.Errorf("store: snapshot: %w", err)
		}
	} else if s.SchemaVersion, err = db.Version(ctx); err != nil {
		return nil, err
	}
	for _, t := range tables {
		if t == versionTable {
			continue
		}
		name := t + ".jsonl"
		if err := exportTable(ctx, conn, t, filepath.Join(dir, name)); err != nil {
			return nil, err
		}
		s.Files = append(s.Files, name)
	}
	if s.Evidence, err = snapshotEvidence(ctx, conn, tables); err != nil {
		return nil, err
	}
	return s, nil
}

// snapshotTables lists the base tables of the current database by name.
func snapshotTables(ctx context.Context, q queryer) ([]string, error) {
	var tables []string
	err := snapshotRows(ctx, q, `SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`, func(rows *sql.Rows) error {
		var t string
		if err := rows.Scan(&t); err != nil {
			return err
		}
		tables = append(tables, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tables, nil
}

// snapshotEvidence reads the size of every file the evidence rows among
// tables name, by SHA-256 (empty when the schema has no evidence yet).
func snapshotEvidence(ctx context.Context, q queryer, tables []string) (map[string]int64, error) {
	out := map[string]int64{}
	query := snapshotHashesQuery(tables)
	if query == "" {
		return out, nil
	}
	err := snapshotRows(ctx, q, query, func(rows *sql.Rows) error {
		var sha string
		var size int64
		if err := rows.Scan(&sha, &size); err != nil {
			return err
		}
		out[sha] = size
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// snapshotRows runs query on q and calls scan on each row, its rows closed
// before it returns: a snapshot's connection reads one result at a time.
func snapshotRows(ctx context.Context, q queryer, query string, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("store: snapshot: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	return nil
}

// columnKind maps a MySQL column type to its kind in a table file.
func columnKind(databaseType string) string {
	t := strings.TrimPrefix(strings.ToUpper(databaseType), "UNSIGNED ")
	switch t {
	case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT", "YEAR":
		return kindInt
	case "DATETIME", "TIMESTAMP", "DATE":
		return kindTime
	case "BINARY", "VARBINARY", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BIT", "GEOMETRY":
		return kindBytes
	}
	return kindText
}

// queryer is a connection or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// exportTable writes table to the file path (see Snapshot).
func exportTable(ctx context.Context, q queryer, table, path string) (err error) {
	rows, err := q.QueryContext(ctx, "SELECT * FROM `"+table+"` ORDER BY 1")
	if err != nil {
		return fmt.Errorf("store: export %s: %w", table, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return fmt.Errorf("store: export %s: %w", table, err)
	}
	h := tableHeader{Table: table}
	for _, ct := range types {
		h.Columns = append(h.Columns, tableColumn{Name: ct.Name(), Kind: columnKind(ct.DatabaseTypeName())})
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("store: export %s: %w", table, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("store: export %s: %w", table, cerr)
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(h); err != nil {
		return fmt.Errorf("store: export %s: %w", table, err)
	}
	sc := newRowScanner(h.Columns)
	for rows.Next() {
		row, err := sc.scan(rows)
		if err != nil {
			return fmt.Errorf("store: export %s: %w", table, err)
		}
		if err := enc.Encode(row); err != nil {
			return fmt.Errorf("store: export %s: %w", table, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: export %s: %w", table, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("store: export %s: %w", table, err)
	}
	return f.Sync()
}

// rowScanner reads the rows of a table's columns as a table file writes
// them. Its buffers are reused from row to row.
type rowScanner struct {
	cols  []tableColumn
	dest  []any
	times []sql.NullTime
	raws  []sql.RawBytes
	row   []any
}

// newRowScanner scans times as times (the driver's zone, written in UTC)
// and everything else as the driver's bytes.
func newRowScanner(cols []tableColumn) *rowScanner {
	s := &rowScanner{cols: cols, dest: make([]any, len(cols)), times: make([]sql.NullTime, len(cols)),
		raws: make([]sql.RawBytes, len(cols)), row: make([]any, len(cols))}
	for i, c := range cols {
		if c.Kind == kindTime {
			s.dest[i] = &s.times[i]
		} else {
			s.dest[i] = &s.raws[i]
		}
	}
	return s
}

// scan reads the current row as the JSON values of a table file's line,
// valid until the next scan.
func (s *rowScanner) scan(rows *sql.Rows) ([]any, error) {
	if err := rows.Scan(s.dest...); err != nil {
		return nil, err
	}
	for i, c := range s.cols {
		switch {
		case c.Kind == kindTime:
			if s.times[i].Valid {
				s.row[i] = s.times[i].Time.UTC().Format(time.RFC3339Nano)
			} else {
				s.row[i] = nil
			}
		case s.raws[i] == nil:
			s.row[i] = nil
		case c.Kind == kindInt:
			s.row[i] = json.Number(string(s.raws[i]))
		case c.Kind == kindBytes:
			s.row[i] = base64.StdEncoding.EncodeToString(s.raws[i])
		default:
			s.row[i] = string(s.raws[i])
		}
	}
	return s.row, nil
}

// loadBatchBytes bounds the values of one INSERT, well below MySQL's
// smallest max_allowed_packet (4 MiB).
const loadBatchBytes = 1 << 20

// LoadTable inserts the rows of one table file (see Snapshot) into its
// table, which must exist with those columns, in one transaction, and
// returns the table's name and how many rows it inserted.
func (db *DB) LoadTable(ctx context.Context, r io.Reader) (table string, n int, err error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	dec.UseNumber()
	var h tableHeader
	if err := dec.Decode(&h); err != nil {
		return "", 0, fmt.Errorf("store: load: header: %w", err)
	}
	if err := h.check(); err != nil {
		return "", 0, err
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return h.Table, 0, fmt.Errorf("store: load %s: %w", h.Table, err)
	}
	defer tx.Rollback()
	b := newLoadBatch(tx, h)
	for {
		var raw []json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return h.Table, n, fmt.Errorf("store: load %s: row %d: %w", h.Table, n+1, err)
		}
		if err := b.add(h, n+1, raw); err != nil {
			return h.Table, n, err
		}
		n++
		if b.full() {
			if err := b.flush(ctx); err != nil {
				return h.Table, n, err
			}
		}
	}
	if err := b.flush(ctx); err != nil {
		return h.Table, n, err
	}
	if err := tx.Commit(); err != nil {
		return h.Table, n, fmt.Errorf("store: load %s: %w", h.Table, err)
	}
	return h.Table, n, nil
}

// check refuses a header without a table or columns, or with a name that
// could not be quoted in SQL.
func (h tableHeader) check() error {
	if h.Table == "" || len(h.Columns) == 0 || strings.ContainsAny(h.Table, "`\x00") {
		return fmt.Errorf("store: load: bad header %+v", h)
	}
	for _, c := range h.Columns {
		if strings.ContainsAny(c.Name, "`\x00") {
			return fmt.Errorf("store: load %s: bad column name %q", h.Table, c.Name)
		}
	}
	return nil
}

// loadBatch gathers rows of a table file into multi-row INSERTs.
type loadBatch struct {
	tx    *sql.Tx
	table string
	cols  int
	// prefix is the INSERT up to VALUES, one the placeholders of one row.
	prefix, one string
	args        []any
	rows, size  int // rows and bytes of JSON gathered
}

// newLoadBatch gathers rows of h's table into INSERTs run in tx.
func newLoadBatch(tx *sql.Tx, h tableHeader) *loadBatch {
	names := make([]string, len(h.Columns))
	for i, c := range h.Columns {
		names[i] = "`" + c.Name + "`"
	}
	return &loadBatch{tx: tx, table: h.Table, cols: len(h.Columns),
		prefix: "INSERT INTO `" + h.Table + "` (" + strings.Join(names, ",") + ") VALUES ",
		one:    "(" + strings.TrimSuffix(strings.Repeat("?,", len(h.Columns)), ",") + ")"}
}

// add decodes row number line (its values raw, in h's columns) into the
// batch.
func (b *loadBatch) add(h tableHeader, line int, raw []json.RawMessage) error {
	if len(raw) != len(h.Columns) {
		return fmt.Errorf("store: load %s: row %d has %d values, want %d", h.Table, line, len(raw), len(h.Columns))
	}
	for i, c := range h.Columns {
		v, err := decodeValue(c.Kind, raw[i])
		if err != nil {
			return fmt.Errorf("store: load %s: row %d, %s: %w", h.Table, line, c.Name, err)
		}
		b.args = append(b.args, v)
		b.size += len(raw[i])
	}
	b.rows++
	return nil
}

// full says the next row might not fit: the batch holds loadBatchBytes,
// or another row would pass the 65,535 placeholders a MySQL statement
// may have.
func (b *loadBatch) full() bool {
	return b.size >= loadBatchBytes || len(b.args)+b.cols > 60000
}

// flush inserts the rows gathered, if any.
func (b *loadBatch) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	q := b.prefix + strings.TrimSuffix(strings.Repeat(b.one+",", b.rows), ",")
	if _, err := b.tx.ExecContext(ctx, q, b.args...); err != nil {
		return fmt.Errorf("store: load %s: %w", b.table, err)
	}
	b.args, b.rows, b.size = b.args[:0], 0, 0
	return nil
}

// decodeValue turns one value of a table file into a driver argument.
func decodeValue(kind string, raw json.RawMessage) (any, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	switch kind {
	case kindInt:
		var num json.Number
		if err := json.Unmarshal(raw, &num); err != nil {
			return nil, err
		}
		if i, err := strconv.ParseInt(num.String(), 10, 64); err == nil {
			return i, nil
		}
		return num.String(), nil // beyond int64 (unsigned): the server converts the text
	case kindTime:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, err
		}
		return t.UTC(), nil
	case kindBytes:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return base64.StdEncoding.DecodeString(s)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return s, nil
}

// Empty reports whether the database has no tables at all (a restore's
// target must be).
func (db *DB) Empty(ctx context.Context) (bool, error) {
	tables, err := db.gorm.WithContext(ctx).Migrator().GetTables()
	if err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	return len(tables) == 0, nil
}

// snapshotHashesQuery lists the files named by the evidence tables a
// snapshot holds (an older schema may lack objection_files, or both); ""
// when it holds none.
func snapshotHashesQuery(tables []string) string {
	switch {
	case slices.Contains(tables, "evidence") && slices.Contains(tables, "objection_files"):
		return evidenceHashesQuery
	case slices.Contains(tables, "evidence"):
		return "SELECT DISTINCT sha256, size FROM evidence"
	}
	return ""
}
