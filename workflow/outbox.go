package workflow

import (
	"fmt"
	"time"
)

// The outbox holds every message before it is sent: emails, and markdown
// messages to group robots (Channel wecom or dingtalk, Recipient
// "robot:<id>"). A message's key (kind, unit, deadline, lead, recipient) is
// unique in the database, so enqueueing the same reminder twice, from a
// late run, a restart or a second server, writes one row. Messages move
//
//	pending ──send accepted──► sent
//	   │  ▲
//	   │  ├── send failed, attempts left (next_attempt_at = now + backoff)
//	   │  └── deferred: a robot's rate limit (no attempt counted)
//	   ├──── send failed, no attempts left ──► failed ──resend (office)──► pending
//	   └──── deadline passed before it could be sent ──► expired
//
// A dispatcher claims pending messages for a while (claimed_by,
// claimed_until) before sending, so that two dispatchers never send one
// message at the same time and a crashed dispatcher's claim runs out.

// OutboxState is where a message stands.
type OutboxState string

// Outbox states.
const (
	OutboxPending OutboxState = "pending"
	OutboxSent    OutboxState = "sent"
	OutboxFailed  OutboxState = "failed"
	OutboxExpired OutboxState = "expired"
)

// NoticeKey names one notice's messages in the outbox: the part of their
// key that all of them share.
type NoticeKey struct {
	Kind     NoticeKind
	Deadline string
	Lead     int
}

// OutboxMessage is one message of the outbox.
type OutboxMessage struct {
	ID int64 `json:"id"`
	// Channel is how it is delivered (email when empty).
	Channel Channel `json:"channel"`
	// Kind, Unit, Deadline, Lead and Recipient are the unique key. Unit is
	// empty for the office digest; Lead is 0 for overdue notices.
	Kind      NoticeKind `json:"kind"`
	Unit      string     `json:"unit"`
	Deadline  string     `json:"deadline"`
	Lead      int        `json:"lead"`
	Recipient string     `json:"recipient"`
	// Name is the recipient's display name (a robot's label).
	Name string `json:"name,omitempty"`
	// Subject is an email's subject or a robot message's title; Text the
	// plain text of an email or the markdown of a robot message, HTML an
	// email's HTML part.
	Subject string `json:"subject"`
	Text    string `json:"-"`
	HTML    string `json:"-"`
	// Facts, when not empty, are what the message's template (its Kind and
	// Channel) renders Text and HTML from when it is sent; Text and HTML
	// are then empty. The reminder pass writes facts (small rows, rendered
	// later); messages without facts are sent as stored.
	Facts string `json:"-"`
	// NoticeFacts, when not empty, are the part of the facts that every
	// message of its notice shares (a JSON object, as Facts), stored once
	// for all of them; the message's facts are NoticeFacts and Facts
	// together, a key in both taking Facts' value. NoticeRow is the stored
	// notice's number as read (0 for none; ignored when enqueueing): a
	// message whose notice is missing has a NoticeRow and no NoticeFacts,
	// and does not render.
	NoticeFacts string      `json:"-"`
	NoticeRow   int64       `json:"-"`
	State       OutboxState `json:"state"`
	// Attempts counts the sends the mail server or robot refused or broke
	// off.
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error,omitempty"`
	// LastAttemptAt is when the mail server last answered a send of the
	// message (accepted, refused or broke off); nil before the first. A
	// resend keeps it, with LastError, until the next send.
	LastAttemptAt *time.Time `json:"last_attempt_at,omitempty"`
	// ExpiresAt is when an unsent message is no longer worth sending (a
	// reminder's deadline); zero never.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// KeyString is the message's unique key as one string, for logs and
// message headers.
func (m *OutboxMessage) KeyString() string {
	return fmt.Sprintf("%s/%s/%s/%d/%s", m.Kind, m.Unit, m.Deadline, m.Lead, m.Recipient)
}

// SendResult is what a dispatcher records after one send.
type SendResult struct {
	ID    int64
	Claim string
	At    time.Time
	// Err is the send error; empty when the server accepted the message.
	Err string
	// Retry is when to try again; zero with an error marks it failed.
	Retry time.Time
	// Deferred says the message was not attempted (a robot's rate limit):
	// it waits until Retry without counting an attempt.
	Deferred bool
}
