import cf from 'cloudfront';
import crypto from 'crypto';

// The edge's check of a view beacon (GET /v/{token}), a CloudFront
// Function (cloudfront-js-2.0) on viewer request: a token that is not one
// serving signed never reaches a Lambda. It is serving's offer token
// (shared/serving/offers.go): base64url(payload) "." base64url(the first
// 18 bytes of HMAC-SHA256(key, payload)), at most 640 characters. The key
// is serving.OfferKey of the serve function's secret (never the secret
// itself), put in the edge's key value store under "beacon-key"
// (docs/deploy.md); until it is there, the edge checks the token's shape
// only and the function checks the rest, as it always does. A token is
// refused unless its payload is the canonical
// base64url of its bytes (what serving writes; a decoder that drops a
// dangling character would pass more than serving does), and a HEAD is
// refused (no view is counted on one). An edge refusal answers what the
// function answers a refused view: 204, nothing to learn. Expiry is the
// function's to judge, which counts an expired view in the offer's
// stats. A beacon carries no body: a POST (an older tag's sendBeacon) gets
// the empty body's hash that origin access control signs with, and one
// that says it has a body is refused.

const kvs = cf.kvs('__SOUQ_KVS_ID__');
const TOKEN = /^\/v\/([A-Za-z0-9_-]{1,615})\.([A-Za-z0-9_-]{24})$/;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function refused() {
  return {
    statusCode: 204, statusDescription: 'No Content',
    headers: {
      'access-control-allow-origin': { value: '*' },
      'cache-control': { value: 'no-store' },
      'souq-edge': { value: 'refused' }
    }
  };
}

function fromURL(s) {
  s = s.replace(/-/g, '+').replace(/_/g, '/');
  while (s.length % 4) { s += '='; }
  return s;
}

function toURL(s) {
  return s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function handler(event) {
  var req = event.request;
  var m = TOKEN.exec(req.uri);
  if (!m || (req.method !== 'GET' && req.method !== 'POST')) {
    return refused();
  }
  if (req.method === 'POST') {
    var length = req.headers['content-length'];
    if (length && length.value !== '0') {
      return refused();
    }
    req.headers['x-amz-content-sha256'] = { value: EMPTY_SHA256 };
  }
  var key = '';
  try {
    key = await kvs.get('beacon-key');
  } catch (e) {
    key = ''; // not put yet: the shape alone
  }
  var payload = Buffer.from(fromURL(m[1]), 'base64');
  if (toURL(payload.toString('base64')) !== m[1]) {
    return refused(); // not canonical: not serving's
  }
  if (key) {
    var mac = toURL(crypto.createHmac('sha256', key).update(payload).digest('base64'));
    // 18 bytes are 24 base64 characters exactly: the first 24 of the
    // whole MAC's are the truncated MAC's.
    if (mac.substring(0, 24) !== m[2]) {
      // Logged (CloudWatch Logs), for the alarm on forged beacons: a wrong
      // key in the store refuses every beacon, and impressions stop.
      console.log('souq-beacon forged');
      return refused();
    }
  }
  return req;
}
