// Golden Workload API messages (in the generated message shape of src/gen/workload.ts, every
// field optional) for test/codec.test.ts. Each one's `hex` (or, for the large ones, `sha256` and
// `bytes`) is what the hand-written codec (src/workloadapi/codec.ts, tested byte for byte against
// protobufjs, deleted when the test Workload API moved to the generated messages) wrote for the same
// message: the generated encoders must keep writing those bytes. Messages with a default value set
// explicitly (an empty string, empty bytes, a "" map key) are not here: protobufjs and the hand codec
// wrote a present default, proto3 encoders (the generated ones, Go's) leave it out; codec.test.ts
// pins that difference separately.

export const der = (n: number, seed = 1): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

/** JWT claims as JSON, every kind of `google.protobuf.Value` (number edge cases included). */
export const CLAIMS_JSON: Record<string, unknown> = {
  sub: 'spiffe://example.org/web',
  aud: ['api', 2, null, [], {}],
  exp: 1_700_000_000,
  neg: -1.5,
  zero: 0,
  negzero: -0,
  inf: Infinity,
  nan: Number.NaN,
  admin: false,
  yes: true,
  none: null,
  empty: '',
  'ünïcødé 🎉': 'värde 𝄞',
  nested: { deep: { x: 1.5, l: [true] } },
};

export type GoldenName =
  | 'X509SVIDRequest'
  | 'X509SVIDResponse'
  | 'X509BundlesRequest'
  | 'X509BundlesResponse'
  | 'JWTSVIDRequest'
  | 'JWTSVIDResponse'
  | 'JWTBundlesRequest'
  | 'JWTBundlesResponse'
  | 'ValidateJWTSVIDRequest'
  | 'ValidateJWTSVIDResponse';

export interface Golden {
  readonly name: GoldenName;
  readonly message: object;
  /** The hand codec's bytes, hex (small messages). */
  readonly hex?: string;
  /** Their SHA-256 (hex) and length (large messages). */
  readonly sha256?: string;
  readonly bytes?: number;
}

const manyBundles = (n: number, size: (i: number) => number) => new Map(Array.from({ length: n }, (_, i) => [`spiffe://td${i}.test`, der(size(i), i)] as const));

/** The messages; their bytes are filled in by GOLDEN below. */
export const GOLDEN_MESSAGES: readonly { readonly name: GoldenName; readonly message: object }[] = [
  { name: 'X509SVIDRequest', message: {} },
  { name: 'X509BundlesRequest', message: {} },
  { name: 'JWTBundlesRequest', message: {} },
  { name: 'X509SVIDResponse', message: {} },
  { name: 'X509SVIDResponse', message: { svids: [{}] } },
  {
    name: 'X509SVIDResponse',
    message: {
      svids: [
        { spiffe_id: 'spiffe://example.org/web', x509_svid: der(700), x509_svid_key: der(138, 2), bundle: der(500, 3), hint: 'external' },
        { spiffe_id: 'spiffe://example.org/db', x509_svid: der(10), bundle: der(1) },
      ],
      crl: [der(100, 4), der(200, 5)],
      federated_bundles: new Map([
        ['spiffe://other.org', der(400, 6)],
        ['spiffe://b.org', der(3, 7)],
      ]),
    },
  },
  { name: 'X509SVIDResponse', message: { svids: [{ spiffe_id: 'spiffe://example.org/a', x509_svid: der(3) }] } },
  { name: 'X509SVIDResponse', message: { federated_bundles: manyBundles(1000, (i) => 50 + (i % 7)) } },
  { name: 'X509SVIDResponse', message: { svids: [{ x509_svid: der(5 * 1024 * 1024, 9) }] } },
  { name: 'X509SVIDResponse', message: { federated_bundles: new Map([['__proto__', Buffer.from([1, 2, 3])], ['constructor', Buffer.from([4])]]) } },
  { name: 'X509BundlesResponse', message: {} },
  { name: 'X509BundlesResponse', message: { crl: [der(3)], bundles: new Map([['spiffe://example.org', der(600)]]) } },
  { name: 'X509BundlesResponse', message: { bundles: manyBundles(500, () => 30) } },
  { name: 'X509BundlesResponse', message: { bundles: new Map([['spiffe://big.org', der(2 * 1024 * 1024 + 3)]]) } },
  { name: 'JWTSVIDRequest', message: {} },
  { name: 'JWTSVIDRequest', message: { audience: ['api'] } },
  { name: 'JWTSVIDRequest', message: { audience: ['a', 'b', ''], spiffe_id: 'spiffe://example.org/web' } },
  { name: 'JWTSVIDResponse', message: {} },
  { name: 'JWTSVIDResponse', message: { svids: [{ spiffe_id: 'spiffe://example.org/web', svid: 'eyJhbGciOiJFUzI1NiJ9.e30.sig', hint: 'h' }, {}] } },
  { name: 'JWTSVIDResponse', message: { svids: Array.from({ length: 100 }, (_, i) => ({ spiffe_id: `spiffe://example.org/w${i}`, svid: `t.${'x'.repeat(i * 10)}.s` })) } },
  { name: 'JWTBundlesResponse', message: {} },
  { name: 'JWTBundlesResponse', message: { bundles: new Map([['spiffe://example.org', Buffer.from('{"keys":[]}')]]) } },
  { name: 'JWTBundlesResponse', message: { bundles: new Map(Array.from({ length: 300 }, (_, i) => [`spiffe://td${i}.test`, Buffer.from(`{"keys":[${i}]}`)])) } },
  { name: 'ValidateJWTSVIDRequest', message: {} },
  { name: 'ValidateJWTSVIDRequest', message: { audience: 'api', svid: 'a.b.c' } },
  { name: 'ValidateJWTSVIDResponse', message: {} },
  { name: 'ValidateJWTSVIDResponse', message: { spiffe_id: 'spiffe://example.org/web' } },
  { name: 'ValidateJWTSVIDResponse', message: { claims: {} } },
  { name: 'ValidateJWTSVIDResponse', message: { spiffe_id: 'spiffe://example.org/web', claims: CLAIMS_JSON } },
  { name: 'ValidateJWTSVIDResponse', message: { claims: JSON.parse('{"__proto__":"x","a":{"__proto__":{"admin":true}}}') as object } },
];

