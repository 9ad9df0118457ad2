// Package store implements service.Store with gorm, on an embedded SQLite
// file (the default) or on MySQL/MariaDB.
//
// # Databases
//
// With an empty DSN the database is DataDir/kaohe.db, opened in WAL mode
// with a busy timeout and every transaction begun IMMEDIATE, so that
// concurrent read-modify-write transactions queue for the write lock
// instead of failing with "database is locked". With a MySQL DSN the
// connection always uses utf8mb4, parses times in UTC and runs its session
// in UTC; tables are InnoDB, utf8mb4.
//
// # Conventions
//
//   - Every time is written in UTC, to the microsecond, and read back in
//     UTC. The store normalises the times of the records it writes the same
//     way, so a record read back equals the record written.
//   - Documents, maps and lists are JSON text columns.
//   - Identifiers (unit codes, usernames, token hashes) compare byte for
//     byte on both databases.
//   - Errors are translated here, from typed errors only:
//     gorm.ErrRecordNotFound becomes ENOTFOUND and gorm.ErrDuplicatedKey
//     ECONFLICT. A failed optimistic lock is ESTALE. Anything else is an
//     internal error.
//
// One file per aggregate holds its rows and its Tx methods: plan.go,
// unit.go, user.go, submission.go, audit.go, node.go (nodes, evidence,
// reviews), monthly.go, scoring.go, outbox.go and jobs.go (outbox, leases,
// job marks and monthly summaries of package jobs), backup.go (the backups
// written). The schema comes from migrations (migrate.go); dump.go takes
// snapshots and loads table files; integrity.go checks. The conformance
// suite in storetest runs against both databases.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/glebarez/sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/schema"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// Options says which database to open. The zero value is not usable: it
// needs a DSN or a DataDir.
type Options struct {
	// DSN is a go-sql-driver/mysql DSN ("user:pw@tcp(host:3306)/kaohe").
	// parseTime, charset=utf8mb4, loc=UTC, clientFoundRows,
	// interpolateParams and a UTC session time zone are always set. Empty
	// means SQLite.
	DSN string
	// DataDir holds the SQLite file kaohe.db; it is created if missing.
	// Unused with a DSN.
	DataDir string
	// Logger receives slow queries and unexpected SQL errors at warn level,
	// without parameter values, and each migration applied at info level.
	// Nil discards them.
	Logger *slog.Logger
	// NoMigrate opens the database as it is, for commands that must not
	// change the schema (check, backup) or that report the version before
	// migrating (migrate). The zero value migrates (Migrate).
	NoMigrate bool
	// LazySync commits SQLite transactions without waiting for the disk
	// (synchronous=NORMAL: the write-ahead log is synced at checkpoints),
	// so that a power cut may lose the last commits, though never corrupt
	// the file. Only for a data directory that can be thrown away (kaohe
	// demo); the zero value syncs every commit. Unused with a DSN.
	LazySync bool
}

// SQLiteFile is the name of the SQLite database in the data directory.
const SQLiteFile = "kaohe.db"

// sqliteParams are the connection settings of the SQLite file's one write
// connection: every transaction begins IMMEDIATE, taking the write lock at
// once, so that a read-modify-write never fails half way. Never add
// _time_format: it silently disables _txlock.
const sqliteParams = "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate"

// sqliteReadParams are the settings of the SQLite read connections:
// deferred transactions, which in WAL mode read a snapshot without waiting
// for the writer, and query_only, so that a write in a read transaction
// fails instead of taking the lock.
const sqliteReadParams = "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=query_only(1)"

// mysqlTableOptions are the options of every table created on MySQL.
const mysqlTableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

// slowQuery is the duration above which a statement is logged.
const slowQuery = 500 * time.Millisecond

// DB is an open database. It implements service.Store and is safe for
// concurrent use.
type DB struct {
	gorm *gorm.DB
	sql  *sql.DB
	// read is the pool of read-only transactions: on SQLite a pool of its
	// own on the same file, on MySQL the same pool as gorm.
	read    *gorm.DB
	readSQL *sql.DB
	mysql   bool
	log     *slog.Logger
	// sqlitePath is the SQLite file ("" on MySQL).
	sqlitePath string
	// plans keeps the plans in force decoded (plan.go).
	plans *planCache
}

var _ service.Store = (*DB)(nil)

