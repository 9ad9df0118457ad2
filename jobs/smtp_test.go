package jobs_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// smtpServer is a real SMTP server on loopback (emersion/go-smtp) that
// keeps every message it accepted.
type smtpServer struct {
	t    testing.TB
	addr string
	srv  *smtp.Server
	ln   net.Listener

	mu       sync.Mutex
	received []received
	sessions int
	// open counts the sessions not closed yet. limit, when positive,
	// refuses a session beyond it (451 at EHLO), as a server that limits
	// the connections of one client does.
	open  int
	limit int
	// reject makes RCPT fail with 550 for these addresses.
	reject map[string]bool
	// tlsConfig, set before (re)start, makes the server offer STARTTLS.
	tlsConfig *tls.Config
	// noPipelining, set before (re)start, hides PIPELINING from the EHLO
	// reply, as an older server's would be.
	noPipelining bool
	// hold, when set, holds the first holdN senders at MAIL FROM until it
	// is closed (a server that stalls); held counts the senders it held.
	hold  chan struct{}
	holdN int
	held  int
}

// hidePipelining is a listener whose connections drop the PIPELINING line
// from what the server writes (go-smtp always offers it).
type hidePipelining struct{ net.Listener }

func (l hidePipelining) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return pipelineHidden{c}, nil
}

type pipelineHidden struct{ net.Conn }

func (c pipelineHidden) Write(b []byte) (int, error) {
	out := bytes.Replace(b, []byte("250-PIPELINING\r\n"), nil, 1)
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

type received struct {
	From string
	To   []string
	Data []byte
	// TLS: the message came over a connection upgraded by STARTTLS.
	TLS bool
}

// startSMTP listens on addr ("127.0.0.1:0" for a free port).
func startSMTP(t testing.TB, addr string) *smtpServer {
	t.Helper()
	s := &smtpServer{t: t, reject: map[string]bool{}}
	s.listen(addr)
	t.Cleanup(s.Close)
	return s
}

func (s *smtpServer) listen(addr string) {
	s.t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.t.Fatal(err)
	}
	s.addr, s.ln = ln.Addr().String(), ln
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.TLSConfig = s.tlsConfig
	if s.noPipelining {
		ln = hidePipelining{ln}
	}
	srv.ErrorLog = log.New(io.Discard, "", 0) // a killed client's reset is expected
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	s.srv = srv
	go srv.Serve(ln)
}

// Close stops the server (connections are refused until restart).
func (s *smtpServer) Close() {
	if s.srv != nil {
		s.srv.Close()
		s.ln.Close() // Serve may not have taken the listener over yet
		s.srv = nil
	}
}

// restart listens again on the same address.
func (s *smtpServer) restart() { s.listen(s.addr) }

// NewSession is the go-smtp Backend.
func (s *smtpServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limit > 0 && s.open >= s.limit {
		return nil, errors.New("too many connections from your host")
	}
	s.sessions++
	s.open++
	return &session{srv: s, conn: c}, nil
}

// waitIdle waits until every session is closed, so that whatever a client
// had handed over before it died has been received (or dropped, when its
// end never came), and reports false after timeout.
func (s *smtpServer) waitIdle(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		open := s.open
		s.mu.Unlock()
		if open == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

type session struct {
	srv  *smtpServer
	conn *smtp.Conn
	from string
	to   []string
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }
func (ss *session) Logout() error {
	ss.srv.mu.Lock()
	ss.srv.open--
	ss.srv.mu.Unlock()
	return nil
}
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	ss.srv.mu.Lock()
	hold := ss.srv.hold
	if hold != nil && ss.srv.held < ss.srv.holdN {
		ss.srv.held++
	} else {
		hold = nil
	}
	ss.srv.mu.Unlock()
	if hold != nil {
		<-hold
	}
	return nil
}
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.srv.mu.Lock()
	bad := ss.srv.reject[to]
	ss.srv.mu.Unlock()
	if bad {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	ss.to = append(ss.to, to)
	return nil
}
func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.srv.mu.Lock()
	_, isTLS := ss.conn.TLSConnectionState()
	ss.srv.received = append(ss.srv.received, received{From: ss.from, To: ss.to, Data: b, TLS: isTLS})
	ss.srv.mu.Unlock()
	return nil
}

// parsed is a received mail, decoded as a mail client would.
type parsed struct {
	Subject string
	To      *mail.Address
	Key     string
	Text    string
	HTML    string
}

func parseMail(t testing.TB, data []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	var p parsed
	dec := new(mime.WordDecoder)
	if p.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	if p.To, err = mail.ParseAddress(m.Header.Get("To")); err != nil {
		t.Fatal(err)
	}
	p.Key = m.Header.Get("X-Kaohe-Key")
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q: %v", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = part
		if part.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			r = quotedprintable.NewReader(part)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if cp["charset"] != "UTF-8" {
			t.Errorf("part %s charset %q", ct, cp["charset"])
		}
		switch ct {
		case "text/plain":
			p.Text = string(b)
		case "text/html":
			p.HTML = string(b)
		}
	}
	return p
}

