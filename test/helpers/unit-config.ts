// The smallest valid config for unit tests of the processors: one rule from a Hangzhou endpoint to a
// Shanghai one (nothing is reached: the tests pass fakes of the consumer, producer and stores).
import { parseConfig, type CrrConfig } from '../../core/config/load.ts';

export function oneRuleConfig(processing: Record<string, unknown>): CrrConfig {
  return parseConfig({
    kafka: { brokers: ['127.0.0.1:1'] },
    endpoints: {
      hz: { endpoint: 'http://localhost:1', region: 'oss-cn-hangzhou', accessKeyIdEnv: 'HZ_AK', accessKeySecretEnv: 'HZ_SK' },
      sh: { endpoint: 'http://localhost:2', region: 'oss-cn-shanghai', accessKeyIdEnv: 'SH_AK', accessKeySecretEnv: 'SH_SK' },
    },
    rules: [{ id: 'r1', source: { endpoint: 'hz', bucket: 'src' }, destination: { endpoint: 'sh', bucket: 'dst' } }],
    processing,
  }, { HZ_AK: 'id', HZ_SK: 'secret', SH_AK: 'id2', SH_SK: 'secret2' });
}
