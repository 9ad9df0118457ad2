package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/store"
)

// The scoring benchmark: 10,000 generated units (KAOHE_BENCH_UNITS) with
// 160 nodes each, on SQLite, scored by Service.RunScoring (read in batches,
// score, rank, store the run), beside the floor no scorer can beat: one
// plain SQL aggregate over the same node rows.
//
// The node table of the execution part is not in this branch, so the
// benchmark keeps its node rows in a stand-in table, bench_nodes, with the
// columns of NodeFact, and reads them through benchFacts. Once the real node
// table exists, point benchFacts at it (or use the real ScoringFacts) and
// generate the rows into it instead.
//
//	go test -run '^$' -bench Scoring -benchtime 3x ./workflow/store/

const benchNodesPerUnit = 160

func benchUnits() int {
	if n, err := strconv.Atoi(os.Getenv("KAOHE_BENCH_UNITS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

var (
	benchOnce sync.Once
	benchDB   *store.DB
	benchErr  error
	benchPlan *workflow.Plan
)

// benchStore builds the benchmark database once per test binary.
func benchStore(b *testing.B) (*store.DB, *workflow.Plan) {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kaohe-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchDB, err = store.Open(context.Background(), store.Options{DataDir: dir})
		if err != nil {
			benchErr = err
			return
		}
		start := time.Now()
		benchPlan, benchErr = generate(benchDB, benchUnits())
		fmt.Fprintf(os.Stderr, "generated %d units × %d nodes in %s (%s)\n", benchUnits(), benchNodesPerUnit, time.Since(start).Round(time.Millisecond), dir)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDB, benchPlan
}

// generate writes units, executing submissions and their node rows.
func generate(db *store.DB, units int) (*workflow.Plan, error) {
	ctx := context.Background()
	raw, err := os.ReadFile("../../configs/plans/2019.yaml")
	if err != nil {
		return nil, err
	}
	p, err := workflow.LoadPlan(raw)
	if err != nil {
		return nil, err
	}
	if err := db.Tx(ctx, func(tx workflow.Tx) error { return tx.SavePlan(p) }); err != nil {
		return nil, err
	}
	sqlDB, err := db.Gorm().DB()
	if err != nil {
		return nil, err
	}
	if _, err := sqlDB.Exec(`CREATE TABLE bench_nodes (unit TEXT NOT NULL, category TEXT NOT NULL, indicator TEXT NOT NULL,
		item INTEGER NOT NULL, work INTEGER NOT NULL, node INTEGER NOT NULL, due TEXT NOT NULL, points INTEGER NOT NULL,
		state TEXT NOT NULL, late INTEGER NOT NULL, awarded INTEGER NOT NULL)`); err != nil {
		return nil, err
	}
	due := []string{"2019-06-30", "2019-09-30", "2019-11-30"}
	doc := `{"party":[],"business":[],"innovation":[{"title":"创新","content":"","effect":"","points":3,"nodes":[]}]}`
	created := time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02 15:04:05.000000-07:00")
	submitted := time.Date(2019, 6, 13, 1, 0, 0, 0, time.UTC).Format("2006-01-02 15:04:05.000000-07:00")
	insert := func(tx *sql.Tx, table, cols string, n int, rows [][]any) error {
		if len(rows) == 0 {
			return nil
		}
		ph := "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
		q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(ph+",", len(rows)), ",")
		args := make([]any, 0, n*len(rows))
		for _, r := range rows {
			args = append(args, r...)
		}
		_, err := tx.Exec(q, args...)
		return err
	}
	const perTx = 500
	for start := 0; start < units; start += perTx {
		tx, err := sqlDB.Begin()
		if err != nil {
			return nil, err
		}
		var us, subs, nodes [][]any
		for u := start; u < min(start+perTx, units); u++ {
			code := fmt.Sprintf("u%05d", u)
			us = append(us, []any{code, "单位" + code, created})
			subs = append(subs, []any{2019, code, "executing", 5, doc, "", "null", "[true]", submitted, submitted, false, created, created})
			for k := 0; k < benchNodesPerUnit; k++ {
				cat, ind, item := "business", fmt.Sprintf("B%d", k%13+1), k%13
				if k < 60 {
					cat, ind, item = "party", fmt.Sprintf("P%d", k%5+1), k%5
				}
				state, awarded, late := "accepted", int64(62), 0
				switch (u + k) % 97 {
				case 0:
					state, awarded = "pending", 0
				case 1:
					late = 1
				case 2:
					state, awarded = "rejected", 0
				}
				nodes = append(nodes, []any{code, cat, ind, item, k / 3, k % 3, due[k%3], 62, state, late, awarded})
				if len(nodes) == 50 { // few parameters per statement: binding is costly
					if err := insert(tx, "bench_nodes", "unit,category,indicator,item,work,node,due,points,state,late,awarded", 11, nodes); err != nil {
						tx.Rollback()
						return nil, err
					}
					nodes = nodes[:0]
				}
			}
		}
		for i := 0; i < len(us) && err == nil; i += 50 {
			err = insert(tx, "units", "code,name,created_at", 3, us[i:min(i+50, len(us))])
		}
		if err == nil {
			for i := 0; i < len(subs) && err == nil; i += 50 {
				err = insert(tx, "submissions", "year,unit,state,version,doc,comment,comments,certified,submitted_at,first_submitted_at,late,created_at,updated_at", 13, subs[i:min(i+50, len(subs))])
			}
		}
		if err == nil {
			err = insert(tx, "bench_nodes", "unit,category,indicator,item,work,node,due,points,state,late,awarded", 11, nodes)
		}
		if err != nil {
			tx.Rollback()
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, err
		}
	}
	if _, err := sqlDB.Exec(`CREATE INDEX bench_nodes_unit ON bench_nodes (unit)`); err != nil {
		return nil, err
	}
	_, err = sqlDB.Exec(`ANALYZE`)
	return p, err
}

// benchFacts reads bench_nodes a batch of units at a time; every month is
// reported on time.
type benchFacts struct{ db *sql.DB }

func (f benchFacts) Nodes(_ workflow.Tx, _ int, units []string) ([]workflow.NodeFact, error) {
	// A batch is a run of consecutive unit codes: one range scan of the
	// unit index instead of a long IN list.
	lo, hi := units[0], units[0]
	for _, u := range units {
		lo, hi = min(lo, u), max(hi, u)
	}
	rows, err := f.db.Query(`SELECT unit, category, indicator, item, work, node, due, points, state, late, awarded
		FROM bench_nodes WHERE unit BETWEEN ? AND ?`, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]workflow.NodeFact, 0, len(units)*benchNodesPerUnit)
	for rows.Next() {
		var n workflow.NodeFact
		var due string
		var pts, awarded int64
		if err := rows.Scan(&n.Unit, &n.Category, &n.Indicator, &n.ItemIndex, &n.WorkIndex, &n.NodeIndex, &due, &pts, &n.State, &n.Late, &awarded); err != nil {
			return nil, err
		}
		if n.Due, err = workflow.ParseDate(due); err != nil {
			return nil, err
		}
		n.Points, n.Awarded = workflow.Points(pts), workflow.Points(awarded)
		out = append(out, n)
	}
	return out, rows.Err()
}

func (f benchFacts) Monthly(tx workflow.Tx, year int, units []string) ([]workflow.MonthlyFact, error) {
	p, err := tx.Plan(year)
	if err != nil {
		return nil, err
	}
	out := make([]workflow.MonthlyFact, 0, len(units)*len(p.Months()))
	for _, u := range units {
		for _, m := range p.Months() {
			out = append(out, workflow.MonthlyFact{Unit: u, Month: m, ReportedAt: p.MonthDue(m).In(p.Location())})
		}
	}
	return out, nil
}

func (benchFacts) Unreviewed(workflow.Tx, int) ([]workflow.NodeFact, error) { return nil, nil }

// peakHeap samples the heap in use while fn runs and returns its peak.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak.Load()
}

