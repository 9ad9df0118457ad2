package store

import (
	"fmt"
	"time"

	"kaohe/workflow"
)

// userRow is an account; its username is unique.
type userRow struct {
	ID           int64     `gorm:"primaryKey"`
	Username     ident     `gorm:"size:64;not null;uniqueIndex:users_username"`
	PasswordHash string    `gorm:"size:255;not null"`
	Role         string    `gorm:"size:16;not null"`
	UnitCode     ident     `gorm:"size:64;not null"`
	CreatedAt    time.Time `gorm:"not null;precision:6;autoCreateTime:false"`
}

// TableName is the table of userRow.
func (userRow) TableName() string { return "users" }

func (r userRow) user() workflow.User {
	return workflow.User{ID: r.ID, Username: string(r.Username), PasswordHash: r.PasswordHash,
		Role: workflow.Role(r.Role), UnitCode: string(r.UnitCode), CreatedAt: r.CreatedAt.UTC()}
}

// sessionRow is a signed-in token, keyed by the token's hash.
type sessionRow struct {
	TokenHash ident     `gorm:"primaryKey;size:128"`
	UserID    int64     `gorm:"not null;index:sessions_user"`
	CreatedAt time.Time `gorm:"not null;precision:6;autoCreateTime:false"`
	ExpiresAt time.Time `gorm:"not null;precision:6;index:sessions_expires"`
}

// TableName is the table of sessionRow.
func (sessionRow) TableName() string { return "sessions" }

// loginFailureRow is one failed login for a throttling key.
type loginFailureRow struct {
	ID       int64     `gorm:"primaryKey"`
	LoginKey ident     `gorm:"size:191;not null;index:login_failures_key_at,priority:1"`
	At       time.Time `gorm:"not null;precision:6;index:login_failures_key_at,priority:2"`
}

// TableName is the table of loginFailureRow.
func (loginFailureRow) TableName() string { return "login_failures" }

// UserByName returns the account username (ENOTFOUND when absent). The
// comparison is exact, case included.
func (t *tx) UserByName(username string) (*workflow.User, error) {
	var r userRow
	if err := t.db.Where("username = ?", username).Take(&r).Error; err != nil {
		return nil, translate(err, "user", fmt.Sprintf("用户“%s”", username))
	}
	u := r.user()
	return &u, nil
}

// UserByID returns the account id (ENOTFOUND when absent).
func (t *tx) UserByID(id int64) (*workflow.User, error) {
	var r userRow
	if err := t.db.Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate(err, "user", fmt.Sprintf("用户（编号%d）", id))
	}
	u := r.user()
	return &u, nil
}

// Users returns every account in order of creation.
func (t *tx) Users() ([]workflow.User, error) {
	var rows []userRow
	if err := t.db.Order("id").Find(&rows).Error; err != nil {
		return nil, internal(err, "users")
	}
	out := make([]workflow.User, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.user())
	}
	return out, nil
}

// CreateUser stores u (ECONFLICT when the username is taken), sets u.ID and
// normalises u.CreatedAt to its stored form.
func (t *tx) CreateUser(u *workflow.User) error {
	r := userRow{Username: ident(u.Username), PasswordHash: u.PasswordHash, Role: string(u.Role),
		UnitCode: ident(u.UnitCode), CreatedAt: utc(u.CreatedAt)}
	if err := t.db.Create(&r).Error; err != nil {
		return translate(err, "create user", fmt.Sprintf("用户名“%s”", u.Username))
	}
	u.ID, u.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// SetPassword replaces the password hash of account id (ENOTFOUND when
// absent).
func (t *tx) SetPassword(id int64, hash string) error {
	res := t.db.Model(&userRow{}).Where("id = ?", id).Update("password_hash", hash)
	if res.Error != nil {
		return internal(res.Error, "set password")
	}
	if res.RowsAffected == 0 {
		return workflow.Errorf(workflow.ENOTFOUND, "用户（编号%d）不存在", id)
	}
	return nil
}

// CreateSession stores s (ECONFLICT when its token hash exists) and
// normalises its times to their stored form.
func (t *tx) CreateSession(s *workflow.Session) error {
	r := sessionRow{TokenHash: ident(s.TokenHash), UserID: s.UserID, CreatedAt: utc(s.CreatedAt), ExpiresAt: utc(s.ExpiresAt)}
	if err := t.db.Create(&r).Error; err != nil {
		return translate(err, "create session", "登录会话")
	}
	s.CreatedAt, s.ExpiresAt = r.CreatedAt, r.ExpiresAt
	return nil
}

// Session returns the session with tokenHash if it expires after now
// (ENOTFOUND when absent or expired).
func (t *tx) Session(tokenHash string, now time.Time) (*workflow.Session, error) {
	var r sessionRow
	err := t.db.Where("token_hash = ? AND expires_at > ?", tokenHash, utc(now)).Take(&r).Error
	if err != nil {
		return nil, translate(err, "session", "登录会话")
	}
	return &workflow.Session{TokenHash: string(r.TokenHash), UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}, nil
}

// DeleteSession removes the session with tokenHash (ENOTFOUND when absent).
func (t *tx) DeleteSession(tokenHash string) error {
	res := t.db.Where("token_hash = ?", tokenHash).Delete(&sessionRow{})
	if res.Error != nil {
		return internal(res.Error, "delete session")
	}
	if res.RowsAffected == 0 {
		return workflow.Errorf(workflow.ENOTFOUND, "登录会话不存在")
	}
	return nil
}

// LoginFailures counts the failures recorded for key at or after since.
func (t *tx) LoginFailures(key string, since time.Time) (int, error) {
	var n int64
	err := t.db.Model(&loginFailureRow{}).Where("login_key = ? AND at >= ?", key, utc(since)).Count(&n).Error
	if err != nil {
		return 0, internal(err, "login failures")
	}
	return int(n), nil
}

// AddLoginFailure records a failure for key at the given time.
func (t *tx) AddLoginFailure(key string, at time.Time) error {
	return internal(t.db.Create(&loginFailureRow{LoginKey: ident(key), At: utc(at)}).Error, "add login failure")
}

// ClearLoginFailures forgets every failure of key; none is not an error.
func (t *tx) ClearLoginFailures(key string) error {
	return internal(t.db.Where("login_key = ?", key).Delete(&loginFailureRow{}).Error, "clear login failures")
}