// TestSMTPDelivery sends the June 12 reminders of a unit that has not
// submitted through the SMTP mailer to a real server on loopback, and reads
// them back as a mail client would: the Chinese subject decoded from RFC
// 2047, each contact its own To:, a plain-text and an HTML part saying
// what is owed, and, with one connection allowed, one for all of them.
func TestSMTPDelivery(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "127.0.0.1:0")
	w := newWorld(t, "sqlite", at(6, 12, 9, 0))
	for _, u := range w.units {
		if u.Code != "gjz" {
			w.draft(u.Code)
			w.submit(u.Code)
		}
	}
	ctx := context.Background()
	if n, err := w.reminders().Run(ctx); err != nil || n != 2 {
		t.Fatalf("reminder pass: %d messages, %v", n, err)
	}
	m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: 5 * time.Second}
	d := &jobs.Dispatcher{Store: w.db, Clock: w.clock, Mailer: m, From: "kaohe@dlzgh.example.cn", Connections: 1}
	if n, err := d.RunOnce(ctx); err != nil || n != 2 {
		t.Fatalf("dispatch: %d sent, %v", n, err)
	}
	m.Close()
	msgs := srv.messages()
	if len(msgs) != 2 || srv.sessions != 1 {
		t.Fatalf("%d messages in %d sessions, want 2 in 1", len(msgs), srv.sessions)
	}
	for i, c := range contactsOf("gjz") {
		p := parseMail(t, msgs[i].Data)
		if p.Subject != "【考核提醒】甘井子区总工会：2019年度实绩考核指标表报送将于2019年6月13日（星期四） 17:30截止" {
			t.Errorf("subject %q", p.Subject)
		}
		if p.To.Address != c.Email || p.To.Name != c.Name || len(msgs[i].To) != 1 || msgs[i].To[0] != c.Email {
			t.Errorf("To %v (envelope %v), want %s <%s>", p.To, msgs[i].To, c.Name, c.Email)
		}
		if p.Key != "reminder/gjz/submission:2019-06-13/1/"+c.Email {
			t.Errorf("key %q", p.Key)
		}
		for name, body := range map[string]string{"text": p.Text, "html": p.HTML} {
			for _, want := range []string{c.Name + "，您好", "指标表（党建、业务、创新指标）及督查工作联系人尚未报送", "2019年6月12日 09:00"} {
				if !strings.Contains(body, want) {
					t.Errorf("%s part lacks %q:\n%s", name, want, body)
				}
			}
		}
		if !strings.Contains(p.HTML, "<li>") {
			t.Errorf("html part is not HTML: %s", p.HTML)
		}
	}
}

// TestSMTPTimeouts: a server that accepts and never greets, or goes silent
// after the greeting, makes Send fail within the timeout (gomail's own
// dialer would wait forever) with ErrUnavailable, so no attempt is counted.
func TestSMTPTimeouts(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	m := &jobs.SMTPMailer{Addr: ln.Addr().String(), Timeout: 300 * time.Millisecond}
	start := time.Now()
	err = m.Send(context.Background(), &jobs.Mail{From: "a@b.cn", To: "c@d.cn", Subject: "测试", Text: "正文"})
	if !errors.Is(err, jobs.ErrUnavailable) {
		t.Fatalf("silent server: %v, want ErrUnavailable", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("gave up after %v, want about the 300ms timeout", el)
	}
}

// TestSMTPSendWithinDeadline: no step outlives the deadline of Send's ctx
// (a dispatcher's claim), whatever the timeout; a server that did not
// answer MAIL FROM by then had nothing handed over (ErrUnavailable), and
// the connection it held is closed: released, it delivers nothing.
func TestSMTPSendWithinDeadline(t *testing.T) {
	t.Parallel()
	for _, pipelining := range []bool{true, false} {
		t.Run(fmt.Sprintf("pipelining=%v", pipelining), func(t *testing.T) {
			srv := &smtpServer{t: t, reject: map[string]bool{}, noPipelining: !pipelining, hold: make(chan struct{}), holdN: 1}
			srv.listen("127.0.0.1:0")
			t.Cleanup(srv.Close)
			m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: time.Minute}
			defer m.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := m.Send(ctx, &jobs.Mail{From: "a@b.cn", To: "c@d.cn", Subject: "测试", Text: "正文", HTML: "<p>正文</p>", Key: "held"})
			if !errors.Is(err, jobs.ErrUnavailable) {
				t.Fatalf("held at MAIL FROM: %v, want ErrUnavailable", err)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Fatalf("gave up after %v, want about the 300ms deadline", el)
			}
			close(srv.hold)
			if !srv.waitIdle(10 * time.Second) {
				t.Fatal("the held session is still open")
			}
			// The next message goes out over a new connection.
			if err := m.Send(context.Background(), &jobs.Mail{From: "a@b.cn", To: "c@d.cn", Subject: "测试", Text: "正文", HTML: "<p>正文</p>", Key: "next"}); err != nil {
				t.Fatal(err)
			}
			got := srv.messages()
			if len(got) != 1 || parseMail(t, got[0].Data).Key != "next" {
				t.Fatalf("received %d messages, want only the next one", len(got))
			}
		})
	}
}

