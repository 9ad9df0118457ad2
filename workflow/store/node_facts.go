package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// nodeFactRow is what year-end scoring reads of a unit's nodes, as one
// text (Facts), one line a workflow.NodeFact:
//
//	"party" 0 "P1" 0 0 - 1500 "accepted" false 1400 2
//	"business" 2 "B3" 1 0 2019-09-30 250 "rejected" true 0 0
//
// category, item, indicator, work, node, due ("-" for a sum), points,
// state, late, awarded and count, strings quoted as Go quotes them. The
// accepted nodes reported on time come summed per category, item and
// indicator (Count nodes, work and node 0: the first line), every other
// node alone (Count 0). A run reads one row a unit (ScoringNodes) instead
// of the 160 index entries of its nodes: the SQLite driver's cost is per
// row and column, so even the 20 sums of a unit as rows would cost much of
// what the nodes do. CreateNodes and UpdateNode, the only writers of
// nodes, write their unit's text again in their transaction; a unit
// without nodes has no row.
type nodeFactRow struct {
	Year  int    `gorm:"primaryKey;autoIncrement:false"`
	Unit  ident  `gorm:"primaryKey;size:64"`
	Facts string `gorm:"type:longtext;not null"`
}

// TableName is the table of nodeFactRow.
func (nodeFactRow) TableName() string { return "node_facts" }

// rewriteNodeFacts writes again the node_facts rows of the units that where
// selects (a condition on year and unit, which both tables have), made
// from their nodes; lock ends the reads of the nodes (see makeNodeFacts).
func rewriteNodeFacts(ctx context.Context, c gorm.ConnPool, lock, where string, args ...any) error {
	if _, err := c.ExecContext(ctx, "DELETE FROM node_facts WHERE "+where, args...); err != nil {
		return err
	}
	made, err := makeNodeFacts(ctx, c, lock, where, args...)
	if err != nil {
		return err
	}
	for _, u := range made {
		if _, err := c.ExecContext(ctx, "INSERT INTO node_facts (year, unit, facts) VALUES (?, ?, ?)", u.year, u.unit, u.facts); err != nil {
			return err
		}
	}
	return nil
}

// unitFacts is a node_facts row.
type unitFacts struct {
	year        int
	unit, facts string
}

