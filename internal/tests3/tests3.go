// Package tests3 gives tests an S3-compatible object store: versitygw, an
// S3 gateway over a POSIX directory, run on a loopback port over a
// temporary directory, as package testdb runs MariaDB.
//
// Start runs one gateway for the calling test and stops it when the test
// ends; each Bucket call makes a new, empty bucket on it (a subdirectory of
// the gateway's directory). A test can Stop the gateway and Start it again
// on the same port and directory, to see what an outage does.
//
// The versitygw binary is looked up on PATH, then in $(go env GOBIN) and
// $(go env GOPATH)/bin, where `go install github.com/versity/versitygw/cmd/versitygw@v1.8.0`
// puts it. Without it the test is skipped, except with CI=true in the
// environment, where it fails.
package tests3

import (
	"context"
	"fmt"
	"go/build"
	"kaohe/internal/testenv"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// startTimeout bounds how long the gateway may take to accept connections.
const startTimeout = 20 * time.Second

// Server is a running versitygw. Its zero value is not usable: use Start.
type Server struct {
	// Endpoint is the gateway's URL, http://127.0.0.1:PORT.
	Endpoint string
	// AccessKey and SecretKey are the root credentials every request must
	// be signed with (an unsigned request gets 403).
	AccessKey, SecretKey string
	// Dir holds the buckets: each subdirectory is one.
	Dir string

	bin    string
	addr   string
	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	log    *os.File
}

// Binary returns the path of versitygw, or an error saying where it was
// looked for.
func Binary() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	gobin, gopath := os.Getenv("GOBIN"), build.Default.GOPATH
	// `go env` also knows the values set with `go env -w`.
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		if lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"); len(lines) == 2 {
			gobin, gopath = strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1])
		}
	}
	var dirs []string
	if gobin != "" {
		dirs = append(dirs, gobin)
	}
	for _, gp := range filepath.SplitList(gopath) {
		dirs = append(dirs, filepath.Join(gp, "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("versitygw not found on PATH or in %s (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)", strings.Join(dirs, ", "))
}

// Start runs a gateway for t on a free loopback port over a temporary
// directory, and stops it when t ends. It skips t when versitygw is not
// installed, unless CI=true, where it fails.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		testenv.Missing(t, "versitygw (S3)", err)
	}
	dir := t.TempDir()
	s := &Server{AccessKey: "kaohe-test-" + testenv.RandomHex(4), SecretKey: testenv.RandomHex(20), Dir: filepath.Join(dir, "buckets"), bin: bin}
	if err := os.Mkdir(s.Dir, 0o750); err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(filepath.Join(dir, "versitygw.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.log = log
	t.Cleanup(func() {
		s.Stop()
		log.Close()
	})
	for attempt := 0; ; attempt++ {
		port, err := testenv.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		s.Endpoint = "http://" + s.addr
		err = s.run()
		if err == nil {
			return s
		}
		s.Stop()
		if attempt == 2 {
			t.Fatalf("start versitygw: %v\n%s", err, s.Log())
		}
	}
}

// Bucket creates a new, empty bucket and returns its name.
func (s *Server) Bucket(t testing.TB) string {
	t.Helper()
	name := "kaohe-" + testenv.RandomHex(6)
	if err := os.Mkdir(filepath.Join(s.Dir, name), 0o750); err != nil {
		t.Fatal(err)
	}
	return name
}

// Env returns the variables that point kaohe at bucket/prefix on this
// gateway: KAOHE_EVIDENCE_URL and the AWS ones.
func (s *Server) Env(bucket, prefix string) map[string]string {
	u := "s3://" + bucket
	if prefix != "" {
		u += "/" + prefix
	}
	return map[string]string{
		"KAOHE_EVIDENCE_URL":    u,
		"AWS_ENDPOINT_URL_S3":   s.Endpoint,
		"AWS_REGION":            "us-east-1",
		"AWS_ACCESS_KEY_ID":     s.AccessKey,
		"AWS_SECRET_ACCESS_KEY": s.SecretKey,
	}
}

// Stop kills the gateway (SIGKILL: an outage, not a shutdown) and waits
// for it to exit. It does nothing when the gateway is not running.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Restart starts a stopped gateway again on the same port and directory.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.run(); err != nil {
		t.Fatalf("restart versitygw: %v\n%s", err, s.Log())
	}
}

// Log returns the end of the gateway's output.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.log.Name())
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return strings.TrimSpace(string(b))
}

// run starts versitygw on s.addr and waits until it answers HTTP.
func (s *Server) run() error {
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		return fmt.Errorf("versitygw already running")
	}
	cmd := exec.Command(s.bin, "--port", s.addr, "--quiet", "posix", s.Dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()

	// Any HTTP answer (403 to an unsigned request) means it serves.
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/", nil)
		resp, err := client.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("versitygw exited at start")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("versitygw did not answer within %s: %v", startTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
