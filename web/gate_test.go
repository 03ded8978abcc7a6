package web

import (
	"net/http"
	"strings"
	"testing"
)

// A route that does not say who may call it stops the server from starting.
func TestRouteWithoutAccessDoesNotStart(t *testing.T) {
	for _, access := range []Access{{}, Roles()} {
		s := &Server{}
		mux := http.NewServeMux()
		s.handle(mux, "GET", "/ok", Public, func(http.ResponseWriter, *http.Request) {})
		s.handle(mux, "GET", "/forgotten", access, func(http.ResponseWriter, *http.Request) {})
		err := s.checkRoutes()
		if err == nil || !strings.Contains(err.Error(), "GET /forgotten") {
			t.Errorf("access %q: checkRoutes = %v, want an error naming GET /forgotten", access, err)
		}
	}
}

// Every route of the real server declares its access.
func TestEveryRouteDeclaresAccess(t *testing.T) {
	s := &Server{}
	s.register(http.NewServeMux())
	if err := s.checkRoutes(); err != nil {
		t.Fatal(err)
	}
	if len(s.routes) < 50 {
		t.Fatalf("only %d routes registered", len(s.routes))
	}
	for _, r := range s.routes {
		if r.Access.kind == roles {
			for _, role := range r.Access.roles {
				if !role.Valid() {
					t.Errorf("%s: role %q is not a role", r.Key(), role)
				}
			}
		}
	}
}
