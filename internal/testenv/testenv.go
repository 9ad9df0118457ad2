// Package testenv holds what the tests of several packages need of the
// machine and of testdata/. A real part
// that a test needs (MariaDB, versitygw, LibreOffice, Chromium) and that is
// not installed skips the test, except under CI=true, where it fails it:
// a suite must not pass in CI by skipping what it tests. The servers the
// tests start listen on free loopback ports. Fixtures are JSON files.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// CI reports whether the tests run under CI=true.
func CI() bool {
	v, _ := strconv.ParseBool(os.Getenv("CI"))
	return v
}

// Missing ends t because the part it needs is missing (err says how):
// it skips t, or fails it under CI=true.
func Missing(t testing.TB, part string, err error) {
	t.Helper()
	if CI() {
		t.Fatalf("%s is required under CI=true: %v", part, err)
	}
	t.Skipf("%s tests skipped: %v", part, err)
}

// LibreOffice returns the LibreOffice program (soffice), or ends t as
// Missing without one (CI installs libreoffice-calc-nogui and
// libreoffice-writer-nogui).
func LibreOffice(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(t, "LibreOffice", exec.ErrNotFound)
	return ""
}

// ReadJSON decodes the JSON file at path into v, or fails t.
func ReadJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// RandomHex returns n random bytes in hex: names and keys that tests
// running at once do not share.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}
