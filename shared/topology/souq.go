package topology

// Logical table names.
const (
	TableAccounts     = "accounts"
	TableIdempotency  = "idempotency"
	TableOutbox       = "outbox"
	TableLedger       = "ledger"
	TableAuctions     = "auctions"
	TableSponsorships = "sponsorships"
	TableReferrals    = "referrals"
	TablePayouts      = "payouts"
	TableWebhooks     = "webhooks"
	TableSessions     = "sessions"
	TableServing      = "serving"
	TableCampaigns    = "campaigns"
	TableCreatives    = "creatives"
	TableMemberships  = "memberships"
)

// Function names.
const (
	FnAccounts     = "accounts"
	FnAuthorizer   = "authorizer"
	FnRelay        = "relay"
	FnOps          = "ops"
	FnAuctions     = "auctions"
	FnServe        = "serve"
	FnSponsorships = "sponsorships"
	FnReferrals    = "referrals"
	FnPayouts      = "payouts"
	FnWebhooks     = "webhooks"
	FnConsole      = "console"
	FnCampaigns    = "campaigns"
)

// creationThrottle limits routes that create accounts and keys: people
// make a handful, so a flood is abuse, and each one is a transaction.
var creationThrottle = &Throttle{RatePerSecond: 10, Burst: 20}

// moneyThrottle limits deposits: each is a card charge.
var moneyThrottle = &Throttle{RatePerSecond: 20, Burst: 40}

// directoryThrottle limits the public directory per caller: a person
// browsing pages and a script reading every page, not a crawler looping.
var directoryThrottle = &Throttle{RatePerSecond: 20, Burst: 60}

var (
	pk = Key{Name: "pk", Type: String}
	sk = Key{Name: "sk", Type: String}
)

// The index names every context's table shares: each table with indexes
// has the same two sparse GSIs (gsi1pk/gsi1sk, gsi2pk/gsi2sk), whose use
// its repository's key design says; the auctions table also has an LSI.
const (
	IndexGSI1 = "gsi1"
	IndexGSI2 = "gsi2"
	IndexLSI1 = "lsi1"
)

var twoGSIs = []Index{
	{Name: IndexGSI1, PartitionKey: Key{Name: "gsi1pk", Type: String}, SortKey: &Key{Name: "gsi1sk", Type: String}},
	{Name: IndexGSI2, PartitionKey: Key{Name: "gsi2pk", Type: String}, SortKey: &Key{Name: "gsi2sk", Type: String}},
}

// The jobs of the recurring schedules: the payload the topology sends and
// the function that runs it reads, named once.
const (
	JobSweepClosing = "sweep-closing"
	JobSweepPayouts = "sweep-payouts"
	JobMeter        = "meter"
)

// JobInput is a schedule's payload for a job: {"job": "<job>"}.
func JobInput(job string) string { return `{"job":"` + job + `"}` }