// Open connects to the database described by o and, unless o.NoMigrate,
// creates or upgrades its schema (Migrate; a database newer than the binary
// is *SchemaTooNewError). The caller must Close the DB.
func Open(ctx context.Context, o Options) (*DB, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dial, path, err := dialector(o)
	if err != nil {
		return nil, err
	}
	g, sqlDB, err := openGorm(dial, log)
	if err != nil {
		return nil, err
	}
	isMySQL := o.DSN != ""
	db := &DB{gorm: g, sql: sqlDB, read: g, readSQL: sqlDB, mysql: isMySQL, log: log, sqlitePath: path, plans: newPlanCache()}
	if isMySQL {
		sqlDB.SetConnMaxLifetime(5 * time.Minute) // below common server and proxy idle limits
	} else if err := db.openSQLiteReaders(); err != nil {
		sqlDB.Close()
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if !o.NoMigrate {
		if err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// dialector is the write connection's dialector of o: MySQL with the DSN's
// settings made safe (mysqlConfig), or the SQLite file in o.DataDir,
// created if missing, whose path it returns too ("" on MySQL).
func dialector(o Options) (gorm.Dialector, string, error) {
	if o.DSN != "" {
		cfg, err := mysqlConfig(o.DSN)
		if err != nil {
			return nil, "", err
		}
		return mysql.New(mysql.Config{DSN: cfg.FormatDSN(), DSNConfig: cfg}), "", nil
	}
	if o.DataDir == "" {
		return nil, "", errors.New("store: a MySQL DSN or a data directory is required")
	}
	if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
		return nil, "", fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(o.DataDir, SQLiteFile)
	params := sqliteParams
	if o.LazySync {
		params += "&_pragma=synchronous(NORMAL)"
	}
	return sqlite.Open(path + params), path, nil
}

// openSQLiteReaders limits the SQLite file's write pool to one connection
// and opens the pool of read connections beside it.
func (db *DB) openSQLiteReaders() error {
	// One writer: writers queue in the pool, never in SQLite's busy
	// loop, and readers have their own connections.
	db.sql.SetMaxOpenConns(1)
	var err error
	if db.read, db.readSQL, err = openGorm(sqlite.Open(db.sqlitePath+sqliteReadParams), db.log); err != nil {
		return err
	}
	// Readers keep their connections: database/sql keeps two idle by
	// default, and opening a SQLite connection (file, pragmas, WAL
	// index) costs more than a read. More readers than this wait for a
	// connection rather than for the processors.
	readers := max(8, 4*runtime.GOMAXPROCS(0))
	db.readSQL.SetMaxOpenConns(readers)
	db.readSQL.SetMaxIdleConns(readers)
	return nil
}

// openGorm opens a gorm handle on dial with the store's settings.
func openGorm(dial gorm.Dialector, log *slog.Logger) (*gorm.DB, *sql.DB, error) {
	g, err := gorm.Open(dial, &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true, // every write runs inside DB.Update
		NowFunc:                func() time.Time { return time.Now().UTC() },
		Logger: quietLogger{logger.NewSlogLogger(log, logger.Config{
			LogLevel:                  logger.Warn,
			SlowThreshold:             slowQuery,
			IgnoreRecordNotFoundError: true,
			ParameterizedQueries:      true,
		})},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: open: %w", err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, nil, fmt.Errorf("store: open: %w", err)
	}
	return g, sqlDB, nil
}

// mysqlConfig parses dsn and forces the settings the store relies on: UTC
// times on both sides, utf8mb4, UPDATE counting matched rather than
// changed rows (a conditional update that changes nothing still matched),
// and parameters interpolated by the driver (safe with utf8mb4), so that a
// statement is one round trip instead of prepare, execute and close.
func mysqlConfig(dsn string) (*gomysql.Config, error) {
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: MySQL DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.ClientFoundRows = true
	cfg.InterpolateParams = true
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["charset"] = "utf8mb4"
	// The driver runs "SET time_zone = '+00:00'" on every new connection.
	cfg.Params["time_zone"] = "'+00:00'"
	return cfg, nil
}

// models are the row structs of every table, in creation order. The
// schema itself comes from the migrations (migrate.go); the tests check
// that these structs agree with it.
var models = []any{
	&planRow{}, &planVersionRow{}, &unitRow{}, &contactRow{}, &userRow{}, &sessionRow{},
	&loginFailureRow{}, &submissionRow{}, &historyRow{}, &auditRow{},
	&nodeRow{}, &nodeFactRow{}, &evidenceRow{}, &reviewRow{}, &monthlyRow{}, &monthlyHistoryRow{},
	&deductionRow{}, &scoringRunRow{}, &scoringResultRow{}, // scoring.go
	// jobs: outbox.go
	&outboxRow{}, &leaseRow{}, &jobMarkRow{}, &monthlySummaryRow{},
	&outboxNoticeRow{},
	&backupRow{},                    // backup.go
	&robotRow{}, &calendarFeedRow{}, // robot.go
	&waiverRow{}, &receiptRow{}, &objectionRow{}, &objectionFileRow{}, // waiver.go, receipt.go, objection.go
	&submissionFactRow{}, // submission.go
}

// migrationLock takes MySQL's named lock "kaohe.migrate" on a connection of
// its own, waiting up to a minute. unlock discards that connection, which
// releases the lock even if RELEASE_LOCK fails; it never goes back to the
// pool still holding the lock.
func (db *DB) migrationLock(ctx context.Context) (unlock func(), err error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	discard := func() {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = conn.Close()
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('kaohe.migrate', 60)").Scan(&got); err != nil {
		discard()
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	if got.Int64 != 1 {
		discard()
		return nil, errors.New("store: migrate: another server held the migration lock for a minute")
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "DO RELEASE_LOCK('kaohe.migrate')")
		discard()
	}, nil
}

// Update runs fn in one read-write transaction: committed when fn returns
// nil, rolled back when it returns an error or panics. fn's error is
// returned unchanged; a failure to begin or commit is an internal error.
// The Tx must not be used after fn returns.
//
// On MySQL a transaction chosen as a deadlock victim is run again, up to
// deadlockRetries times: two servers inserting the same outbox keys, for
// example, can deadlock on InnoDB's gap locks, and running fn again is
// safe because nothing it did was committed.
func (db *DB) Update(ctx context.Context, fn func(tx service.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := runTx(ctx, db.gorm, nil, db.plans, fn)
		if !db.mysql || attempt == deadlockRetries || !isDeadlock(err) {
			return err
		}
	}
}

// deadlockRetries is how many times a transaction runs at most when MySQL
// picks it as a deadlock victim.
const deadlockRetries = 3

// isDeadlock reports whether err is MySQL's deadlock error (1213), on which
// the server has rolled the whole transaction back.
func isDeadlock(err error) bool {
	var me *gomysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}

// View runs fn in one read-only transaction on the read pool: it sees one
// snapshot, never waits for the writer, and any write in it fails (SQLite's
// query_only, MySQL's READ ONLY transaction).
func (db *DB) View(ctx context.Context, fn func(tx service.Tx) error) error {
	return runTx(ctx, db.read, &sql.TxOptions{ReadOnly: db.mysql}, db.plans, fn)
}

func runTx(ctx context.Context, g *gorm.DB, opts *sql.TxOptions, plans *planCache, fn func(tx service.Tx) error) error {
	var fnErr error
	err := g.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		fnErr = fn(&tx{db: g, plans: plans})
		return fnErr
	}, opts)
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("store: transaction: %w", err)
	}
	return nil
}

