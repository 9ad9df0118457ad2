package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// handleNotifications lists outbox messages (office only):
// GET /api/v1/notifications?state=failed&unit=gjz&limit=50.
func (s *Server) handleNotifications(c *gin.Context) {
	f := service.OutboxFilter{State: workflow.OutboxState(c.Query("state")), Unit: c.Query("unit")}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			writeError(c, workflow.Errorf(workflow.EINVALID, "limit 应为1到1000之间的整数"))
			return
		}
		f.Limit = n
	}
	out, err := s.Service.Notifications(c.Request.Context(), actorOf(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// handleNotificationCounts counts outbox messages by state (office only),
// all or one unit's: GET /api/v1/notifications/counts?unit=gjz.
func (s *Server) handleNotificationCounts(c *gin.Context) {
	out, err := s.Service.NotificationCounts(c.Request.Context(), actorOf(c), c.Query("unit"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// handleResendNotification puts a failed or expired message back in the
// queue (office only): POST /api/v1/notifications/{id}/resend.
func (s *Server) handleResendNotification(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		writeError(c, workflow.Errorf(workflow.ENOTFOUND, "消息“%s”不存在", c.Param("id")))
		return
	}
	out, err := s.Service.ResendNotification(c.Request.Context(), actorOf(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	if s.Notify != nil {
		s.Notify()
	}
	c.JSON(http.StatusOK, out)
}
