// Creates buckets on an OSS endpoint (the compose stack's local regions), once; a bucket that exists already
// is fine. Retries while the server starts.
//   node --import tsx deploy/local/oss/create-buckets.ts --endpoint http://oss-hangzhou:9001 --region oss-cn-hangzhou --key AK:SECRET BUCKET...
import { parseArgs } from 'node:util';
import { createOssClient } from '../../../core/adapters/oss/client.ts';

const { values, positionals } = parseArgs({
  options: { endpoint: { type: 'string' }, region: { type: 'string' }, key: { type: 'string' } },
  allowPositionals: true,
});
const [accessKeyId, accessKeySecret] = (values.key ?? '').split(':');
if (!values.endpoint || !values.region || !accessKeyId || !accessKeySecret || positionals.length === 0) {
  process.stderr.write('usage: create-buckets.ts --endpoint URL --region REGION --key AK:SECRET BUCKET...\n');
  process.exit(2);
}
const client = createOssClient({ endpoint: values.endpoint, region: values.region, accessKeyId, accessKeySecret, timeoutMs: 5000 });
for (const bucket of positionals) {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.putBucket(bucket);
      process.stdout.write(`created ${bucket} on ${values.endpoint}\n`);
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'BucketAlreadyExists') break;
      if (attempt === 30) {
        process.stderr.write(`cannot create ${bucket} on ${values.endpoint}: ${(err as Error).message}\n`);
        process.exit(3);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