// ConcurrentWrites reports whether write transactions run side by side
// (MySQL) rather than one at a time (SQLite, where a second writer waits in
// the busy handler's sleeps). The outbox dispatcher overlaps its group
// commits only when they do.
func (db *DB) ConcurrentWrites() bool { return db.mysql }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close closes every connection. The DB is unusable afterwards.
func (db *DB) Close() error {
	err := db.sql.Close()
	if db.readSQL != db.sql {
		err = errors.Join(err, db.readSQL.Close())
	}
	return err
}

// Gorm returns the underlying gorm handle, for store code outside this
// package's Tx (leases, maintenance). Writes that belong to a use case go
// through Tx.
func (db *DB) Gorm() *gorm.DB { return db.gorm }

// tx implements service.Tx on one gorm transaction. Its methods live in
// the file of their aggregate.
type tx struct {
	db    *gorm.DB
	plans *planCache
}

var _ service.Tx = (*tx)(nil)

// queryRow runs a query of one row on the transaction's connection
// directly, past gorm's statement building and reflection: for the reads
// every request makes (signing in, a unit's tables), where those cost as
// much as the query.
func (t *tx) queryRow(query string, args ...any) *sql.Row {
	return t.db.Statement.ConnPool.QueryRowContext(t.db.Statement.Context, query, args...)
}

