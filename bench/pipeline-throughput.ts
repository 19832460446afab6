// Benchmark: 4 KiB objects per second through capture, Kafka and processing (source PUT → event → receiver →
// changes topic → processor → destination written), beside its ceiling measured in the same run: a raw
// ali-oss GET + PUT loop at the same concurrency on the same two local OSS servers (child processes).
//   node --import tsx bench/pipeline-throughput.ts [--objects 6000] [--concurrency 64] [--bytes 4096]
// Uses KAFKA_BROKERS when set, else starts the local broker on port 19092. Prints one JSON object.
import { parseArgs } from 'node:util';
import { runThroughput } from './lib/throughput-run.ts';

const { values } = parseArgs({ options: {
  objects: { type: 'string', default: '6000' }, concurrency: { type: 'string', default: '64' }, bytes: { type: 'string', default: '4096' },
} });

const result = await runThroughput({ objects: Number(values.objects), objectBytes: Number(values.bytes), concurrency: Number(values.concurrency),
  timeoutMs: Number(process.env.BENCH_TIMEOUT_MS ?? 180_000) });
console.log(JSON.stringify({ benchmark: 'pipeline-throughput', ...result, goal: { ratio: 0.7 } }, null, 2));
process.exit(result.complete ? 0 : 1);
