package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// nodeSumRow is what year-end scoring reads of a unit's accepted nodes
// reported on time: their count, points and awarded points summed per
// category, item and indicator, as one text (Sums), one line a group:
//
//	"party" 0 "P1" 2 1500 1400
//
// the category and the indicator quoted as Go quotes strings, then the
// item, the count, the points and the awarded points. A run reads one row
// a unit (ScoringNodes) instead of the 150 index entries of its nodes: the
// SQLite driver's cost is per row and column, so 200,000 rows of sums
// would cost most of what the nodes do. CreateNodes and UpdateNode, the
// only writers of nodes, count the unit's sums again in their
// transaction; a unit without such nodes has no row.
type nodeSumRow struct {
	Year int    `gorm:"primaryKey;autoIncrement:false"`
	Unit ident  `gorm:"primaryKey;size:64"`
	Sums string `gorm:"type:longtext;not null"`
}

// TableName is the table of nodeSumRow.
func (nodeSumRow) TableName() string { return "node_sums" }

// migrateNodeSums (version 16) counts the sums of every unit's nodes into
// node_sums, which migration 15 made.
var migrateNodeSums = goose.NewGoMigration(16, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
	return recountNodeSums(ctx, tx, "1 = 1")
}}, nil)

// recountNodeSums writes again the node_sums rows of the units that where
// selects (a condition on year and unit, which both tables have), counted
// from their nodes.
func recountNodeSums(ctx context.Context, c gorm.ConnPool, where string, args ...any) error {
	if _, err := c.ExecContext(ctx, "DELETE FROM node_sums WHERE "+where, args...); err != nil {
		return err
	}
	counted, err := countNodeSums(ctx, c, where, args...)
	if err != nil {
		return err
	}
	for _, u := range counted {
		if _, err := c.ExecContext(ctx, "INSERT INTO node_sums (year, unit, sums) VALUES (?, ?, ?)", u.year, u.unit, u.sums); err != nil {
			return err
		}
	}
	return nil
}

// unitSums is a node_sums row.
type unitSums struct {
	year       int
	unit, sums string
}

