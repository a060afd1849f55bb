// Package accounts owns communities, advertiser accounts, their owners and
// their API keys. It answers who owns what: other contexts learn it through
// events, never by reading this context's table. It keeps each
// community's campaign report lines from CampaignReported (lines.go), for
// the breakdowns of its earnings report.
//
// It must never store or log an API key secret: only its SHA-256 and a
// display prefix are kept, and the secret is returned once, at creation.
package accounts
