// Package auctions owns banner slots, their auctions and sealed bids, the
// close that picks a winner and a price, and (later) serving and clicks.
//
// This file set is the domain: pure rules with time passed in, no AWS, no
// HTTP. It must never reveal one bidder's amount to another before close,
// and never price a win above the winner's own bid.
package auctions
