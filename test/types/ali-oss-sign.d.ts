// Types for the part of ali-oss 6.23 the signing test compares against (lib/common/signUtils.js has no typings).
declare module 'ali-oss/lib/common/signUtils.js' {
  type Headers = Record<string, string | number>;
  const signUtils: {
    buildCanonicalString(method: string, resourcePath: string, request: { headers: Headers; parameters?: Record<string, string> }): string;
    authorization(accessKeyId: string, accessKeySecret: string, canonicalString: string, headerEncoding?: string): string;
    authorizationV4(
      accessKeyId: string, accessKeySecret: string, region: string, method: string,
      request: { headers: Headers; queries?: Record<string, string | number | null> },
      bucketName?: string, objectName?: string, additionalHeaders?: string[], headerEncoding?: string,
    ): string;
  };
  export default signUtils;
}