/** The hand codec’s bytes for each of GOLDEN_MESSAGES, in order (captured from it before its deletion). */
const HAND_CODEC_BYTES: readonly ({ readonly hex: string } | { readonly bytes: number; readonly sha256: string })[] = [
  { hex: '' }, // X509SVIDRequest
  { hex: '' }, // X509BundlesRequest
  { hex: '' }, // JWTBundlesRequest
  { hex: '' }, // X509SVIDResponse
  { hex: '0a00' }, // X509SVIDResponse
  { bytes: 2182, sha256: 'edb39748e63e00e77021cdc42aa7fca50c688426f6f4ef14c15bdba28be6abeb' }, // X509SVIDResponse
  { hex: '0a1d0a167370696666653a2f2f6578616d706c652e6f72672f61120301203f' }, // X509SVIDResponse
  { bytes: 77887, sha256: 'ade1972d038c5f2d263e715177ded011af1ad07a86020dc1f50e3ebc1cf8bffc' }, // X509SVIDResponse
  { bytes: 5242890, sha256: '63976fd844f1d44e05b3380afe15c4fc4f919d4cb45cb65947f7bff2fe70e3bf' }, // X509SVIDResponse
  { hex: '1a100a095f5f70726f746f5f5f12030102031a100a0b636f6e7374727563746f72120104' }, // X509SVIDResponse
  { hex: '' }, // X509BundlesResponse
  { bytes: 633, sha256: 'bacbab4ff7c19c6a75033f087dad3cb356eb992d5758f0058cfa7e9e7e641273' }, // X509BundlesResponse
  { bytes: 27390, sha256: 'dccae2246de027aa2edac5c12d6b9b6ada4dc1f22e6a9ff29c74bf0bf0511db3' }, // X509BundlesResponse
  { bytes: 2097183, sha256: 'fae2f64c4d545f47f67c2e799a3d5efc22d77b8c24bc3b2cf59cf0fff01ef423' }, // X509BundlesResponse
  { hex: '' }, // JWTSVIDRequest
  { hex: '0a03617069' }, // JWTSVIDRequest
  { hex: '0a01610a01620a0012187370696666653a2f2f6578616d706c652e6f72672f776562' }, // JWTSVIDRequest
  { hex: '' }, // JWTSVIDResponse
  { bytes: 63, sha256: 'e348096eab697be3e4ff86c3ac838e55aa50748b75143bc20e925512a0557d63' }, // JWTSVIDResponse
  { bytes: 53067, sha256: '8abf9c2072cc2bc7bddbf0111a773f6106a772dc0a687312c85926a5bbb8ad38' }, // JWTSVIDResponse
  { hex: '' }, // JWTBundlesResponse
  { hex: '0a230a147370696666653a2f2f6578616d706c652e6f7267120b7b226b657973223a5b5d7d' }, // JWTBundlesResponse
  { bytes: 11480, sha256: 'bd3538bfd4a923a903247823e90f0e51b5870b4d77a568a08efc5430babc0bcc' }, // JWTBundlesResponse
  { hex: '' }, // ValidateJWTSVIDRequest
  { hex: '0a036170691205612e622e63' }, // ValidateJWTSVIDRequest
  { hex: '' }, // ValidateJWTSVIDResponse
  { hex: '0a187370696666653a2f2f6578616d706c652e6f72672f776562' }, // ValidateJWTSVIDResponse
  { hex: '1200' }, // ValidateJWTSVIDResponse
  { bytes: 357, sha256: '5cdd68fd907afa405b4d31d2087aab0b33b7ea12efc907155cf5401eee9d6b11' }, // ValidateJWTSVIDResponse
  { bytes: 59, sha256: '3d4f82566ccb150e5915759c76f429c0c33b84eb8419e6b6fa0b4f879942c1d4' }, // ValidateJWTSVIDResponse
];

/** Each golden message with the bytes the generated encoder must write. */
export const GOLDEN: readonly Golden[] = GOLDEN_MESSAGES.map((m, i) => ({ ...m, ...HAND_CODEC_BYTES[i] }));
