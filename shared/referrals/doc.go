// Package referrals is the influencer context (DESIGN §5.3): a
// community's referral programs with their budgets, influencers' deals
// with frozen terms and referral codes, clicks on referral links,
// conversions reported by communities, and commissions — accrued as
// pending from the program's budget, reversed, flagged for review,
// clawed back, and cleared into the influencer's available balance when
// their hold period ends. Payouts are another context's.
//
// It must never move money outside the transaction that records why,
// never let a budget commit more than was funded, never store a visitor's
// raw IP address, and never read another context's table: who owns which
// community it learns from events.
package referrals
