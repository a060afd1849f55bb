// Package payouts is the payouts context (DESIGN §5.3, §15): people's
// payout accounts (Stripe Connect Express accounts they onboard on
// Stripe's pages, and whether Stripe has enabled payouts to them), claims
// of influencers' cleared commissions and of communities' earnings, and
// the worker that pays them through Stripe.
//
// It must never let a claim through to an account Stripe has not enabled
// (a typed account id is no way around onboarding), and never let an
// older word of Stripe's overwrite a newer one.
//
// It must never pay a payout twice and never lose one: a claim moves the
// money to the owner's in-transit account (ledger.InTransit) with its PayoutRequested event in
// one transaction; the worker marks it processing before it calls the
// rail (only one worker may), uses the payout id as the rail's idempotency
// key, treats an unknown outcome as unknown (retried, never failed), and
// only a definite refusal returns the money. It never reads another
// context's table: who owns what, and the minimum payouts, it learns from
// events.
package payouts
