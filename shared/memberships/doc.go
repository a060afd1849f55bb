// Package memberships is DESIGN §17: tiers a community sells, members who
// pay every month or year and see no ads, their renewals, failed payments
// and retries, changes of tier, and the pass that tells a site who is a
// member.
//
// This file set begins with the arithmetic every part relies on and that
// is easiest to get wrong: a membership's periods over month ends and 29
// February (period.go), what an upgrade costs for the rest of a period,
// to the cent and half-even (proration.go), and where a membership goes
// on each thing that happens to it, dunning included (state.go). They
// read no store and no clock.
package memberships
