package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// handleNotifications lists outbox messages (office only):
// GET /api/v1/notifications?state=failed&unit=gjz&channel=wecom&limit=50.
func (s *Server) handleNotifications(c *gin.Context) {
	f := service.OutboxFilter{State: workflow.OutboxState(c.Query("state")), Unit: c.Query("unit"), Channel: workflow.Channel(c.Query("channel"))}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			writeError(c, workflow.Errorf(workflow.EINVALID, "limit 应为1到1000之间的整数"))
			return
		}
		f.Limit = n
	}
	out, err := s.Service.Notifications(c.Request.Context(), actorOf(c), f)
	respond(c, http.StatusOK, out, err)
}

// handleNotificationCounts counts outbox messages by state (office only),
// all or one unit's: GET /api/v1/notifications/counts?unit=gjz.
func (s *Server) handleNotificationCounts(c *gin.Context) {
	out, err := s.Service.NotificationCounts(c.Request.Context(), actorOf(c), c.Query("unit"))
	respond(c, http.StatusOK, out, err)
}

// handleResendNotification puts a failed or expired message back in the
// queue (office only): POST /api/v1/notifications/{id}/resend.
func (s *Server) handleResendNotification(c *gin.Context) {
	id, ok := idParam(c, "消息")
	if !ok {
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
