// Package testenv holds what the tests of several packages need of the
// machine and of the files kaohe writes. A real part that a test needs
// (MariaDB, versitygw, LibreOffice, Chromium) and that is not installed
// skips the test, except under CI=true, where it fails it: a suite must
// not pass in CI by skipping what it tests. The servers the tests start
// listen on free loopback ports. Fixtures are JSON files; mail the program
// wrote without an SMTP server is .eml files (Mails).
package testenv

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// Do sends req with the default client and returns the status, the
// headers and the whole body; a request that cannot be sent fails t.
func Do(t testing.TB, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

// Get is Do of a GET of url, with headers given as name, value, ….
func Get(t testing.TB, url string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return Do(t, req)
}

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

// Mail is one message of a mail folder: an .eml file as the mail sender
// writes it into DATA/outbox when no SMTP server is configured.
type Mail struct {
	File string
	// Key is the outbox's unique key (X-Kaohe-Key); To the To header as
	// written; Subject the decoded subject.
	Key, To, Subject string
}

// Mails reads every .eml file of dir, in name order, or fails t.
func Mails(t testing.TB, dir string) []Mail {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []Mail
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		out = append(out, Mail{File: f, Key: m.Header.Get("X-Kaohe-Key"), To: m.Header.Get("To"), Subject: subject})
	}
	return out
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
