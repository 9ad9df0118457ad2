package jobs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"gopkg.in/gomail.v2"
)

// SMTPMailer sends through an SMTP server over one reused connection (Fork
// makes another, for a second connection). When the server offers
// PIPELINING (RFC 2920), MAIL, RCPT and DATA go out in one write.
// Messages are composed by gomail and handed to gomail.Send, over a
// gomail.SendCloser of our own: gomail's Dialer has a fixed 10 s dial
// timeout and no deadline after it, so a server that accepts and then stalls
// would block the dispatcher forever. Here every read and write on the
// connection has a deadline of Timeout, STARTTLS is used whenever the server
// offers it, and a broken connection is dropped and dialled again for the
// next message.
type SMTPMailer struct {
	// Addr is host:port.
	Addr string
	// User and Password authenticate (PLAIN; net/smtp refuses it without
	// TLS except to localhost). Empty User: no AUTH.
	User, Password string
	// Timeout bounds every step: dial, each command and its reply, and the
	// transfer of the message (30 s when zero).
	Timeout time.Duration
	// TLSConfig is used for STARTTLS (ServerName = host when nil).
	TLSConfig *tls.Config
	// Hello is the name sent in EHLO ("localhost" when empty).
	Hello string
	// Now reads the wall clock for socket deadlines (time.Now when nil).
	// Deadlines are about the network, not the plan, so they never use the
	// server's workflow clock.
	Now func() time.Time

	conn *smtpConn
}

func (s *SMTPMailer) timeout() time.Duration {
	if s.Timeout <= 0 {
		return 30 * time.Second
	}
	return s.Timeout
}

// now is the wall clock for network deadlines (a stalled server must time
// out in real seconds, whatever the plan's clock says); tests may set Now.
func (s *SMTPMailer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Send delivers m over the open connection, dialling first if there is none.
// A failure of the first command on a reused connection (the server may have
// closed it while idle) is retried once on a fresh connection. No step of
// the conversation outlives ctx's deadline: a dispatcher passes the instant
// its claim on m requires the send to end by. When the server did not
// answer (a timeout, a closed connection, ctx done) before m's content was
// sent, or answered DATA with less than half the timeout (or half the time
// ctx gave the send) left before ctx's deadline (the content is then not
// sent: see smtpConn.late), the error
// wraps ErrUnavailable: nothing was handed over, so no attempt is counted. A refusal, or any failure once the content was sent
// (the server may have taken it), is an ordinary error.
func (s *SMTPMailer) Send(ctx context.Context, m *Mail) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	msg := compose(m)
	for try := 0; ; try++ {
		fresh := false
		if s.conn == nil {
			c, err := s.dial(ctx)
			if err != nil {
				return err
			}
			s.conn, fresh = c, true
		}
		conn := s.conn
		conn.use(ctx)
		err := gomail.Send(conn, msg)
		if err == nil {
			return nil
		}
		conn.drop()
		s.conn = nil
		se := conn.failed
		switch {
		case se == nil && ctx.Err() != nil:
			// Stopped before MAIL: the message was not handed over.
			return fmt.Errorf("%w: %v", ErrUnavailable, ctx.Err())
		case se == nil || conn.handed:
			return err
		case se.step == "MAIL" && !fresh && try == 0 && ctx.Err() == nil:
			continue
		case errors.Is(se.err, errLate):
			return fmt.Errorf("%w: %w", ErrUnavailable, errLate)
		case !se.answered():
			return fmt.Errorf("%w: no answer to %s from %s before the message was sent: %v", ErrUnavailable, se.step, s.Addr, se.err)
		}
		// gomail.Send flattens the error to text; the step is kept aside.
		return err
	}
}

// Fork returns a mailer with the same settings and no connection yet, for
// another sending goroutine (see Forker).
func (s *SMTPMailer) Fork() Mailer {
	f := *s
	f.conn = nil
	return &f
}

// Close quits the connection politely, if one is open.
func (s *SMTPMailer) Close() error {
	if s.conn == nil {
		return nil
	}
	s.conn.use(context.Background()) // the last message's deadline is not QUIT's
	err := s.conn.c.Quit()
	s.conn.drop()
	s.conn = nil
	return err
}

