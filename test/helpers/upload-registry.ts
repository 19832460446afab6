// Test helper: the uploads topic as an in-memory log, shared by several UploadLeases (one per "process"), so
// unit tests see one member's records from another without a broker.
import type { InboundMessage, OutgoingRecord } from '../../core/ports/bus.ts';
import { UploadLeases } from '../../processors/upload-leases.ts';

export interface FakeRegistry {
  log: OutgoingRecord[];
  /** A process's view of the registry, with its own id and lease. */
  member(owner: string, leaseMs: number): UploadLeases;
}

export function fakeRegistry(): FakeRegistry {
  const log: OutgoingRecord[] = [];
  return {
    log,
    member: (owner, leaseMs) => new UploadLeases({
      owner, leaseMs,
      send: async (records) => void log.push(...records),
      read: async (onRecord) => log.forEach((r, i) => onRecord({ topic: 'uploads', partition: 0, offset: String(i), key: Buffer.from(String(r.key)),
        value: r.value, headers: {}, timestamp: 0 } as InboundMessage)),
    }),
  };
}
