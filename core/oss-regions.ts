// The OSS regions of Alibaba Cloud's public cloud, as data: each region id and whether it lies in the Chinese
// mainland. Taken from Alibaba Cloud's "OSS regions and endpoints" list
// (https://www.alibabacloud.com/help/en/oss/user-guide/regions-and-endpoints). Hong Kong is outside the
// mainland there. Transfer acceleration routes to oss-accelerate.aliyuncs.com, or to
// oss-accelerate-overseas.aliyuncs.com for regions outside the mainland.

export interface OssRegion {
  /** The region id, e.g. cn-hangzhou (the OSS region id is oss-<id>). */
  id: string;
  name: string;
  mainland: boolean;
}

export const OSS_REGIONS: readonly OssRegion[] = [
  { id: 'cn-hangzhou', name: 'China (Hangzhou)', mainland: true },
  { id: 'cn-shanghai', name: 'China (Shanghai)', mainland: true },
  { id: 'cn-nanjing', name: 'China (Nanjing - Local Region)', mainland: true },
  { id: 'cn-fuzhou', name: 'China (Fuzhou - Local Region)', mainland: true },
  { id: 'cn-wuhan-lr', name: 'China (Wuhan - Local Region)', mainland: true },
  { id: 'cn-qingdao', name: 'China (Qingdao)', mainland: true },
  { id: 'cn-beijing', name: 'China (Beijing)', mainland: true },
  { id: 'cn-zhangjiakou', name: 'China (Zhangjiakou)', mainland: true },
  { id: 'cn-huhehaote', name: 'China (Hohhot)', mainland: true },
  { id: 'cn-wulanchabu', name: 'China (Ulanqab)', mainland: true },
  { id: 'cn-shenzhen', name: 'China (Shenzhen)', mainland: true },
  { id: 'cn-heyuan', name: 'China (Heyuan)', mainland: true },
  { id: 'cn-guangzhou', name: 'China (Guangzhou)', mainland: true },
  { id: 'cn-chengdu', name: 'China (Chengdu)', mainland: true },
  { id: 'cn-hongkong', name: 'China (Hong Kong)', mainland: false },
  { id: 'ap-northeast-1', name: 'Japan (Tokyo)', mainland: false },
  { id: 'ap-northeast-2', name: 'South Korea (Seoul)', mainland: false },
  { id: 'ap-southeast-1', name: 'Singapore', mainland: false },
  { id: 'ap-southeast-3', name: 'Malaysia (Kuala Lumpur)', mainland: false },
  { id: 'ap-southeast-5', name: 'Indonesia (Jakarta)', mainland: false },
  { id: 'ap-southeast-6', name: 'Philippines (Manila)', mainland: false },
  { id: 'ap-southeast-7', name: 'Thailand (Bangkok)', mainland: false },
  { id: 'eu-central-1', name: 'Germany (Frankfurt)', mainland: false },
  { id: 'eu-west-1', name: 'UK (London)', mainland: false },
  { id: 'us-west-1', name: 'US (Silicon Valley)', mainland: false },
  { id: 'us-east-1', name: 'US (Virginia)', mainland: false },
  { id: 'na-south-1', name: 'Mexico', mainland: false },
  { id: 'me-east-1', name: 'UAE (Dubai)', mainland: false },
  { id: 'me-central-1', name: 'Saudi Arabia (Riyadh)', mainland: false },
];

const BY_ID = new Map(OSS_REGIONS.map((r) => [r.id, r]));

/** The region of an id in either form (cn-hangzhou or oss-cn-hangzhou); undefined when not in the table. */
export function ossRegion(id: string): OssRegion | undefined {
  return BY_ID.get(id.replace(/^oss-/, ''));
}

export const ACCELERATE_HOST = 'oss-accelerate.aliyuncs.com';
export const ACCELERATE_OVERSEAS_HOST = 'oss-accelerate-overseas.aliyuncs.com';

/** The acceleration endpoint's host for a bucket in `region`: the overseas one outside the mainland. */
export function accelerateHost(region: string): string {
  return ossRegion(region)?.mainland === false ? ACCELERATE_OVERSEAS_HOST : ACCELERATE_HOST;
}
