// Not a test: prints codec figures as JSON (throughput, and what one hostile block count does to raw avsc
// versus the guarded decode). Run: node --import tsx test/schemas/measure.ts
import { spawnSync } from 'node:child_process';
import { CrrError } from '../../core/errors.ts';
import { decode, encode } from '../../schemas/codec.ts';
import { shippedRegistry } from '../../schemas/registry.ts';
import { MINIMAL, SAMPLES } from './samples.ts';

/** An ObjectChange whose ruleIds block count (right after the 36-byte eventId) claims 2^31 - 1 items. */
function hostile(): Buffer {
  const good = encode('ObjectChange', MINIMAL.ObjectChange);
  const at = 10 + 1 + 36;
  return Buffer.concat([good.subarray(0, at), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]), good.subarray(at + 1)]);
}

if (process.argv.includes('--raw-avsc-hostile')) {
  // Child mode: decode the hostile body with avsc alone; expected to die of heap exhaustion.
  shippedRegistry().current('ObjectChange').type.fromBuffer(hostile().subarray(10));
  console.log('raw avsc returned');
  process.exit(0);
}

const N = 200_000;
const value = SAMPLES.ObjectChange;
let bytes = encode('ObjectChange', value);
for (let i = 0; i < 20_000; i++) decode('ObjectChange', encode('ObjectChange', value));
let t = performance.now();
for (let i = 0; i < N; i++) bytes = encode('ObjectChange', value);
const encodeMs = performance.now() - t;
t = performance.now();
for (let i = 0; i < N; i++) decode('ObjectChange', bytes);
const decodeMs = performance.now() - t;

t = performance.now();
let code = '';
try {
  decode('ObjectChange', hostile());
} catch (err) {
  code = err instanceof CrrError ? err.code : String(err);
}
const guardedMs = performance.now() - t;

t = performance.now();
const child = spawnSync(process.execPath, ['--max-old-space-size=512', '--import', 'tsx', import.meta.filename, '--raw-avsc-hostile'], { encoding: 'utf8', timeout: 120_000 });
const rawMs = performance.now() - t;
const died = /heap out of memory/.test(child.stderr) ? 'heap out of memory' : child.signal ?? `exit ${child.status}`;

console.log(JSON.stringify({
  objectChangeBytes: bytes.length,
  encodePerSec: Math.round((N / encodeMs) * 1000),
  decodePerSec: Math.round((N / decodeMs) * 1000),
  hostileGuarded: { code, ms: Number(guardedMs.toFixed(2)) },
  hostileRawAvsc512MbHeap: { outcome: died, ms: Math.round(rawMs) },
}));
