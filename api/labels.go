package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
)

// handleLabels sends the Chinese names of the codes the pages show (states,
// roles, rules, fields, …), so that the pages keep no copy of them.
func (s *Server) handleLabels(c *gin.Context) {
	c.JSON(http.StatusOK, workflow.Labels())
}
