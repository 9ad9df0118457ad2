package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"kaohe/internal/testdb"
	"kaohe/workflow"
	"kaohe/workflow/service"
	"kaohe/workflow/store"
)

// The scoring benchmark: 10,000 generated units (KAOHE_BENCH_UNITS) with
// executing submissions and about 160 rows each in the real nodes table,
// plus their monthly reports, on SQLite. BenchmarkScoringRun is
// Service.RunScoring end to end with service.ExecutionFacts (read in
// batches, score, rank, hash, store the run); BenchmarkScoringSQLFloor is
// the floor no scorer can beat, one plain SQL aggregate over the same node
// rows.
//
//	go test -run '^$' -bench Scoring -benchtime 3x -timeout 30m ./workflow/store/
//
// Every unit's submission document is testdata/submission-2019.json with
// works repeated to reach about 160 nodes (about 28 KB of JSON), and its
// node rows are those workflow.NodesOf makes of it, so every row carries
// the real texts. KAOHE_BENCH_DIR keeps the generated database in that
// directory and reuses it on the next run (it must then have been
// generated with the same KAOHE_BENCH_UNITS).

func benchUnits() int {
	if n, err := strconv.Atoi(os.Getenv("KAOHE_BENCH_UNITS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

var (
	benchOnce  sync.Once
	benchDB    *store.DB
	benchErr   error
	benchPlan  *workflow.Plan
	benchNodes int
)

// benchStore builds the benchmark database once per test binary: on
// SQLite, or on the MySQL or MariaDB database of KAOHE_BENCH_DSN (reused
// when it holds the plan already).
func benchStore(b *testing.B) (*store.DB, *workflow.Plan) {
	b.Helper()
	benchOnce.Do(func() {
		ctx := context.Background()
		dsn, dir, reuse := os.Getenv("KAOHE_BENCH_DSN"), os.Getenv("KAOHE_BENCH_DIR"), false
		switch {
		case dsn != "":
			dir = "MySQL"
		case dir != "":
			_, err := os.Stat(dir + "/kaohe.db")
			reuse = err == nil
		default:
			if dir, benchErr = os.MkdirTemp("", "kaohe-bench-"); benchErr != nil {
				return
			}
		}
		opened := time.Now()
		if benchDB, benchErr = store.Open(ctx, store.Options{DataDir: dir, DSN: dsn}); benchErr != nil {
			return
		}
		fmt.Fprintf(os.Stderr, "opened and migrated %s in %s\n", dir, time.Since(opened).Round(time.Millisecond))
		testdb.AtExit(func() {
			benchDB.Close()
			if os.Getenv("KAOHE_BENCH_DIR") == "" && dsn == "" {
				os.RemoveAll(dir) // a temporary database of 1.4 GB
			}
		})
		if dsn != "" {
			reuse = benchDB.View(ctx, func(tx service.Tx) error {
				_, err := tx.Plan(2019)
				return err
			}) == nil
		}
		if reuse {
			benchErr = benchDB.Update(ctx, func(tx service.Tx) (err error) {
				benchPlan, err = tx.Plan(2019)
				return err
			})
			fmt.Fprintf(os.Stderr, "reusing %s\n", dir)
			return
		}
		start := time.Now()
		benchPlan, benchErr = generate(benchDB, benchUnits())
		fmt.Fprintf(os.Stderr, "generated %d units × %d nodes in %s (%s)\n", benchUnits(), benchNodes,
			time.Since(start).Round(time.Millisecond), dir)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDB, benchPlan
}

// benchDocument is the 2019 test submission with works repeated until its
// party and business tables have at least 154 nodes, and both innovation
// items (3 nodes each) certified.
func benchDocument() (workflow.Document, error) {
	var doc workflow.Document
	raw, err := os.ReadFile("../../testdata/submission-2019.json")
	if err != nil {
		return doc, err
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return doc, err
	}
	count := func() int {
		n := 0
		for _, inds := range [][]workflow.Indicator{doc.Party, doc.Business} {
			for _, ind := range inds {
				for _, w := range ind.Works {
					n += len(w.Nodes)
				}
			}
		}
		return n
	}
	inds := append(append([]*workflow.Indicator{}, ptrs(doc.Party)...), ptrs(doc.Business)...)
	for i := 0; count() < 154; i++ {
		ind := inds[i%len(inds)]
		w := ind.Works[0]
		w.Title += "（续）"
		w.Nodes = append([]workflow.Node(nil), w.Nodes...)
		ind.Works = append(ind.Works, w)
	}
	return doc, nil
}

func ptrs(in []workflow.Indicator) []*workflow.Indicator {
	out := make([]*workflow.Indicator, len(in))
	for i := range in {
		out[i] = &in[i]
	}
	return out
}

// generate writes the plan, units, executing submissions, their node rows
// and monthly reports straight into the real tables, in batched INSERTs.
//
// Node k of unit u is, by (u+k) mod 97: 0 never reported (missing), 1
// reported late and accepted, 2 rejected, otherwise reported on time and
// accepted, awarded in full (half when k is a multiple of 7). Every month
// is reported on time, except one month missing for u ≡ 0 and one late
// for u ≡ 1 (mod 89).
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
	if err := db.Update(ctx, func(tx service.Tx) error { return tx.SavePlan(p, time.Now()) }); err != nil {
		return nil, err
	}
	doc, err := benchDocument()
	if err != nil {
		return nil, err
	}
	certified := []bool{true, true}
	template, err := workflow.NodesOf(&workflow.Submission{Year: p.Year, Unit: "x", Doc: doc, Certified: certified})
	if err != nil {
		return nil, err
	}
	benchNodes = len(template)
	docJSON, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	certJSON, _ := json.Marshal(certified)
	innovationJSON, err := json.Marshal((&workflow.Submission{Doc: doc, Certified: certified}).Facts().Innovation)
	if err != nil {
		return nil, err
	}

	sqlDB, err := db.Gorm().DB()
	if err != nil {
		return nil, err
	}
	loc := p.Location()
	created := time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)
	submitted := time.Date(2019, 6, 13, 1, 0, 0, 0, time.UTC)
	months := p.Months()
	batches := map[string]*batch{
		"units":            {cols: "code,name,created_at"},
		"submissions":      {cols: "year,unit,state,version,doc,comment,comments,certified,submitted_at,first_submitted_at,late,created_at,updated_at"},
		"submission_facts": {cols: "year,unit,state,first_submitted_at,released_at,innovation"},
		"nodes":            {cols: "year,unit,category,item_index,work_index,node_index,indicator,work,due,points,target,standard,evidence,state,late,note,reported_at,awarded,reviewed_at,version"},
		"monthly_reports":  {cols: "year,unit,month,count,reported_at,first_reported_at,late,reported_by,source"},
	}
	const perTx = 500
	for start := 0; start < units; start += perTx {
		tx, err := sqlDB.Begin()
		if err != nil {
			return nil, err
		}
		for u := start; u < min(start+perTx, units) && err == nil; u++ {
			code := fmt.Sprintf("u%05d", u)
			err = batches["units"].add(tx, "units", code, "单位"+code, created)
			if err == nil {
				err = batches["submissions"].add(tx, "submissions", p.Year, code, "executing", 5, string(docJSON), "", "null",
					string(certJSON), submitted, submitted, false, created, created)
			}
			if err == nil {
				err = batches["submission_facts"].add(tx, "submission_facts", p.Year, code, "executing", submitted, nil, string(innovationJSON))
			}
			for k, n := range template {
				if err != nil {
					break
				}
				due := p.NodeDue(n.Due, time.Time{}).At
				state, late, awarded := workflow.NodeAccepted, false, n.Points
				reported, reviewed := any(due.Add(-48*time.Hour).UTC()), any(due.UTC())
				if k%7 == 0 {
					awarded = n.Points / 2
				}
				switch (u + k) % 97 {
				case 0:
					state, awarded, reported, reviewed = workflow.NodePending, 0, nil, nil
				case 1:
					late, reported, reviewed = true, due.Add(26*time.Hour).UTC(), due.Add(50*time.Hour).UTC()
				case 2:
					state, awarded = workflow.NodeRejected, 0
				}
				err = batches["nodes"].add(tx, "nodes", p.Year, code, n.Category, n.ItemIndex, n.WorkIndex, n.NodeIndex,
					n.Indicator, n.Work, n.Due.String(), int64(n.Points), n.Target, n.Standard, n.Evidence, string(state), late,
					"按时完成，材料已上传", reported, int64(awarded), reviewed, 3)
			}
			for i, m := range months {
				if err != nil || (u%89 == 0 && i == 1) {
					continue
				}
				at, late := p.MonthDueTime(m).Add(-30*time.Hour), false
				if u%89 == 1 && i == 2 {
					at, late = p.MonthDueTime(m).Add(20*time.Hour), true
				}
				err = batches["monthly_reports"].add(tx, "monthly_reports", p.Year, code, m.String(), 1000+u, at.In(loc).UTC(),
					at.In(loc).UTC(), late, "unit-"+code, workflow.SourceAPI)
			}
		}
		for _, table := range []string{"units", "submissions", "submission_facts", "nodes", "monthly_reports"} {
			if err == nil {
				err = batches[table].flush(tx, table)
			}
		}
		if err != nil {
			tx.Rollback()
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, err
		}
	}
	// The nodes went in past the store, so their facts are written here, as
	// the migration that made node_facts writes them.
	if err := db.RewriteNodeFacts(ctx); err != nil {
		return nil, err
	}
	if db.Gorm().Dialector.Name() == "sqlite" {
		_, err = sqlDB.Exec(`ANALYZE`)
	} else {
		_, err = sqlDB.Exec(`ANALYZE TABLE units, submissions, submission_facts, nodes, node_sums, monthly_reports`)
	}
	return p, err
}

// batch collects the values of a multi-row INSERT into one table and
// sends them 500 parameters at a time (binding is costly in
// modernc SQLite, so statements stay small).
type batch struct {
	cols string
	args []any
	rows int
}

func (b *batch) add(tx *sql.Tx, table string, values ...any) error {
	b.args = append(b.args, values...)
	b.rows++
	if len(b.args)+len(values) > 500 {
		return b.flush(tx, table)
	}
	return nil
}

func (b *batch) flush(tx *sql.Tx, table string) error {
	if b.rows == 0 {
		return nil
	}
	n := len(b.args) / b.rows
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
	q := "INSERT INTO " + table + " (" + b.cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+",", b.rows), ",")
	_, err := tx.Exec(q, b.args...)
	b.args, b.rows = b.args[:0], 0
	return err
}

// usage is what one call of measure saw.
type usage struct {
	wall, cpu time.Duration
	// peakHeap is the Go heap in use (HeapInuse), sampled every 5 ms; peakRSS the
	// process's resident memory at its highest (VmHWM, reset before), which
	// adds what the heap does not hold: the runtime's spare pages and the
	// memory SQLite allocates through modernc's libc, outside the Go heap.
	// peakRSS is 0 where /proc/self/clear_refs cannot reset VmHWM.
	peakHeap, peakRSS uint64
}

// measure runs fn and reports its wall and CPU time (user and system, of
// every thread of the process: fn's goroutines, the garbage collector, the
// heap sampler) and its peak memory. It starts from a collected heap whose
// free pages were returned to the system, so that the peak RSS is fn's.
func measure(fn func()) usage {
	runtime.GC()
	debug.FreeOSMemory()
	// Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0).
	rssReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// MemStats.HeapInuse, read through runtime/metrics, which does not
		// stop the world as ReadMemStats does (every 5 ms, that preempted
		// fn's goroutines measurably).
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		for {
			metrics.Read(sample)
			if inuse := sample[0].Value.Uint64() + sample[1].Value.Uint64(); inuse > peak.Load() {
				peak.Store(inuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	start, cpu := time.Now(), cpuTime()
	fn()
	u := usage{wall: time.Since(start), cpu: cpuTime() - cpu}
	close(done)
	wg.Wait()
	u.peakHeap = peak.Load()
	if rssReset {
		u.peakRSS = vmHWM()
	}
	return u
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM reads the process's peak resident set size from /proc/self/status
// (0 when it cannot).
func vmHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// BenchmarkScoringRun is Service.RunScoring over every generated unit with
// the real facts source.
func BenchmarkScoringRun(b *testing.B) {
	db, _ := benchStore(b)
	var peak usage
	var run *workflow.ScoringRun
	var cpu time.Duration
	for b.Loop() {
		run = nil // let the previous run go before measuring this one
		var u usage
		run, u = scoringRun(b, db)
		peak.peakHeap, peak.peakRSS = max(peak.peakHeap, u.peakHeap), max(peak.peakRSS, u.peakRSS)
		cpu += u.cpu
	}
	b.StopTimer()
	checkRun(b, run)
	reportMemory(b, peak)
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
	// What to compare across versions on the same data: equal hashes,
	// equal results.
	results, err := json.Marshal(run.Results)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("inputs digest %s, SHA-256 of the results' JSON %x (%d bytes)", run.InputsDigest, sha256.Sum256(results), len(results))
}

func reportMemory(b *testing.B, u usage) {
	b.ReportMetric(float64(u.peakHeap)/(1<<20), "peak-heap-MiB")
	if u.peakRSS > 0 {
		b.ReportMetric(float64(u.peakRSS)/(1<<20), "peak-rss-MiB")
	}
}

// BenchmarkScoringVsFloor alternates the floor (both plans) and the run,
// so that both see the same load on a shared machine, and reports the
// run's time as a multiple of the lower floor: x-floor in wall time, as
// always, and x-floor-cpu in CPU time, which a loaded machine disturbs
// less (the run may use two cores, the floor uses one).
func BenchmarkScoringVsFloor(b *testing.B) {
	db, _ := benchStore(b)
	sqlDB, _ := db.Gorm().DB()
	var runs, floors, runsCPU, floorsCPU time.Duration
	var peak usage
	for b.Loop() {
		floor := usage{wall: time.Duration(1<<63 - 1)}
		for _, from := range floorFroms(db) {
			u := measure(func() { floorQuery(b, sqlDB, from) })
			if u.wall < floor.wall {
				floor = u
			}
		}
		run, u := scoringRun(b, db)
		runs, runsCPU = runs+u.wall, runsCPU+u.cpu
		floors, floorsCPU = floors+floor.wall, floorsCPU+floor.cpu
		peak.peakHeap, peak.peakRSS = max(peak.peakHeap, u.peakHeap), max(peak.peakRSS, u.peakRSS)
		checkRun(b, run)
	}
	b.ReportMetric(runs.Seconds()/float64(b.N), "run-s")
	b.ReportMetric(floors.Seconds()/float64(b.N), "floor-s")
	b.ReportMetric(float64(runs)/float64(floors), "x-floor")
	b.ReportMetric(runsCPU.Seconds()/float64(b.N), "run-cpu-s")
	b.ReportMetric(floorsCPU.Seconds()/float64(b.N), "floor-cpu-s")
	b.ReportMetric(float64(runsCPU)/float64(floorsCPU), "x-floor-cpu")
	reportMemory(b, peak)
}

func scoringRun(b *testing.B, db *store.DB) (*workflow.ScoringRun, usage) {
	b.Helper()
	svc := service.New(db, nil, workflow.NewManualClock(time.Date(2019, 12, 20, 1, 0, 0, 0, time.UTC)), service.Options{})
	var run *workflow.ScoringRun
	u := measure(func() {
		var err error
		if run, err = svc.RunScoring(b.Context(), service.SystemActor, 2019); err != nil {
			b.Fatal(err)
		}
	})
	return run, u
}

// checkRun fails unless every unit was scored and the data's missing and
// late nodes and months show as deductions.
func checkRun(b *testing.B, run *workflow.ScoringRun) {
	b.Helper()
	if len(run.Results) != benchUnits() {
		b.Fatalf("%d results, want %d", len(run.Results), benchUnits())
	}
	rules := map[string]int{}
	for _, r := range run.Results {
		if !r.Scored() {
			b.Fatalf("%s not scored: %s", r.Unit, r.Reason)
		}
		for _, d := range r.Deductions {
			rules[d.Rule]++
		}
	}
	for _, rule := range []string{workflow.RuleMissingNode, workflow.RuleLateNode, workflow.RuleMonthlyMissing, workflow.RuleMonthlyLate} {
		if rules[rule] == 0 && benchUnits() >= 100 {
			b.Fatalf("no %s deduction in %d results: %v", rule, len(run.Results), rules)
		}
	}
}

// floorFroms are the two plans of the floor: as the database plans it (on
// SQLite the nodes_position index, which matches the grouping, then each
// row of the table), and from the covering index nodes_scoring, as the run
// reads, with the groups sorted.
func floorFroms(db *store.DB) []string {
	if db.Dialect() == "mysql" {
		return []string{"nodes", "nodes FORCE INDEX (nodes_scoring)"}
	}
	return []string{"nodes", "nodes INDEXED BY nodes_scoring"}
}

// floorQuery is one plain aggregate over the node rows: per unit and
// category the awarded points, missing and late nodes. It computes no
// deduction, rank or grade and stores nothing.
func floorQuery(b *testing.B, sqlDB *sql.DB, from string) {
	b.Helper()
	rows, err := sqlDB.Query(`SELECT unit, category,
		SUM(CASE WHEN state = 'accepted' THEN awarded ELSE 0 END),
		SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END),
		SUM(late)
		FROM `+from+` WHERE year = ? GROUP BY unit, category`, 2019)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var unit, cat string
		var awarded, missing, late int64
		if err := rows.Scan(&unit, &cat, &awarded, &missing, &late); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if n != 3*benchUnits() {
		b.Fatalf("%d groups, want %d", n, 3*benchUnits())
	}
}

// BenchmarkScoringSQLFloor is the floor no scorer reading the same rows can
// beat (floorQuery), in each plan; the lower of the two is the floor.
func BenchmarkScoringSQLFloor(b *testing.B) {
	db, _ := benchStore(b)
	sqlDB, _ := db.Gorm().DB()
	for i, name := range []string{"plan", "covering"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				floorQuery(b, sqlDB, floorFroms(db)[i])
			}
		})
	}
}
