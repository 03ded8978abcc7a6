// Package web serves opname over HTTP: the JSON API under /api/v1, the
// pages people use, and the endpoints operators need (/healthz, /readyz;
// /metrics apart, see Metrics). Handlers are methods on Server, which holds only interfaces;
// every route is registered in routes, with who may call it.
package web

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/policy"
	"github.com/opname/opname/tusd"
	"github.com/opname/opname/vault"
	"github.com/opname/opname/workflow"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/tus/tusd/v2/pkg/handler"
)

// Store is everything the web layer needs from storage.
type Store interface {
	opname.Organisations
	opname.Users
	opname.Clients
	opname.Auth
	opname.OIDCStore
	opname.AccessLog
	opname.Log
	opname.Recordings
	opname.Conversations
	opname.Incidents
	opname.Submissions
	opname.Links
	opname.LinkSettingsStore
	opname.RecipientLinks
	opname.PublicStore
	opname.DataRequests
	opname.PrivacyReports
	opname.RetentionStore
}

// Server is the HTTP side of opname.
type Server struct {
	Store    Store
	Policies *policy.Library
	OIDC     OIDC
	Vault    *vault.Vault
	// Workflow runs conversations through the organisation's policy.
	Workflow *workflow.Workflow
	// Uploads keeps resumable uploads under way.
	Uploads *tusd.Store
	// UploadLimits bound the uploads under way (zero: the defaults).
	UploadLimits UploadLimits
	receiving    receiving
	// PublicURL is the address people reach opname at, for the identity
	// provider's redirect and sign-in links; empty means the request's own
	// host.
	PublicURL string
	// Mail, when set, sends a new person an invitation with their
	// sign-in link.
	Mail opname.Mailer
	// Ready reports whether the database and storage answer.
	Ready  func(context.Context) error
	Logger *slog.Logger
	// Insecure allows session cookies over plain HTTP; only for a server
	// on loopback.
	Insecure bool
	// TrustedProxies are the networks of reverse proxies whose
	// X-Forwarded-For is believed (see clientAddr).
	TrustedProxies []netip.Prefix

	metrics  *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// observed keeps each route's and status's metrics (routeStatus →
	// *routeMetrics), looked up once instead of by their labels on every
	// request.
	observed sync.Map
	routes   []Route
	mux      *http.ServeMux
	handler  http.Handler
	pages    *pageSet

	// ownPolicies keeps organisations' own policies compiled for the
	// public pages.
	ownPolicies policyCache

	tusOnce     sync.Once
	tusHandlers map[string]*handler.UnroutedHandler
	tusErr      error
}

// Route is one registered endpoint and who may call it.
type Route struct {
	Method  string
	Pattern string
	// Access is who may call the route, enforced by the gate; the store
	// enforces the finer rules (which clients, which organisation).
	Access Access
}

// Key is "METHOD pattern", as in the authorization matrix.
func (r Route) Key() string { return r.Method + " " + r.Pattern }

// NewServer returns a server with its routes registered and its templates
// parsed; a template that does not parse is an error here, not later.
func NewServer(store Store, policies *policy.Library, idp OIDC, ready func(context.Context) error, logger *slog.Logger) (*Server, error) {
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{Store: store, Policies: policies, OIDC: idp, Ready: ready, Logger: logger, metrics: prometheus.NewRegistry(), pages: pages}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "opname_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "opname_http_request_seconds", Help: "HTTP request latency by route.", Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5}}, []string{"route"})
	s.metrics.MustRegister(s.requests, s.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	s.mux = mux
	s.register(mux)
	if err := s.checkRoutes(); err != nil {
		return nil, err
	}
	csrf := http.NewCrossOriginProtection()
	s.handler = s.observe(s.checkInput(s.authenticate(csrf.Handler(mux))))
	return s, nil
}

// Routes lists every registered route.
func (s *Server) Routes() []Route { return s.routes }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// handle registers a route behind the gate, which lets in only the
// callers its access names.
func (s *Server) handle(mux *http.ServeMux, method, pattern string, access Access, h http.HandlerFunc) {
	route := Route{method, pattern, access}
	s.routes = append(s.routes, route)
	gated := s.gate(route, h)
	mux.HandleFunc(method+" "+pattern, func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
			info.route = r.Pattern
		}
		gated(w, r)
	})
}

// requestInfo is what inner handlers tell the observe middleware about a
// request: its route and who made it.
type requestInfo struct {
	route string
	actor opname.Actor
	zone  *time.Location // the organisation's time zone, once looked up
}

