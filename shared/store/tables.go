package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/topology"
)

// CreateTables creates the topology's tables under their physical names,
// with keys, indexes, streams and TTL as declared. It is for DynamoDB Local
// (the local platform and tests); in AWS the CDK app creates tables.
func CreateTables(ctx context.Context, c *dynamodb.Client, tables []topology.Table, names map[string]string) error {
	for _, t := range tables {
		in := CreateTableInput(t, names[t.Name])
		if _, err := c.CreateTable(ctx, in); err != nil {
			return fmt.Errorf("create table %s: %w", names[t.Name], err)
		}
		if t.TTLAttribute != "" {
			_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
				TableName: aws.String(names[t.Name]),
				TimeToLiveSpecification: &types.TimeToLiveSpecification{
					AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true),
				},
			})
			if err != nil {
				return fmt.Errorf("enable TTL on %s: %w", names[t.Name], err)
			}
		}
	}
	return nil
}

// CreateTableInput translates one topology table.
func CreateTableInput(t topology.Table, physical string) *dynamodb.CreateTableInput {
	attrs := map[string]types.ScalarAttributeType{}
	addKey := func(k topology.Key) { attrs[k.Name] = types.ScalarAttributeType(k.Type) }
	keySchema := func(pk topology.Key, sk *topology.Key) []types.KeySchemaElement {
		addKey(pk)
		ks := []types.KeySchemaElement{{AttributeName: aws.String(pk.Name), KeyType: types.KeyTypeHash}}
		if sk != nil {
			addKey(*sk)
			ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(sk.Name), KeyType: types.KeyTypeRange})
		}
		return ks
	}
	projection := func(ix topology.Index) *types.Projection {
		if len(ix.Include) > 0 {
			return &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: ix.Include}
		}
		return &types.Projection{ProjectionType: types.ProjectionTypeAll}
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(physical),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(t.PartitionKey, t.SortKey),
	}
	for _, ix := range t.GlobalIndexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix.Name), KeySchema: keySchema(ix.PartitionKey, ix.SortKey), Projection: projection(ix),
		})
	}
	for _, ix := range t.LocalIndexes {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName: aws.String(ix.Name), KeySchema: keySchema(ix.PartitionKey, ix.SortKey), Projection: projection(ix),
		})
	}
	for name, typ := range attrs {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: typ})
	}
	if t.Stream != topology.NoStream {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(t.Stream)}
	}
	return in
}

// ForFunction opens DynamoDB for a Lambda function: a client from the
// Lambda environment and the physical names of exactly the tables the
// topology grants the function (SOUQ_TABLE_<NAME>).
func ForFunction(ctx context.Context, f topology.Function) (*DB, error) {
	names, err := NamesFromEnv(f.TablesOf())
	if err != nil {
		return nil, err
	}
	client, err := NewClient(ctx, ClientConfig{})
	if err != nil {
		return nil, err
	}
	return NewDB(client, names), nil
}
