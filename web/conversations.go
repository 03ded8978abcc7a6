package web

import (
	"net/http"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/workflow"
)

// The conversation workflow's JSON API: open a conversation, ask to record
// it, and move the request on with answers, weighty reasons, a manager's
// decision and the agreements; incidents with the enforcement ladder. The
// workflow lets the organisation's policy decide at every step.

// view is the workflow's view of one request for the caller.
func (s *Server) view(r *http.Request, req *opname.Request) (*workflow.RequestView, error) {
	vs, err := s.Workflow.View(r.Context(), req)
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// views is the workflow's view of requests for the caller.
func (s *Server) views(r *http.Request, rs []opname.Request) ([]*workflow.RequestView, error) {
	ptrs := make([]*opname.Request, len(rs))
	for i := range rs {
		ptrs[i] = &rs[i]
	}
	return s.Workflow.View(r.Context(), ptrs...)
}

func (s *Server) apiMyConversations(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func(p opname.Page) (any, string, error) { return s.Store.MyConversations(r.Context(), p) })
}

func (s *Server) apiClientConversations(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func(p opname.Page) (any, string, error) {
		return s.Store.ClientConversationsPage(r.Context(), r.PathValue("id"), p)
	})
}

func (s *Server) apiOpenConversation(w http.ResponseWriter, r *http.Request) {
	var c opname.Conversation
	s.create(w, r, &c, func() (any, error) {
		c.ClientID = r.PathValue("id")
		if err := s.Workflow.Open(r.Context(), &c); err != nil {
			return nil, err
		}
		return &c, nil
	})
}

// conversationView is a conversation with its requests and the guide for
// raising recording at its start.
type conversationView struct {
	*opname.Conversation
	Requests []*workflow.RequestView `json:"requests"`
	Guide    []policy.Text           `json:"guide"`
}

func (s *Server) apiConversation(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) {
		c, err := s.Store.Conversation(r.Context(), r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		rs, err := s.Store.ConversationRequests(r.Context(), c.ID)
		if err != nil {
			return nil, err
		}
		vs, err := s.views(r, rs)
		if err != nil {
			return nil, err
		}
		guide, err := s.Workflow.Guide(r.Context(), c)
		if err != nil {
			return nil, err
		}
		return &conversationView{Conversation: c, Requests: vs, Guide: guide}, nil
	})
}

func (s *Server) apiAsk(w http.ResponseWriter, r *http.Request) {
	var act opname.Act
	s.create(w, r, &act, func() (any, error) {
		req, err := s.Workflow.Ask(r.Context(), r.PathValue("id"), act)
		if err != nil {
			return nil, err
		}
		return s.view(r, req)
	})
}

// apiAddParticipant adds someone to a conversation after it was opened,
// such as the parent whose answer the policy asks for a child.
func (s *Server) apiAddParticipant(w http.ResponseWriter, r *http.Request) {
	var p opname.Participant
	s.create(w, r, &p, func() (any, error) {
		return s.Workflow.AddParticipant(r.Context(), r.PathValue("id"), p)
	})
}

func (s *Server) apiDecline(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Participant int    `json:"participant"`
		Alternative string `json:"alternative"`
	}
	s.create(w, r, &in, func() (any, error) {
		return s.Workflow.Decline(r.Context(), r.PathValue("id"), in.Participant, in.Alternative)
	})
}

func (s *Server) apiRequest(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) {
		req, err := s.Store.Request(r.Context(), r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return s.view(r, req)
	})
}

func (s *Server) apiRequestDecisions(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) {
		return s.Store.RequestDecisions(r.Context(), r.PathValue("id"))
	})
}

// step answers a request step: decode in, run fn, answer the request.
func (s *Server) step(w http.ResponseWriter, r *http.Request, in any, fn func() (*opname.Request, error)) {
	if err := decode(w, r, in); err != nil {
		s.Error(w, r, err)
		return
	}
	req, err := fn()
	if err == nil {
		var v *workflow.RequestView
		if v, err = s.view(r, req); err == nil {
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
	s.Error(w, r, err)
}

func (s *Server) apiAnswer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Participant int    `json:"participant"`
		Given       *bool  `json:"given"`
		How         string `json:"how"`
	}
	s.step(w, r, &in, func() (*opname.Request, error) {
		// A missing answer is not a refusal: nobody's consent is assumed.
		if in.Given == nil {
			return nil, opname.Invalidf("given", "answer.given", "say true (consent given) or false (refused)")
		}
		return s.Workflow.Answer(r.Context(), r.PathValue("id"), in.Participant, *in.Given, in.How)
	})
}

func (s *Server) apiWeighty(w http.ResponseWriter, r *http.Request) {
	var in struct{ Reason, Alternative string }
	s.step(w, r, &in, func() (*opname.Request, error) {
		return s.Workflow.Weighty(r.Context(), r.PathValue("id"), in.Reason, in.Alternative)
	})
}

