// Builds the OSS EventBridge (CloudEvents 1.0) event for one committed change.
import { randomUUID } from 'node:crypto';
import type { Change } from '../store/bucket.ts';
import { isoDate } from '../http-util.ts';

export interface OssEvent {
  id: string;
  source: 'acs.oss';
  specversion: '1.0';
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json;charset=utf-8';
  aliyunaccountid: string;
  aliyunregionid: string;
  aliyunpublishtime: string;
  data: {
    region: string;
    eventName: string;
    eventSource: 'acs:oss';
    eventVersion: '1.0';
    eventTime: string;
    userIdentity: { principalId: string };
    requestParameters: { sourceIPAddress: string };
    responseElements: { requestId: string };
    oss: {
      bucket: { name: string; arn: string; ownerIdentity: string };
      ossSchemaVersion: '1.0';
      object: { key: string; size: number; eTag: string; versionId?: string; deltaSize: number };
    };
  };
}

/**
 * `eventTime` (and the CloudEvents `time`) is the change's commit time at OSS's whole-second resolution
 * (`…T06:44:16.000Z`), equal to a new version's Last-Modified; `aliyunpublishtime`, stamped by the event
 * bus when it publishes, keeps milliseconds.
 */
export function buildEvent(change: Change, region: string, accountId: string, now = new Date()): OssEvent {
  const shortRegion = region.replace(/^oss-/, '');
  const iso = isoDate(change.time);
  const arn = `acs:oss:${region}:${accountId}:${change.bucket}`;
  const object: OssEvent['data']['oss']['object'] = {
    key: change.key, size: change.version.size, eTag: change.version.etag, deltaSize: change.deltaSize,
  };
  if (change.versioned) object.versionId = change.version.versionId;
  return {
    id: randomUUID(), source: 'acs.oss', specversion: '1.0', type: `oss:${change.eventName}`,
    subject: `${arn}/${change.key}`, time: iso, datacontenttype: 'application/json;charset=utf-8',
    aliyunaccountid: accountId, aliyunregionid: shortRegion, aliyunpublishtime: now.toISOString(),
    data: {
      region: shortRegion, eventName: change.eventName, eventSource: 'acs:oss', eventVersion: '1.0', eventTime: iso,
      userIdentity: { principalId: change.ctx.principalId },
      requestParameters: { sourceIPAddress: change.ctx.sourceIp },
      responseElements: { requestId: change.ctx.requestId },
      oss: { bucket: { name: change.bucket, arn, ownerIdentity: accountId }, ossSchemaVersion: '1.0', object },
    },
  };
}
