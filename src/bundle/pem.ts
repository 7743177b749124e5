/**
 * PEM (RFC 7468) reading and writing for certificates: the textual form of X.509 bundles.
 *
 * @module
 */
import { BundleError, quote } from './errors.js';

const BEGIN = '-----BEGIN ';
const DASHES = '-----';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE = /[ \t\r\n]+/g;

/**
 * Decodes every PEM block of `pem` into DER, in order. Text outside blocks is ignored
 * (RFC 7468 explanatory text); a block that is not a `CERTIFICATE`, has headers, is not closed by
 * its matching END line, or whose body is not base64 is an error. Block contents never appear in
 * error messages.
 *
 * @throws {@link BundleError} `ERR_BUNDLE_MALFORMED`.
 */
export function decodePemCertificates(pem: string, trustDomain: string): Buffer[] {
  const out: Buffer[] = [];
  let p = pem.indexOf(BEGIN);
  while (p !== -1) {
    const index = out.length;
    const fail = (why: string): never => {
      throw new BundleError('ERR_BUNDLE_MALFORMED', `X.509 bundle of trust domain "${trustDomain}": PEM block #${index} ${why}`, {
        trustDomain,
        certificateIndex: index,
      });
    };
    const labelStart = p + BEGIN.length;
    const labelEnd = pem.indexOf(DASHES, labelStart);
    const lineEnd = pem.indexOf('\n', labelStart);
    if (labelEnd === -1 || (lineEnd !== -1 && lineEnd < labelEnd)) fail('has an unterminated BEGIN line');
    const label = pem.slice(labelStart, labelEnd);
    if (label !== 'CERTIFICATE') fail(`is labelled ${quote(label, 40)}; only CERTIFICATE blocks belong in a bundle`);
    const end = `-----END ${label}-----`;
    const bodyStart = labelEnd + DASHES.length;
    const bodyEnd = pem.indexOf(end, bodyStart);
    if (bodyEnd === -1) fail('is not closed by an END CERTIFICATE line');
    const nextBegin = pem.indexOf(BEGIN, bodyStart);
    if (nextBegin !== -1 && nextBegin < bodyEnd) fail('is not closed before the next BEGIN line');
    const body = pem.slice(bodyStart, bodyEnd);
    if (body.includes(':')) fail('has PEM headers; certificate blocks must not have any');
    const b64 = body.replace(WHITESPACE, '');
    if (b64.length === 0) fail('is empty');
    if (b64.length % 4 !== 0 || !BASE64.test(b64)) fail('is not valid base64');
    out.push(Buffer.from(b64, 'base64'));
    p = pem.indexOf(BEGIN, bodyEnd + end.length);
  }
  if (out.length === 0 && pem.trim().length > 0) {
    throw new BundleError('ERR_BUNDLE_MALFORMED', `X.509 bundle of trust domain "${trustDomain}": no PEM CERTIFICATE block found`, {
      trustDomain,
    });
  }
  return out;
}

/** Encodes DER as one PEM block with the given label, 64 characters per line. */
export function encodePem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let text = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += 64) text += `${b64.slice(i, i + 64)}\n`;
  return `${text}-----END ${label}-----\n`;
}
