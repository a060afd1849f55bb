// Package sponsorships is the sponsored-content context (DESIGN §5.2):
// offerings (a community's rate card, with availability per date),
// bookings with their content versions, counter-proposals, and the
// review workflow as one explicit state machine, with the money held,
// captured into the community's held balance on approval and paid out on
// publication.
//
// It must never move money outside the transaction that changes a
// sponsorship's state, never let two decisions on one sponsorship both
// win, and never read another context's table: who owns which community
// and advertiser it learns from events.
package sponsorships
