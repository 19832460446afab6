// Crash safety: a runner process is SIGKILLed mid-run several times and restarted. Nothing is lost, each
// key's messages are first handled in offset order, and work repeats only at or after the committed offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTopics } from '../../../core/adapters/kafka/topics.ts';
import { projectRoot } from '../../../deploy/local/project-root.ts';
import { testBrokers, testKafka, uniqueTopic } from '../../helpers/kafka.ts';
import { committedOffsets, endOffsets, firstHandlingOrderViolation, seedKeyed, waitFor, type Handling } from './helpers.ts';

const fixture = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url));
const TOTAL = 3000;

type Line =
  | { kind: 'start' }
  | { kind: 'handled'; partition: number; offset: number; key: string }
  | { kind: 'commit'; partition: number; offset: number }
  | { kind: 'stopped' };

function readLines(file: string): Line[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    const [kind, a, b, c] = raw.split(' ');
    if (kind === 'start') lines.push({ kind });
    else if (kind === 'stopped') lines.push({ kind });
    else if (kind === 'handled' && c !== undefined) lines.push({ kind, partition: Number(a), offset: Number(b), key: c });
    else if (kind === 'commit' && b !== undefined) lines.push({ kind, partition: Number(a), offset: Number(b) });
  }
  return lines;
}

const distinctHandled = (lines: Line[]) => new Set(lines.flatMap((l) => (l.kind === 'handled' ? [`${l.partition}@${l.offset}`] : []))).size;

test('SIGKILL mid-run, three times: nothing lost, per-key order kept, repeats only past the commit', async () => {
  const kafka = testKafka('runner-crash-test');
  const topic = uniqueTopic('runner-crash');
  const groupId = `${topic}-g`;
  await ensureTopics(kafka, [{ topic, partitions: 4 }]);
  await seedKeyed(kafka, topic, TOTAL, 100, 50);
  const dir = mkdtempSync(join(tmpdir(), 'runner-crash-'));
  const file = join(dir, 'handled.log');
  const spawnChild = (): ChildProcess => spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: projectRoot,
    env: { ...process.env, KAFKA_BROKERS: testBrokers().join(','), RUNNER_TOPIC: topic, RUNNER_GROUP: groupId, RUNNER_OUT: file },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = (child: ChildProcess) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  // The group's committed offsets as each incarnation starts: it must resume exactly there.
  const startCommitted: Map<number, string>[] = [];
  let child: ChildProcess | undefined;
  const t0 = Date.now();
  try {
    for (const killAt of [TOTAL * 0.2, TOTAL * 0.45, TOTAL * 0.7]) {
      startCommitted.push(await committedOffsets(kafka, groupId, topic));
      child = spawnChild();
      await waitFor(`${killAt} messages handled`, () => distinctHandled(readLines(file)) >= killAt, 30_000);
      child.kill('SIGKILL');
      await exited(child);
    }
    startCommitted.push(await committedOffsets(kafka, groupId, topic));
    child = spawnChild();
    await waitFor('every message handled', () => distinctHandled(readLines(file)) >= TOTAL, 40_000);
    child.kill('SIGTERM');
    await exited(child);
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  const elapsed = Date.now() - t0;

  const lines = readLines(file);
  assert.equal(lines.filter((l) => l.kind === 'start').length, 4);
  assert.equal(lines[lines.length - 1]?.kind, 'stopped', 'the last run did not drain and stop');
  const handled = lines.filter((l): l is Extract<Line, { kind: 'handled' }> => l.kind === 'handled');
  assert.equal(distinctHandled(lines), TOTAL, 'some message was never handled');
  assert.equal(firstHandlingOrderViolation(handled satisfies Handling[]), undefined);

  // Walk the log in order, one incarnation at a time (offsets are dense: no transactions, no compaction).
  let incarnation = -1;
  const everHandled = new Set<string>();
  const handledThisRun = new Set<string>();
  let repeats = 0;
  for (const l of lines) {
    if (l.kind === 'start') {
      incarnation++;
      handledThisRun.clear();
      // Everything below the offset a run resumes from was handled by an earlier run.
      for (const [p, o] of startCommitted[incarnation]!) {
        for (let off = 0; off < Number(o); off++) assert.ok(everHandled.has(`${p}@${off}`), `run ${incarnation} resumes at ${p}@${o} but ${off} was never handled`);
      }
      continue;
    }
    if (l.kind === 'commit') {
      // A commit covers only finished work: every offset below it was handled before the commit was logged.
      for (let off = 0; off < l.offset; off++) assert.ok(everHandled.has(`${l.partition}@${off}`), `commit ${l.partition}@${l.offset} passes unhandled ${off}`);
      continue;
    }
    if (l.kind !== 'handled') continue;
    const id = `${l.partition}@${l.offset}`;
    assert.ok(!handledThisRun.has(id), `${id} handled twice by run ${incarnation}`);
    handledThisRun.add(id);
    if (everHandled.has(id)) {
      repeats++;
      const resumedAt = Number(startCommitted[incarnation]!.get(l.partition) ?? -1);
      assert.ok(l.offset >= resumedAt, `${id} repeated by run ${incarnation} though committed up to ${resumedAt}`);
    }
    everHandled.add(id);
  }

  const ends = await endOffsets(kafka, topic);
  assert.deepEqual(await committedOffsets(kafka, groupId, topic), ends);
  rmSync(dir, { recursive: true, force: true });
  console.log(`# ${TOTAL} messages, 3 kills: ${elapsed} ms, ${repeats} repeated handlings`);
});
