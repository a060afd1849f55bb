// Package serving decides what a placement shows and counts what became
// of it (DESIGN §11). A decision is an offer: a signed token names it,
// its slot and what it shows, and when it was made; the page's tag calls
// the offer's view URL once the ad has been seen, and only that view is
// an impression. Views and clicks are counted once per offer, by the
// invalid-traffic rules of shared/traffic, off the request's critical
// path.
//
// It must never count an event twice, count a refused one as valid, or
// trust what a token says without its signature.
package serving
