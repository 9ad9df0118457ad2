//go:build linux

package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	_ "github.com/go-sql-driver/mysql"

	"kaohe/internal/testdb"
	"kaohe/internal/tests3"
	"kaohe/jobs"
	"kaohe/workflow"
)

// mainArgsEnv makes the test binary run kaohe's main with the arguments it
// holds (JSON) instead of the tests: the three-server test starts real
// server processes, so that it can kill one with SIGKILL.
const mainArgsEnv = "KAOHE_TEST_MAIN_ARGS"

func TestMain(m *testing.M) {
	if v := os.Getenv(mainArgsEnv); v != "" {
		var args []string
		if err := json.Unmarshal([]byte(v), &args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Args = append([]string{"kaohe"}, args...)
		main()
		os.Exit(0)
	}
	testdb.Main(m)
}

// serverProcess is one `kaohe serve` process.
type serverProcess struct {
	name   string
	cmd    *exec.Cmd
	addr   string
	exited chan struct{}
	logf   *os.File
}

var listening = regexp.MustCompile(`msg="kaohe listening" addr=(\S+)`)

// startServer runs `kaohe serve --addr 127.0.0.1:0 --data DIR --config
// CONFIG` with env as its whole environment (besides PATH, HOME and
// TMPDIR), waits until it listens, and stops it (SIGTERM) when the test
// ends. Its log goes to DIR/server.log.
func startServer(t *testing.T, name, dir, config string, env map[string]string) *serverProcess {
	t.Helper()
	args, _ := json.Marshal([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--config", config})
	cmd := exec.Command(os.Args[0])
	cmd.Env = []string{mainArgsEnv + "=" + string(args), "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{name: name, cmd: cmd, exited: make(chan struct{}), logf: logf}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if m := listening.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
		cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-p.exited
		}
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("log of %s:\n%s", name, b)
		}
	})
	select {
	case p.addr = <-addr:
	case <-p.exited:
		b, _ := os.ReadFile(logf.Name())
		t.Fatalf("%s exited at start:\n%s", name, b)
	case <-time.After(time.Minute):
		t.Fatalf("%s did not listen within a minute", name)
	}
	return p
}

// gateSMTP is a loopback SMTP server that accepts its first open messages
// and then holds every further one at MAIL FROM until it is released: a
// sender blocked there has had nothing accepted, so killing it duplicates
// nothing.
type gateSMTP struct {
	addr string
	srv  *smtp.Server

	mu       sync.Mutex
	open     int
	passed   int
	held     int
	release  chan struct{}
	received []string // X-Kaohe-Key of each message accepted, in order
}

func startGateSMTP(t *testing.T, open int) *gateSMTP {
	t.Helper()
	g := &gateSMTP{open: open, release: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g.addr = ln.Addr().String()
	g.srv = smtp.NewServer(g)
	g.srv.Domain = "localhost"
	g.srv.AllowInsecureAuth = true
	g.srv.ErrorLog = log.New(io.Discard, "", 0) // a killed client's reset is expected
	g.srv.ReadTimeout, g.srv.WriteTimeout = 30*time.Second, 30*time.Second
	go g.srv.Serve(ln)
	t.Cleanup(func() {
		g.Release()
		g.srv.Close()
	})
	return g
}

// Release lets every held and later message through.
func (g *gateSMTP) Release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.release:
	default:
		close(g.release)
	}
}

// state returns how many messages were accepted and how many senders wait.
func (g *gateSMTP) state() (received, held int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.received), g.held
}

func (g *gateSMTP) keys() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.received)
}

// NewSession is the go-smtp Backend.
func (g *gateSMTP) NewSession(*smtp.Conn) (smtp.Session, error) { return &gateSession{g: g}, nil }

type gateSession struct{ g *gateSMTP }

func (s *gateSession) Reset()        {}
func (s *gateSession) Logout() error { return nil }
func (s *gateSession) Mail(string, *smtp.MailOptions) error {
	g := s.g
	g.mu.Lock()
	if g.passed < g.open {
		g.passed++
		g.mu.Unlock()
		return nil
	}
	g.held++
	g.mu.Unlock()
	<-g.release
	g.mu.Lock()
	g.held--
	g.mu.Unlock()
	return nil
}
func (s *gateSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *gateSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, m.Body)
	s.g.mu.Lock()
	s.g.received = append(s.g.received, m.Header.Get("X-Kaohe-Key"))
	s.g.mu.Unlock()
	return nil
}

// leaseHolder reads who holds the jobs lease.
func leaseHolder(t *testing.T, db *sql.DB) string {
	t.Helper()
	var holder string
	if err := db.QueryRow("SELECT holder FROM leases WHERE name = ?", jobs.LeaseName).Scan(&holder); err != nil {
		t.Fatal(err)
	}
	return holder
}

