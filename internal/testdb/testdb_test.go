package testdb_test

import (
	"database/sql"
	"os"
	"testing"

	"github.com/go-sql-driver/mysql"

	"kaohe/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestMariaDBGivesEachCallItsOwnDatabase: two calls give two empty utf8mb4
// databases on one UTC server.
func TestMariaDBGivesEachCallItsOwnDatabase(t *testing.T) {
	a, b := testdb.MariaDB(t), testdb.MariaDB(t)
	ca, err := mysql.ParseDSN(a)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := mysql.ParseDSN(b)
	if err != nil {
		t.Fatal(err)
	}
	if ca.DBName == cb.DBName || ca.Addr != cb.Addr {
		t.Fatalf("databases %s at %s and %s at %s, want two on one server", ca.DBName, ca.Addr, cb.DBName, cb.Addr)
	}
	db, err := sql.Open("mysql", a)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var charset, collation, zone string
	err = db.QueryRowContext(t.Context(), "SELECT @@character_set_database, @@collation_database, @@global.time_zone").Scan(&charset, &collation, &zone)
	if err != nil {
		t.Fatal(err)
	}
	if charset != "utf8mb4" || collation != "utf8mb4_unicode_ci" || zone != "+00:00" {
		t.Errorf("database %s/%s, server zone %s", charset, collation, zone)
	}
	var tables int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("a new database has %d tables", tables)
	}
}

func TestSQLiteGivesAnEmptyDirectory(t *testing.T) {
	dir := testdb.SQLite(t)
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Fatalf("%s: %v %v", dir, entries, err)
	}
}
