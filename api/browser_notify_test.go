package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"kaohe/jobs"
)

// refusingMailer accepts every message except those whose outbox key starts
// with one of refuse, which the mail server refuses for good, as a server
// does for a mistyped address.
type refusingMailer struct {
	refuse []string
	sent   []string
}

func (m *refusingMailer) Send(_ context.Context, mail *jobs.Mail) error {
	for _, k := range m.refuse {
		if strings.HasPrefix(mail.Key, k) {
			return fmt.Errorf("gomail: could not send email 1: 550 5.1.1 <%s>: Recipient address rejected: User unknown", mail.To)
		}
	}
	m.sent = append(m.sent, mail.Key)
	return nil
}

func (m *refusingMailer) Close() error { return nil }

// mailRow is one row of a mail table as the page shows it.
type mailRow struct {
	ID       int64  `json:"id"`
	State    string `json:"state"`
	Text     string `json:"text"`
	Attempts string `json:"attempts"`
	Error    string `json:"error"`
	Resend   bool   `json:"resend"`
}

func (b *tab) mailRows(table string) []mailRow {
	b.t.Helper()
	return evalJSON[[]mailRow](b, `[...document.querySelectorAll('#`+table+` tr[data-id]')].map(r => ({
		id: Number(r.dataset.id), state: r.dataset.state, text: r.innerText,
		attempts: r.querySelector('[data-attempts]').innerText, error: r.querySelector('.mail-error').innerText,
		resend: !!r.querySelector('button[data-action="resend"]')}))`)
}

// counts reads the count cards of the mail page.
func (b *tab) mailCounts() map[string]string {
	b.t.Helper()
	return evalJSON[map[string]string](b, `Object.fromEntries([...document.querySelectorAll('#mail-counts [data-count]')].map(e => [e.dataset.count, e.innerText]))`)
}

