// Consumers whose group is theirs alone and gone with them. kafkajs 2.2.4 cannot read partitions without a
// group (no manual assignment), so a reader that commits nothing (the rules view, a read of a topic to its
// end) joins a fresh group; left on the broker, one such group per process start would pile up. The group is
// deleted once its only member left. A process killed before that leaves an empty group without offsets,
// which the broker's own cleanup of such groups removes.
import type { BusConsumer, OpenConsumer } from '../../ports/bus.ts';
import type { KafkaClient } from './client.ts';
import { createConsumer } from './consumer.ts';
import { withAdmin } from './kafkajs-handle.ts';

/** Deletes a group no member is in; tries a few times, as the coordinator may not have processed the leave yet. */
export async function deleteGroup(kafka: KafkaClient, groupId: string, attempts = 5): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await withAdmin(kafka, (admin) => admin.deleteGroups([groupId]));
      return;
    } catch (err) {
      // The group never formed (no fetch ever ran) is as good as deleted.
      if (/GROUP_ID_NOT_FOUND|does not exist/i.test(JSON.stringify((err as { groups?: unknown }).groups ?? '') + String(err))) return;
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 200 * i));
    }
  }
}

/** Group ids of the broker's consumer groups (tests check that none is left behind). */
export async function groupIds(kafka: KafkaClient): Promise<string[]> {
  return (await withAdmin(kafka, (admin) => admin.listGroups())).groups.map((g) => g.groupId);
}

/** Opens consumers whose disconnect() also deletes their group: give each a group id of its own. */
export function throwawayConsumerOpener(kafka: KafkaClient, onDeleteFailed?: (groupId: string, err: unknown) => void): OpenConsumer {
  return async (opts) => {
    const consumer: BusConsumer = await createConsumer(kafka, opts);
    return {
      ...consumer,
      async disconnect() {
        await consumer.disconnect();
        await deleteGroup(kafka, opts.groupId).catch((err: unknown) => onDeleteFailed?.(opts.groupId, err));
      },
    };
  };
}
