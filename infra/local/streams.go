package local

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamPoller plays Lambda's event source mapping for the outbox table:
// it reads DynamoDB Local's stream shard by shard, in order, hands batches
// to the relay handler as events.DynamoDBEvent, and on a reported batch
// item failure re-reads from the failed record.
type StreamPoller struct {
	streams   *dynamodbstreams.Client
	streamArn string
	handler   func(context.Context, lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error)
	log       *slog.Logger

	mu        sync.Mutex // one poll at a time: the loop and Drain share it
	iterators map[string]*string
	closed    map[string]bool
	lastList  time.Time
	failures  int
}

// NewStreamPoller finds the table's stream.
func NewStreamPoller(ctx context.Context, db *dynamodb.Client, streams *dynamodbstreams.Client, table string,
	handler func(context.Context, lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error), log *slog.Logger) (*StreamPoller, error) {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return nil, err
	}
	if out.Table.LatestStreamArn == nil {
		return nil, fmt.Errorf("table %s has no stream", table)
	}
	return &StreamPoller{streams: streams, streamArn: *out.Table.LatestStreamArn, handler: handler, log: log,
		iterators: map[string]*string{}, closed: map[string]bool{}}, nil
}

// Run polls until ctx ends.
func (p *StreamPoller) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := p.Poll(ctx)
		if err != nil && ctx.Err() == nil {
			p.log.Warn("outbox stream poll failed", "error", err.Error())
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(25 * time.Millisecond):
			}
		}
	}
}

// Drain polls until a full pass finds no record, so that everything
// committed before the call has been handed to the relay.
func (p *StreamPoller) Drain(ctx context.Context) error {
	for i := 0; i < 1000; i++ {
		n, err := p.Poll(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
	return fmt.Errorf("outbox stream did not drain")
}

// Poll reads every open shard once and returns how many records it relayed.
func (p *StreamPoller) Poll(ctx context.Context) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.listShards(ctx); err != nil {
		return 0, err
	}
	total := 0
	for shard, it := range p.iterators {
		if it == nil {
			continue
		}
		out, err := p.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(100)})
		if err != nil {
			// An expired iterator is replaced on the next pass.
			delete(p.iterators, shard)
			return total, err
		}
		if len(out.Records) == 0 {
			p.iterators[shard] = out.NextShardIterator
			if out.NextShardIterator == nil {
				p.closed[shard] = true
			}
			continue
		}
		ev := lambdaevents.DynamoDBEvent{Records: make([]lambdaevents.DynamoDBEventRecord, 0, len(out.Records))}
		for _, r := range out.Records {
			ev.Records = append(ev.Records, toLambdaRecord(r, p.streamArn))
		}
		resp, err := p.handler(ctx, ev)
		if err == nil && len(resp.BatchItemFailures) == 0 {
			p.failures = 0
			p.iterators[shard] = out.NextShardIterator
			if out.NextShardIterator == nil {
				p.closed[shard] = true
			}
			total += len(out.Records)
			continue
		}
		// Retry from the failed record (or the whole batch on an error),
		// with backoff, as Lambda's stream mapping does.
		seq := aws.ToString(out.Records[0].Dynamodb.SequenceNumber)
		if err == nil {
			seq = resp.BatchItemFailures[0].ItemIdentifier
		}
		for _, r := range out.Records {
			if aws.ToString(r.Dynamodb.SequenceNumber) == seq {
				break
			}
			total++
		}
		itOut, ierr := p.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(p.streamArn), ShardId: aws.String(shard),
			ShardIteratorType: stypes.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(seq),
		})
		if ierr != nil {
			return total, ierr
		}
		p.iterators[shard] = itOut.ShardIterator
		p.failures++
		time.Sleep(min(time.Duration(p.failures)*50*time.Millisecond, 2*time.Second))
		return total, fmt.Errorf("relay reported a failure at %s; retrying", seq)
	}
	return total, nil
}

