package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

func (s *Server) handleUnits(c *gin.Context) {
	out, err := s.Service.Units(c.Request.Context(), actorOf(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) handleCreateUnit(c *gin.Context) {
	var req service.NewUnit
	if !bind(c, &req, false) {
		return
	}
	u, err := s.Service.CreateUnit(c.Request.Context(), actorOf(c), req)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

func (s *Server) handleUnit(c *gin.Context) {
	u, err := s.Service.Unit(c.Request.Context(), actorOf(c), c.Param("unit"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (s *Server) handleContacts(c *gin.Context) {
	cs, err := s.Service.Contacts(c.Request.Context(), actorOf(c), c.Param("unit"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, cs)
}

func (s *Server) handleSetContacts(c *gin.Context) {
	var req []workflow.Contact
	if !bind(c, &req, false) {
		return
	}
	if req == nil {
		req = []workflow.Contact{}
	}
	cs, err := s.Service.SetContacts(c.Request.Context(), actorOf(c), c.Param("unit"), req)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, cs)
}

func (s *Server) handlePlans(c *gin.Context) {
	ps, err := s.Service.Plans(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, ps)
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
