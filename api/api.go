// Package api serves kaohe's JSON API under /api/v1 and its web pages with
// gin. Every handler reads the same way: bind, call the workflow service,
// respond. Errors become statuses in one place (error.go).
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"kaohe/workflow"
)

// Server holds what the handlers need. Its zero value is not usable: set
// Service, Store and Log.
type Server struct {
	Service *workflow.Service
	// Ready reports whether the database answers (GET /readyz).
	Ready func(ctx context.Context) error
	Log   *slog.Logger
	// MaxBodyBytes bounds JSON request bodies (2 MiB when zero).
	MaxBodyBytes int64
	// Extra registers more routes on the same engine (later packages).
	Extra []func(r *gin.Engine, auth gin.HandlerFunc)
	// Metrics, when set, counts requests and serves GET /metrics (the jobs'
	// metrics are registered on the same registry).
	Metrics *prometheus.Registry
	// Notify wakes the mail dispatcher after a resend (nil: it finds the
	// message at its next poll).
	Notify func()
}

// Handler returns the whole route table wrapped in its middleware.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(s.recoverer(), s.logger())
	if s.Metrics != nil {
		s.instrument(r, s.Metrics)
	}
	r.NoRoute(func(c *gin.Context) { writeError(c, workflow.Errorf(workflow.ENOTFOUND, "没有这个地址")) })
	r.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{errorObject{Code: "method_not_allowed", Message: "不支持该请求方法"}})
	})

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.handleReady)
	registerPages(r)

	v1 := r.Group("/api/v1", s.limitBody())
	v1.POST("/login", s.handleLogin)

	auth := s.authenticate()
	a := v1.Group("", auth)
	a.POST("/logout", s.handleLogout)
	a.GET("/me", s.handleMe)
	a.PUT("/me/password", s.handleSetOwnPassword)
	a.GET("/labels", s.handleLabels)

	a.GET("/plans", s.handlePlans)
	a.GET("/plans/:year", s.handlePlan)

	a.GET("/units", s.handleUnits)
	a.POST("/units", s.handleCreateUnit)
	a.GET("/units/:unit", s.handleUnit)
	a.GET("/units/:unit/contacts", s.handleContacts)
	a.PUT("/units/:unit/contacts", s.handleSetContacts)

	a.GET("/users", s.handleUsers)
	a.POST("/users", s.handleCreateUser)
	a.PUT("/users/:username/password", s.handleSetPassword)

	a.GET("/audit", s.handleAudit)

	a.GET("/notifications", s.handleNotifications)
	a.GET("/notifications/counts", s.handleNotificationCounts)
	a.POST("/notifications/:id/resend", s.handleResendNotification)

	a.GET("/plans/:year/submissions", s.handleSubmissions)
	a.POST("/plans/:year/release", s.handleRelease)
	sub := a.Group("/plans/:year/units/:unit/submission")
	sub.GET("", s.handleGetSubmission)
	sub.PUT("", s.handlePutSubmission)
	sub.POST("/validate", s.handleValidate)
	sub.POST("/submit", s.handleSubmit)
	sub.POST("/return", s.handleReturn)
	sub.POST("/certify", s.handleCertify)
	sub.GET("/history", s.handleHistory)

	s.registerExecution(a)
	s.registerScoring(a) // scoring.go: deductions, scoring runs, results, Excel

	for _, extra := range s.Extra {
		extra(r, auth)
	}
	return r
}

func (s *Server) handleReady(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	if s.Ready != nil {
		if err := s.Ready(ctx); err != nil {
			s.Log.Warn("not ready", "err", err)
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "database unavailable"})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

func (s *Server) limitBody() gin.HandlerFunc {
	limit := s.MaxBodyBytes
	if limit == 0 {
		limit = 2 << 20
	}
	return func(c *gin.Context) {
		if c.ContentType() != "multipart/form-data" {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		}
		c.Next()
	}
}

func (s *Server) recoverer() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				s.Log.Error("panic", "path", c.Request.URL.Path, "panic", v)
				writeError(c, workflow.Errorf(workflow.EINTERNAL, "内部错误"))
			}
		}()
		c.Next()
	}
}

func (s *Server) logger() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Set(keyLog, s.Log)
		c.Next()
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		s.Log.Log(c.Request.Context(), level, "http",
			"method", c.Request.Method, "path", c.Request.URL.Path, "route", c.FullPath(),
			"status", c.Writer.Status(), "ms", time.Since(start).Milliseconds(),
			"user", actorOf(c).Username)
	}
}

// yearParam reads :year; a non-number is a plan that does not exist.
func yearParam(c *gin.Context) (int, bool) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		writeError(c, workflow.Errorf(workflow.ENOTFOUND, "没有“%s”年度的考核方案", c.Param("year")))
		return 0, false
	}
	return y, true
}

// idParam reads :id; a non-number is a record that does not exist.
func idParam(c *gin.Context, what string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(c, workflow.Errorf(workflow.ENOTFOUND, "%s“%s”不存在", what, c.Param("id")))
		return 0, false
	}
	return id, true
}

// maxImportBytes bounds an uploaded file that is imported whole: a
// member-count file or an indicator workbook.
const maxImportBytes = 10 << 20