type infoKey struct{}

// register is every route of the server, in one place.
func (s *Server) register(mux *http.ServeMux) {
	s.handle(mux, "GET", "/healthz", Public, s.healthz)
	s.handle(mux, "GET", "/readyz", Public, s.readyz)
	s.handle(mux, "GET", "/api/v1/openapi.json", Public, s.openAPI)

	s.handle(mux, "POST", "/api/v1/session", Public, s.apiSignIn)
	s.handle(mux, "POST", "/api/v1/session/one-time", Public, s.apiRedeem)
	s.handle(mux, "DELETE", "/api/v1/session", SignedIn, s.apiSignOut)
	s.handle(mux, "POST", "/api/v1/session/totp", SecondFactorStep, s.apiVerifyTOTP)
	s.handle(mux, "POST", "/api/v1/me/totp", EnrolSecondFactor, s.apiBeginTOTP)
	s.handle(mux, "PUT", "/api/v1/me/totp", EnrolSecondFactor, s.apiConfirmTOTP)
	s.handle(mux, "GET", "/api/v1/me", SignedIn, s.apiMe)
	s.handle(mux, "PUT", "/api/v1/me/password", SignedIn, s.apiSetPassword)

	s.handle(mux, "GET", "/api/v1/organisation", SignedIn, s.apiOrganisation)
	s.handle(mux, "GET", "/api/v1/organisation/policies", SignedIn, s.apiPolicyVersions)
	s.handle(mux, "PUT", "/api/v1/organisation/policy", Roles(opname.RoleAdmin), s.apiSetPolicy)
	s.handle(mux, "POST", "/api/v1/organisation/policy/preview", Roles(opname.RoleAdmin), s.apiPolicyPreview)
	s.handle(mux, "PUT", "/api/v1/organisation/oidc", Roles(opname.RoleAdmin), s.apiSetOIDC)
	s.handle(mux, "PUT", "/api/v1/organisation/time-zone", Roles(opname.RoleAdmin), s.apiSetTimeZone)
	s.handle(mux, "POST", "/api/v1/decisions", SignedIn, s.apiDecide)

	s.handle(mux, "GET", "/api/v1/users", Roles(opname.RoleAdmin, opname.RoleManager, opname.RolePrivacyOfficer), s.apiUsers)
	s.handle(mux, "POST", "/api/v1/users", Roles(opname.RoleAdmin), s.apiCreateUser)
	s.handle(mux, "GET", "/api/v1/users/{id}", SignedIn, s.apiUser)
	s.handle(mux, "POST", "/api/v1/users/{id}/one-time", Roles(opname.RoleAdmin), s.apiOneTime)
	s.handle(mux, "POST", "/api/v1/users/{id}/unlock", Roles(opname.RoleAdmin), s.apiUnlock)

	s.handle(mux, "GET", "/api/v1/clients", SignedIn, s.apiClients)
	s.handle(mux, "POST", "/api/v1/clients", Roles(opname.RoleAdmin, opname.RoleManager), s.apiCreateClient)
	s.handle(mux, "GET", "/api/v1/clients/{id}", SignedIn, s.apiClient)
	s.handle(mux, "POST", "/api/v1/clients/{id}/staff", Roles(opname.RoleAdmin, opname.RoleManager), s.apiAssign)
	s.handle(mux, "GET", "/api/v1/clients/{id}/access-log", SignedIn, s.apiClientOverview)
	s.handle(mux, "GET", "/api/v1/clients/{id}/recordings", SignedIn, s.apiClientRecordings)
	s.handle(mux, "POST", "/api/v1/clients/{id}/recordings", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiUploadRecording)
	s.handle(mux, "GET", "/api/v1/recordings/{id}", SignedIn, s.apiRecording)
	s.handle(mux, "GET", "/api/v1/recordings/{id}/content", SignedIn, s.apiRecordingContent)
	s.handle(mux, "GET", "/api/v1/recordings/{id}/receipt", SignedIn, s.apiRecordingReceipt)
	s.handle(mux, "POST", "/api/v1/recordings/{id}/copies", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiAddCopy)
	s.handle(mux, "POST", "/api/v1/recordings/{id}/erasure", Roles(opname.RoleManager, opname.RoleAdmin), s.apiEraseRecording)
	s.handle(mux, "GET", "/api/v1/recordings/{id}/transcripts", SignedIn, s.apiTranscripts)
	s.handle(mux, "POST", "/api/v1/recordings/{id}/transcripts", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiAddTranscript)
	s.handle(mux, "GET", "/api/v1/transcripts/{id}/content", SignedIn, s.apiTranscriptContent)
	s.handle(mux, "GET", "/api/v1/transcripts/{id}/receipt", SignedIn, s.apiTranscriptReceipt)
	s.handle(mux, "GET", "/api/v1/fixity", Roles(opname.RolePrivacyOfficer, opname.RoleAdmin), s.apiFixityProblems)

	s.handle(mux, "GET", "/api/v1/uploads", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiUploads)
	s.tusRoutes(mux, apiUploads, Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin))

	s.handle(mux, "GET", "/api/v1/conversations", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiMyConversations)
	s.handle(mux, "GET", "/api/v1/clients/{id}/conversations", SignedIn, s.apiClientConversations)
	s.handle(mux, "POST", "/api/v1/clients/{id}/conversations", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiOpenConversation)
	s.handle(mux, "GET", "/api/v1/conversations/{id}", SignedIn, s.apiConversation)
	s.handle(mux, "POST", "/api/v1/conversations/{id}/requests", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiAsk)
	s.handle(mux, "POST", "/api/v1/conversations/{id}/participants", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiAddParticipant)
	s.handle(mux, "POST", "/api/v1/conversations/{id}/declines", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiDecline)
	s.handle(mux, "GET", "/api/v1/requests/{id}", SignedIn, s.apiRequest)
	s.handle(mux, "GET", "/api/v1/requests/{id}/decisions", SignedIn, s.apiRequestDecisions)
	s.handle(mux, "POST", "/api/v1/requests/{id}/answers", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiAnswer)
	s.handle(mux, "POST", "/api/v1/requests/{id}/weighty-reasons", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiWeighty)
	s.handle(mux, "POST", "/api/v1/requests/{id}/alternative", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiChoose)
	s.handle(mux, "POST", "/api/v1/requests/{id}/manager", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiAskManager)
	s.handle(mux, "POST", "/api/v1/requests/{id}/manager-decision", Roles(opname.RoleManager, opname.RoleAdmin), s.apiManagerDecision)
	s.handle(mux, "POST", "/api/v1/requests/{id}/agreement", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiAgree)
	s.handle(mux, "GET", "/api/v1/requests/{id}/agreement/text", SignedIn, s.apiAgreementText)
	s.handle(mux, "GET", "/api/v1/requests/{id}/agreement/receipt", SignedIn, s.apiAgreementReceipt)
	s.handle(mux, "GET", "/api/v1/requests/{id}/declaration.pdf", SignedIn, s.apiAgreementPDF)
	s.handle(mux, "GET", "/api/v1/requests/{id}/decision.pdf", SignedIn, s.apiDecisionPDF)
	s.handle(mux, "POST", "/api/v1/requests/{id}/recipient-links", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiDeliver)
	s.handle(mux, "GET", "/api/v1/requests/{id}/recipient-links", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiRecipientLinks)
	s.handle(mux, "DELETE", "/api/v1/requests/{id}/recipient-links/{link}", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiStopRecipient)
	s.handle(mux, "GET", "/api/v1/requests/{id}/evidence", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.evidenceBundle)
	s.handle(mux, "GET", "/api/v1/inbox", Roles(opname.RoleManager, opname.RoleAdmin), s.apiInbox)
	s.handle(mux, "POST", "/api/v1/clients/{id}/incidents", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiOpenIncident)
	s.handle(mux, "GET", "/api/v1/incidents/{id}", SignedIn, s.apiIncident)
	s.handle(mux, "POST", "/api/v1/incidents/{id}/steps", Roles(opname.RoleStaff, opname.RoleManager, opname.RoleAdmin), s.apiIncidentStep)

	s.handle(mux, "GET", "/api/v1/access-log", Roles(opname.RolePrivacyOfficer), s.apiAccessLog)

	s.handle(mux, "GET", "/api/v1/tokens", Roles(opname.RoleAdmin), s.apiTokens)
	s.handle(mux, "POST", "/api/v1/tokens", Roles(opname.RoleAdmin), s.apiCreateToken)

	s.handle(mux, "GET", "/api/v1/logs/{slug}/checkpoint", Public, s.logCheckpoint)
	s.handle(mux, "GET", "/api/v1/logs/{slug}/key", Public, s.logKey)
	s.handle(mux, "GET", "/api/v1/logs/{slug}/inclusion", Public, s.logInclusion)
	s.handle(mux, "GET", "/api/v1/logs/{slug}/consistency", Public, s.logConsistency)
	s.handle(mux, "GET", "/api/v1/logs/{slug}/shares", Public, s.logShares)
	s.handle(mux, "DELETE", "/api/v1/tokens/{id}", Roles(opname.RoleAdmin), s.apiRevokeToken)

	s.retentionRoutes(mux)
	s.registerPages(mux)
	s.avgRoutes(mux)
	s.reportRoutes(mux)
}

