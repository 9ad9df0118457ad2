package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/pressly/goose/v3"
)

// migratePlanVersions (version 7) copies each plan of an older database
// into plan_versions as its year's version 1, published when the migration
// runs, so that the plan in force keeps its history from here on.
var migratePlanVersions = goose.NewGoMigration(9, &goose.GoFunc{RunTx: copyPlansToVersions}, nil)

func copyPlansToVersions(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT year, body FROM plans ORDER BY year")
	if err != nil {
		return err
	}
	type plan struct {
		year int
		body string
	}
	var plans []plan
	for rows.Next() {
		var p plan
		if err := rows.Scan(&p.year, &p.body); err != nil {
			rows.Close()
			return err
		}
		plans = append(plans, p)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	now := utc(time.Now())
	for _, p := range plans {
		var head struct {
			Title string `json:"title"`
		}
		_ = json.Unmarshal([]byte(p.body), &head) // a title is only shown; the body is copied as it is
		_, err := tx.ExecContext(ctx, "INSERT INTO plan_versions (year, version, title, body, note, created_at, created_by, published_at, published_by) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)",
			p.year, head.Title, p.body, "升级时载入的方案", now, "system", now, "system")
		if err != nil {
			return err
		}
	}
	return nil
}