// Souq returns the topology of the marketplace as it exists today.
func Souq() Topology {
	return Topology{
		Bus:           "souq",
		Authorizer:    FnAuthorizer,
		ScheduleGroup: "souq",
		Tables: []Table{
			{
				Name: TableAccounts, PartitionKey: pk, SortKey: &sk, TTLAttribute: "expiresAt",
				Purpose: "communities, advertisers, their owners' indexes and API keys, communities' campaign report lines (shared/accounts/dynamo.go has the key design)",
			},
			{
				Name: TableLedger, PartitionKey: pk, SortKey: &sk,
				Purpose: "the double-entry ledger: balances, postings, transfers, holds (shared/ledger/dynamo.go has the key design)",
			},
			{
				Name: TableAuctions, PartitionKey: pk, SortKey: &sk, TTLAttribute: "expiresAt",
				GlobalIndexes: twoGSIs,
				// An auction's active bids ranked by amount then time: the
				// close reads its top two, strongly consistent.
				LocalIndexes: []Index{{Name: IndexLSI1, PartitionKey: pk, SortKey: &Key{Name: "lsi1sk", Type: String}}},
				Purpose:      "slots, auctions and bids, and the communities this context knows of (shared/auctions/dynamo.go has the key design)",
			},
			{
				Name: TableSponsorships, PartitionKey: pk, SortKey: &sk, TTLAttribute: "expiresAt",
				GlobalIndexes: twoGSIs,
				Purpose:       "offerings with their dates, sponsorships with content versions and history, and the communities and advertisers this context knows of (shared/sponsorships/dynamo.go has the key design)",
			},
			{
				Name: TableReferrals, PartitionKey: pk, SortKey: &sk, TTLAttribute: "expiresAt",
				GlobalIndexes: twoGSIs,
				Purpose:       "referral programs and budgets, deals and codes, clicks, conversions and commissions, and the communities this context knows of (shared/referrals/dynamo.go has the key design)",
			},
			{
				Name: TablePayouts, PartitionKey: pk, SortKey: &sk, TTLAttribute: "expiresAt",
				GlobalIndexes: twoGSIs,
				Purpose:       "payout destinations, payouts and their states, and the communities and minimum payouts this context knows of (shared/payouts/dynamo.go has the key design)",
			},
			{
				Name: TableWebhooks, PartitionKey: pk, SortKey: &sk, TTLAttribute: "expiresAt",
				GlobalIndexes: twoGSIs,
				Purpose:       "webhook endpoints with sealed secrets, deliveries and their dead letters, and who owns which community and advertiser (shared/webhooks/dynamo.go has the key design)",
			},
			{
				Name: TableCampaigns, PartitionKey: pk, SortKey: &sk, TTLAttribute: "expiresAt",
				GlobalIndexes: twoGSIs,
				Purpose:       "pay-as-you-go campaigns with their terms, state and billed counts, and the advertisers this context knows of (shared/campaigns/dynamo.go has the key design)",
			},
			{
				Name: TableCreatives, PartitionKey: pk, SortKey: &sk,
				GlobalIndexes: twoGSIs,
				Purpose:       "advertisers' hosted creatives: each image's key, type, pixel size, bytes and SHA-256, one per advertiser and image (shared/creatives/dynamo.go has the key design)",
			},
			{
				Name: TableMemberships, PartitionKey: pk, SortKey: &sk, TTLAttribute: "expiresAt",
				GlobalIndexes: twoGSIs,
				Purpose:       "membership tiers a community sells, by community (shared/memberships/dynamo.go has the key design)",
			},
			{
				Name: TableServing, PartitionKey: pk, SortKey: &sk, TTLAttribute: "expiresAt",
				Purpose: "what may run on each slot (fed by SlotChanged and FlightBooked), the pages each community allows, delivery counters and once-per-offer records (shared/serving/dynamo.go has the key design)",
			},
			{
				Name: TableSessions, PartitionKey: pk, TTLAttribute: "expiresAt",
				Purpose: "the console's sign-ins in progress and its sessions (hashed ids, sealed tokens), each gone at its expiry (shared/console/sessions.go has the key design)",
			},
			{
				Name: TableIdempotency, PartitionKey: pk, TTLAttribute: "expiresAt",
				Purpose: "Idempotency-Key records scoped to principal and route, kept 24 h",
			},
			{
				Name: TableOutbox, PartitionKey: pk, TTLAttribute: "expiresAt", Stream: NewImage,
				Purpose: "the transactional outbox: events written with the state change, relayed from the stream",
			},
		},
		Functions: []Function{
			{
				Name: FnAuctions, Description: "banner slots, auctions, bids and their close",
				// The close settles up to hundreds of bids in one run.
				MemoryMB: 512, TimeoutSec: 120, CreatesSchedules: true,
				// Creatives: a bid may name one of its advertiser's.
				Tables: []Grant{{TableAuctions, ReadWrite}, {TableLedger, ReadWrite}, {TableIdempotency, ReadWrite}, {TableOutbox, WriteOnly}, {TableCreatives, Read}},
			},
			{
				Name: FnSponsorships, Description: "offerings, bookings and the sponsored-content review workflow",
				MemoryMB: 256, TimeoutSec: 10, CreatesSchedules: true,
				Tables: []Grant{{TableSponsorships, ReadWrite}, {TableLedger, ReadWrite}, {TableIdempotency, ReadWrite}, {TableOutbox, WriteOnly}},
			},
			{
				Name: FnReferrals, Description: "referral programs, deals, referral clicks, conversions and commissions",
				MemoryMB: 256, TimeoutSec: 10, CreatesSchedules: true, SignsClicks: true,
				Tables: []Grant{{TableReferrals, ReadWrite}, {TableLedger, ReadWrite}, {TableIdempotency, ReadWrite}, {TableOutbox, WriteOnly}},
			},
			{
				Name: FnPayouts, Description: "payout destinations, claims, and the worker that pays them through the payment rail",
				MemoryMB: 256, TimeoutSec: 60, UsesPaymentRail: true,
				Tables: []Grant{{TablePayouts, ReadWrite}, {TableLedger, ReadWrite}, {TableIdempotency, ReadWrite}, {TableOutbox, WriteOnly}},
			},
			{
				Name: FnWebhooks, Description: "webhook endpoints and the signed, retried deliveries of events to them",
				MemoryMB: 256, TimeoutSec: 30, CreatesSchedules: true, SignsClicks: true,
				Tables: []Grant{{TableWebhooks, ReadWrite}, {TableIdempotency, ReadWrite}, {TableOutbox, WriteOnly}},
			},
			{
				Name: FnCampaigns, Description: "pay-as-you-go campaigns: their budgets held, paused, resumed and ended, the unspent released",
				MemoryMB: 256, TimeoutSec: 30, CreatesSchedules: true, HostsCreatives: true,
				Tables: []Grant{{TableCampaigns, ReadWrite}, {TableLedger, ReadWrite}, {TableIdempotency, ReadWrite}, {TableOutbox, WriteOnly}, {TableCreatives, ReadWrite}},
			},
			{
				Name: FnServe, Description: "the ad serving hot path, views, click redirects and delivery stats, from its own projection of slots and flights",
				MemoryMB: 512, TimeoutSec: 5, SignsClicks: true, HotPath: true,
				// The outbox: CampaignMetered, serving's counts for billing.
				Tables: []Grant{{TableServing, ReadWrite}, {TableOutbox, WriteOnly}},
			},
			{
				Name: FnOps, Description: "operators' jobs: the daily ledger verification",
				MemoryMB: 1024, TimeoutSec: 900,
				Tables: []Grant{{TableLedger, Read}},
			},
			{
				Name: FnAccounts, Description: "communities, advertisers, API keys, payers and their cards, memberships, health",
				// SignsClicks: the membership pass's keys derive from the secret.
				MemoryMB: 256, TimeoutSec: 10, SignsClicks: true, CreatesSchedules: true,
				Tables:          []Grant{{TableAccounts, ReadWrite}, {TableLedger, ReadWrite}, {TableIdempotency, ReadWrite}, {TableOutbox, WriteOnly}, {TableMemberships, ReadWrite}},
				UsesPaymentRail: true,
			},
			{
				Name: FnAuthorizer, Description: "the Lambda authorizer: JWTs and API keys",
				MemoryMB: 256, TimeoutSec: 5,
				Tables: []Grant{{TableAccounts, Read}},
			},
			{
				Name: FnRelay, Description: "publishes committed outbox events to the bus",
				MemoryMB: 256, TimeoutSec: 30, PublishesEvents: true, ConsumesOutboxStream: true,
			},
			{
				Name: FnConsole, Description: "the console: pages for people, signed in with OpenID Connect, a client of the API",
				// A page makes a few API calls in turn.
				MemoryMB: 256, TimeoutSec: 15, SignsIn: true,
				Tables: []Grant{{TableSessions, ReadWrite}},
			},
		},
		Rules: []Rule{
			// Auctions keeps its own view of who owns which community and
			// advertiser.
			{Name: "auctions-accounts", Pattern: `{"source":["souq.accounts"],"detail-type":["CommunityCreated","AdvertiserCreated"]}`, Target: FnAuctions},
			// Serving keeps its own projection of what may run on each slot,
			// the pages each community allows, and who owns which community
			// and advertiser (who may read a flight's stats).
			{Name: "serve-learns", Pattern: `{"source":["souq.accounts","souq.auctions","souq.campaigns","souq.memberships"],"detail-type":["CommunityCreated","CommunityUpdated","AdvertiserCreated","SlotChanged","FlightBooked","CampaignChanged","CampaignCharged","CampaignReviewed","TierCreated","TierChanged"]}`, Target: FnServe},
			// Campaigns settle what serving counted, once per count.
			{Name: "campaigns-metered", Pattern: `{"source":["souq.serving"],"detail-type":["CampaignMetered"]}`, Target: FnCampaigns},
			// Referrals names the communities and influencers on its deals.
			{Name: "referrals-accounts", Pattern: `{"source":["souq.accounts"],"detail-type":["CommunityCreated","PersonUpdated"]}`, Target: FnReferrals},
			{Name: "payouts-learns", Pattern: `{"source":["souq.accounts","souq.referrals"],"detail-type":["CommunityCreated","DealApproved"]}`, Target: FnPayouts},
			// The worker: every claim's PayoutRequested, at least once.
			{Name: "payouts-requested", Pattern: `{"source":["souq.payouts"],"detail-type":["PayoutRequested"]}`, Target: FnPayouts},
			// Earnings show what was paid.
			{Name: "referrals-paid", Pattern: `{"source":["souq.payouts"],"detail-type":["PayoutPaid"]}`, Target: FnReferrals},
			// Member referrals: each payment of a membership a deal brought
			// earns, and its refunds take back (DESIGN §18).
			{Name: "referrals-members", Pattern: `{"source":["souq.memberships"],"detail-type":["MembershipStarted","MembershipRenewed","MembershipChanged","MembershipPaymentRefunded","MembershipPaymentFailed","MembershipCanceled","MembershipEnded"]}`, Target: FnReferrals},
			// Every product event, to be delivered to the endpoints of the
			// people it is about (shared/webhooks/audience.go says whom).
			{Name: "webhooks-all", Pattern: `{"source":["souq.accounts","souq.auctions","souq.sponsorships","souq.referrals","souq.payouts","souq.webhooks","souq.campaigns","souq.memberships"]}`, Target: FnWebhooks},
			// A community's report keeps its campaigns' lines.
			{Name: "accounts-campaigns", Pattern: `{"source":["souq.campaigns"],"detail-type":["CampaignReported"]}`, Target: FnAccounts},
			// Campaigns knows its advertisers, and names the communities in a
			// campaign's report.
			{Name: "campaigns-accounts", Pattern: `{"source":["souq.accounts"],"detail-type":["AdvertiserCreated","CommunityCreated"]}`, Target: FnCampaigns},
			// Campaigns' review (DESIGN §16) knows which communities review
			// campaigns and block advertisers, and their slots' sizes and
			// whether they accept campaigns (who owns them: campaigns-accounts).
			{Name: "campaigns-reviews", Pattern: `{"source":["souq.accounts","souq.auctions"],"detail-type":["CommunityUpdated","SlotChanged"]}`, Target: FnCampaigns},
			// Auctions refuse bids of the advertisers a community blocked.
			{Name: "auctions-communities", Pattern: `{"source":["souq.accounts"],"detail-type":["CommunityUpdated"]}`, Target: FnAuctions},
			// Auto-recharge and the low-balance alert watch what other
			// contexts spend of an advertiser's balance, and a payer in
			// debt repays it from what reaches its balance.
			{Name: "accounts-ledger", Pattern: `{"source":["souq.ledger"],"detail-type":["LedgerTransferPosted"],"detail":{"postings":{"account":[{"prefix":"advertiser:"},{"prefix":"community:"}]}}}`, Target: FnAccounts},
			// Payouts learns whether Stripe lets it pay each payee.
			{Name: "payouts-accounts", Pattern: `{"source":["souq.accounts"],"detail-type":["PayoutAccountUpdated"]}`, Target: FnPayouts},
			// An advertiser in debt has its campaigns paused until repaid.
			{Name: "campaigns-debts", Pattern: `{"source":["souq.accounts"],"detail-type":["PayerDebtChanged"]}`, Target: FnCampaigns},
			{Name: "sponsorships-accounts", Pattern: `{"source":["souq.accounts"],"detail-type":["CommunityCreated","AdvertiserCreated"]}`, Target: FnSponsorships},
		},
		Schedules: []Schedule{
			// DESIGN §4: ledger verify, daily; its violation count is alarmed.
			{Name: "ledger-verify", Expression: "rate(1 day)", Target: FnOps},
			// A close that exhausted its own schedule's retries is finished
			// here: no auction stays closing, no hold is left behind.
			{Name: "auctions-sweep", Expression: "rate(10 minutes)", Target: FnAuctions, Input: JobInput(JobSweepClosing)},
			// A payout whose delivery was lost, whose worker died after the
			// rail call, or whose outcome was unknown is processed again.
			{Name: "payouts-sweep", Expression: "rate(5 minutes)", Target: FnPayouts, Input: JobInput(JobSweepPayouts)},
			// Every minute serving sends each campaign's counts to be
			// settled (DESIGN §12: settlements at least every minute).
			{Name: "serve-meter", Expression: "rate(1 minute)", Target: FnServe, Input: JobInput(JobMeter)},
		},
		Routes: []Route{
			{Method: "GET", Path: "/healthz", Function: FnAccounts, Auth: []AuthKind{Public}, Summary: "Liveness"},
			{Method: "GET", Path: "/v1/me", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "The caller, its profile and the accounts it owns"},
			{Method: "PATCH", Path: "/v1/me", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Change the caller's profile: display name, bio, links, time zone"},
			{Method: "POST", Path: "/v1/communities", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Create a community", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/communities/{communityId}", Function: FnAccounts, Auth: []AuthKind{User, Client}, Summary: "Read a community"},
			{Method: "PATCH", Path: "/v1/communities/{communityId}", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Change a community's settings: its page allowlist, its listing in the directory, and what runs on its pages"},
			{Method: "POST", Path: "/v1/advertisers", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Create an advertiser account", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/advertisers/{advertiserId}", Function: FnAccounts, Auth: []AuthKind{User, Client}, Summary: "Read an advertiser account"},
			{Method: "POST", Path: "/v1/advertisers/{advertiserId}/api-keys", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Create an advertiser API key", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/advertisers/{advertiserId}/api-keys", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "List an advertiser's API keys"},
			{Method: "DELETE", Path: "/v1/advertisers/{advertiserId}/api-keys/{keyId}", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Revoke an advertiser API key"},
			{Method: "POST", Path: "/v1/communities/{communityId}/api-keys", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Create a community API key", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/communities/{communityId}/api-keys", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "List a community's API keys"},
			{Method: "DELETE", Path: "/v1/communities/{communityId}/api-keys/{keyId}", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Revoke a community API key"},
			{Method: "POST", Path: "/v1/advertisers/{advertiserId}/deposits", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Fund an advertiser's wallet", Throttle: moneyThrottle},
			{Method: "POST", Path: "/v1/communities/{communityId}/deposits", Function: FnAccounts, Auth: []AuthKind{User, Client}, Summary: "Fund a community", Throttle: moneyThrottle},
			{Method: "GET", Path: "/v1/advertisers/{advertiserId}/balance", Function: FnAccounts, Auth: []AuthKind{User, Client}, Summary: "An advertiser's available and held balance"},
			// Memberships (DESIGN §17): the pass's public keys, and the tiers a community sells.
			{Method: "GET", Path: "/.well-known/jwks.json", Function: FnAccounts, Auth: []AuthKind{Public}, Summary: "The membership pass's public keys (JWKS)"},
			{Method: "POST", Path: "/v1/communities/{communityId}/tiers", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Create a membership tier: benefits, monthly and yearly prices, trial days", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/communities/{communityId}/tiers", Function: FnAccounts, Auth: []AuthKind{Public}, Summary: "A community's membership tiers on sale (public)"},
			{Method: "GET", Path: "/v1/tiers/{tierId}", Function: FnAccounts, Auth: []AuthKind{Public}, Summary: "Read a membership tier (public)"},
			{Method: "PATCH", Path: "/v1/tiers/{tierId}", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Change a tier's name, description or benefits (its prices are fixed)"},
			{Method: "POST", Path: "/v1/tiers/{tierId}/archive", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Archive a tier: no new members, current ones keep it"},
			{Method: "POST", Path: "/v1/communities/{communityId}/memberships", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Join a community: a trial, or the first period paid", Throttle: moneyThrottle},
			{Method: "GET", Path: "/v1/communities/{communityId}/memberships", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "A community's memberships (its owner)"},
			{Method: "GET", Path: "/v1/communities/{communityId}/memberships/report", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "A community's members per day, with MRR (its owner)"},
			{Method: "GET", Path: "/v1/communities/{communityId}/pass", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "The member's pass for the community's own sites"},
			{Method: "GET", Path: "/v1/communities/{communityId}/join", Function: FnAccounts, Auth: []AuthKind{Public}, Summary: "A community's join page: its tiers on sale and its own sites (public)"},
			{Method: "GET", Path: "/v1/me/memberships", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "The person's memberships"},
			{Method: "GET", Path: "/v1/memberships/{membershipId}", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "A membership and its payments"},
			{Method: "PATCH", Path: "/v1/memberships/{membershipId}", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Change tier or interval: an upgrade now, prorated; a downgrade at the period's end", Throttle: moneyThrottle},
			{Method: "POST", Path: "/v1/memberships/{membershipId}/cancel", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Cancel at the period's end"},
			{Method: "POST", Path: "/v1/memberships/{membershipId}/resume", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Take a cancel back"},
			{Method: "POST", Path: "/v1/membership-payments/{paymentId}/refund", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Refund a member's payment (the community's owner)", Throttle: moneyThrottle},
			{Method: "GET", Path: "/v1/communities/{communityId}/balance", Function: FnAccounts, Auth: []AuthKind{User, Client}, Summary: "A community's available, held and pending balance"},
			{Method: "PATCH", Path: "/v1/advertisers/{advertiserId}", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Set an advertiser's auto-recharge and low-balance alert"},
			{Method: "GET", Path: "/v1/advertisers/{advertiserId}/deposits", Function: FnAccounts, Auth: []AuthKind{User, Client}, Summary: "An advertiser's paid deposits (its receipts), newest first"},
			{Method: "GET", Path: "/v1/communities/{communityId}/deposits", Function: FnAccounts, Auth: []AuthKind{User, Client}, Summary: "A community's paid deposits (its receipts), newest first"},
			{Method: "GET", Path: "/v1/deposits/{depositId}", Function: FnAccounts, Auth: []AuthKind{User, Client}, Summary: "A deposit and its state (asks Stripe about one still waiting)"},
			{Method: "GET", Path: "/v1/deposits/{depositId}/receipt", Function: FnAccounts, Auth: []AuthKind{User, Client}, Summary: "A paid deposit's printable receipt (text/html)"},
			{Method: "POST", Path: "/v1/advertisers/{advertiserId}/payment-methods", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Add a card (Stripe Checkout in setup mode)", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/advertisers/{advertiserId}/payment-methods", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "An advertiser's saved cards"},
			{Method: "POST", Path: "/v1/communities/{communityId}/payment-methods", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Add a card (Stripe Checkout in setup mode)", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/communities/{communityId}/payment-methods", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "A community's saved cards"},
			{Method: "POST", Path: "/v1/me/payment-methods", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Add a card of the caller's own (Stripe Checkout in setup mode)", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/me/payment-methods", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "The caller's saved cards"},
			{Method: "POST", Path: "/v1/payment-methods/{paymentMethodId}/default", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Make a saved card the default"},
			{Method: "DELETE", Path: "/v1/payment-methods/{paymentMethodId}", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Remove a saved card"},
			{Method: "POST", Path: "/v1/advertisers/{advertiserId}/refunds", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Refund unspent money to the cards it came from", Throttle: moneyThrottle},
			{Method: "POST", Path: "/v1/communities/{communityId}/refunds", Function: FnAccounts, Auth: []AuthKind{User}, Summary: "Refund unspent money to the cards it came from", Throttle: moneyThrottle},
			{Method: "GET", Path: "/v1/refunds/{refundId}", Function: FnAccounts, Auth: []AuthKind{User, Client}, Summary: "A refund and its pieces"},
			{Method: "POST", Path: "/v1/stripe/events", Function: FnAccounts, Auth: []AuthKind{Public}, Summary: "Stripe's events (signed; DESIGN §15)"},
			{Method: "GET", Path: "/v1/communities/{communityId}/report", Function: FnAccounts, Auth: []AuthKind{User, Client}, Summary: "A community's earnings per day and source (flights, campaigns, sponsorships, referrals); text/csv on request"},
			{Method: "POST", Path: "/v1/communities/{communityId}/slots", Function: FnAuctions, Auth: []AuthKind{User}, Summary: "Create a banner slot", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/communities/{communityId}/slots", Function: FnAuctions, Auth: []AuthKind{Public}, Summary: "List a community's slots"},
			{Method: "GET", Path: "/v1/slots/{slotId}", Function: FnAuctions, Auth: []AuthKind{Public}, Summary: "Read a slot"},
			{Method: "PATCH", Path: "/v1/slots/{slotId}", Function: FnAuctions, Auth: []AuthKind{User}, Summary: "Change a slot's reserve or format for future auctions, or let campaigns run on it"},
			{Method: "POST", Path: "/v1/slots/{slotId}/archive", Function: FnAuctions, Auth: []AuthKind{User}, Summary: "Archive a slot"},
			{Method: "POST", Path: "/v1/slots/{slotId}/auctions", Function: FnAuctions, Auth: []AuthKind{User}, Summary: "Open an auction for a flight of a slot", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/auctions", Function: FnAuctions, Auth: []AuthKind{Public}, Summary: "List auctions (filter status, communityId, slotId)"},
			{Method: "GET", Path: "/v1/auctions/{auctionId}", Function: FnAuctions, Auth: []AuthKind{Public}, Summary: "Read an auction"},
			{Method: "PUT", Path: "/v1/auctions/{auctionId}/bid", Function: FnAuctions, Auth: []AuthKind{Client, User}, Summary: "Place or replace the caller's sealed bid"},
			{Method: "GET", Path: "/v1/auctions/{auctionId}/bid", Function: FnAuctions, Auth: []AuthKind{Client, User}, Summary: "The caller's bid"},
			{Method: "DELETE", Path: "/v1/auctions/{auctionId}/bid", Function: FnAuctions, Auth: []AuthKind{Client, User}, Summary: "Withdraw the caller's bid"},
			{Method: "POST", Path: "/v1/auctions/{auctionId}/cancel", Function: FnAuctions, Auth: []AuthKind{User}, Summary: "Cancel an open auction"},
			{Method: "PUT", Path: "/v1/slots/{slotId}/house-ad", Function: FnAuctions, Auth: []AuthKind{User}, Summary: "Set a slot's house ad (served unbilled when no flight runs)"},
			{Method: "DELETE", Path: "/v1/slots/{slotId}/house-ad", Function: FnAuctions, Auth: []AuthKind{User}, Summary: "Remove a slot's house ad"},
			{Method: "GET", Path: "/v1/serve/{slotId}", Function: FnServe, Auth: []AuthKind{Public}, FunctionURL: true, Summary: "The offer a slot shows now: served, not yet an impression"},
			{Method: "GET", Path: "/c/{token}", Function: FnServe, Auth: []AuthKind{Public}, FunctionURL: true, Summary: "A click on an offer: counted once, then 302 to the creative's own URL"},
			{Method: "GET", Path: "/tag.js", Function: FnServe, Auth: []AuthKind{Public}, FunctionURL: true, Summary: "The ad tag: a script that shows a slot's offer and reports its view"},
			{Method: "GET", Path: "/v/{token}", Function: FnServe, Auth: []AuthKind{Public}, FunctionURL: true, Summary: "An offer was seen: its viewable impression, counted once"},
			{Method: "POST", Path: "/v/{token}", Function: FnServe, Auth: []AuthKind{Public}, FunctionURL: true, Summary: "An offer was seen (an older tag's sendBeacon, no body): counted once"},
			{Method: "GET", Path: "/v1/flights/{flightId}/stats", Function: FnServe, Auth: []AuthKind{User, Client}, Summary: "A flight's impressions, clicks and CTR, per day"},
			{Method: "GET", Path: "/v1/reach", Function: FnServe, Auth: []AuthKind{User, Client}, Summary: "How many slots accepting campaigns a campaign of a size, currency, bid and keywords could run on"},
			{Method: "GET", Path: "/v1/directory", Function: FnServe, Auth: []AuthKind{Public}, Summary: "The directory: listed communities, what they sell and their audience as Souq measured it over 30 days; search, filter and sort", Throttle: directoryThrottle},
			{Method: "GET", Path: "/v1/directory/{communityId}", Function: FnServe, Auth: []AuthKind{Public}, Summary: "One listed community in the directory", Throttle: directoryThrottle},
			{Method: "GET", Path: "/v1/advertisers/{advertiserId}/flights", Function: FnAuctions, Auth: []AuthKind{User, Client}, Summary: "An advertiser's flights: where and when each runs"},
			{Method: "POST", Path: "/v1/advertisers/{advertiserId}/campaigns", Function: FnCampaigns, Auth: []AuthKind{User, Client}, Summary: "Create a pay-as-you-go campaign; its budget is held at once", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/advertisers/{advertiserId}/campaigns", Function: FnCampaigns, Auth: []AuthKind{User, Client}, Summary: "An advertiser's campaigns, newest first"},
			{Method: "POST", Path: "/v1/advertisers/{advertiserId}/creatives", Function: FnCampaigns, Auth: []AuthKind{User, Client}, Summary: "Upload an image (multipart/form-data, part image: PNG, JPEG, GIF or WebP, at most 150 KB) for Souq to host; the same image twice is one creative", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/advertisers/{advertiserId}/creatives", Function: FnCampaigns, Auth: []AuthKind{User, Client}, Summary: "An advertiser's hosted creatives, newest first"},
			{Method: "GET", Path: "/v1/campaigns/{campaignId}", Function: FnCampaigns, Auth: []AuthKind{User, Client}, Summary: "Read a campaign with what it spent and what remains"},
			{Method: "GET", Path: "/v1/campaigns/{campaignId}/report", Function: FnCampaigns, Auth: []AuthKind{User, Client}, Summary: "A campaign's report per day and community: impressions, clicks, CTR, spend, eCPM, invalid by reason; text/csv on request"},
			{Method: "PATCH", Path: "/v1/campaigns/{campaignId}", Function: FnCampaigns, Auth: []AuthKind{User, Client}, Summary: "Change a campaign's bid, daily cap, end, targeting, creative (reviewed again where communities review) or budget (more is held)"},
			{Method: "POST", Path: "/v1/campaigns/{campaignId}/pause", Function: FnCampaigns, Auth: []AuthKind{User, Client}, Summary: "Pause a campaign: it is not offered"},
			{Method: "POST", Path: "/v1/campaigns/{campaignId}/resume", Function: FnCampaigns, Auth: []AuthKind{User, Client}, Summary: "Resume a paused campaign"},
			{Method: "GET", Path: "/v1/communities/{communityId}/campaign-reviews", Function: FnCampaigns, Auth: []AuthKind{User}, Summary: "A community's review queue: the campaigns that could run on its slots whose current creative it has not decided, oldest first"},
			{Method: "POST", Path: "/v1/communities/{communityId}/campaigns/{campaignId}/approve", Function: FnCampaigns, Auth: []AuthKind{User}, Summary: "Approve a campaign's current creative for the community's slots"},
			{Method: "POST", Path: "/v1/communities/{communityId}/campaigns/{campaignId}/reject", Function: FnCampaigns, Auth: []AuthKind{User}, Summary: "Reject a campaign's current creative for the community's slots, saying why"},
			{Method: "POST", Path: "/v1/campaigns/{campaignId}/end", Function: FnCampaigns, Auth: []AuthKind{User, Client}, Summary: "End a campaign for good; what it did not spend is released"},
			{Method: "POST", Path: "/v1/communities/{communityId}/offerings", Function: FnSponsorships, Auth: []AuthKind{User}, Summary: "Create an offering (a line of the rate card)", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/communities/{communityId}/offerings", Function: FnSponsorships, Auth: []AuthKind{Public}, Summary: "List a community's active offerings"},
			{Method: "GET", Path: "/v1/offerings/{offeringId}", Function: FnSponsorships, Auth: []AuthKind{Public}, Summary: "Read an offering"},
			{Method: "PATCH", Path: "/v1/offerings/{offeringId}", Function: FnSponsorships, Auth: []AuthKind{User}, Summary: "Change an offering for future bookings; block or unblock dates"},
			{Method: "POST", Path: "/v1/offerings/{offeringId}/archive", Function: FnSponsorships, Auth: []AuthKind{User}, Summary: "Archive an offering"},
			{Method: "GET", Path: "/v1/offerings/{offeringId}/availability", Function: FnSponsorships, Auth: []AuthKind{Public}, Summary: "An offering's dates: booked, capacity, blocked"},
			{Method: "POST", Path: "/v1/offerings/{offeringId}/sponsorships", Function: FnSponsorships, Auth: []AuthKind{Client, User}, Summary: "Book an offering with content; the price is held"},
			{Method: "GET", Path: "/v1/sponsorships/{sponsorshipId}", Function: FnSponsorships, Auth: []AuthKind{User, Client}, Summary: "Read a sponsorship with its versions and history"},
			{Method: "GET", Path: "/v1/communities/{communityId}/sponsorships", Function: FnSponsorships, Auth: []AuthKind{User}, Summary: "The review queue (filter status), oldest deadline first"},
			{Method: "GET", Path: "/v1/advertisers/{advertiserId}/sponsorships", Function: FnSponsorships, Auth: []AuthKind{User, Client}, Summary: "An advertiser's bookings"},
			{Method: "POST", Path: "/v1/sponsorships/{sponsorshipId}/approve", Function: FnSponsorships, Auth: []AuthKind{User}, Summary: "Approve (optionally with a publish date); the price is captured"},
			{Method: "POST", Path: "/v1/sponsorships/{sponsorshipId}/reject", Function: FnSponsorships, Auth: []AuthKind{User}, Summary: "Reject with a reason; the price is released"},
			{Method: "POST", Path: "/v1/sponsorships/{sponsorshipId}/request-changes", Function: FnSponsorships, Auth: []AuthKind{User}, Summary: "Ask the sponsor for changes"},
			{Method: "POST", Path: "/v1/sponsorships/{sponsorshipId}/propose", Function: FnSponsorships, Auth: []AuthKind{User}, Summary: "Counter-propose a price and/or date"},
			{Method: "POST", Path: "/v1/sponsorships/{sponsorshipId}/publish", Function: FnSponsorships, Auth: []AuthKind{User}, Summary: "Mark published (with the URL); the community is paid"},
			{Method: "PUT", Path: "/v1/sponsorships/{sponsorshipId}/content", Function: FnSponsorships, Auth: []AuthKind{Client, User}, Summary: "Revise the content (a new version)"},
			{Method: "POST", Path: "/v1/sponsorships/{sponsorshipId}/cancel", Function: FnSponsorships, Auth: []AuthKind{Client, User}, Summary: "Cancel (before approval; or refunded when unpublished 14 days past its date)"},
			{Method: "POST", Path: "/v1/sponsorships/{sponsorshipId}/accept-proposal", Function: FnSponsorships, Auth: []AuthKind{Client, User}, Summary: "Accept the owner's counter-proposal; the hold moves"},
			{Method: "POST", Path: "/v1/sponsorships/{sponsorshipId}/decline-proposal", Function: FnSponsorships, Auth: []AuthKind{Client, User}, Summary: "Decline the counter-proposal; back to review on the original terms"},
			{Method: "POST", Path: "/v1/communities/{communityId}/programs", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "Create a referral program; its budget is held from the community's balance", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/communities/{communityId}/programs", Function: FnReferrals, Auth: []AuthKind{Public}, Summary: "A community's open programs, for influencers to discover"},
			{Method: "GET", Path: "/v1/programs/{programId}", Function: FnReferrals, Auth: []AuthKind{Public}, Summary: "Read a program's public summary"},
			{Method: "PATCH", Path: "/v1/programs/{programId}", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "Change a program for deals approved from now on"},
			{Method: "POST", Path: "/v1/programs/{programId}/pause", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "Pause a program: conversions earn nothing"},
			{Method: "POST", Path: "/v1/programs/{programId}/resume", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "Resume a paused program"},
			{Method: "POST", Path: "/v1/programs/{programId}/close", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "Close a program; the unspent, uncommitted budget is released"},
			{Method: "POST", Path: "/v1/programs/{programId}/budget", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "Top up a program's budget"},
			{Method: "GET", Path: "/v1/programs/{programId}/report", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "The owner's report: budget, and clicks, conversions and commissions per deal"},
			{Method: "POST", Path: "/v1/programs/{programId}/deals", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "An influencer applies to a program", Throttle: creationThrottle},
			{Method: "POST", Path: "/v1/programs/{programId}/invitations", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "The owner invites an influencer", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/deals/{dealId}", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "Read a deal with its counts (influencer or owner)"},
			{Method: "POST", Path: "/v1/deals/{dealId}/approve", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "The owner approves an application: terms frozen, code issued"},
			{Method: "POST", Path: "/v1/deals/{dealId}/decline", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "Decline an application (owner) or an invitation (influencer)"},
			{Method: "POST", Path: "/v1/deals/{dealId}/accept", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "The influencer accepts an invitation: terms frozen, code issued"},
			{Method: "POST", Path: "/v1/deals/{dealId}/end", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "The owner ends a deal: no new attribution"},
			{Method: "GET", Path: "/v1/deals/{dealId}/conversions", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "A deal's conversions and commissions"},
			{Method: "GET", Path: "/v1/deals/{dealId}/members", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "The members a deal brought (pseudonymous), what each paid and earned"},
			{Method: "GET", Path: "/v1/me/deals", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "The caller's deals with their counts"},
			{Method: "GET", Path: "/v1/me/earnings", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "Pending, available, paid and owed, per currency"},
			{Method: "GET", Path: "/v1/referral-codes/{code}", Function: FnReferrals, Auth: []AuthKind{Public}, Summary: "A referral code's public facts: its community, what it pays on, the days the join page keeps it"},
			{Method: "GET", Path: "/r/{code}", Function: FnReferrals, Auth: []AuthKind{Public}, Summary: "A referral click: recorded, then 302 to the community"},
			{Method: "POST", Path: "/v1/conversions", Function: FnReferrals, Auth: []AuthKind{Client}, Summary: "Report a conversion (idempotent on externalId)"},
			{Method: "GET", Path: "/v1/conversions/{conversionId}", Function: FnReferrals, Auth: []AuthKind{Client, User}, Summary: "Read a conversion"},
			{Method: "POST", Path: "/v1/conversions/{conversionId}/reverse", Function: FnReferrals, Auth: []AuthKind{Client}, Summary: "Refund a conversion in full or in part"},
			{Method: "POST", Path: "/v1/conversions/{conversionId}/approve", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "Approve a flagged conversion"},
			{Method: "POST", Path: "/v1/conversions/{conversionId}/decline", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "Decline a flagged conversion: its commission returns"},
			{Method: "GET", Path: "/v1/communities/{communityId}/conversions", Function: FnReferrals, Auth: []AuthKind{User}, Summary: "Conversions waiting for review (status=flagged)"},
			{Method: "POST", Path: "/v1/me/payout-account", Function: FnPayouts, Auth: []AuthKind{User}, Summary: "Set up payouts: a Stripe Connect Express account and its onboarding link", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/me/payout-account", Function: FnPayouts, Auth: []AuthKind{User}, Summary: "The caller's payout account: pending, enabled or restricted, and what Stripe still needs"},
			{Method: "POST", Path: "/v1/me/payout-account/dashboard", Function: FnPayouts, Auth: []AuthKind{User}, Summary: "A login link to the caller's Stripe Express dashboard"},
			{Method: "PUT", Path: "/v1/me/payout-destination", Function: FnPayouts, Auth: []AuthKind{User}, Summary: "Set where the caller's payouts go"},
			{Method: "GET", Path: "/v1/me/payout-destination", Function: FnPayouts, Auth: []AuthKind{User}, Summary: "The caller's payout destination, masked"},
			{Method: "POST", Path: "/v1/payouts", Function: FnPayouts, Auth: []AuthKind{User}, Summary: "Claim a payout of the influencer's available balance", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/payouts", Function: FnPayouts, Auth: []AuthKind{User}, Summary: "The caller's payouts, newest first"},
			{Method: "GET", Path: "/v1/payouts/{payoutId}", Function: FnPayouts, Auth: []AuthKind{User}, Summary: "Read a payout"},
			{Method: "POST", Path: "/v1/communities/{communityId}/payouts", Function: FnPayouts, Auth: []AuthKind{User}, Summary: "Claim a payout of a community's available earnings", Throttle: creationThrottle},
			{Method: "POST", Path: "/v1/webhooks", Function: FnWebhooks, Auth: []AuthKind{User}, Summary: "Register an endpoint (its secret is shown once)", Throttle: creationThrottle},
			{Method: "GET", Path: "/v1/webhooks", Function: FnWebhooks, Auth: []AuthKind{User}, Summary: "The caller's endpoints"},
			{Method: "GET", Path: "/v1/webhooks/{webhookId}", Function: FnWebhooks, Auth: []AuthKind{User}, Summary: "Read an endpoint"},
			{Method: "PATCH", Path: "/v1/webhooks/{webhookId}", Function: FnWebhooks, Auth: []AuthKind{User}, Summary: "Change an endpoint's URL, events or description"},
			{Method: "DELETE", Path: "/v1/webhooks/{webhookId}", Function: FnWebhooks, Auth: []AuthKind{User}, Summary: "Delete an endpoint"},
			{Method: "POST", Path: "/v1/webhooks/{webhookId}/enable", Function: FnWebhooks, Auth: []AuthKind{User}, Summary: "Enable an endpoint"},
			{Method: "POST", Path: "/v1/webhooks/{webhookId}/disable", Function: FnWebhooks, Auth: []AuthKind{User}, Summary: "Disable an endpoint"},
			{Method: "POST", Path: "/v1/webhooks/{webhookId}/rotate-secret", Function: FnWebhooks, Auth: []AuthKind{User}, Summary: "A new secret; the old one signs too for 24 h"},
			{Method: "GET", Path: "/v1/webhooks/{webhookId}/deliveries", Function: FnWebhooks, Auth: []AuthKind{User}, Summary: "An endpoint's deliveries: status, attempts, last code and latency"},
			{Method: "POST", Path: "/v1/webhooks/{webhookId}/deliveries/{deliveryId}/replay", Function: FnWebhooks, Auth: []AuthKind{User}, Summary: "Send a delivery again now"},
			{Method: "POST", Path: "/v1/webhooks/{webhookId}/replay", Function: FnWebhooks, Auth: []AuthKind{User}, Summary: "Send again every dead-lettered delivery since a time"},
			// The console: HTML pages for people, which sign them in
			// themselves (a session cookie) and call the API above with
			// the person's token. Not part of the API's contract.
			{Method: "GET", Path: "/console", Function: FnConsole, Auth: []AuthKind{Public}, Page: true, Summary: "The console (redirects to /console/)"},
			{Method: "GET", Path: "/m/{communityId}", Function: FnConsole, Auth: []AuthKind{Public}, Page: true, Summary: "A community's site asks for its member's pass: checked, signed in, sent back with it"},
			{Method: "GET", Path: "/console/{proxy+}", Function: FnConsole, Auth: []AuthKind{Public}, Page: true, Summary: "A console page"},
			{Method: "POST", Path: "/console/{proxy+}", Function: FnConsole, Auth: []AuthKind{Public}, Page: true, Summary: "A console form"},
			{Method: "GET", Path: "/v1/ledger/statement", Function: FnAccounts, Auth: []AuthKind{User, Client}, Summary: "The postings of an account the caller owns"},
		},
	}
}
