// Package creatives owns the images Souq hosts for advertisers (DESIGN
// §16): the checks an upload must pass (a PNG, JPEG, GIF or WebP by its
// content, at most 150 KB, 10×10 to 4000×4000 pixels, read from the file),
// the bytes kept under a content-addressed key in a Store (S3 behind
// CloudFront in AWS, the local platform's memory locally), and the record
// of each creative in its own table, one per advertiser and image.
//
// A creative is immutable: its bytes never change and its key is the
// SHA-256 of its bytes, so what a community approved is what runs, and the
// same bytes uploaded twice are one object and, for one advertiser, one
// creative. It must never trust a declared content type or file name,
// never overwrite an object with other bytes, and never answer before the
// record is written. The campaigns function writes creatives; campaigns
// and bids resolve a creativeId through Library.Resolve, which refuses
// another advertiser's creative as it refuses one that does not exist.
package creatives
