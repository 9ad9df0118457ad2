package store

import (
	"context"
	"fmt"
)

// Problems checks what the database alone can tell of its integrity: every
// node belongs to a released (executing or scored) submission, outbox keys
// are unique, every outbox row's state agrees with its other fields, every
// submission has its scoring facts and they agree with it, every scoring
// run has one result row per unit, every unit's node facts are those of
// its nodes, every outbox row's notice row exists and every notice row has
// a message, and the schema version is the binary's. It
// returns one line per problem, in English for the operator, nil when
// there is none. It only reads.
func (db *DB) Problems(ctx context.Context) ([]string, error) {
	var out []string
	v, err := db.Version(ctx)
	if err != nil {
		return nil, err
	}
	if head := HeadVersion(); v != head {
		out = append(out, fmt.Sprintf("schema version %d, this kaohe's is %d (run kaohe migrate)", v, head))
		if v < 1 || v > head {
			return out, nil
		}
	}
	for _, c := range integrityChecks {
		if v < c.since {
			continue
		}
		found, err := db.report(ctx, c.what, c.query)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	if v >= 16 { // node_facts filled since version 16
		found, err := db.nodeFactProblems(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

// integrityCheck is a query whose every row is a problem, what formats
// the row's columns into its line, and since the schema version that has
// the tables it reads.
type integrityCheck struct {
	since       int64
	what, query string
}

var integrityChecks = []integrityCheck{
	{1, "node %v (%v/%v) has no released submission (state %v)",
		`SELECT n.id, n.year, n.unit, COALESCE(s.state, 'none') FROM nodes n
		 LEFT JOIN submissions s ON s.year = n.year AND s.unit = n.unit
		 WHERE s.id IS NULL OR s.state NOT IN ('executing', 'scored') ORDER BY n.id`},
	{1, "outbox key %v/%v/%v/%v/%v is used by %v rows",
		`SELECT kind, unit, deadline, lead, recipient, COUNT(*) FROM outbox
		 GROUP BY kind, unit, deadline, lead, recipient HAVING COUNT(*) > 1`},
	{1, "outbox message %v has unknown state %v",
		`SELECT id, state FROM outbox WHERE state NOT IN ('pending', 'sent', 'failed', 'expired') ORDER BY id`},
	{1, "outbox message %v is sent without sent_at or an attempt",
		`SELECT id FROM outbox WHERE state = 'sent' AND (sent_at IS NULL OR attempts < 1 OR last_attempt_at IS NULL) ORDER BY id`},
	{1, "outbox message %v is %v but has sent_at",
		`SELECT id, state FROM outbox WHERE state <> 'sent' AND sent_at IS NOT NULL ORDER BY id`},
	{1, "outbox message %v is failed without an attempt or an error",
		`SELECT id FROM outbox WHERE state = 'failed' AND (attempts < 1 OR last_error = '') ORDER BY id`},
	// A sent message keeps the claim that sent it (RecordSends); a failed
	// or expired one gives its claim up.
	{1, "outbox message %v is %v but still claimed by %v",
		`SELECT id, state, claimed_by FROM outbox WHERE state NOT IN ('pending', 'sent') AND (claimed_by <> '' OR claimed_until IS NOT NULL) ORDER BY id`},
	{3, "outbox message %v has unknown channel %v",
		`SELECT id, channel FROM outbox WHERE channel NOT IN ('email', 'wecom', 'dingtalk') ORDER BY id`},
	{13, "submission %v/%v has no scoring facts",
		`SELECT s.year, s.unit FROM submissions s
		 LEFT JOIN submission_facts f ON f.year = s.year AND f.unit = s.unit
		 WHERE f.unit IS NULL ORDER BY s.year, s.unit`},
	{13, "scoring facts %v/%v have no submission",
		`SELECT f.year, f.unit FROM submission_facts f
		 LEFT JOIN submissions s ON s.year = f.year AND s.unit = f.unit
		 WHERE s.id IS NULL ORDER BY f.year, f.unit`},
	// A NULL on one side only differs too: (a IS NULL) <> (b IS NULL).
	{13, "scoring facts of %v/%v disagree with the submission (state %v there, %v in the facts)",
		`SELECT s.year, s.unit, s.state, f.state FROM submissions s
		 JOIN submission_facts f ON f.year = s.year AND f.unit = s.unit
		 WHERE f.state <> s.state
		    OR f.first_submitted_at <> s.first_submitted_at OR (f.first_submitted_at IS NULL) <> (s.first_submitted_at IS NULL)
		    OR f.released_at <> s.released_at OR (f.released_at IS NULL) <> (s.released_at IS NULL)
		 ORDER BY s.year, s.unit`},
	{13, "scoring run %v has %v result rows for %v units",
		`SELECT r.id, COUNT(x.seq), r.units FROM scoring_runs r
		 LEFT JOIN scoring_results x ON x.run_id = r.id
		 GROUP BY r.id, r.units HAVING COUNT(x.seq) <> r.units ORDER BY r.id`},
	{13, "scoring results of run %v have no run",
		`SELECT DISTINCT x.run_id FROM scoring_results x
		 LEFT JOIN scoring_runs r ON r.id = x.run_id WHERE r.id IS NULL ORDER BY x.run_id`},
	{17, "outbox message %v names notice %v, which is missing",
		`SELECT o.id, o.notice FROM outbox o
		 LEFT JOIN outbox_notices n ON n.id = o.notice
		 WHERE o.notice IS NOT NULL AND n.id IS NULL ORDER BY o.id`},
	{17, "outbox notice %v has no message",
		`SELECT id FROM outbox_notices
		 WHERE id NOT IN (SELECT notice FROM outbox WHERE notice IS NOT NULL) ORDER BY id`},
}

// report runs query and formats each of its rows with what.
func (db *DB) report(ctx context.Context, what, query string) ([]string, error) {
	rows, err := db.values(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: check: %w", err)
	}
	out := make([]string, 0, len(rows))
	for _, vals := range rows {
		out = append(out, fmt.Sprintf(what, vals...))
	}
	return out, nil
}

// values returns every row query yields, each as its columns' values,
// text as strings.
func (db *DB) values(ctx context.Context, query string) ([][]any, error) {
	rows, err := db.sql.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// evidenceHashesQuery lists every file the evidence store holds for a row:
// node evidence and objection files share the store, by content hash.
const evidenceHashesQuery = `SELECT DISTINCT sha256, size FROM
	(SELECT sha256, size FROM evidence UNION ALL SELECT sha256, size FROM objection_files) f ORDER BY sha256`

// EvidenceHashes returns the size of every file the evidence and
// objection-file rows name, by SHA-256 (withdrawn rows included: their
// files are kept). Rows naming one hash with different sizes are reported
// in conflicts.
func (db *DB) EvidenceHashes(ctx context.Context) (sizes map[string]int64, conflicts []string, err error) {
	// A database not yet migrated (checked, or restored from an older
	// archive) may lack objection_files.
	var tables []string
	for _, t := range []string{"evidence", "objection_files"} {
		if db.Gorm().WithContext(ctx).Migrator().HasTable(t) {
			tables = append(tables, t)
		}
	}
	q := snapshotHashesQuery(tables)
	if q == "" {
		return map[string]int64{}, nil, nil
	}
	rows, err := db.sql.QueryContext(ctx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("store: evidence hashes: %w", err)
	}
	defer rows.Close()
	sizes = map[string]int64{}
	for rows.Next() {
		var sha string
		var size int64
		if err := rows.Scan(&sha, &size); err != nil {
			return nil, nil, fmt.Errorf("store: evidence hashes: %w", err)
		}
		if prev, ok := sizes[sha]; ok && prev != size {
			conflicts = append(conflicts, fmt.Sprintf("evidence rows give file %s the sizes %d and %d", sha, prev, size))
		}
		sizes[sha] = size
	}
	return sizes, conflicts, rows.Err()
}
