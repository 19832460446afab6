// A partition's id inside the runner: `topic/partition` (topic names may hold dots, never a trailing slash part).

export const partitionId = (topic: string, partition: number): string => `${topic}/${partition}`;

export function splitPartitionId(id: string): { topic: string; partition: number } {
  const at = id.lastIndexOf('/');
  return { topic: id.slice(0, at), partition: Number(id.slice(at + 1)) };
}