func (s *Server) apiChoose(w http.ResponseWriter, r *http.Request) {
	var in struct{ Alternative string }
	s.step(w, r, &in, func() (*opname.Request, error) {
		return s.Workflow.Choose(r.Context(), r.PathValue("id"), in.Alternative)
	})
}

func (s *Server) apiAskManager(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Assessment string `json:"assessment"`
		Consulted  string `json:"colleagues_consulted"`
	}
	s.step(w, r, &in, func() (*opname.Request, error) {
		return s.Workflow.AskManager(r.Context(), r.PathValue("id"), in.Assessment, in.Consulted)
	})
}

func (s *Server) apiManagerDecision(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Approved *bool  `json:"approved"`
		Reasons  string `json:"reasons"`
	}
	s.step(w, r, &in, func() (*opname.Request, error) {
		if in.Approved == nil {
			return nil, opname.Invalidf("approved", "decision.approved", "say true or false")
		}
		return s.Workflow.Decide(r.Context(), r.PathValue("id"), *in.Approved, in.Reasons)
	})
}

func (s *Server) apiAgree(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Form    string `json:"form"`
		Signed  bool   `json:"signed"`
		Refused bool   `json:"refused"`
	}
	s.step(w, r, &in, func() (*opname.Request, error) {
		return s.Workflow.Agree(r.Context(), r.PathValue("id"), in.Form, in.Signed, in.Refused)
	})
}

// apiAgreementText is the agreement text whose SHA-256 is in the log, and
// apiAgreementReceipt its receipt: with both, either party verifies what
// was agreed with `opname verify`.
func (s *Server) apiAgreementText(w http.ResponseWriter, r *http.Request) {
	text, _, err := s.agreement(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(text)
}

func (s *Server) apiAgreementReceipt(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) {
		_, req, err := s.agreement(r)
		if err != nil {
			return nil, err
		}
		return s.Store.Receipt(r.Context(), req.OrgID, req.Agreement.LogIndex)
	})
}

func (s *Server) agreement(r *http.Request) ([]byte, *opname.Request, error) {
	req, err := s.Store.Request(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	if req.Agreement == nil {
		return nil, nil, opname.Coded(opname.NotFound, "not_found.agreements", "no agreements were recorded for this request")
	}
	c, err := s.Store.Conversation(r.Context(), req.ConversationID)
	if err != nil {
		return nil, nil, err
	}
	return workflow.AgreementText(c, req, req.Agreement), req, nil
}

// inbox is what waits for a manager.
// inbox is a page of each of the inbox's lists, with the cursors of their
// next pages (?cursor= for the requests, ?incidents_cursor= for the
// incidents); a cursor is left out on a list's last page.
type inbox struct {
	Requests      []*workflow.InboxItem `json:"requests"`
	Next          string                `json:"next,omitempty"`
	Incidents     []opname.Incident     `json:"incidents"`
	NextIncidents string                `json:"incidents_next,omitempty"`
}

func (s *Server) apiInbox(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) {
		rp, err := listPage(r, "cursor")
		if err != nil {
			return nil, err
		}
		ip, err := listPage(r, "incidents_cursor")
		if err != nil {
			return nil, err
		}
		var in inbox
		if in.Requests, in.Next, err = s.Workflow.Inbox(r.Context(), rp); err != nil {
			return nil, err
		}
		if in.Incidents, in.NextIncidents, err = s.Store.OpenIncidents(r.Context(), ip); err != nil {
			return nil, forParam(err, "incidents_cursor")
		}
		return &in, nil
	})
}

func (s *Server) apiOpenIncident(w http.ResponseWriter, r *http.Request) {
	var i opname.Incident
	s.create(w, r, &i, func() (any, error) {
		i.ClientID = r.PathValue("id")
		if err := s.Workflow.OpenIncident(r.Context(), &i); err != nil {
			return nil, err
		}
		return &i, nil
	})
}

func (s *Server) apiIncident(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, func() (any, error) {
		i, err := s.Store.Incident(r.Context(), r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return i, nil
	})
}

func (s *Server) apiIncidentStep(w http.ResponseWriter, r *http.Request) {
	var in struct{ Step, Note string }
	s.create(w, r, &in, func() (any, error) {
		return s.Workflow.TakeStep(r.Context(), r.PathValue("id"), in.Step, in.Note)
	})
}

// apiAgreementPDF is the declaration of agreements to print and sign: the
// terms the policy names for the request (or those recorded), with lines
// for both parties to sign. Printing it is in the access log.
func (s *Server) apiAgreementPDF(w http.ResponseWriter, r *http.Request) {
	s.requestDocument(w, r, "verklaring", false)
}

// apiDecisionPDF is a manager's written decision, for the client's file.
func (s *Server) apiDecisionPDF(w http.ResponseWriter, r *http.Request) {
	s.requestDocument(w, r, "besluit", true)
}