// dial connects, reads the greeting, says EHLO, starts TLS when offered and
// authenticates. Every failure here wraps ErrUnavailable.
func (s *SMTPMailer) dial(ctx context.Context) (*smtpConn, error) {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp %s: %w", s.Addr, err)
	}
	d := net.Dialer{Timeout: s.timeout()}
	raw, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: dial %s: %v", ErrUnavailable, s.Addr, err)
	}
	dc := &deadlineConn{Conn: raw, timeout: s.timeout(), now: s.now, ctx: ctx}
	fail := func(step string, err error) (*smtpConn, error) {
		raw.Close()
		return nil, fmt.Errorf("%w: %s %s: %v", ErrUnavailable, step, s.Addr, err)
	}
	c, err := smtp.NewClient(dc, host)
	if err != nil {
		return fail("greeting", err)
	}
	hello := s.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return fail("EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fail("STARTTLS", err)
		}
	}
	if s.User != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fail("AUTH", errors.New("a user is configured but the server offers no AUTH"))
		}
		if err := c.Auth(smtp.PlainAuth("", s.User, s.Password, host)); err != nil {
			return fail("AUTH", err)
		}
	}
	sc := &smtpConn{c: c, raw: raw, dc: dc}
	sc.pipelining, _ = c.Extension("PIPELINING")
	sc.eightBit, _ = c.Extension("8BITMIME")
	sc.utf8, _ = c.Extension("SMTPUTF8")
	return sc, nil
}

// smtpConn is the gomail.SendCloser over one SMTP client.
type smtpConn struct {
	c   *smtp.Client
	raw net.Conn
	dc  *deadlineConn
	ctx context.Context
	// failed is the step that failed in the last Send; handed says that
	// the message's content began to be sent.
	failed *stepError
	handed bool
	// reserve is how much of the send's time must be left when DATA is
	// answered for the content to be sent (see late); 0 without a deadline.
	reserve time.Duration
	// pipelining, eightBit and utf8: the server offers PIPELINING,
	// 8BITMIME and SMTPUTF8.
	pipelining, eightBit, utf8 bool
}

// use readies the connection for one message sent under ctx.
func (sc *smtpConn) use(ctx context.Context) {
	sc.ctx, sc.dc.ctx = ctx, ctx
	sc.failed, sc.handed, sc.reserve = nil, false, 0
	if end, ok := ctx.Deadline(); ok {
		sc.reserve = min(sc.dc.timeout, time.Until(end)) / 2
	}
}

// errLate: the server answered DATA too close to the send's deadline (see
// smtpConn.late).
var errLate = errors.New("too little time left before the claim runs low to send the content and wait for the reply")

// late reports whether less than the reserve is left before the deadline
// of the message's ctx: half the timeout, or half the time the send had
// when it began if that was shorter. The content is then not sent: a
// server that answered DATA only at the last moment (one that held MAIL
// FROM) would take the message while the reply to its end could not be
// awaited, and a message sent without a reply is sent again. Given back
// unsent, it is sent once, later.
func (sc *smtpConn) late() bool {
	if sc.reserve <= 0 {
		return false
	}
	end, _ := sc.ctx.Deadline()
	return time.Until(end) < sc.reserve
}

// stepError names the SMTP command that failed.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// answered reports whether the server replied (and refused), rather than
// not answering at all.
func (e *stepError) answered() bool {
	var te *textproto.Error
	return errors.As(e.err, &te)
}

// Send runs MAIL, RCPT and DATA for one message.
func (sc *smtpConn) Send(from string, to []string, msg io.WriterTo) error {
	err := sc.send(from, to, msg)
	if se, ok := err.(*stepError); ok {
		sc.failed = se
	}
	return err
}

func (sc *smtpConn) send(from string, to []string, msg io.WriterTo) error {
	if sc.ctx != nil {
		if err := sc.ctx.Err(); err != nil {
			return err
		}
	}
	if sc.pipelining {
		return sc.sendPipelined(from, to, msg)
	}
	if err := sc.c.Mail(from); err != nil {
		return &stepError{"MAIL", err}
	}
	for _, addr := range to {
		if err := sc.c.Rcpt(addr); err != nil {
			return &stepError{"RCPT", err}
		}
	}
	w, err := sc.c.Data()
	if err != nil {
		return &stepError{"DATA", err}
	}
	if sc.late() {
		return &stepError{"DATA", errLate}
	}
	sc.handed = true
	if _, err := msg.WriteTo(w); err != nil {
		w.Close()
		return &stepError{"DATA", err}
	}
	if err := w.Close(); err != nil {
		return &stepError{"DATA", err}
	}
	return nil
}

