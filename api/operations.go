package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
)

// handleBackupStatus answers the office with the last backup, the last
// good one, its age and what is wrong (a failed or missing backup).
func (s *Server) handleBackupStatus(c *gin.Context) {
	if a := actorOf(c); a.Role != workflow.RoleOffice {
		writeError(c, workflow.Errorf(workflow.EFORBIDDEN, "只有市总工会办公室可以查看数据备份情况"))
		return
	}
	st := workflow.NewBackupStatus(nil, nil, false, s.Service.Now())
	if s.Backups != nil {
		var err error
		if st, err = s.Backups(c.Request.Context()); err != nil {
			writeError(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, st)
}
