// The shipped alert rules and dashboard query only metrics the code declares (the Node process metrics
// included), and (where promtool is installed, as .ci/run arranges) the rules load and their unit tests pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { collectProcessMetrics, createMetrics } from '../../core/metrics/metrics.ts';
import { projectRoot } from '../../deploy/local/project-root.ts';

const alerts = join(projectRoot, 'deploy/prometheus/crr-alerts.yml');
const dashboard = join(projectRoot, 'deploy/grafana/crr-dashboard.json');

function declaredNames(): Set<string> {
  const registry = new Registry();
  // Every metric createMetrics declares, including those registered only by the part that measures them.
  const declared = Object.values(createMetrics(registry)).filter((m) => m !== registry) as unknown as { name: string; type?: unknown }[];
  collectProcessMetrics(registry);
  const names = new Set<string>();
  for (const m of [...registry.getMetricsAsArray(), ...declared]) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

function usedNames(text: string): string[] {
  return [...new Set(text.match(/\bcrr_[a-z0-9_]+/g) ?? [])];
}

test('alerts and dashboard use only declared crr_ metrics', () => {
  const declared = declaredNames();
  const used = [...usedNames(readFileSync(alerts, 'utf8')), ...usedNames(readFileSync(dashboard, 'utf8'))];
  assert.ok(used.length >= 8, `expected the files to use the metrics, found ${used.join(', ')}`);
  const unknown = used.filter((n) => !declared.has(n) && n !== 'crr_bus');
  assert.deepEqual(unknown, [], 'every metric queried exists');
  const panels = (JSON.parse(readFileSync(dashboard, 'utf8')) as { panels: unknown[] }).panels;
  assert.ok(panels.length >= 8);
});

test('the Node process metrics carry the bus prefix once: crr_process_cpu_seconds_total, not crr_process_process_…', () => {
  const declared = declaredNames();
  for (const name of ['crr_process_cpu_seconds_total', 'crr_process_resident_memory_bytes', 'crr_nodejs_eventloop_lag_p99_seconds']) {
    assert.ok(declared.has(name), name);
  }
  assert.deepEqual([...declared].filter((n) => n.startsWith('crr_process_process_')), []);
});

test('promtool accepts the alert rules and their unit tests pass', (t) => {
  const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    t.skip('promtool is not installed (Debian package prometheus)');
    return;
  }
  const check = spawnSync('promtool', ['check', 'rules', alerts], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const unit = spawnSync('promtool', ['test', 'rules', join(projectRoot, 'deploy/prometheus/crr-alerts.test.yml')], { encoding: 'utf8' });
  assert.equal(unit.status, 0, unit.stdout + unit.stderr);
});