// TestSMTPNoContentLate: a server that answers DATA when less than half
// the send's time is left before Send's deadline (it held MAIL FROM) gets
// no content, since the reply to its end could not be awaited and a
// message without a reply is sent again: ErrUnavailable, nothing received,
// and the next message goes out.
func TestSMTPNoContentLate(t *testing.T) {
	t.Parallel()
	for _, pipelining := range []bool{true, false} {
		t.Run(fmt.Sprintf("pipelining=%v", pipelining), func(t *testing.T) {
			hold := make(chan struct{})
			srv := &smtpServer{t: t, reject: map[string]bool{}, noPipelining: !pipelining, hold: hold, holdN: 1}
			srv.listen("127.0.0.1:0")
			t.Cleanup(srv.Close)
			m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: time.Minute}
			defer m.Close()
			// A second for the send; the server answers MAIL FROM after
			// 700 ms, with less than the half left.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			time.AfterFunc(700*time.Millisecond, func() { close(hold) })
			err := m.Send(ctx, &jobs.Mail{From: "a@b.cn", To: "c@d.cn", Subject: "测试", Text: "正文", HTML: "<p>正文</p>", Key: "late"})
			if !errors.Is(err, jobs.ErrUnavailable) {
				t.Fatalf("DATA answered with 300 ms of 1 s left: %v, want ErrUnavailable", err)
			}
			if err := m.Send(context.Background(), &jobs.Mail{From: "a@b.cn", To: "c@d.cn", Subject: "测试", Text: "正文", HTML: "<p>正文</p>", Key: "next"}); err != nil {
				t.Fatal(err)
			}
			m.Close()
			if !srv.waitIdle(10 * time.Second) {
				t.Fatal("a session is still open")
			}
			got := srv.messages()
			if len(got) != 1 || parseMail(t, got[0].Data).Key != "next" {
				t.Fatalf("received %d messages, want only the next one", len(got))
			}
		})
	}
}

// TestSMTPReconnects: after the server restarts, the next message goes out
// over a new connection; a recipient the server refuses is an error of
// that message only, and the connection is dialled again for the next one.
func TestSMTPReconnects(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "127.0.0.1:0")
	srv.reject["nobody@x.cn"] = true
	m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: 2 * time.Second}
	defer m.Close()
	send := func(to string) error {
		return m.Send(context.Background(), &jobs.Mail{From: "kaohe@x.cn", To: to, Subject: "提醒", Text: "正文", HTML: "<p>正文</p>"})
	}
	if err := send("a@x.cn"); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	srv.restart()
	if err := send("b@x.cn"); err != nil {
		t.Fatalf("after a server restart: %v", err)
	}
	err := send("nobody@x.cn")
	if err == nil || errors.Is(err, jobs.ErrUnavailable) || !strings.Contains(err.Error(), "550") {
		t.Fatalf("refused recipient: %v, want a 550 error of the message", err)
	}
	if err := send("c@x.cn"); err != nil {
		t.Fatalf("after a refused recipient: %v", err)
	}
	if n := len(srv.messages()); n != 3 || srv.sessions != 3 {
		t.Fatalf("%d messages in %d sessions, want 3 in 3", n, srv.sessions)
	}
}

