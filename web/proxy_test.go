package web

import (
	"net/netip"
	"testing"
)

func TestForwardedFor(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct {
		name    string
		peer    string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxies trusted", "127.0.0.1", []string{"203.0.113.9"}, nil, "127.0.0.1"},
		{"untrusted peer", "198.51.100.7", []string{"203.0.113.9"}, proxies, "198.51.100.7"},
		{"trusted peer", "127.0.0.1", []string{"203.0.113.9"}, proxies, "203.0.113.9"},
		{"trusted peer, no header", "127.0.0.1", nil, proxies, "127.0.0.1"},
		{"a claim left of the client is not believed", "127.0.0.1", []string{"192.0.2.1, 203.0.113.9"}, proxies, "203.0.113.9"},
		{"two trusted hops", "127.0.0.1", []string{"203.0.113.9, 10.1.2.3"}, proxies, "203.0.113.9"},
		{"several headers read as one list", "127.0.0.1", []string{"192.0.2.1", "203.0.113.9, 10.1.2.3"}, proxies, "203.0.113.9"},
		{"only trusted hops", "127.0.0.1", []string{"10.1.2.3, 10.4.5.6"}, proxies, "10.1.2.3"},
		{"garbage stops at the proxy that passed it", "127.0.0.1", []string{"203.0.113.9, <script>, 10.1.2.3"}, proxies, "10.1.2.3"},
		{"garbage right away", "127.0.0.1", []string{"unknown"}, proxies, "127.0.0.1"},
		{"with a port", "127.0.0.1", []string{"203.0.113.9:4711"}, proxies, "203.0.113.9"},
		{"IPv6 in brackets", "127.0.0.1", []string{"[2001:db8::1]"}, proxies, "2001:db8::1"},
		{"IPv6 with a port", "127.0.0.1", []string{"[2001:db8::1]:4711"}, proxies, "2001:db8::1"},
		{"IPv4 in IPv6", "127.0.0.1", []string{"::ffff:203.0.113.9"}, proxies, "203.0.113.9"},
	} {
		if got := forwardedFor(c.peer, c.xff, c.trusted); got != c.want {
			t.Errorf("%s: forwardedFor(%q, %q) = %q, want %q", c.name, c.peer, c.xff, got, c.want)
		}
	}
}
