// Wires change capture from a validated config: the notification receiver, the listing poller, or
// both, publishing to the changes topic. stop() stops taking requests and flushes in-flight publishes.
import type { BusProducer, InboundMessage } from '../core/ports/bus.ts';
import type { CrrConfig } from '../core/config/load.ts';
import type { CrrMetrics } from '../core/metrics/metrics.ts';
import type { Logger } from '../core/logging.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import { startReceiver, type Receiver } from './notification/receiver.ts';
import { startPoller, type PolledBucket, type Poller } from './poller/poller.ts';
import { polledRules } from './poller/polled-rules.ts';
import { KafkaSnapshotStore } from './poller/snapshot-store.ts';
import { CoalescingPublisher } from '../core/coalescing-publisher.ts';
import { RuleIndex } from '../core/rule-index.ts';
import { rulesOf, staticRules, type LiveRules } from '../core/rules/live-rules.ts';
import { splitHostPort } from '../core/metrics/serve.ts';

export interface CaptureDeps {
  config: CrrConfig;
  producer: BusProducer;
  /** The ObjectStore of a named endpoint (the poller lists through it). */
  storeFor: (endpointName: string) => ObjectStore;
  metrics: CrrMetrics;
  logger: Logger;
  receiverToken?: string;
  /** Reads the state topic from its start to its end (the poller's snapshots); needed by the poller. */
  readState?: (onRecord: (m: InboundMessage) => void) => Promise<void>;
  /**
   * The live rule set (the rules topic): the receiver accepts a new rule's bucket at once and refuses a deleted
   * rule's (422 unknown_bucket, as for any bucket no rule names); a paused rule is still captured. Default:
   * config.rules, fixed. The poller lists the source buckets of the live rules capture.poller.rules selects
   * (ids and `*` patterns): a new rule's bucket from the next poll on (a baseline), a deleted rule's no more.
   */
  liveRules?: LiveRules;
  now?: () => number;
}

export interface Capture { receiver?: Receiver; poller?: Poller; stop(): Promise<void> }

export async function startCapture(deps: CaptureDeps, what: { receiver: boolean; poller: boolean }): Promise<Capture> {
  const { config, metrics, logger } = deps;
  const live = deps.liveRules ?? staticRules(config.rules);
  const rules = new RuleIndex(rulesOf(live));
  const sourceRegions = new Map<string, string>();
  let followPoller = () => {};
  const follow = () => {
    rules.replace(rulesOf(live));
    sourceRegions.clear();
    for (const r of rulesOf(live)) sourceRegions.set(r.source.bucket, config.endpoint(r.source.endpoint).region);
    followPoller();
  };
  follow();
  const unfollow = live.onChange(follow);
  const publisher = new CoalescingPublisher(deps.producer, config.topicNames.changes);
  const capture: Capture = { async stop() {} };

  if (what.receiver) {
    const rc = config.capture.receiver;
    if (!rc) throw new Error('capture.receiver is not configured');
    if (!deps.receiverToken) throw new Error('the receiver token is missing');
    const [host, port] = splitHostPort(rc.listen);
    capture.receiver = await startReceiver({
      host, port, path: rc.path, token: deps.receiverToken, maxBodyBytes: rc.maxBodyBytes, rules,
      replicatorPrincipals: new Set(config.capture.replicatorPrincipals), publisher, metrics, logger, now: deps.now,
      sourceRegions,
    });
    logger.info({ url: capture.receiver.url }, 'notification receiver listening');
  }
  if (what.poller) {
    const pc = config.capture.poller;
    if (!pc) throw new Error('capture.poller is not configured');
    if (!deps.readState) throw new Error('the poller needs a reader of the state topic');
    if (pc.stateDir) logger.warn({ stateDir: pc.stateDir }, 'capture.poller.stateDir is deprecated and ignored: the listing snapshots live in the state topic');
    const snapshots = new KafkaSnapshotStore({ producer: deps.producer, topic: config.topicNames.state, readState: deps.readState, logger });
    const polledBuckets = (): PolledBucket[] => {
      const polled = polledRules(pc.rules, rulesOf(live));
      return [...new Map(polled.map((r) => [r.source.bucket, r])).values()].map((r) => ({
        bucket: r.source.bucket, region: config.endpoint(r.source.endpoint).region, store: deps.storeFor(r.source.endpoint),
      }));
    };
    const poller = startPoller({ buckets: polledBuckets(), rules, snapshots, intervalMs: pc.intervalMs, publisher, metrics, logger, now: deps.now });
    capture.poller = poller;
    followPoller = () => {
      const before = poller.buckets().map((b) => b.bucket).join(',');
      poller.setBuckets(polledBuckets());
      const after = poller.buckets().map((b) => b.bucket);
      if (after.join(',') !== before) logger.info({ buckets: after }, 'the listing poller follows the rule change');
    };
    logger.info({ buckets: poller.buckets().map((b) => b.bucket), intervalMs: pc.intervalMs }, 'listing poller started');
  }
  capture.stop = async () => {
    unfollow();
    await capture.receiver?.stop();
    await capture.poller?.stop();
    await publisher.flush();
  };
  return capture;
}