// TestSMTPPipelining: whether or not the server offers PIPELINING (then
// MAIL, RCPT and DATA go out in one write), messages arrive with their
// envelope, a refused recipient is an error of that message only (not an
// outage), and the next message goes out over a new connection.
func TestSMTPPipelining(t *testing.T) {
	for _, offered := range []bool{true, false} {
		t.Run(fmt.Sprintf("offered=%v", offered), func(t *testing.T) {
			srv := startSMTP(t, "127.0.0.1:0")
			srv.Close()
			srv.noPipelining = !offered
			srv.restart()
			srv.reject["nobody@x.cn"] = true
			m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: 2 * time.Second}
			defer m.Close()
			send := func(to string) error {
				return m.Send(context.Background(), &jobs.Mail{From: "kaohe@x.cn", To: to, Subject: "提醒", Text: "正文", HTML: "<p>正文</p>", Key: "k/" + to})
			}
			for _, to := range []string{"a@x.cn", "b@x.cn"} {
				if err := send(to); err != nil {
					t.Fatalf("%s: %v", to, err)
				}
			}
			err := send("nobody@x.cn")
			if err == nil || errors.Is(err, jobs.ErrUnavailable) || !strings.Contains(err.Error(), "550") {
				t.Fatalf("refused recipient: %v, want a 550 error of the message", err)
			}
			if err := send("c@x.cn"); err != nil {
				t.Fatalf("after a refused recipient: %v", err)
			}
			var got []string
			for _, r := range srv.messages() {
				got = append(got, r.From+">"+strings.Join(r.To, ",")+" "+parseMail(t, r.Data).Key)
			}
			want := []string{"kaohe@x.cn>a@x.cn k/a@x.cn", "kaohe@x.cn>b@x.cn k/b@x.cn", "kaohe@x.cn>c@x.cn k/c@x.cn"}
			if strings.Join(got, "; ") != strings.Join(want, "; ") {
				t.Errorf("received %q, want %q", got, want)
			}
			srv.mu.Lock()
			sessions := srv.sessions
			srv.mu.Unlock()
			if sessions != 2 {
				t.Errorf("%d sessions, want 2 (one dropped after the refusal)", sessions)
			}
		})
	}
}

// TestRetriesThenFailed: a message the server keeps refusing is retried
// after base, 2×base, … and marked failed after the last attempt; others
// are unaffected.
func TestRetriesThenFailed(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "127.0.0.1:0")
	w := newWorld(t, "sqlite", at(6, 12, 9, 0))
	ctx := context.Background()
	bad := workflow.OutboxMessage{Kind: workflow.NoticeReminder, Unit: "gjz", Deadline: "submission:2019-06-13", Lead: 1,
		Recipient: "nobody@x.cn", Subject: "提醒", Text: "正文", NextAttemptAt: w.clock.Now(), CreatedAt: w.clock.Now()}
	good := bad
	good.Recipient = "ok@x.cn"
	if err := w.db.Update(ctx, func(tx service.Tx) error {
		_, err := tx.EnqueueMessages([]workflow.OutboxMessage{bad, good})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	srv.reject["nobody@x.cn"] = true
	m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: 2 * time.Second}
	d := &jobs.Dispatcher{Store: w.db, Clock: w.clock, Mailer: m, From: "kaohe@x.cn", Attempts: 3, BaseDelay: time.Minute}
	defer m.Close()
	var tries []string
	for _, step := range []time.Duration{0, 59 * time.Second, time.Second, time.Minute, time.Minute, time.Hour} {
		w.clock.Advance(step)
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		var msg *workflow.OutboxMessage
		w.db.Update(ctx, func(tx service.Tx) (err error) { msg, err = tx.OutboxMessage(1); return err })
		tries = append(tries, string(msg.State)+":"+string(rune('0'+msg.Attempts)))
	}
	// t0 try 1; t0+59s nothing; t0+1m try 2 (base); t0+2m nothing (2×base
	// is due at t0+3m); t0+3m try 3 → failed.
	want := "pending:1 pending:1 pending:2 pending:2 failed:3 failed:3"
	if strings.Join(tries, " ") != want {
		t.Fatalf("states %v, want %s", tries, want)
	}
	if n := len(srv.messages()); n != 1 {
		t.Fatalf("%d delivered, want only the good one", n)
	}
}

// TestSMTPStartTLS: a server that offers STARTTLS gets the message over
// TLS, verified against its certificate; one whose certificate the mailer
// does not trust is unavailable, and nothing goes out in clear text.
func TestSMTPStartTLS(t *testing.T) {
	t.Parallel()
	cert, pool := selfSigned(t)
	srv := startSMTP(t, "127.0.0.1:0")
	srv.Close()
	srv.tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.restart()
	mail := &jobs.Mail{From: "kaohe@x.cn", To: "a@x.cn", Subject: "提醒", Text: "正文"}

	untrusting := &jobs.SMTPMailer{Addr: srv.addr, Timeout: 2 * time.Second}
	if err := untrusting.Send(context.Background(), mail); !errors.Is(err, jobs.ErrUnavailable) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("untrusted certificate: %v, want ErrUnavailable at STARTTLS", err)
	}
	m := &jobs.SMTPMailer{Addr: srv.addr, Timeout: 2 * time.Second, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}
	defer m.Close()
	if err := m.Send(context.Background(), mail); err != nil {
		t.Fatal(err)
	}
	got := srv.messages()
	if len(got) != 1 || !got[0].TLS {
		t.Fatalf("received %d messages, TLS %v", len(got), len(got) == 1 && got[0].TLS)
	}
}

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(parsed)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}
