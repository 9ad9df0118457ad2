package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaohe/internal/testenv"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// slowRequest sends head, waits pause, sends body, and returns the
// status line of the answer ("" when the server closed the connection).
func slowRequest(t *testing.T, addr, head string, body []byte, pause time.Duration) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	half := len(body) / 2
	conn.Write(body[:half])
	time.Sleep(pause)
	conn.Write(body[half:])
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line)
}

// TestSlowUploadOutlivesTheReadTimeout: with http.read_timeout at 1 s, an
// evidence upload whose body takes 3 s is received (its own
// http.upload_read_timeout), while a JSON body as slow is cut off by the
// read timeout. The wait is real: it is the server's timeout that is
// tested.
func TestSlowUploadOutlivesTheReadTimeout(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "kaohe.yaml")
	if err := os.WriteFile(cfgFile, []byte("http:\n  read_timeout: 1s\n  upload_read_timeout: 1m\nlogin:\n  bcrypt_cost: 4\njobs:\n  enabled: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	m := NewMain(envOf(map[string]string{"KAOHE_ADMIN_PASSWORD": "admin-password", "KAOHE_CLOCK_START": "2019-06-10T09:00:00+08:00"}), &stdout, &stderr)
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--config", cfgFile}); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	t.Cleanup(func() { m.Close() })

	ctx, svc := context.Background(), m.App.Service
	office := service.Actor{Username: "admin", Role: workflow.RoleOffice}
	unit := service.Actor{Username: "gjz", Role: workflow.RoleUnit, Unit: "gjz"}
	var doc workflow.Document
	testenv.ReadJSON(t, "../../testdata/submission-2019.json", &doc)
	if _, err := svc.CreateUnit(ctx, service.SystemActor, service.NewUnit{Code: "gjz", Name: "甘井子区总工会", Contacts: contacts("gjz")}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(ctx, service.SystemActor, service.NewUser{Username: "gjz", Password: "password-gjz", Role: workflow.RoleUnit, UnitCode: "gjz"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutSubmission(ctx, unit, 2019, "gjz", 0, doc); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Submit(ctx, unit, 2019, "gjz", service.SubmitRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Certify(ctx, office, 2019, "gjz", service.CertifyRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Release(ctx, office, 2019); err != nil {
		t.Fatal(err)
	}
	token, _, _, err := svc.Login(ctx, service.Credentials{Username: "gjz", Password: "password-gjz", Address: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://"+m.Addr+"/api/v1/plans/2019/units/gjz/nodes", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []struct{ ID int64 }
	json.NewDecoder(resp.Body).Decode(&nodes)
	resp.Body.Close()
	if len(nodes) == 0 {
		t.Fatal("no nodes")
	}

	pdf, err := os.ReadFile("../../testdata/evidence/会议纪要.pdf")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("files", "会议纪要.pdf")
	part.Write(pdf)
	w.Close()
	head := fmt.Sprintf("POST /api/v1/nodes/%d/evidence HTTP/1.1\r\nHost: kaohe\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		nodes[0].ID, token, w.FormDataContentType(), body.Len())
	if got := slowRequest(t, m.Addr, head, body.Bytes(), 3*time.Second); !strings.Contains(got, " 201 ") {
		t.Fatalf("a slow upload: %q, want 201", got)
	}

	contactsJSON, _ := json.Marshal(contacts("gjz"))
	head = fmt.Sprintf("PUT /api/v1/units/gjz/contacts HTTP/1.1\r\nHost: kaohe\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		token, len(contactsJSON))
	if got := slowRequest(t, m.Addr, head, contactsJSON, 3*time.Second); strings.Contains(got, " 200 ") {
		t.Fatalf("a JSON body as slow was read to the end: %q", got)
	}
}