// holderPID is the process id inside an instance name (host-pid-random).
var holderPID = regexp.MustCompile(`-(\d+)-[0-9a-f]{8}$`)

// outboxStates counts the outbox's messages by state.
func outboxStates(t *testing.T, db *sql.DB) map[workflow.OutboxState]int {
	t.Helper()
	rows, err := db.Query("SELECT state, COUNT(*) FROM outbox GROUP BY state")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	c := map[workflow.OutboxState]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			t.Fatal(err)
		}
		c[workflow.OutboxState(state)] = n
	}
	return c
}

// TestThreeServers runs three `kaohe serve` processes on one MariaDB and one
// bucket of versitygw, on June 12 2019 at 10:00, the day of the 1-day
// reminder before the June 13 submission deadline.
//
// A unit uploads through server 1, and downloads through server 3 with the
// token server 1 gave it; the office reviews through server 2; failed
// logins count across servers. Meanwhile the lease holder has enqueued the
// day's reminders and the dispatchers are sending them. To kill the leader
// in the middle of that deterministically, the SMTP server accepts the
// first 8 messages and then holds every sender at MAIL FROM: once those 8
// are marked sent, the leader is killed with SIGKILL, the gate opens,
// another server takes the lease, the dead server's claims run out, and
// the rest is sent. Every reminder of the day must reach the SMTP server
// exactly once. The figures quoted in the README are logged (go test -v).
func TestThreeServers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	dsn := testdb.MariaDB(t)
	o := dirConfig(t.TempDir())
	o.MySQLDSN = dsn
	s3 := tests3.Start(t)
	bucket := s3.Bucket(t)
	seedStore(t, o, []string{"gjz"})
	releaseStore(t, o, []string{"gjz"}, "")
	addUser(t, o, "admin", "office-password", workflow.RoleOffice, "")
	addUser(t, o, "gjz", "unit-password", workflow.RoleUnit, "gjz")
	addUser(t, o, "leader", "viewer-password", workflow.RoleViewer, "")

	raw, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	// The day's reminders, as a pass at 10:00 would enqueue them.
	sh, _ := time.LoadLocation("Asia/Shanghai")
	start := time.Date(2019, 6, 12, 10, 0, 0, 0, sh)
	a := openWith(t, o, workflow.NewManualClock(start))
	due, err := (&jobs.Reminders{Service: a.Service}).Due(context.Background())
	a.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range due {
		want = append(want, m.KeyString())
	}
	slices.Sort(want)
	if len(want) != 26 {
		t.Fatalf("test setup: %d reminders due, want 26 (13 units × 2 contacts)", len(want))
	}

	const accepted = 8
	gate := startGateSMTP(t, accepted)
	config := filepath.Join(t.TempDir(), "kaohe.yaml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf(`
log: {level: info}
smtp: {addr: %q, timeout: 2s}
robots: {timeout: 2s}
jobs: {tick: 1s, lease: 3s}
outbox: {claim_ttl: 8s, base_delay: 1s}
`, gate.addr)), 0o640); err != nil {
		t.Fatal(err)
	}
	env := s3.Env(bucket, "evidence")
	env["KAOHE_MYSQL_DSN"] = dsn
	env["KAOHE_CLOCK_START"] = start.Format(time.RFC3339)
	// One anchor, so that the three clocks agree: started one after the
	// other, each on its own start instant, they would disagree by seconds,
	// and a server ahead would take the others' claims and the lease
	// before they ran out.
	env["KAOHE_CLOCK_ANCHOR"] = time.Now().UTC().Format(time.RFC3339Nano)
	var servers []*serverProcess
	for i := range 3 {
		servers = append(servers, startServer(t, fmt.Sprintf("server %d", i+1), t.TempDir(), config, env))
	}
	s1, s2, s3addr := servers[0].addr, servers[1].addr, servers[2].addr

	// A unit uploads through server 1 and downloads through server 3.
	unit := signIn(t, s1, "gjz", "unit-password")
	node := unit.firstNode("gjz")
	content := evidenceFile(t, 5<<20, "three servers")
	began := time.Now()
	resp, b := unit.upload(node, "活动照片汇编.pdf", content)
	uploadTime := time.Since(began)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload through server 1: %d %s", resp.StatusCode, b)
	}
	var reported nodeView
	json.Unmarshal(b, &reported)
	onThree := *unit
	onThree.base = "http://" + s3addr
	began = time.Now()
	resp, got := onThree.do("GET", fmt.Sprintf("/api/v1/evidence/%d", reported.Evidence[0].ID), nil, "")
	downloadTime := time.Since(began)
	if resp.StatusCode != 200 || sha(got) != sha(content) {
		t.Fatalf("download through server 3 with server 1's token: %d, %d bytes", resp.StatusCode, len(got))
	}

	// The office reviews through server 2.
	office := signIn(t, s2, "admin", "office-password")
	var queue []nodeView
	if code := office.json("GET", "/api/v1/plans/2019/reviews", nil, &queue); code != 200 || len(queue) != 1 || queue[0].ID != node {
		t.Fatalf("review queue on server 2: %d %+v", code, queue)
	}
	var reviewed nodeView
	if code := office.json("POST", fmt.Sprintf("/api/v1/nodes/%d/review", node),
		map[string]any{"verdict": "accept", "points": 5, "comment": "材料齐全"}, &reviewed); code != 200 || reviewed.State != "accepted" {
		t.Fatalf("review through server 2: %d %+v", code, reviewed)
	}
	if n := onThree.node(node); n.State != "accepted" {
		t.Fatalf("server 3 sees the node %s", n.State)
	}

	// Five failed logins, spread over the servers, make the next attempt
	// from this address wait a second on every server (the failures are
	// rows of the shared database). The servers' clocks are real: on a
	// machine so slow that the second has passed, the attempt is simply
	// checked.
	for i := range 5 {
		if code := login(t, servers[i%3].addr, "leader", "wrong-password"); code != 401 {
			t.Fatalf("failed login %d: %d", i, code)
		}
	}
	fifth := time.Now()
	if code := login(t, s3addr, "leader", "viewer-password"); code != http.StatusTooManyRequests && time.Since(fifth) < 900*time.Millisecond {
		t.Fatalf("login after 5 failures elsewhere: %d, want 429", code)
	}

	// Requests spread over the three servers, 6 clients at once.
	const requests = 600
	began = time.Now()
	var wg sync.WaitGroup
	var failed sync.Map
	for c := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			for i := c; i < requests; i += 6 {
				req, _ := http.NewRequest("GET", "http://"+servers[i%3].addr+"/api/v1/plans/2019/units/gjz/nodes", nil)
				req.Header.Set("Authorization", "Bearer "+unit.token)
				resp, err := client.Do(req)
				if err != nil {
					failed.Store(i, err.Error())
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Store(i, resp.Status)
				}
			}
		}()
	}
	wg.Wait()
	burst := time.Since(began)
	failed.Range(func(k, v any) bool { t.Errorf("request %v: %v", k, v); return false })

	// The leader has enqueued the day's reminders; the gate has let 8
	// through. Once those are marked sent, kill the leader.
	waitFor(t, "8 reminders accepted and marked sent, the next sender held", func() bool {
		received, held := gate.state()
		return received == accepted && held > 0 && outboxStates(t, raw)[workflow.OutboxSent] == accepted
	})
	holder := leaseHolder(t, raw)
	m := holderPID.FindStringSubmatch(holder)
	if m == nil {
		t.Fatalf("lease holder %q has no pid", holder)
	}
	pid, _ := strconv.Atoi(m[1])
	var leader *serverProcess
	for _, s := range servers {
		if s.cmd.Process.Pid == pid {
			leader = s
		}
	}
	if leader == nil {
		t.Fatalf("the lease holder %q is none of the servers", holder)
	}
	if c := outboxStates(t, raw); c[workflow.OutboxPending] != 26-accepted {
		t.Fatalf("outbox before the kill: %v", c)
	}
	if err := leader.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-leader.exited
	gate.Release()
	waitFor(t, "another server holds the lease", func() bool { return leaseHolder(t, raw) != holder })
	handover := time.Since(killed)
	waitFor(t, "every reminder sent", func() bool { return outboxStates(t, raw)[workflow.OutboxSent] == 26 })
	drained := time.Since(killed)

	keys := gate.keys()
	slices.Sort(keys)
	if !slices.Equal(keys, want) {
		t.Errorf("the SMTP server received %d messages:\n%s\nwant each of the %d reminders once:\n%s",
			len(keys), strings.Join(keys, "\n"), len(want), strings.Join(want, "\n"))
	}
	if c := outboxStates(t, raw); c[workflow.OutboxSent] != 26 || len(c) != 1 {
		t.Errorf("outbox %v, want 26 sent", c)
	}
	if handover > 10*time.Second {
		t.Errorf("the lease moved %s after the kill; lease 3 s, tick 1 s", handover)
	}
	t.Logf("killed %s (the leader) after %d of %d reminders; the lease moved in %s; all sent %s after the kill",
		leader.name, accepted, len(want), handover.Round(10*time.Millisecond), drained.Round(10*time.Millisecond))
	t.Logf("upload of %.0f MiB through server 1 into the bucket: %s; download through server 3: %s; %d API reads over 3 servers (6 clients): %s, %.0f/s",
		float64(len(content))/(1<<20), uploadTime.Round(time.Millisecond), downloadTime.Round(time.Millisecond),
		requests, burst.Round(time.Millisecond), requests/burst.Seconds())
}
