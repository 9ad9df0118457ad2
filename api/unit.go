package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
)

func (s *Server) handlePlans(c *gin.Context) {
	ps, err := s.Service.Plans(c.Request.Context())
	respond(c, http.StatusOK, ps, err)
}

func (s *Server) handlePlan(c *gin.Context) {
	year, ok := yearParam(c)
	if !ok {
		return
	}
	p, err := s.Service.Plan(c.Request.Context(), year)
	if err != nil {
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			err = workflow.Errorf(workflow.ENOTFOUND, "没有%d年度的考核方案", year)
		}
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}
