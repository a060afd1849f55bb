package webhooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/souqhq/souq/shared/fault"
)

// Policy is what endpoints may be: the AWS build allows https to public
// addresses only; the local platform also allows http and loopback and
// private addresses, so that a receiver on 127.0.0.1 can be used.
type Policy struct {
	AllowInsecure bool
	// Resolver resolves host names (net.DefaultResolver when nil).
	Resolver interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	}
}

// MaxURLLen bounds an endpoint URL.
const MaxURLLen = 2_048

// CheckURL validates an endpoint URL as a customer gives it.
func (p Policy) CheckURL(raw string) error {
	const op = "webhooks.CheckURL"
	bad := func(msg string) error {
		return fault.InvalidFields(op, "the endpoint has invalid fields", fault.FieldError{Field: "url", Message: msg})
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || len(raw) > MaxURLLen || u.Host == "" || u.Hostname() == "":
		return bad("must be an absolute URL of at most 2048 characters")
	case u.User != nil:
		return bad("must not carry credentials")
	case u.Fragment != "":
		return bad("must not have a fragment")
	case u.Scheme == "https", u.Scheme == "http" && p.AllowInsecure:
	default:
		return bad("must be https")
	}
	if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil && !p.allowed(ip) {
		return bad("must not be a private, loopback, link-local or metadata address")
	}
	if strings.EqualFold(u.Hostname(), "localhost") && !p.AllowInsecure {
		return bad("must not be a private, loopback, link-local or metadata address")
	}
	return nil
}

// blocked are the ranges no delivery may reach in AWS, beyond what
// netip's own predicates cover.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),     // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),     // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),       // reserved
	netip.MustParsePrefix("64:ff9b::/96"),      // NAT64: reaches IPv4 behind it
	netip.MustParsePrefix("64:ff9b:1::/48"),    // local-use NAT64
	netip.MustParsePrefix("2002::/16"),         // 6to4: embeds an IPv4 address
	netip.MustParsePrefix("fd00:ec2::254/128"), // the EC2 metadata service over IPv6
}

// allowed reports whether a delivery may reach ip.
func (p Policy) allowed(ip netip.Addr) bool {
	if p.AllowInsecure {
		return true
	}
	ip = ip.Unmap() // ::ffff:10.0.0.1 is 10.0.0.1
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, b := range blocked {
		if b.Contains(ip) {
			return false
		}
	}
	return true
}

// errRefused is a delivery the policy would not make.
var errRefused = errors.New("webhooks: the endpoint resolves to an address deliveries may not reach")

// dial resolves the host at the moment of the delivery, refuses it if
// any address is not allowed, and connects to a checked address itself:
// a name that answers differently on a second lookup (DNS rebinding) is
// never looked up again.
func (p Policy) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		r := p.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		if ips, err = r.LookupNetIP(ctx, "ip", host); err != nil {
			return nil, err
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("webhooks: %s has no address", host)
	}
	for _, ip := range ips {
		if !p.allowed(ip) {
			return nil, errRefused
		}
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	return d.DialContext(ctx, network, net.JoinHostPort(ips[0].Unmap().String(), port))
}

// DeliveryTimeout is how long a receiver has to answer: 2xx within it is
// success.
const DeliveryTimeout = 10 * time.Second

// maxResponse is how much of a receiver's answer is read.
const maxResponse = 4 << 10

// Client is the HTTP client deliveries use: the policy's dialer, no
// proxy, no redirects followed, the delivery timeout.
func (p Policy) Client() *http.Client {
	return &http.Client{
		Timeout: DeliveryTimeout,
		Transport: &http.Transport{
			Proxy: nil, DialContext: p.dial, ForceAttemptHTTP2: true,
			TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: DeliveryTimeout, MaxIdleConnsPerHost: 4,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// drain reads at most maxResponse bytes of an answer.
func drain(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, maxResponse))
	return string(b)
}