// SessionCookie is the name of the session cookie: __Host- binds it to
// this host over HTTPS; on plain HTTP to loopback the prefix cannot be used.
func (s *Server) SessionCookie() string {
	if s.Insecure {
		return "opname_session"
	}
	return "__Host-opname_session"
}

// LinkCookie is the name of the cookie of a browser opened with a client
// link. Its path is /l, so it goes nowhere else.
func (s *Server) LinkCookie() string {
	if s.Insecure {
		return "opname_link"
	}
	return "__Secure-opname_link"
}

type requestIDKey struct{}

// requestID returns the id of the request in ctx.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives every request an id, security headers, a log line and
// metrics. The log line names the route pattern, never the path or query,
// so no identifier or secret in a URL reaches the log.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		info := &requestInfo{route: "unmatched"}
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey{}, id), infoKey{}, info)
		h := w.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		// 'wasm-unsafe-eval' lets the receipt check compile its SHA-256
		// (WebAssembly, from /assets/vendor); it allows no JavaScript eval.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'; form-action 'self'")
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(ctx)
		next.ServeHTTP(sw, r)
		route := info.route
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		m := s.routeMetrics(route, sw.status)
		m.requests.Inc()
		m.latency.Observe(elapsed.Seconds())
		attrs := []any{"request_id", id, "method", r.Method, "route", route, "status", sw.status, "ms", elapsed.Milliseconds()}
		if info.actor.UserID != "" {
			attrs = append(attrs, "user_id", info.actor.UserID, "org_id", info.actor.OrgID)
		}
		s.Logger.LogAttrs(ctx, levelFor(sw.status), "request", slogAttrs(attrs)...)
	})
}

