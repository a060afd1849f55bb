// Package console is the web application people sign in to: community
// owners, influencers and advertisers (DESIGN §14). Pages are rendered on
// the server with html/template from embedded templates and assets; every
// page works without JavaScript, which only enhances (copy buttons,
// confirmations, local times).
//
// It is a client of the public API: every read and every action is a call
// to /v1/… with the signed-in person's token (client.go), so it can do
// nothing the API would refuse, and it never imports a product package.
// Its only table is its sessions (sessions.go). Sign-in is OpenID Connect,
// authorization code with PKCE (signin.go), against Cognito's hosted
// sign-in in AWS and the local platform's issuer on one machine.
//
// It must never show a person's typed value unescaped, link a URL that is
// not http(s), accept a POST without its session's CSRF token or from
// another origin, or put minor units in front of a person.
package console
