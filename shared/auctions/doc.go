// Package auctions owns banner slots, their auctions and sealed bids, the
// close that picks a winner and a price and books its flight, and, for
// now, serving a slot's flight or house ad and counting its clicks (the
// serve function's Server; serving becomes its own context next).
//
// auction.go is the domain: pure rules with time passed in, no AWS, no
// HTTP; dynamo*.go the repository; *_service.go the use cases; handler.go
// the Lambda adapters. It must never reveal one bidder's amount to another before close,
// and never price a win above the winner's own bid.
package auctions