// countNodeSums returns the node_sums rows that the nodes of the units
// where selects make, by year and unit.
func countNodeSums(ctx context.Context, c gorm.ConnPool, where string, args ...any) ([]unitSums, error) {
	// A unit's groups are one range of the index nodes_scoring (year,
	// unit, state, late, category, item, indicator), read in its order.
	rows, err := c.QueryContext(ctx, `SELECT year, unit, category, item_index, indicator, COUNT(*), SUM(points), SUM(awarded)
		FROM nodes WHERE `+where+` AND state = ? AND late = ?
		GROUP BY year, unit, category, item_index, indicator
		ORDER BY year, unit, category, item_index, indicator`, append(args, string(workflow.NodeAccepted), false)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []unitSums
	var text []byte
	for rows.Next() {
		var u unitSums
		var g workflow.NodeFact
		var points, awarded int64
		if err := rows.Scan(&u.year, &u.unit, &g.Category, &g.ItemIndex, &g.Indicator, &g.Count, &points, &awarded); err != nil {
			return nil, err
		}
		g.Points, g.Awarded = workflow.Points(points), workflow.Points(awarded)
		if n := len(out); n == 0 || out[n-1].year != u.year || out[n-1].unit != u.unit {
			if n > 0 {
				out[n-1].sums = string(text)
			}
			out, text = append(out, u), text[:0]
		}
		text = appendNodeSum(text, &g)
	}
	if n := len(out); n > 0 {
		out[n-1].sums = string(text)
	}
	return out, rows.Err()
}

// nodeSumProblems names the units whose node_sums row is not what their
// nodes make: a row missing, left over, or with other sums.
func (db *DB) nodeSumProblems(ctx context.Context) ([]string, error) {
	counted, err := countNodeSums(ctx, db.sql, "1 = 1")
	if err != nil {
		return nil, fmt.Errorf("store: check: %w", err)
	}
	want := make(map[unitSums]bool, len(counted))
	for _, u := range counted {
		want[u] = true
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT year, unit, sums FROM node_sums ORDER BY year, unit")
	if err != nil {
		return nil, fmt.Errorf("store: check: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u unitSums
		if err := rows.Scan(&u.year, &u.unit, &u.sums); err != nil {
			return nil, fmt.Errorf("store: check: %w", err)
		}
		if !want[u] {
			out = append(out, fmt.Sprintf("node sums of %d/%s disagree with its accepted, on-time nodes", u.year, u.unit))
		}
		delete(want, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: check: %w", err)
	}
	for _, u := range counted {
		if want[u] {
			out = append(out, fmt.Sprintf("node sums of %d/%s are missing", u.year, u.unit))
		}
	}
	return out, nil
}

// recountUnits counts again the sums of the units of the nodes ids.
func (t *tx) recountUnits(ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var units []struct {
		Year int
		Unit string
	}
	if err := t.db.Raw("SELECT DISTINCT year, unit FROM nodes WHERE id IN ?", ids).Scan(&units).Error; err != nil {
		return internal(err, "node sums")
	}
	for _, u := range units {
		if err := recountNodeSums(t.db.Statement.Context, t.db.Statement.ConnPool, "year = ? AND unit = ?", u.Year, u.Unit); err != nil {
			return internal(err, "node sums")
		}
	}
	return nil
}

// RecountNodeSums counts every unit's node sums again from its nodes, in
// one transaction: for nodes written past the store (a benchmark's
// generated data), as migration 16 counted them.
func (db *DB) RecountNodeSums(ctx context.Context) error {
	return db.Update(ctx, func(stx service.Tx) error {
		t := stx.(*tx)
		return recountNodeSums(ctx, t.db.Statement.ConnPool, "1 = 1")
	})
}

// appendNodeSum appends g's line of a unit's sums text.
func appendNodeSum(b []byte, g *workflow.NodeFact) []byte {
	b = append(strconv.AppendQuote(b, g.Category), ' ')
	b = append(strconv.AppendInt(b, int64(g.ItemIndex), 10), ' ')
	b = append(strconv.AppendQuote(b, g.Indicator), ' ')
	b = append(strconv.AppendInt(b, int64(g.Count), 10), ' ')
	b = append(strconv.AppendInt(b, int64(g.Points), 10), ' ')
	return append(strconv.AppendInt(b, int64(g.Awarded), 10), '\n')
}

// errNodeSums is a sums text that appendNodeSum did not write.
var errNodeSums = errors.New("malformed node sums")

// parseNodeSums appends to out the facts of unit's sums text, each an
// accepted fact of Count nodes; str shares one copy of each distinct
// category and indicator.
func parseNodeSums(out []workflow.NodeFact, unit string, text []byte, str func([]byte) string) ([]workflow.NodeFact, error) {
	for len(text) > 0 {
		line, rest, ok := bytes.Cut(text, []byte{'\n'})
		if !ok {
			return nil, fmt.Errorf("%w of %s: %q has no end", errNodeSums, unit, line)
		}
		whole := line
		text = rest
		g := workflow.NodeFact{Unit: unit, State: string(workflow.NodeAccepted)}
		var item, count, points, awarded int64
		var err error
		if g.Category, line, err = sumWord(line, str); err == nil {
			if item, line, err = sumNumber(line); err == nil {
				if g.Indicator, line, err = sumWord(line, str); err == nil {
					if count, line, err = sumNumber(line); err == nil {
						if points, line, err = sumNumber(line); err == nil {
							awarded, line, err = sumNumber(line)
						}
					}
				}
			}
		}
		if err != nil || len(line) > 0 {
			return nil, fmt.Errorf("%w of %s: %q", errNodeSums, unit, whole)
		}
		g.ItemIndex, g.Count, g.Points, g.Awarded = int(item), int(count), workflow.Points(points), workflow.Points(awarded)
		out = append(out, g)
	}
	return out, nil
}

// sumWord reads a quoted field and the space after it. A field without a
// backslash is its bytes between the quotes, shared through str.
func sumWord(line []byte, str func([]byte) string) (string, []byte, error) {
	if len(line) < 2 || line[0] != '"' {
		return "", nil, errNodeSums
	}
	if end := bytes.IndexByte(line[1:], '"') + 1; end > 0 && bytes.IndexByte(line[1:end], '\\') < 0 {
		return str(line[1:end]), sumSpace(line[end+1:]), nil
	}
	q, err := strconv.QuotedPrefix(string(line))
	if err != nil {
		return "", nil, errNodeSums
	}
	s, err := strconv.Unquote(q)
	if err != nil {
		return "", nil, errNodeSums
	}
	return s, sumSpace(line[len(q):]), nil
}

// sumNumber reads a decimal integer and the space after it.
func sumNumber(line []byte) (int64, []byte, error) {
	i, neg := 0, len(line) > 0 && line[0] == '-'
	if neg {
		i++
	}
	start := i
	var v int64
	for ; i < len(line) && line[i] >= '0' && line[i] <= '9'; i++ {
		if v > (1<<62)/10 {
			return 0, nil, errNodeSums
		}
		v = v*10 + int64(line[i]-'0')
	}
	if i == start {
		return 0, nil, errNodeSums
	}
	if neg {
		v = -v
	}
	return v, sumSpace(line[i:]), nil
}

// sumSpace skips the one space between two fields.
func sumSpace(b []byte) []byte {
	if len(b) > 0 && b[0] == ' ' {
		return b[1:]
	}
	return b
}
