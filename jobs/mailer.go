package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/gomail.v2"
)

// Mail is one email, composed from an outbox message.
type Mail struct {
	// From is the sender address; To and Name the recipient.
	From string
	To   string
	Name string
	// Subject, Text and HTML are the content; the subject may be Chinese
	// (it is encoded per RFC 2047).
	Subject string
	Text    string
	HTML    string
	// MessageID is stable for one outbox row, so that a duplicate after a
	// crash can be recognised by the receiving side.
	MessageID string
	// Key is the outbox key, sent as X-Kaohe-Key.
	Key string
	// Date is the Date header (the server's clock).
	Date time.Time
	// OutboxID names the message's .eml file.
	OutboxID int64
}

// Mailer delivers mail. Implementations are used from one goroutine (the
// dispatcher's).
type Mailer interface {
	// Send delivers m. An error wrapping ErrUnavailable means the mail
	// server could not be reached and m was not attempted.
	Send(ctx context.Context, m *Mail) error
	// Close releases the mailer's connection, if any.
	Close() error
}

// Forker is a Mailer that can send over several connections at once: Fork
// returns another Mailer with the same settings and a connection of its
// own (opened on its first Send), for another goroutine. The dispatcher
// forks Connections-1 of them for each run and closes them after it.
type Forker interface {
	Mailer
	Fork() Mailer
}

// ErrUnavailable is wrapped by Send errors that happened before the message
// itself was handed over (connecting, greeting, STARTTLS, AUTH). The
// dispatcher does not count them as an attempt of the message: an outage is
// not the message's fault.
var ErrUnavailable = errors.New("mail server unavailable")

// compose builds the MIME message with gomail: UTF-8 headers (RFC 2047 for
// the Chinese subject and names), a plain-text part and an HTML
// alternative.
func compose(m *Mail) *gomail.Message {
	g := gomail.NewMessage(gomail.SetCharset("UTF-8"))
	g.SetAddressHeader("From", m.From, "大连市总工会考核办")
	g.SetAddressHeader("To", m.To, m.Name)
	g.SetHeader("Subject", m.Subject)
	if m.MessageID != "" {
		g.SetHeader("Message-ID", m.MessageID)
	}
	if m.Key != "" {
		g.SetHeader("X-Kaohe-Key", m.Key)
	}
	if !m.Date.IsZero() {
		g.SetDateHeader("Date", m.Date)
	}
	g.SetBody("text/plain", m.Text)
	if m.HTML != "" {
		g.AddAlternative("text/html", m.HTML)
	}
	return g
}

// EMLMailer writes each message as an .eml file into Dir (DATA/outbox when
// no SMTP server is configured). A message keeps its file name when it is
// sent again, so a resend replaces the file rather than adding one.
type EMLMailer struct {
	Dir string
}

// emlTempPattern names a message while it is written, before the rename
// gives it its .eml name. It must not match *.eml: whoever reads the folder
// (an operator's script, a mail pickup) must never see a half-written
// message.
const emlTempPattern = ".tmp-*.part"

// Send writes m to Dir/outbox-<id>.eml, atomically (a temporary file
// renamed into place).
func (e *EMLMailer) Send(_ context.Context, m *Mail) error {
	if err := os.MkdirAll(e.Dir, 0o750); err != nil {
		return fmt.Errorf("eml: %w", err)
	}
	f, err := os.CreateTemp(e.Dir, emlTempPattern)
	if err != nil {
		return fmt.Errorf("eml: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := compose(m).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("eml: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("eml: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("eml: %w", err)
	}
	name := filepath.Join(e.Dir, fmt.Sprintf("outbox-%08d.eml", m.OutboxID))
	if err := os.Rename(f.Name(), name); err != nil {
		return fmt.Errorf("eml: %w", err)
	}
	return nil
}

// Close does nothing.
func (e *EMLMailer) Close() error { return nil }

// Fork returns e itself: writing files needs no connection, and Send is
// safe for concurrent use (each message has a temporary file of its own).
func (e *EMLMailer) Fork() Mailer { return e }

// writeTo is gomail's message writer, kept as an io.WriterTo.
var _ io.WriterTo = (*gomail.Message)(nil)
