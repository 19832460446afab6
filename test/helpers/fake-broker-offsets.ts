// An in-memory fake of the BrokerOffsets port: the test sets end offsets and committed offsets (with
// metadata) per partition, and can make every call fail or hang, as an unreachable broker does.
import type { BrokerOffsets, CommittedOffset, PartitionOffsets } from '../../core/ports/bus.ts';

export class FakeBrokerOffsets implements BrokerOffsets {
  readonly ends = new Map<string, Map<number, PartitionOffsets>>(); // topic → partition → offsets
  readonly commits = new Map<string, Map<number, CommittedOffset>>(); // `group\0topic` → partition → committed
  /** 'fail': calls reject; 'hang': calls never settle. */
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  calls = 0;
  closed = false;

  setEnd(topic: string, partition: number, high: number, low = 0): void {
    if (!this.ends.has(topic)) this.ends.set(topic, new Map());
    this.ends.get(topic)!.set(partition, { partition, low: String(low), high: String(high) });
  }

  commit(groupId: string, topic: string, partition: number, offset: number, metadata: string | null = null): void {
    const k = `${groupId}\0${topic}`;
    if (!this.commits.has(k)) this.commits.set(k, new Map());
    this.commits.get(k)!.set(partition, { offset: String(offset), metadata });
  }

  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    await this.answer();
    return [...(this.ends.get(topic)?.values() ?? [])].map((o) => ({ ...o }));
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, CommittedOffset>> {
    await this.answer();
    const committed = this.commits.get(`${groupId}\0${topic}`);
    // As the broker answers: every partition of the topic, -1 where the group committed nothing.
    return new Map([...(this.ends.get(topic)?.keys() ?? [])].map((p) => [p, committed?.get(p) ?? { offset: '-1', metadata: null }]));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private answer(): Promise<void> {
    this.calls++;
    if (this.mode === 'fail') return Promise.reject(new Error('connect ECONNREFUSED'));
    if (this.mode === 'hang') return new Promise(() => {});
    return Promise.resolve();
  }
}
