// The OSS operations this server answers, by name; fault injection and events refer to them.

export const OSS_OPERATIONS = [
  'ListBuckets', 'PutBucket', 'DeleteBucket', 'GetBucketInfo', 'GetBucketLocation', 'GetBucketAcl', 'PutBucketAcl',
  'GetBucketVersioning', 'PutBucketVersioning', 'ListObjects', 'ListObjectsV2', 'ListObjectVersions',
  'PutObject', 'PostObject', 'GetObject', 'HeadObject', 'GetObjectMeta', 'DeleteObject', 'DeleteMultipleObjects', 'CopyObject',
  'AppendObject', 'GetObjectAcl', 'PutObjectAcl', 'GetObjectTagging', 'PutObjectTagging', 'DeleteObjectTagging',
  'InitiateMultipartUpload', 'UploadPart', 'UploadPartCopy', 'CompleteMultipartUpload', 'AbortMultipartUpload',
  'ListParts', 'ListMultipartUploads',
] as const;

export type OssOperation = (typeof OSS_OPERATIONS)[number];
