package store

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// migrateNodeFacts (version 16) writes every unit's node facts into
// node_facts, which migration 15 made, as CreateNodes and UpdateNode
// write them from then on.
var migrateNodeFacts = goose.NewGoMigration(16, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
	return rewriteNodeFacts(ctx, tx, "", "1 = 1")
}}, nil)