// listShards picks up new shards (DynamoDB rolls shards over time).
func (p *StreamPoller) listShards(ctx context.Context) error {
	if len(p.iterators) > 0 && time.Since(p.lastList) < time.Second {
		return nil
	}
	p.lastList = time.Now()
	var start *string
	for page := 0; page < 100; page++ {
		out, err := p.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(p.streamArn), ExclusiveStartShardId: start})
		if err != nil {
			return err
		}
		for _, s := range out.StreamDescription.Shards {
			id := aws.ToString(s.ShardId)
			if _, known := p.iterators[id]; known || p.closed[id] {
				continue
			}
			// A child shard must wait until its parent is read to the end,
			// or events would be relayed out of order.
			if parent := aws.ToString(s.ParentShardId); parent != "" {
				if _, parentKnown := p.iterators[parent]; parentKnown && !p.closed[parent] {
					continue
				}
			}
			it, err := p.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn: aws.String(p.streamArn), ShardId: s.ShardId, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon,
			})
			if err != nil {
				return err
			}
			p.iterators[id] = it.ShardIterator
		}
		start = out.StreamDescription.LastEvaluatedShardId
		if start == nil {
			break
		}
	}
	return nil
}

func toLambdaRecord(r stypes.Record, arn string) lambdaevents.DynamoDBEventRecord {
	rec := lambdaevents.DynamoDBEventRecord{
		EventID: aws.ToString(r.EventID), EventName: string(r.EventName), EventVersion: aws.ToString(r.EventVersion),
		EventSource: "aws:dynamodb", AWSRegion: aws.ToString(r.AwsRegion), EventSourceArn: arn,
	}
	if d := r.Dynamodb; d != nil {
		rec.Change = lambdaevents.DynamoDBStreamRecord{
			Keys: toLambdaMap(d.Keys), NewImage: toLambdaMap(d.NewImage), OldImage: toLambdaMap(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber), SizeBytes: aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			// Whole seconds since the epoch, as Lambda's stream records
			// carry it (the SDK's time may hold a fraction).
			rec.Change.ApproximateCreationDateTime = lambdaevents.SecondsEpochTime{Time: d.ApproximateCreationDateTime.UTC().Truncate(time.Second)}
		}
	}
	return rec
}

func toLambdaMap(m map[string]stypes.AttributeValue) map[string]lambdaevents.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]lambdaevents.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = toLambdaAttr(v)
	}
	return out
}

func toLambdaAttr(v stypes.AttributeValue) lambdaevents.DynamoDBAttributeValue {
	switch a := v.(type) {
	case *stypes.AttributeValueMemberS:
		return lambdaevents.NewStringAttribute(a.Value)
	case *stypes.AttributeValueMemberN:
		return lambdaevents.NewNumberAttribute(a.Value)
	case *stypes.AttributeValueMemberB:
		return lambdaevents.NewBinaryAttribute(a.Value)
	case *stypes.AttributeValueMemberBOOL:
		return lambdaevents.NewBooleanAttribute(a.Value)
	case *stypes.AttributeValueMemberNULL:
		return lambdaevents.NewNullAttribute()
	case *stypes.AttributeValueMemberSS:
		return lambdaevents.NewStringSetAttribute(a.Value)
	case *stypes.AttributeValueMemberNS:
		return lambdaevents.NewNumberSetAttribute(a.Value)
	case *stypes.AttributeValueMemberBS:
		return lambdaevents.NewBinarySetAttribute(a.Value)
	case *stypes.AttributeValueMemberL:
		l := make([]lambdaevents.DynamoDBAttributeValue, len(a.Value))
		for i, e := range a.Value {
			l[i] = toLambdaAttr(e)
		}
		return lambdaevents.NewListAttribute(l)
	case *stypes.AttributeValueMemberM:
		return lambdaevents.NewMapAttribute(toLambdaMap(a.Value))
	}
	return lambdaevents.NewNullAttribute()
}
