package store

import (
	"context"

	"github.com/pressly/goose/v3"

	"kaohe/workflow/service"
)

// TableCount is the number of tables Migrate creates, for the schema tests.
func TableCount() int { return len(models) }

// AutoMigrateModels runs gorm's AutoMigrate over the row structs, as the
// first release did, for the test that models and migrations agree.
func AutoMigrateModels(ctx context.Context, db *DB) error {
	g := db.gorm.WithContext(ctx)
	if db.mysql {
		g = g.Set("gorm:table_options", mysqlTableOptions)
	}
	return g.AutoMigrate(models...)
}

// MigrateWith migrates to target with extra Go migrations registered.
func MigrateWith(ctx context.Context, db *DB, target int64, extra ...*goose.Migration) error {
	return db.migrateTo(ctx, target, extra...)
}

// Values returns every row query yields, each as its columns' values, as
// kaohe check reads them.
func Values(ctx context.Context, db *DB, query string) ([][]any, error) { return db.values(ctx, query) }

// ExecIn runs a statement in a store transaction, for benchmarks that
// compare the store's writes with others.
func ExecIn(t service.Tx, query string, args ...any) error {
	return t.(*tx).db.Exec(query, args...).Error
}
