import { Inject, Injectable } from '@nestjs/common';
import type { Payload } from '@temporalio/common';
import { EncryptionCodec } from '../../clients/payload-codec.js';
import type { Config } from '../../config.js';
import { DecryptionError, type Keyring } from '../../storage/encryption/keyring.js';
import { InputError } from '../errors/input-error.js';
import { CONFIG } from '../core/tokens.js';
import { CodecError } from './codec.error.js';

/** Payloads as the remote-codec protocol sends them: metadata values and data in base64. */
export interface JsonPayloads {
  payloads: { metadata?: Record<string, string>; data?: string }[];
}

const MAX_PAYLOADS = 1000;

/** Encodes and decodes payloads for the Temporal UI and CLI with the same codec the workers use. */
@Injectable()
export class CodecService {
  private readonly codec: EncryptionCodec | null;

  constructor(@Inject(CONFIG) private readonly config: Config) {
    this.codec = config.encryption ? new EncryptionCodec(config.encryption.keyring) : null;
  }

  keyring(): Keyring {
    if (!this.config.encryption) throw new CodecError('ENCRYPTION_OFF', 'Payload encryption is off (CUSTODY_ENCRYPTION_KEYS names no key), so there is nothing to decode');
    return this.config.encryption.keyring;
  }

  async decode(body: unknown): Promise<JsonPayloads> {
    this.keyring();
    try {
      return toJson(await this.codec!.decode(fromJson(body)));
    } catch (error) {
      if (error instanceof DecryptionError) throw new CodecError('UNDECRYPTABLE', error.message);
      throw error;
    }
  }

  async encode(body: unknown): Promise<JsonPayloads> {
    this.keyring();
    return toJson(await this.codec!.encode(fromJson(body)));
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const bytes = (value: unknown, path: string): Uint8Array => {
  if (typeof value !== 'string' || !BASE64.test(value)) throw InputError.field(path, 'must be base64 text');
  return Buffer.from(value, 'base64');
};

/** The request body as payloads, each field checked and named when refused. */
function fromJson(body: unknown): Payload[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw InputError.field('payloads', 'must be a list of payloads');
  // `{}` is how protojson writes an empty list of payloads (an update with no arguments, say): nothing to do.
  const payloads = (body as Partial<JsonPayloads>).payloads ?? [];
  if (!Array.isArray(payloads)) throw InputError.field('payloads', 'must be a list of payloads');
  if (payloads.length > MAX_PAYLOADS) throw InputError.field('payloads', `must hold at most ${MAX_PAYLOADS} payloads`);
  return payloads.map((payload, i) => {
    if (!payload || typeof payload !== 'object') throw InputError.field(`payloads.${i}`, 'must be an object');
    const metadata = payload.metadata ?? {};
    if (typeof metadata !== 'object') throw InputError.field(`payloads.${i}.metadata`, 'must be an object of base64 values');
    return {
      metadata: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, bytes(value, `payloads.${i}.metadata.${key}`)])),
      data: bytes(payload.data ?? '', `payloads.${i}.data`),
    };
  });
}

function toJson(payloads: Payload[]): JsonPayloads {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')])),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}