// sendPipelined sends MAIL, every RCPT and DATA in one write and then reads
// their replies in order (RFC 2920), so that a message costs two round
// trips instead of three plus one per recipient. It sends the same
// commands as net/smtp's Client would, with the same checks: an address
// with a line break is refused before anything is written. After any
// failure the caller drops the connection, so a stream left in an unknown
// state (a 354 after a refused RCPT) is never used again.
func (sc *smtpConn) sendPipelined(from string, to []string, msg io.WriterTo) error {
	if strings.ContainsAny(from, "\r\n") {
		return &stepError{"MAIL", errors.New("smtp: A line must not contain CR or LF")}
	}
	for _, addr := range to {
		if strings.ContainsAny(addr, "\r\n") {
			return &stepError{"RCPT", errors.New("smtp: A line must not contain CR or LF")}
		}
	}
	text := sc.c.Text
	text.W.WriteString("MAIL FROM:<" + from + ">")
	if sc.eightBit {
		text.W.WriteString(" BODY=8BITMIME")
	}
	if sc.utf8 {
		text.W.WriteString(" SMTPUTF8")
	}
	text.W.WriteString("\r\n")
	for _, addr := range to {
		text.W.WriteString("RCPT TO:<" + addr + ">\r\n")
	}
	text.W.WriteString("DATA\r\n")
	if err := text.W.Flush(); err != nil {
		return &stepError{"MAIL", err}
	}
	// Every reply is read, even after a refusal, and the first refusal is
	// the error: the server answers each command in turn.
	var first error
	check := func(step string, code int) {
		if _, _, err := text.ReadResponse(code); err != nil && first == nil {
			first = &stepError{step, err}
		}
	}
	check("MAIL", 250)
	for range to {
		check("RCPT", 25)
	}
	check("DATA", 354)
	if first != nil {
		return first
	}
	if sc.late() {
		return &stepError{"DATA", errLate}
	}
	sc.handed = true
	w := text.DotWriter()
	if _, err := msg.WriteTo(w); err != nil {
		w.Close()
		return &stepError{"DATA", err}
	}
	if err := w.Close(); err != nil {
		return &stepError{"DATA", err}
	}
	if _, _, err := text.ReadResponse(250); err != nil {
		return &stepError{"DATA", err}
	}
	return nil
}

// Close quits the session.
func (sc *smtpConn) Close() error { return sc.c.Quit() }

// drop closes the socket without a goodbye (after an error the session's
// state is unknown).
func (sc *smtpConn) drop() { sc.raw.Close() }

var _ gomail.SendCloser = (*smtpConn)(nil)

// deadlineConn sets a fresh deadline before every read and write, so that
// no step of the SMTP conversation, before or after TLS, can hang: timeout
// from now, or ctx's deadline if that comes first.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
	now     func() time.Time
	// ctx is the current message's (or the dial's).
	ctx context.Context
}

// deadline is when the next read or write must be done by, or ctx's error
// when ctx is done already.
func (c *deadlineConn) deadline() (time.Time, error) {
	if err := c.ctx.Err(); err != nil {
		return time.Time{}, err
	}
	wait := c.timeout
	if end, ok := c.ctx.Deadline(); ok {
		wait = min(wait, time.Until(end))
	}
	return c.now().Add(wait), nil
}

// Read reads with a deadline (see deadline).
func (c *deadlineConn) Read(b []byte) (int, error) {
	return c.within(c.Conn.SetReadDeadline, c.Conn.Read, b)
}

// Write writes with a deadline (see deadline).
func (c *deadlineConn) Write(b []byte) (int, error) {
	return c.within(c.Conn.SetWriteDeadline, c.Conn.Write, b)
}

// within sets the deadline with set, then reads or writes b with do.
func (c *deadlineConn) within(set func(time.Time) error, do func([]byte) (int, error), b []byte) (int, error) {
	end, err := c.deadline()
	if err == nil {
		err = set(end)
	}
	if err != nil {
		return 0, err
	}
	return do(b)
}
