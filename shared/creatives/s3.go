package creatives

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3 is the AWS Store: the bucket the stack makes (private, reached only
// by CloudFront through origin access control), served at Base, which is
// SOUQ_PUBLIC_URL + "/creatives/" (CloudFront's /creatives/* behavior maps
// a path to the key of the same name).
type S3 struct {
	Client *s3.Client
	Bucket string
	Base   string
}

var _ Store = (*S3)(nil)

// Put writes the object with its type and cache headers; S3 checks the
// bytes against their SHA-256 before it keeps them.
func (s *S3) Put(ctx context.Context, key, contentType string, body []byte) error {
	sum := sha256.Sum256(body)
	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.Bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentType: aws.String(contentType), CacheControl: aws.String(CacheControl),
		ContentLength:     aws.Int64(int64(len(body))),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum[:])),
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", s.Bucket, key, err)
	}
	return nil
}

// URL is where CloudFront serves key.
func (s *S3) URL(key string) string { return folderURL(s.Base, key) }