// translate turns a gorm error into the workflow's terms: a missing record
// is ENOTFOUND and a taken unique key ECONFLICT, both naming what (in
// Chinese, e.g. "单位“gjz”"); anything else is an internal error naming the
// operation op.
func translate(err error, op, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return workflow.Errorf(workflow.ENOTFOUND, "%s不存在", what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return workflow.Errorf(workflow.ECONFLICT, "%s已存在", what)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// take reads the one row that q finds and converts it with conv: no row
// is ENOTFOUND naming what, any other error internal to op (translate).
func take[R, V any](q *gorm.DB, conv func(R) V, op, what string) (*V, error) {
	return takeDecoded(q, infallible(conv), op, what)
}

// takeDecoded is take with a conversion that decodes stored fields and
// may fail.
func takeDecoded[R, V any](q *gorm.DB, conv func(R) (V, error), op, what string) (*V, error) {
	var r R
	if err := q.Take(&r).Error; err != nil {
		return nil, translate(err, op, what)
	}
	v, err := conv(r)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// find reads every row that q finds, in its order, and converts each with
// conv; none is an empty list.
func find[R, V any](q *gorm.DB, conv func(R) V, op string) ([]V, error) {
	return findDecoded(q, infallible(conv), op)
}

// findDecoded is find with a conversion that decodes stored fields and
// may fail.
func findDecoded[R, V any](q *gorm.DB, conv func(R) (V, error), op string) ([]V, error) {
	var rows []R
	if err := q.Find(&rows).Error; err != nil {
		return nil, internal(err, op)
	}
	out := make([]V, 0, len(rows))
	for _, r := range rows {
		v, err := conv(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// infallible is conv as a conversion that never fails.
func infallible[R, V any](conv func(R) V) func(R) (V, error) {
	return func(r R) (V, error) { return conv(r), nil }
}

// internal wraps an error that is none of the workflow's business.
func internal(err error, op string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// touched checks res, a write of op that must touch a row: a database
// error is internal, and a write that touched none returns none (ESTALE
// for a stale version, ENOTFOUND for a row that is not there).
func touched(res *gorm.DB, op string, none error) error {
	if res.Error != nil {
		return internal(res.Error, op)
	}
	if res.RowsAffected == 0 {
		return none
	}
	return nil
}

// utc is the stored form of a time: UTC, to the microsecond (the precision
// of MySQL's DATETIME(6); SQLite keeps the same).
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// utcPtr is utc for optional times; nil stays nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

// toJSON encodes v for a JSON text column; a nil map or slice is "null".
func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// fromJSON decodes a JSON text column into v; an empty column leaves v
// unchanged.
func fromJSON(s string, v any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

// ident is an identifier column (unit code, username, token hash): a
// varchar compared byte for byte on both databases. On MySQL, whose tables
// default to a case-insensitive collation, it is utf8mb4_bin; SQLite
// compares text as bytes already.
type ident string

// GormDBDataType returns the column type of an ident for the dialect.
func (ident) GormDBDataType(db *gorm.DB, f *schema.Field) string {
	size := f.Size
	if size == 0 {
		size = 64
	}
	if db.Dialector.Name() == "mysql" {
		return fmt.Sprintf("varchar(%d) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", size)
	}
	return fmt.Sprintf("varchar(%d)", size)
}

// quietLogger is gorm's slog logger without the errors the store expects
// and translates: a missing record and a taken unique key are answers, not
// faults. Parameter values are never logged (they include password and
// token hashes).
type quietLogger struct{ logger.Interface }

// LogMode returns the logger at level.
func (l quietLogger) LogMode(level logger.LogLevel) logger.Interface {
	return quietLogger{l.Interface.LogMode(level)}
}

// Trace logs one statement unless its error is an expected one.
func (l quietLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, gorm.ErrDuplicatedKey) {
		err = nil
	}
	l.Interface.Trace(ctx, begin, fc, err)
}

// ParamsFilter drops parameter values from logged statements.
func (l quietLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
