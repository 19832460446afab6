// The service's rule for replication across the border of the Chinese mainland: a rule between a region in
// the mainland and one outside it must go through transfer acceleration. We ask it of the destination
// endpoint (the copy's writes cross the border when processors run beside the source, as they usually do),
// and of both endpoints for a two-way rule, whose copies go both ways. Regions not in the table (private
// deployments, the local servers' own names) are not checked.
import { ossRegion } from '../oss-regions.ts';
import type { CrrConfigFile } from './schema.ts';

/** `at(i)` names rule i in the messages (the config's `rules[i]` by default). */
export function accelerationProblems(cfg: Pick<CrrConfigFile, 'rules' | 'endpoints'>, at: (i: number) => string = (i) => `rules[${i}]`): string[] {
  const problems: string[] = [];
  cfg.rules.forEach((rule, i) => {
    const src = cfg.endpoints[rule.source.endpoint];
    const dst = cfg.endpoints[rule.destination.endpoint];
    if (!src || !dst) return; // named elsewhere as an unknown endpoint
    const [from, to] = [ossRegion(src.region), ossRegion(dst.region)];
    if (!from || !to || from.mainland === to.mainland) return;
    const missing = [{ side: 'destination', ep: dst, name: rule.destination.endpoint }, ...(rule.twoWay ? [{ side: 'source', ep: src, name: rule.source.endpoint }] : [])]
      .filter((s) => !s.ep.accelerate);
    for (const s of missing) {
      problems.push(`${at(i)}.${s.side}.endpoint: rule "${rule.id}" replicates between ${from.id} (${from.mainland ? 'Chinese mainland' : 'outside the Chinese mainland'}) ` +
        `and ${to.id} (${to.mainland ? 'Chinese mainland' : 'outside the Chinese mainland'}); OSS requires transfer acceleration across that border: ` +
        `set accelerate: true on endpoint "${s.name}"`);
    }
  });
  return problems;
}
