// Package campaigns is the pay-as-you-go context (DESIGN §12): an
// advertiser's CPM and CPC campaigns, each with its whole budget held at
// once as a draw-down hold in the ledger, paused, resumed, changed (a
// raised budget holds more; a lowered one gives the difference back, never
// below what it spent and what its last meter may still bill), and ended —
// at its advertiser's word or at its end, by a schedule it makes for
// itself — with exactly what it did not spend released, once.
//
// It must never hold or release money outside the transaction that
// records why, never let two ends release twice, never give back what a
// settlement then draws, and never read another context's table: who
// owns which advertiser it learns from events.
package campaigns
