package topology

// The environment variables the stack sets and the functions read: named
// here once, so that the CDK app, the functions' mains and the docs never
// spell one differently. Each function's tables come as SOUQ_TABLE_<NAME>
// (store.EnvName).
const (
	// EnvStage is the stage (dev, prod): prod issues and accepts only
	// sk_live_ keys.
	EnvStage = "SOUQ_STAGE"
	// EnvJWTIssuer and EnvJWTClientIDs are the Cognito user pool and its
	// app clients, for the authorizer.
	EnvJWTIssuer    = "SOUQ_JWT_ISSUER"
	EnvJWTClientIDs = "SOUQ_JWT_CLIENT_IDS"
	// EnvStripeSecretName names the Secrets Manager secret holding the
	// Stripe key.
	EnvStripeSecretName = "SOUQ_STRIPE_SECRET_NAME"
	// EnvStripeAPIURL is where the Stripe client sends its calls. The
	// stack never sets it (empty is Stripe itself); the local platform
	// points the functions' real binaries at the local Stripe with it
	// (SOUQ_RUNTIME=rie).
	EnvStripeAPIURL = "SOUQ_STRIPE_API_URL"
	// EnvStripeWebhookSecretName names (by name or ARN) the Secrets
	// Manager secret holding the signing secret of Stripe's webhook
	// endpoint (whsec_…; two, one a line, while it is rolled): the
	// function that receives Stripe's events verifies them with it.
	EnvStripeWebhookSecretName = "SOUQ_STRIPE_WEBHOOK_SECRET_NAME"
	// EnvMinDeposit is the smallest deposit, in minor units (DESIGN §15;
	// default 1000).
	EnvMinDeposit = "SOUQ_MIN_DEPOSIT"
	// EnvPassKeys names the generations of the membership pass's signing
	// keys, newest first, comma-separated (default "1"): the newest signs,
	// all verify, each derived from the generated secret (shared/pass).
	// A key is rotated by putting a new generation first, and dropping the
	// old one a day later.
	EnvPassKeys = "SOUQ_PASS_KEYS"
	// EnvClickSecretARN is the generated secret that signs click tokens,
	// keys visitor hashes and seals webhook secrets.
	EnvClickSecretARN = "SOUQ_CLICK_SECRET_ARN"
	// EnvOriginSecretARN is the generated secret CloudFront sends every
	// origin (api.OriginHeader): every function that serves HTTP refuses
	// a request without its current or previous value.
	EnvOriginSecretARN = "SOUQ_ORIGIN_SECRET_ARN"
	// EnvScheduleGroup and EnvSchedulerRoleARN are where functions make
	// their one-time schedules, and the role those schedules assume.
	EnvScheduleGroup    = "SOUQ_SCHEDULE_GROUP"
	EnvSchedulerRoleARN = "SOUQ_SCHEDULER_ROLE_ARN"
	// EnvPublicURL is the base of click and referral links (default: the
	// API's own domain).
	EnvPublicURL = "SOUQ_PUBLIC_URL"
	// EnvPublicURLSecretName names the secret that holds the public URL,
	// for the one function CloudFront reaches through its URL (serve):
	// its origin is the distribution's, so the distribution's domain in
	// its environment would make a cycle. It is read once per cold start.
	EnvPublicURLSecretName = "SOUQ_PUBLIC_URL_SECRET_NAME"
	// EnvClockFile names a file that tells the time (clock.Follow): the
	// stack never sets it (the functions read the system clock); the local
	// platform gives it to the functions' real binaries (SOUQ_RUNTIME=rie)
	// so that they keep its clock, which tests move.
	EnvClockFile = "SOUQ_CLOCK_FILE"
	// EnvConsoleClientID is the console's app client (authorization code
	// with PKCE, no secret); EnvConsoleLogoutURL the hosted sign-in's
	// sign-out endpoint. The console signs people in at EnvJWTIssuer.
	EnvConsoleClientID  = "SOUQ_CONSOLE_CLIENT_ID"
	EnvConsoleLogoutURL = "SOUQ_CONSOLE_LOGOUT_URL"
	// EnvCreativesBucket is the S3 bucket of hosted creatives, and
	// EnvCreativesURL where CloudFront serves it (SOUQ_PUBLIC_URL +
	// "/creatives/"), for the function that uploads them.
	EnvCreativesBucket = "SOUQ_CREATIVES_BUCKET"
	EnvCreativesURL    = "SOUQ_CREATIVES_URL"
	// The products' settings.
	EnvAuctionFeeBps     = "SOUQ_AUCTION_FEE_BPS"
	EnvSponsorshipFeeBps = "SOUQ_SPONSORSHIP_FEE_BPS"
	EnvPayoutMinimum     = "SOUQ_PAYOUT_MINIMUM"
	EnvCampaignShareBps  = "SOUQ_CAMPAIGN_SHARE_BPS"
	// EnvMembershipShareBps is a community's share of each membership
	// payment (DESIGN §17), basis points; default 9500.
	EnvMembershipShareBps = "SOUQ_MEMBERSHIP_SHARE_BPS"
	// EnvTargetingPremiumBps is the premium a targeted campaign pays on
	// what it spends (DESIGN §13), basis points; default 2000.
	EnvTargetingPremiumBps = "SOUQ_TARGETING_PREMIUM_BPS"
	// EnvMaxViewsPerSourceDay and EnvMaxClicksPerSourceDay cap one source
	// address's valid views and clicks on a slot in a UTC day, per serve
	// instance (DESIGN §11); defaults 300 and 30.
	EnvMaxViewsPerSourceDay  = "SOUQ_MAX_VIEWS_PER_SOURCE_DAY"
	EnvMaxClicksPerSourceDay = "SOUQ_MAX_CLICKS_PER_SOURCE_DAY"
)
