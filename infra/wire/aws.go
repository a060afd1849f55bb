package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/creatives"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/relay"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// FromAWS builds a topology function inside Lambda: its tables from
// SOUQ_TABLE_*, the settings from the environment the stack sets
// (topology.Env*), and the AWS pieces the stack gave it: EventBridge
// Scheduler where it has a schedule group, Stripe where it has the Stripe
// secret, the generated secret where it has one, Cognito for the
// authorizer, the bus for the relay. Secrets are read once per cold start
// and never logged. Every function that serves HTTP is put behind
// api.FromEdgeOnly, with the origin secret the stack names
// (SOUQ_ORIGIN_SECRET_ARN), read again every api.OriginSecretsTTL so that
// a rotation needs no restart.
func FromAWS(ctx context.Context, name string) (*Function, *slog.Logger, error) {
	top := topology.Souq()
	fn, ok := top.Function(name)
	if !ok {
		return nil, nil, fmt.Errorf("wire: no function %q in the topology", name)
	}
	settings, err := SettingsFromEnv(os.Getenv)
	if err != nil {
		return nil, nil, err
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", name)
	e := Env{Clock: clock.System{}, Log: log, Settings: settings}
	if f := os.Getenv(topology.EnvClockFile); f != "" {
		e.Clock = clock.Follow(f)
	}
	if len(fn.Tables) > 0 {
		if e.DB, err = store.ForFunction(ctx, fn); err != nil {
			return nil, nil, err
		}
	}
	secrets := secretsmanager.NewFromConfig(awsCfg)
	read := func(id string) (string, error) {
		out, err := secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			return "", fmt.Errorf("read the secret %s: %w", id, err)
		}
		return aws.ToString(out.SecretString), nil
	}
	if id := os.Getenv(topology.EnvPublicURLSecretName); id != "" && e.PublicURL == "" {
		if e.PublicURL, err = read(id); err != nil {
			return nil, nil, err
		}
	}
	if group := os.Getenv(topology.EnvScheduleGroup); group != "" {
		e.Sched = &schedule.EventBridge{Client: scheduler.NewFromConfig(awsCfg), Group: group, RoleARN: os.Getenv(topology.EnvSchedulerRoleARN), Self: name}
	}
	if id := os.Getenv(topology.EnvStripeSecretName); id != "" {
		key, err := read(id)
		if err != nil {
			return nil, nil, err
		}
		stripe := payments.NewStripe(payments.StripeConfig{SecretKey: key, BaseURL: os.Getenv(topology.EnvStripeAPIURL)})
		e.Rail, e.Payments = stripe, stripe
	}
	if id := os.Getenv(topology.EnvStripeWebhookSecretName); id != "" {
		if e.Settings.StripeWebhookSecrets, err = webhookSecrets(ctx, secrets, id, log); err != nil {
			return nil, nil, err
		}
	}
	if id := os.Getenv(topology.EnvClickSecretARN); id != "" {
		key, err := read(id)
		if err != nil {
			return nil, nil, err
		}
		if len(key) < 32 {
			return nil, nil, fmt.Errorf("the secret %s is shorter than 32 bytes", id)
		}
		e.Secret = []byte(key)
	}
	if e.Secret == nil && (name == topology.FnServe || name == topology.FnReferrals || name == topology.FnWebhooks || name == topology.FnAccounts) {
		return nil, nil, fmt.Errorf("%s must name the generated secret: %s signs, keys or seals with it", topology.EnvClickSecretARN, name)
	}
	if name == top.Authorizer {
		issuer, clients := os.Getenv(topology.EnvJWTIssuer), os.Getenv(topology.EnvJWTClientIDs)
		if issuer == "" || clients == "" {
			return nil, nil, fmt.Errorf("%s and %s must be set (the Cognito user pool and its app clients)", topology.EnvJWTIssuer, topology.EnvJWTClientIDs)
		}
		e.Tokens = &auth.CognitoVerifier{Issuer: issuer, ClientIDs: strings.Split(clients, ",")}
	}
	if fn.HostsCreatives {
		bucket, base := os.Getenv(topology.EnvCreativesBucket), os.Getenv(topology.EnvCreativesURL)
		if bucket == "" || base == "" {
			return nil, nil, fmt.Errorf("%s and %s must be set: %s hosts creatives", topology.EnvCreativesBucket, topology.EnvCreativesURL, name)
		}
		e.Creatives = &creatives.S3{Client: s3.NewFromConfig(awsCfg), Bucket: bucket, Base: base}
	}
	if fn.PublishesEvents {
		e.Bus = &relay.EventBridge{Client: eventbridge.NewFromConfig(awsCfg), BusName: top.Bus}
	}
	f, err := Build(name, e)
	if err != nil {
		return nil, nil, err
	}
	if f.HTTP != nil {
		// Every function that serves HTTP, whatever its adapter, answers
		// only what came through CloudFront (docs/security.md).
		id := os.Getenv(topology.EnvOriginSecretARN)
		if id == "" {
			return nil, nil, fmt.Errorf("%s must name the origin secret: %s serves HTTP, and only through the edge", topology.EnvOriginSecretARN, name)
		}
		origin, err := api.NewOriginSecrets(ctx, originStages(secrets, id), time.Now)
		if err != nil {
			return nil, nil, fmt.Errorf("the secret %s: %w", id, err)
		}
		f.HTTP = api.FromEdgeOnly(origin, log, f.HTTP)
	}
	return f, log, nil
}

// webhookSecrets reads the secret holding Stripe's webhook signing secrets
// (one whsec_… or, while rotating, several separated by newlines or
// commas). The stack creates it empty for the deployer to fill
// (docs/operations.md): until then the function starts without any, and
// refuses Stripe's events, which Stripe retries for three days. Any other
// failure to read it stops the cold start. Values are never logged.
func webhookSecrets(ctx context.Context, secrets *secretsmanager.Client, id string, log *slog.Logger) ([]string, error) {
	out, err := secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	var absent *smtypes.ResourceNotFoundException
	switch {
	case errors.As(err, &absent):
		log.Warn("the Stripe webhook secret has no value yet: Stripe's events are refused until the deployer puts the endpoint's whsec_ value in it (docs/operations.md)", "secret", id)
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read the secret %s: %w", id, err)
	}
	values, err := payments.WebhookSecrets(aws.ToString(out.SecretString))
	if err != nil {
		return nil, fmt.Errorf("the secret %s: %w", id, err)
	}
	if len(values) == 0 {
		log.Warn("the Stripe webhook secret is empty: Stripe's events are refused until the deployer puts the endpoint's whsec_ value in it (docs/operations.md)", "secret", id)
	}
	return values, nil
}

// originStages reads the origin secret's current value and, while a
// rotation is under way, its previous one (a secret never rotated has no
// AWSPREVIOUS). Values are returned to the caller only, never logged.
func originStages(secrets *secretsmanager.Client, id string) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		var values []string
		for _, stage := range []string{"AWSCURRENT", "AWSPREVIOUS"} {
			out, err := secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id), VersionStage: aws.String(stage)})
			var absent *smtypes.ResourceNotFoundException
			if stage == "AWSPREVIOUS" && errors.As(err, &absent) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("read %s of the secret %s: %w", stage, id, err)
			}
			values = append(values, aws.ToString(out.SecretString))
		}
		return values, nil
	}
}
