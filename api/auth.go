package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

const (
	keyActor = "kaohe.actor"
	keyToken = "kaohe.token"
	keyLog   = "kaohe.log"
)

// authenticate resolves "Authorization: Bearer TOKEN" to an actor, or
// answers 401. Only the header counts: a browser never sends it on its
// own, as it would a cookie, so another site cannot make a signed-in
// browser act (no CSRF); the pages keep the token in their own storage.
func (s *Server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		token := bearer(c)
		if token == "" {
			writeError(c, workflow.Errorf(workflow.EUNAUTHORIZED, "请先登录"))
			return
		}
		a, err := s.Service.Authenticate(c.Request.Context(), token)
		if err != nil {
			writeError(c, err)
			return
		}
		c.Set(keyActor, a)
		c.Set(keyToken, token)
		c.Next()
	}
}

// bearer is the token of the Authorization header ("" when none).
func bearer(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

func actorOf(c *gin.Context) service.Actor {
	if v, ok := c.Get(keyActor); ok {
		return v.(service.Actor)
	}
	return service.Actor{}
}

func loggerOf(c *gin.Context) *slog.Logger {
	if v, ok := c.Get(keyLog); ok {
		return v.(*slog.Logger)
	}
	return nil
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) handleLogin(c *gin.Context) {
	var req loginRequest
	if !bind(c, &req, false) {
		return
	}
	// ClientIP is the connection's peer unless it is a trusted proxy
	// (Server.TrustedProxies), whose X-Forwarded-For then names the client.
	token, u, expires, err := s.Service.Login(c.Request.Context(), service.Credentials{Username: req.Username, Password: req.Password, Address: c.ClientIP()})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"token": token, "expires_at": expires, "user": u})
}

func (s *Server) handleLogout(c *gin.Context) {
	if err := s.Service.Logout(c.Request.Context(), actorOf(c), c.GetString(keyToken)); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// meView is the signed-in account with the server's clock, so that pages
// judge "not begun" and "overdue" by the server's time, not the browser's.
type meView struct {
	service.Actor
	Now time.Time `json:"now"`
	// Limits are the upload limits, so that the pages can state them
	// beside every upload.
	Limits limitsView `json:"limits"`
}

type limitsView struct {
	MaxFileBytes   int64 `json:"max_file_bytes"`
	MaxFiles       int   `json:"max_files"`
	MaxImportBytes int64 `json:"max_import_bytes"`
}

func (s *Server) handleMe(c *gin.Context) {
	l := s.Service.Limits()
	c.JSON(http.StatusOK, meView{Actor: actorOf(c), Now: s.Service.Now().UTC(),
		Limits: limitsView{MaxFileBytes: l.MaxFileBytes, MaxFiles: l.MaxFiles, MaxImportBytes: maxImportBytes}})
}

type passwordRequest struct {
	Password string `json:"password"`
}

func (s *Server) handleSetOwnPassword(c *gin.Context) {
	var req passwordRequest
	if !bind(c, &req, false) {
		return
	}
	a := actorOf(c)
	if err := s.Service.SetPassword(c.Request.Context(), a, a.Username, req.Password); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) handleSetPassword(c *gin.Context) {
	var req passwordRequest
	if !bind(c, &req, false) {
		return
	}
	if err := s.Service.SetPassword(c.Request.Context(), actorOf(c), c.Param("username"), req.Password); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) handleAudit(c *gin.Context) {
	f := service.AuditFilter{Unit: c.Query("unit"), Action: c.Query("action")}
	if v := c.Query("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeError(c, workflow.Errorf(workflow.EINVALID, "since 应为 RFC 3339 时间"))
			return
		}
		f.Since = t
	}
	if v := c.Query("limit"); v != "" {
		var n int
		if err := json.Unmarshal([]byte(v), &n); err != nil || n < 1 || n > 1000 {
			writeError(c, workflow.Errorf(workflow.EINVALID, "limit 应为1-1000的整数"))
			return
		}
		f.Limit = n
	}
	out, err := s.Service.Audit(c.Request.Context(), actorOf(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	if out == nil {
		out = []workflow.AuditView{}
	}
	c.JSON(http.StatusOK, out)
}
