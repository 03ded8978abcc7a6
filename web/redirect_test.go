package web

import "testing"

func TestLocalKeepsRedirectsOnThisSite(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/clienten/abc", "/clienten/abc"},
		{"/verzoeken/1?x=2", "/verzoeken/1?x=2"},
		{"", "/"},
		{"clienten", "/"},
		{"//evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/%09/evil.example", "/"},
		{`/\evil.example`, "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"/%2F/evil.example", "/evil.example"},
		{"/./../..//evil.example", "/evil.example"},
		{"/a/../b", "/b"},
	} {
		if got := local(tc.in); got != tc.want {
			t.Errorf("local(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