// makeNodeFacts returns the node_facts rows that the nodes of the units
// where selects make, by year and unit: the sums, then the single nodes.
// lock ends both reads: on MySQL a transaction that writes the facts reads
// the nodes with " LOCK IN SHARE MODE", the latest committed rows rather
// than its snapshot, which may predate another review of the unit that
// committed while it waited for the unit (lockUnit).
func makeNodeFacts(ctx context.Context, c gorm.ConnPool, lock, where string, args ...any) ([]unitFacts, error) {
	accepted := string(workflow.NodeAccepted)
	// Both read the index nodes_scoring (year, unit, state, late, category,
	// item, indicator, work, node, due, points, awarded), a unit's nodes
	// in one range.
	queries := []struct {
		sql  string
		args []any
	}{
		{`SELECT year, unit, category, item_index, indicator, 0, 0, '', SUM(points), state, late, SUM(awarded), COUNT(*)
			FROM nodes WHERE ` + where + ` AND state = ? AND late = ?
			GROUP BY year, unit, category, item_index, indicator, state, late
			ORDER BY year, unit, category, item_index, indicator` + lock, append(append([]any{}, args...), accepted, false)},
		{`SELECT year, unit, category, item_index, indicator, work_index, node_index, due, points, state, late, awarded, 0
			FROM nodes WHERE ` + where + ` AND (state <> ? OR late = ?)
			ORDER BY year, unit, category, item_index, work_index, node_index` + lock, append(append([]any{}, args...), accepted, true)},
	}
	var out []unitFacts
	at := map[unitFacts]int{} // (year, unit) → index in out
	texts := [][]byte{}
	for _, q := range queries {
		rows, err := c.QueryContext(ctx, q.sql, q.args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			key, f, err := scanNodeFact(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			i, ok := at[key]
			if !ok {
				i = len(out)
				at[key] = i
				out, texts = append(out, key), append(texts, nil)
			}
			texts[i] = appendNodeFact(texts[i], &f)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for i := range out {
		out[i].facts = string(texts[i])
	}
	return out, nil
}

// scanNodeFact reads a row of makeNodeFacts' queries: the unit's year and
// code, and the fact.
func scanNodeFact(rows *sql.Rows) (unitFacts, workflow.NodeFact, error) {
	var key unitFacts
	var f workflow.NodeFact
	var due string
	var points, awarded int64
	err := rows.Scan(&key.year, &key.unit, &f.Category, &f.ItemIndex, &f.Indicator, &f.WorkIndex, &f.NodeIndex, &due,
		&points, &f.State, &f.Late, &awarded, &f.Count)
	if err == nil && due != "" {
		f.Due, err = workflow.ParseDate(due)
	}
	f.Points, f.Awarded = workflow.Points(points), workflow.Points(awarded)
	return key, f, err
}

// nodeUnit is the unit whose node_facts row a node's facts are in.
type nodeUnit struct {
	Year int
	Unit string
}

// unitOf returns the unit of node id, by a plain read: a node's year and
// unit never change, and locking the node's row here, before the unit's
// (lockUnit), would let two reviews each hold a node that the other's
// read of the unit waits for.
func (t *tx) unitOf(id int64) (nodeUnit, error) {
	var u nodeUnit
	err := t.db.Raw("SELECT year, unit FROM nodes WHERE id = ?", id).Scan(&u).Error
	return u, internal(err, "node's unit")
}

// lockUnit makes the unit's writers of nodes take turns, on MySQL: it
// locks the unit's node_facts row until the transaction ends. Two reviews
// of one unit's nodes at once would otherwise each read the unit's nodes
// without the other's change and write facts that lose it; and with the
// nodes read with share locks, each would wait for the node the other
// changed (a deadlock). On SQLite a writing transaction holds the
// database's one write lock from its start, so writers take turns already.
func (t *tx) lockUnit(u nodeUnit) error {
	if t.db.Dialector.Name() != "mysql" {
		return nil
	}
	var years []int
	err := t.db.Raw("SELECT year FROM node_facts WHERE year = ? AND unit = ? FOR UPDATE", u.Year, u.Unit).Scan(&years).Error
	return internal(err, "lock the unit's node facts")
}

// rewriteUnit writes the unit's node facts again, from its nodes as they
// are in this transaction (on MySQL, the latest committed rows).
func (t *tx) rewriteUnit(u nodeUnit) error {
	lock := ""
	if t.db.Dialector.Name() == "mysql" {
		lock = " LOCK IN SHARE MODE"
	}
	err := rewriteNodeFacts(t.db.Statement.Context, t.db.Statement.ConnPool, lock, "year = ? AND unit = ?", u.Year, u.Unit)
	return internal(err, "node facts")
}

// RewriteNodeFacts writes every unit's node facts again from its nodes, in
// one transaction: for nodes written past the store (a benchmark's
// generated data), as migration 16 wrote them.
func (db *DB) RewriteNodeFacts(ctx context.Context) error {
	return db.Update(ctx, func(stx service.Tx) error {
		t := stx.(*tx)
		return rewriteNodeFacts(ctx, t.db.Statement.ConnPool, "", "1 = 1")
	})
}

// nodeFactProblems names the units whose node_facts row is not what their
// nodes make: a row with other facts, missing, or left without nodes.
func (db *DB) nodeFactProblems(ctx context.Context) ([]string, error) {
	made, err := makeNodeFacts(ctx, db.sql, "", "1 = 1")
	if err != nil {
		return nil, fmt.Errorf("store: check: %w", err)
	}
	type key struct {
		year int
		unit string
	}
	want := make(map[key]string, len(made))
	for _, u := range made {
		want[key{u.year, u.unit}] = u.facts
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT year, unit, facts FROM node_facts ORDER BY year, unit")
	if err != nil {
		return nil, fmt.Errorf("store: check: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u unitFacts
		if err := rows.Scan(&u.year, &u.unit, &u.facts); err != nil {
			return nil, fmt.Errorf("store: check: %w", err)
		}
		k := key{u.year, u.unit}
		switch facts, ok := want[k]; {
		case !ok:
			out = append(out, fmt.Sprintf("node facts of %d/%s have no nodes", u.year, u.unit))
		case facts != u.facts:
			out = append(out, fmt.Sprintf("node facts of %d/%s disagree with its nodes", u.year, u.unit))
		}
		delete(want, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: check: %w", err)
	}
	for _, u := range made {
		if _, ok := want[key{u.year, u.unit}]; ok {
			out = append(out, fmt.Sprintf("node facts of %d/%s are missing", u.year, u.unit))
		}
	}
	return out, nil
}

// appendNodeFact appends f's line of a unit's facts text.
func appendNodeFact(b []byte, f *workflow.NodeFact) []byte {
	b = append(strconv.AppendQuote(b, f.Category), ' ')
	b = append(strconv.AppendInt(b, int64(f.ItemIndex), 10), ' ')
	b = append(strconv.AppendQuote(b, f.Indicator), ' ')
	b = append(strconv.AppendInt(b, int64(f.WorkIndex), 10), ' ')
	b = append(strconv.AppendInt(b, int64(f.NodeIndex), 10), ' ')
	if f.Due.IsZero() {
		b = append(b, "- "...)
	} else {
		b = append(append(b, f.Due.String()...), ' ')
	}
	b = append(strconv.AppendInt(b, int64(f.Points), 10), ' ')
	b = append(strconv.AppendQuote(b, f.State), ' ')
	b = append(strconv.AppendBool(b, f.Late), ' ')
	b = append(strconv.AppendInt(b, int64(f.Awarded), 10), ' ')
	return append(strconv.AppendInt(b, int64(f.Count), 10), '\n')
}

// errNodeFacts is a facts text that appendNodeFact did not write.
var errNodeFacts = errors.New("malformed node facts")

// factReader reads facts texts, sharing one copy of each distinct string
// and parsing each distinct due date once, so that a batch of units costs
// an allocation per distinct value, not per line.
type factReader struct {
	strs  map[string]string
	dates map[string]workflow.Date
}

func newFactReader() *factReader {
	return &factReader{strs: map[string]string{}, dates: map[string]workflow.Date{}}
}

func (r *factReader) str(b []byte) string {
	if s, ok := r.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	r.strs[s] = s
	return s
}

// parse appends to out the facts of unit's text.
func (r *factReader) parse(out []workflow.NodeFact, unit string, text []byte) ([]workflow.NodeFact, error) {
	for len(text) > 0 {
		line, rest, ok := bytes.Cut(text, []byte{'\n'})
		if !ok {
			return nil, fmt.Errorf("%w of %s: %q has no end", errNodeFacts, unit, line)
		}
		whole := line
		text = rest
		f := workflow.NodeFact{Unit: unit}
		var n [6]int64
		var err error
		f.Category, line, err = r.word(line, err)
		n[0], line, err = number(line, err)
		f.Indicator, line, err = r.word(line, err)
		n[1], line, err = number(line, err)
		n[2], line, err = number(line, err)
		f.Due, line, err = r.date(line, err)
		n[3], line, err = number(line, err)
		f.State, line, err = r.word(line, err)
		f.Late, line, err = boolean(line, err)
		n[4], line, err = number(line, err)
		n[5], line, err = number(line, err)
		if err != nil || len(line) > 0 {
			return nil, fmt.Errorf("%w of %s: %q", errNodeFacts, unit, whole)
		}
		f.ItemIndex, f.WorkIndex, f.NodeIndex, f.Points, f.Awarded, f.Count = int(n[0]), int(n[1]), int(n[2]),
			workflow.Points(n[3]), workflow.Points(n[4]), int(n[5])
		out = append(out, f)
	}
	return out, nil
}

// word reads a quoted field and the space after it, unless an earlier
// field failed. A field without a backslash is its bytes between the
// quotes, shared through str.
func (r *factReader) word(line []byte, err error) (string, []byte, error) {
	if err != nil || len(line) < 2 || line[0] != '"' {
		return "", nil, errNodeFacts
	}
	if end := bytes.IndexByte(line[1:], '"') + 1; end > 0 && bytes.IndexByte(line[1:end], '\\') < 0 {
		return r.str(line[1:end]), space(line[end+1:]), nil
	}
	q, err := strconv.QuotedPrefix(string(line))
	if err != nil {
		return "", nil, errNodeFacts
	}
	s, err := strconv.Unquote(q)
	if err != nil {
		return "", nil, errNodeFacts
	}
	return s, space(line[len(q):]), nil
}

// date reads a due date, or "-" for none, and the space after it.
func (r *factReader) date(line []byte, err error) (workflow.Date, []byte, error) {
	end := bytes.IndexByte(line, ' ')
	if err != nil || end < 0 {
		return workflow.Date{}, nil, errNodeFacts
	}
	if string(line[:end]) == "-" {
		return workflow.Date{}, line[end+1:], nil
	}
	d, ok := r.dates[string(line[:end])]
	if !ok {
		if d, err = workflow.ParseDate(string(line[:end])); err != nil {
			return workflow.Date{}, nil, errNodeFacts
		}
		r.dates[string(line[:end])] = d
	}
	return d, line[end+1:], nil
}

// number reads a decimal integer and the space after it, unless an
// earlier field failed.
func number(line []byte, err error) (int64, []byte, error) {
	if err != nil {
		return 0, nil, err
	}
	i, neg := 0, len(line) > 0 && line[0] == '-'
	if neg {
		i++
	}
	start := i
	var v int64
	for ; i < len(line) && line[i] >= '0' && line[i] <= '9'; i++ {
		if v > (1<<62)/10 {
			return 0, nil, errNodeFacts
		}
		v = v*10 + int64(line[i]-'0')
	}
	if i == start {
		return 0, nil, errNodeFacts
	}
	if neg {
		v = -v
	}
	return v, space(line[i:]), nil
}

// boolean reads "true" or "false" and the space after it, unless an
// earlier field failed.
func boolean(line []byte, err error) (bool, []byte, error) {
	switch {
	case err != nil:
		return false, nil, err
	case bytes.HasPrefix(line, []byte("true")):
		return true, space(line[4:]), nil
	case bytes.HasPrefix(line, []byte("false")):
		return false, space(line[5:]), nil
	}
	return false, nil, errNodeFacts
}

// space skips the one space between two fields.
func space(b []byte) []byte {
	if len(b) > 0 && b[0] == ' ' {
		return b[1:]
	}
	return b
}
