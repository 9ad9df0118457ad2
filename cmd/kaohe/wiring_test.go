package main

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaohe/configs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// release certifies and releases the submitted tables of units, so that
// their nodes exist, and marks every node of gjz due on due as reported.
func release(t *testing.T, dir string, units []string, reportedDue string) {
	t.Helper()
	releaseStore(t, dirConfig(dir), units, reportedDue)
}

// releaseStore is release on any database; reportedDue "" reports nothing.
func releaseStore(t *testing.T, cfg *configs.Config, units []string, reportedDue string) {
	t.Helper()
	ctx := context.Background()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	clock := workflow.NewManualClock(time.Date(2019, 6, 17, 10, 0, 0, 0, sh))
	a := openWith(t, cfg, clock)
	defer a.Close(ctx)
	svc, db := a.Service, a.Store
	office := service.Actor{Username: "admin", Role: workflow.RoleOffice}
	for _, u := range units {
		if _, err := svc.Certify(ctx, office, 2019, u, service.CertifyRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Release(ctx, office, 2019); err != nil {
		t.Fatal(err)
	}
	if reportedDue == "" {
		return
	}
	due := workflow.MustDate(reportedDue)
	err := db.Update(ctx, func(tx service.Tx) error {
		ns, err := tx.Nodes(service.NodeFilter{Year: 2019, Unit: "gjz"})
		if err != nil {
			return err
		}
		for _, n := range ns {
			if n.Due != due {
				continue
			}
			at := clock.Now().UTC()
			prev := n.Version
			n.State, n.ReportedAt, n.Version = workflow.NodeReported, &at, n.Version+1
			if err := tx.UpdateNode(&n, prev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestJobsReadTheRealRecords: the server's jobs read the execution records
// without any test hook. On Friday June 28 2019 (the 1-day reminder for
// Sunday June 30), zs, whose June 30 nodes have no report, is reminded of
// them by name, and gjz, which reported every one, is not; a member
// information system export dropped in DATA/import becomes gjz's June
// count.
func TestJobsReadTheRealRecords(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed(t, dir, []string{"gjz", "zs"})
	release(t, dir, []string{"gjz", "zs"}, "2019-06-30")
	if err := os.MkdirAll(filepath.Join(dir, "import"), 0o750); err != nil {
		t.Fatal(err)
	}
	csv := "unit,month,count\n甘井子区总工会,2019-06,12034\n"
	if err := os.WriteFile(filepath.Join(dir, "import", "members-2019-06.csv"), []byte(csv), 0o640); err != nil {
		t.Fatal(err)
	}

	m := startMain(t, map[string]string{
		"KAOHE_DATA": dir, "KAOHE_ADDR": "127.0.0.1:0", "KAOHE_ADMIN_PASSWORD": "admin-password",
		"KAOHE_CLOCK_START": "2019-06-28T09:30:00+08:00",
	})
	defer m.Close()

	checkpoint := func(unit string) []string {
		var out []string
		for to, subjects := range outboxMails(t, dir) {
			for _, s := range subjects {
				if strings.HasPrefix(s, "reminder/"+unit+"/checkpoint:2019-06-30/1/") {
					out = append(out, to)
				}
			}
		}
		return out
	}
	waitFor(t, "zs reminded of its June 30 nodes", func() bool { return len(checkpoint("zs")) == 2 })
	if got := checkpoint("gjz"); len(got) != 0 {
		t.Fatalf("gjz reported every June 30 node and was reminded: %v", got)
	}
	body := emlBody(t, dir, "staff@zs.example.cn", "checkpoint:2019-06-30")
	if !strings.Contains(body, "P1「开展“不忘初心、牢记使命”主题教育」6月30日节点（7分）尚未报送佐证材料") {
		t.Fatalf("the reminder does not list the open nodes:\n%s", body)
	}
	// It ends with the office's contacts from the plan, whom the unit may
	// call, as the notice ends with them.
	const office = "如有疑问，请联系：林浩 82610211 547143449@qq.com；张慧 82637411 1291529912@qq.com。"
	if i := strings.Index(body, office); i < 0 || strings.Index(body, "尚未报送佐证材料") > i {
		t.Fatalf("the reminder does not end with the office's contacts:\n%s", body)
	}

	waitFor(t, "the export imported", func() bool {
		_, err := os.Stat(filepath.Join(dir, "import", "done", "members-2019-06.csv"))
		return err == nil
	})
	counts := read(t, m, func(tx service.Tx) ([]workflow.MonthlyReport, error) { return tx.MonthlyReports(2019) })
	if len(counts) != 1 || counts[0].Unit != "gjz" || counts[0].Count != 12034 || counts[0].Source != workflow.SourceImport {
		t.Fatalf("imported counts %+v", counts)
	}
}

// TestYearEndScoringRunsOnItsOwn: at the plan's scoring time (2019-12-20
// 09:00) the server stores one scoring run by itself, and a restart does not
// store another.
func TestYearEndScoringRunsOnItsOwn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed(t, dir, []string{"gjz"})
	release(t, dir, []string{"gjz"}, "2019-06-30")
	env := map[string]string{
		"KAOHE_DATA": dir, "KAOHE_ADDR": "127.0.0.1:0", "KAOHE_ADMIN_PASSWORD": "admin-password",
		"KAOHE_CLOCK_START": "2019-12-20T09:00:30+08:00",
	}
	runs := func(m *Main) []workflow.ScoringRun {
		return read(t, m, func(tx service.Tx) ([]workflow.ScoringRun, error) { return tx.ScoringRuns(2019) })
	}
	m := startMain(t, env)
	waitFor(t, "a scoring run", func() bool { return len(runs(m)) == 1 })
	if rs := runs(m); rs[0].CreatedBy != service.SystemActor.Username || rs[0].Published {
		t.Fatalf("run %+v", rs[0])
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := startMain(t, env)
	defer m2.Close()
	waitFor(t, "the jobs ran again", func() bool {
		return metric(t, m2, `kaohe_job_runs_total{job="scoring",result="ok"}`) != ""
	})
	if n := len(runs(m2)); n != 1 {
		t.Fatalf("%d runs after a restart", n)
	}
}

// emlBody returns the decoded text of the message to addr whose key
// mentions deadline.
func emlBody(t *testing.T, dir, addr, deadline string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if strings.Contains(s, addr) && strings.Contains(s, deadline) {
			return textOf(t, b)
		}
	}
	t.Fatalf("no message to %s for %s", addr, deadline)
	return ""
}

// textOf decodes every text part of a MIME message into one string.
func textOf(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var walk func(h textproto.MIMEHeader, body io.Reader)
	walk = func(h textproto.MIMEHeader, body io.Reader) {
		mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
		if strings.HasPrefix(mt, "multipart/") {
			r := multipart.NewReader(body, params["boundary"])
			for {
				p, err := r.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header, p)
			}
		}
		if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		b, _ := io.ReadAll(body)
		out.Write(b)
	}
	walk(textproto.MIMEHeader(m.Header), m.Body)
	return out.String()
}

// read returns what fn reads from the store of m.
func read[T any](t *testing.T, m *Main, fn func(tx service.Tx) (T, error)) T {
	t.Helper()
	var v T
	err := m.App.Store.View(context.Background(), func(tx service.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
