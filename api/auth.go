package api

import (
	"encoding/json"
	"errors"
	"io"
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

// authenticate resolves "Authorization: Bearer TOKEN" (or the kaohe_token
// cookie the web pages set) to an actor, or answers 401.
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

func bearer(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	if ck, err := c.Cookie("kaohe_token"); err == nil {
		return ck
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

// bind decodes a JSON body into v: malformed JSON is 400, a body over the
// limit 413. An empty body is allowed only when allowEmpty.
func bind(c *gin.Context, v any, allowEmpty bool) bool {
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(c, workflow.Errorf(workflow.ETOOLARGE, "请求内容超过%d字节的上限", mbe.Limit))
			return false
		}
		writeError(c, workflow.Errorf(workflow.EINVALID, "无法读取请求内容"))
		return false
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		if allowEmpty {
			return true
		}
		writeError(c, workflow.Errorf(workflow.EINVALID, "请求内容为空，应为JSON"))
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		writeError(c, workflow.Errorf(workflow.EINVALID, "请求内容不是有效的JSON：%s", err))
		return false
	}
	return true
}

func readBody(c *gin.Context) ([]byte, bool) {
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(c, workflow.Errorf(workflow.ETOOLARGE, "请求内容超过%d字节的上限", mbe.Limit))
		} else {
			writeError(c, workflow.Errorf(workflow.EINVALID, "无法读取请求内容"))
		}
		return nil, false
	}
	return b, true
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
	token, u, expires, err := s.Service.Login(c.Request.Context(), req.Username, req.Password)
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
	c.SetCookie("kaohe_token", "", -1, "/", "", false, true)
	c.Status(http.StatusNoContent)
}

// meView is the signed-in account with the server's clock, so that pages
// judge "not begun" and "overdue" by the server's time, not the browser's.
type meView struct {
	service.Actor
	Now time.Time `json:"now"`
}

func (s *Server) handleMe(c *gin.Context) {
	c.JSON(http.StatusOK, meView{Actor: actorOf(c), Now: s.Service.Now().UTC()})
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

func (s *Server) handleUsers(c *gin.Context) {
	us, err := s.Service.Users(c.Request.Context(), actorOf(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, us)
}

func (s *Server) handleCreateUser(c *gin.Context) {
	var req service.NewUser
	if !bind(c, &req, false) {
		return
	}
	u, err := s.Service.CreateUser(c.Request.Context(), actorOf(c), req)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
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
		out = []workflow.AuditEntry{}
	}
	c.JSON(http.StatusOK, out)
}