type routeStatus struct {
	route  string
	status int
}

type routeMetrics struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// routeMetrics returns the metrics of requests to route answered with
// status.
func (s *Server) routeMetrics(route string, status int) *routeMetrics {
	k := routeStatus{route, status}
	if m, ok := s.observed.Load(k); ok {
		return m.(*routeMetrics)
	}
	m := &routeMetrics{s.requests.WithLabelValues(route, strconv.Itoa(status)), s.latency.WithLabelValues(route)}
	had, _ := s.observed.LoadOrStore(k, m)
	return had.(*routeMetrics)
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

func slogAttrs(kv []any) []slog.Attr {
	out := make([]slog.Attr, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, slog.Any(kv[i].(string), kv[i+1]))
	}
	return out
}

// authenticate turns a bearer token or a session cookie into the actor of
// the request. A request without credentials goes on anonymous; a request
// with wrong credentials is refused.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := s.clientAddr(r)
		ctx := opname.WithAddr(r.Context(), addr)
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.Error(w, r, opname.Coded(opname.Unauthorized, "auth.bearer", "use Authorization: Bearer TOKEN"))
				return
			}
			a, err := s.Store.AuthenticateToken(ctx, strings.TrimSpace(token))
			if err != nil {
				s.Error(w, r, err)
				return
			}
			a.Addr = addr
			noteActor(ctx, a)
			next.ServeHTTP(w, r.WithContext(opname.WithActor(ctx, a)))
			return
		}
		if c, err := r.Cookie(s.LinkCookie()); err == nil && c.Value != "" && (r.URL.Path == "/l" || strings.HasPrefix(r.URL.Path, "/l/")) {
			a, sess, err := s.Store.AuthenticateLink(ctx, c.Value)
			if err == nil {
				a.Addr = addr
				noteActor(ctx, a)
				ctx = context.WithValue(ctx, linkKey{}, &linkVisit{holder: a, session: sess, secret: c.Value})
			}
		}
		if c, err := r.Cookie(s.SessionCookie()); err == nil && c.Value != "" {
			a, sess, err := s.Store.Authenticate(ctx, c.Value)
			if err == nil {
				a.Addr = addr
				noteActor(ctx, a)
				ctx = withSession(ctx, a, sess)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func noteActor(ctx context.Context, a opname.Actor) {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		info.actor = a
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Ready(ctx); err != nil {
		s.Logger.ErrorContext(ctx, "not ready", "request_id", requestID(ctx), "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}