// TestBrowserNotifications: the reminders of June 12 2019 go to the two
// contacts of both units; on June 14 the overdue notices and the office
// digest go out, and the mail server refuses one of gjz's addresses. The
// office sees the banner on the overview, opens the mail page, finds the
// failed message with its error first, resends it and sees it pending,
// which the API confirms; filters by unit and state narrow the
// lists. A unit and a viewer have no link and get the API's 403 message.
func TestBrowserNotifications(t *testing.T) {
	e := newEnv(t, "sqlite")
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.clock.Set(time.Date(2019, 6, 12, 10, 0, 0, 0, shanghai))
	pass := &jobs.Reminders{Service: e.svc, Log: quiet}
	if n, err := pass.Run(ctx); err != nil || n != 4 {
		t.Fatalf("June 12 reminder pass: %d messages, %v; want 4 (2 contacts of 2 units)", n, err)
	}
	// The overdue notice is refused, not the reminder: a reminder whose
	// deadline has passed may not be resent (it would announce a deadline
	// that is over), while an overdue notice stays valid for a week.
	mailer := &refusingMailer{refuse: []string{"overdue/gjz/submission:2019-06-13/0/liting@"}}
	d := &jobs.Dispatcher{Store: e.app.Store, Clock: e.clock, Mailer: mailer, From: "kaohe@dl.example.cn", Attempts: 1, Log: quiet}
	if n, err := d.RunOnce(ctx); err != nil || n != 4 {
		t.Fatalf("June 12 dispatch: %d sent, %v; want 4", n, err)
	}
	e.clock.Set(time.Date(2019, 6, 14, 10, 0, 0, 0, shanghai))
	if n, err := pass.Run(ctx); err != nil || n != 5 {
		t.Fatalf("June 14 pass: %d messages, %v; want 4 overdue notices and the digest", n, err)
	}
	if n, err := d.RunOnce(ctx); err != nil || n != 4 {
		t.Fatalf("June 14 dispatch: %d sent, %v; want 4 (one overdue notice refused)", n, err)
	}
	refusedAt := e.clock.Now()
	var failed []notification
	e.mustDecode("GET", "/api/v1/notifications?state=failed", "office", nil, 200, &failed)
	if len(failed) != 1 || failed[0].Recipient != "liting@gjz.example.cn" || failed[0].Unit != "gjz" {
		t.Fatalf("failed messages: %+v", failed)
	}
	failedID := failed[0].ID

	office := e.browse()
	office.login("admin", "admin-password")

	t.Run("the overview warns of the failed message and links to the mail page", func(t *testing.T) {
		office := office.as(t)
		office.waitFor(`document.querySelector('#mail-banner')`)
		if msg := office.text("#mail-banner"); !strings.Contains(msg, "有1条消息（邮件或工作群消息）发送失败") {
			t.Fatalf("banner = %q", msg)
		}
		office.screenshot("notify-banner")
		office.click(`#mail-banner a[href="#/notify"]`)
		office.waitFor(`document.querySelector('#failed-mail')`)
		if n := evalJSON[int](office, `document.querySelectorAll('#nav a[href="#/notify"]').length`); n != 1 {
			t.Errorf("the office has %d links to the mail page", n)
		}
	})

	t.Run("the failed message comes first, with its error, attempts and time", func(t *testing.T) {
		office := office.as(t)
		first := evalJSON[string](office, `document.querySelector('#app section').id`)
		if first != "failed-section" {
			t.Errorf("first section is %q, want the failed messages", first)
		}
		want := map[string]string{"failed": "1", "pending": "0", "sent": "8", "expired": "0", "all": "9"}
		if got := office.mailCounts(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("counts = %v, want %v", got, want)
		}
		rows := office.mailRows("failed-mail")
		if len(rows) != 1 || rows[0].ID != failedID || rows[0].State != "failed" || !rows[0].Resend || rows[0].Attempts != "1" {
			t.Fatalf("failed rows: %+v", rows)
		}
		when := refusedAt.In(shanghai)
		for _, want := range []string{"甘井子区总工会", "李婷", "liting@gjz.example.cn", "逾期通知", "指标表报送（2019年6月13日截止）", "—", "发送失败",
			fmt.Sprintf("失败于 %d年%d月%d日 %02d:%02d", when.Year(), when.Month(), when.Day(), when.Hour(), when.Minute())} {
			if !strings.Contains(rows[0].Text, want) {
				t.Errorf("failed row lacks %q: %s", want, rows[0].Text)
			}
		}
		if !strings.Contains(rows[0].Error, "550 5.1.1") {
			t.Errorf("error shown = %q", rows[0].Error)
		}
		// The list of all messages shows the digest as the office's and the
		// overdue notices without lead days.
		all := office.mailRows("mail-list")
		if len(all) != 9 {
			t.Fatalf("%d messages listed, want 9", len(all))
		}
		var digest, overdue int
		for _, r := range all {
			if strings.Contains(r.Text, "汇总") && strings.Contains(r.Text, "（办公室汇总）") && strings.Contains(r.Text, "office@dl.example.cn") {
				digest++
			}
			if strings.Contains(r.Text, "逾期通知") && strings.Contains(r.Text, "—") {
				overdue++
			}
		}
		if digest != 1 || overdue != 4 {
			t.Errorf("%d digests and %d overdue notices shown, want 1 and 4", digest, overdue)
		}
		office.screenshot("notify-page")
	})

	t.Run("resend puts it back in the queue: the row shows pending", func(t *testing.T) {
		office := office.as(t)
		office.click(fmt.Sprintf(`#failed-mail button[data-action="resend"][data-id="%d"]`, failedID))
		office.waitFor(fmt.Sprintf(`document.querySelector('#failed-mail tr[data-id="%d"]').dataset.state === "pending"`, failedID))
		rows := office.mailRows("failed-mail")
		if len(rows) != 1 || !strings.Contains(rows[0].Text, "待发送") || rows[0].Attempts != "0" || rows[0].Resend {
			t.Fatalf("after resend: %+v", rows)
		}
		if got := office.mailCounts(); got["failed"] != "0" || got["pending"] != "1" {
			t.Errorf("counts after resend = %v", got)
		}
		if msg := office.text("#result"); !strings.Contains(msg, "liting@gjz.example.cn") {
			t.Errorf("result says %q", msg)
		}
		office.screenshot("notify-resent")
		var pending []notification
		e.mustDecode("GET", "/api/v1/notifications?state=pending&unit=gjz", "office", nil, 200, &pending)
		found := false
		for _, m := range pending {
			if m.ID == failedID {
				found = true
				if m.Attempts != 0 {
					t.Errorf("resent message has %d attempts, want 0", m.Attempts)
				}
			}
		}
		if !found {
			t.Fatalf("the resent message is not pending in the API: %+v", pending)
		}
	})

	t.Run("filters by unit and state", func(t *testing.T) {
		office := office.as(t)
		office.selectValue(`#mail-filter select[data-nfilter="unit"]`, "zs")
		office.waitFor(`document.querySelector('#no-failed') && document.querySelectorAll('#mail-list tr[data-id]').length === 4`)
		if got := office.mailCounts(); got["all"] != "4" || got["sent"] != "4" || got["pending"] != "0" {
			t.Errorf("zs counts = %v", got)
		}
		for _, r := range office.mailRows("mail-list") {
			if !strings.Contains(r.Text, "中山区总工会") {
				t.Errorf("another unit's message under zs: %s", r.Text)
			}
		}
		office.selectValue(`#mail-filter select[data-nfilter="state"]`, "sent")
		office.waitFor(`document.querySelectorAll('#mail-list tr[data-id]').length === 4 && [...document.querySelectorAll('#mail-list tr[data-id]')].every(r => r.dataset.state === "sent")`)
		office.selectValue(`#mail-filter select[data-nfilter="unit"]`, "")
		office.waitFor(`document.querySelectorAll('#mail-list tr[data-id]').length === 8`)
	})

	t.Run("with nothing failed the overview has no banner", func(t *testing.T) {
		office := office.as(t)
		office.goTo("#/tables")
		office.waitFor(`document.querySelectorAll('#overview tr[data-unit]').length === 2`)
		if n := evalJSON[int](office, `document.querySelectorAll('#mail-banner').length`); n != 0 {
			t.Fatalf("banner still shown")
		}
	})

	_, body := e.do("GET", "/api/v1/notifications/counts", "unitA", nil)
	forbidden := decodeError(t, body).Error.Message
	for _, who := range []struct{ name, user, password string }{{"unit", "gjz", "password-gjz"}, {"viewer", "leader", "password-leader"}} {
		t.Run("a "+who.name+" has no link and gets the API's 403 message", func(t *testing.T) {
			b := e.browse().as(t)
			b.login(who.user, who.password)
			b.waitFor(`document.querySelector('#todo, #app .ok')`)
			if n := evalJSON[int](b, `document.querySelectorAll('#nav a[href="#/notify"], #mail-banner').length`); n != 0 {
				t.Errorf("%d links to the mail page", n)
			}
			b.goTo("#/notify")
			b.waitFor(`document.querySelector('#app .error')`)
			if msg := b.text("#app .error strong"); msg != forbidden {
				t.Errorf("page says %q, want the API's %q", msg, forbidden)
			}
			if n := evalJSON[int](b, `document.querySelectorAll('#failed-mail, #mail-list').length`); n != 0 {
				t.Errorf("the mail tables are shown")
			}
		})
	}
}
