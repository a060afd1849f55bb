// Package auctions owns banner slots (their sizes, house ads and campaign
// settings), their auctions and sealed bids, and the close that picks a
// winner and a price and books its flight. What a slot shows, and counting
// its views and clicks, is serving's (shared/serving), which hears this
// context's SlotChanged and FlightBooked on the bus.
//
// auction.go is the domain: pure rules with time passed in, no AWS, no
// HTTP; dynamo*.go the repository; service.go and *_service.go the use
// cases, close.go the close and its schedules (a close per auction, and
// the sweep that finishes closes left closing); handler.go the Lambda
// adapters. It must never reveal one bidder's amount to another before
// close, and never price a win above the winner's own bid.
package auctions
