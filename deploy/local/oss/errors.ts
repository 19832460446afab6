// OSS error codes as data (code → HTTP status and OSS `EC` value) and the one error class handlers throw.
// EC values follow OSS's "NNNN-NNNNNNNN" shape; the local server does not promise the exact numbers.

export const ERROR_TABLE: Record<string, { status: number; ec: string; message: string }> = {
  AccessDenied: { status: 403, ec: '0003-00000001', message: 'You have no right to access this object.' },
  InvalidAccessKeyId: { status: 403, ec: '0002-00000902', message: 'The OSS Access Key Id you provided does not exist in our records.' },
  SignatureDoesNotMatch: { status: 403, ec: '0002-00000040', message: 'The request signature we calculated does not match the signature you provided.' },
  // Real OSS's answer to a path-style bucket request (its EC is not documented; this one is the server's own).
  SecondLevelDomainForbidden: { status: 403, ec: '0002-00000901', message: 'Please use virtual hosted style to access.' },
  // STS credentials (the 0002-0000000N pages of OSS's error reference).
  InvalidSecurityToken: { status: 403, ec: '0002-00000006', message: 'The security token you provided is invalid.' },
  SecurityTokenExpired: { status: 403, ec: '0002-00000007', message: 'The security token you provided has expired.' },
  AccessKeyIdAndSecurityTokenNotMatch: { status: 403, ec: '0002-00000004', message: 'The OSS access key id and security token you provided does not match.' },
  RequestTimeTooSkewed: { status: 403, ec: '0002-00000504', message: 'The difference between the request time and the current time is too large.' },
  InvalidObjectState: { status: 403, ec: '0016-00000204', message: 'The operation is not valid for the object\'s state.' },
  NoSuchBucket: { status: 404, ec: '0015-00000101', message: 'The specified bucket does not exist.' },
  NoSuchKey: { status: 404, ec: '0026-00000001', message: 'The specified key does not exist.' },
  NoSuchVersion: { status: 404, ec: '0026-00000002', message: 'The specified version does not exist.' },
  NoSuchUpload: { status: 404, ec: '0042-00000002', message: 'The specified upload does not exist.' },
  MethodNotAllowed: { status: 405, ec: '0016-00000211', message: 'The specified method is not allowed against this resource.' },
  BucketAlreadyExists: { status: 409, ec: '0015-00000104', message: 'The requested bucket name is not available.' },
  BucketNotEmpty: { status: 409, ec: '0015-00000301', message: 'The bucket you tried to delete is not empty.' },
  FileAlreadyExists: { status: 409, ec: '0016-00000208', message: 'The object you specified already exists and can not be overwritten.' },
  ObjectNotAppendable: { status: 409, ec: '0017-00000101', message: 'The object is not appendable.' },
  PositionNotEqualToLength: { status: 409, ec: '0017-00000102', message: 'Position is not equal to file length.' },
  InvalidArgument: { status: 400, ec: '0016-00000301', message: 'Invalid argument.' },
  InvalidBucketName: { status: 400, ec: '0015-00000001', message: 'The specified bucket is not valid.' },
  InvalidObjectName: { status: 400, ec: '0016-00000005', message: 'The specified object is not valid.' },
  InvalidDigest: { status: 400, ec: '0016-00000103', message: 'The Content-MD5 you specified is not valid.' },
  InvalidPart: { status: 400, ec: '0042-00000205', message: 'One or more of the specified parts could not be found or the specified entity tag might not have matched the part\'s entity tag.' },
  InvalidPartOrder: { status: 400, ec: '0042-00000206', message: 'The list of parts was not in ascending order.' },
  EntityTooSmall: { status: 400, ec: '0042-00000207', message: 'Your proposed upload is smaller than the minimum allowed size.' },
  EntityTooLarge: { status: 400, ec: '0016-00000102', message: 'Your proposed upload exceeds the maximum allowed size.' },
  MalformedXML: { status: 400, ec: '0016-00000601', message: 'The XML you provided was not well-formed or did not validate against our published schema.' },
  InvalidTag: { status: 400, ec: '0016-00000901', message: 'The tag provided was not a valid tag.' },
  InvalidEncryptionAlgorithmError: { status: 400, ec: '0016-00000401', message: 'The encryption request you specified is not valid.' },
  InvalidStorageClass: { status: 400, ec: '0016-00000402', message: 'The storage class you specified is not valid.' },
  MissingContentLength: { status: 411, ec: '0016-00000104', message: 'You must provide the Content-Length HTTP header.' },
  PreconditionFailed: { status: 412, ec: '0026-00000003', message: 'At least one of the pre-conditions you specified did not hold.' },
  NotModified: { status: 304, ec: '0026-00000004', message: 'Not Modified' },
  InvalidRange: { status: 416, ec: '0026-00000005', message: 'The requested range cannot be satisfied.' },
  IncompleteBody: { status: 400, ec: '0016-00000105', message: 'The request body is shorter than Content-Length.' },
  RequestTimeout: { status: 400, ec: '0016-00000106', message: 'The request body could not be read in time.' },
  InvalidPolicyDocument: { status: 400, ec: '0011-00000101', message: 'The content of the form does not meet the conditions specified in the policy document.' },
  InternalError: { status: 500, ec: '0000-00000001', message: 'We encountered an internal error. Please try again.' },
  NotImplemented: { status: 501, ec: '0000-00000002', message: 'A header or operation you provided implies functionality that is not implemented.' },
  SlowDown: { status: 503, ec: '0000-00000003', message: 'Please reduce your request rate.' },
  ServiceUnavailable: { status: 503, ec: '0000-00000004', message: 'Service is temporarily unavailable.' },
};

export class OssError extends Error {
  readonly code: string;
  readonly status: number;
  readonly ec: string;
  /** Extra XML elements (e.g. Condition, BucketName) and response headers the error carries. */
  readonly extra: Record<string, string>;
  readonly headers: Record<string, string>;

  constructor(code: string, message?: string, opts: { status?: number; extra?: Record<string, string>; headers?: Record<string, string> } = {}) {
    const known = ERROR_TABLE[code];
    super(message ?? known?.message ?? code);
    this.name = 'OssError';
    this.code = code;
    this.status = opts.status ?? known?.status ?? 400;
    this.ec = known?.ec ?? '0000-00000000';
    this.extra = opts.extra ?? {};
    this.headers = opts.headers ?? {};
  }
}