// BenchmarkScoringRun: Service.RunScoring over every generated unit, every
// node read one by one.
func BenchmarkScoringRun(b *testing.B) {
	db, _ := benchStore(b)
	sqlDB, _ := db.Gorm().DB()
	benchRun(b, db, benchFacts{sqlDB})
}

func benchRun(b *testing.B, db *store.DB, facts workflow.ScoringFacts) {
	svc := &workflow.Service{Store: db, Clock: workflow.NewManualClock(time.Date(2019, 12, 20, 1, 0, 0, 0, time.UTC)),
		ScoringFacts: facts}
	var peak uint64
	var results int
	b.ResetTimer()
	for b.Loop() {
		peak = max(peak, peakHeap(func() {
			run, err := svc.RunScoring(b.Context(), workflow.SystemActor, 2019)
			if err != nil {
				b.Fatal(err)
			}
			results = len(run.Results)
		}))
	}
	if results != benchUnits() {
		b.Fatalf("%d results, want %d", results, benchUnits())
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkScoringSQLFloor: one plain aggregate over the same node rows:
// per unit and category the awarded points, missing and late nodes. It
// computes no deduction, rank or grade and stores nothing.
func BenchmarkScoringSQLFloor(b *testing.B) {
	db, _ := benchStore(b)
	sqlDB, _ := db.Gorm().DB()
	b.ResetTimer()
	for b.Loop() {
		rows, err := sqlDB.Query(`SELECT unit, category,
			SUM(CASE WHEN state = 'accepted' THEN awarded ELSE 0 END),
			SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END),
			SUM(late)
			FROM bench_nodes GROUP BY unit, category`)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var unit, cat string
			var awarded, missing, late int64
			if err := rows.Scan(&unit, &cat, &awarded, &missing, &late); err != nil {
				b.Fatal(err)
			}
			n++
		}
		rows.Close()
		if n != 2*benchUnits() {
			b.Fatalf("%d groups", n)
		}
	}
}
