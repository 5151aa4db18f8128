import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { Keyring } from '../storage/encryption/keyring.js';

/** The encoding an encrypted payload carries in its metadata; anything else is passed through as it is. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const text = (value: string) => new TextEncoder().encode(value);
const metadataText = (payload: Payload, key: string) => (payload.metadata?.[key] ? new TextDecoder().decode(payload.metadata[key]) : undefined);

/**
 * Seals every Temporal payload (workflow inputs and results, signals, updates, queries, memos, heartbeats,
 * failures' details) with AES-256-GCM under the keyring's active key; the key id travels in the metadata.
 * Decoding opens any key of the keyring, so rotation keeps old histories readable, and passes payloads
 * that were never encrypted through unchanged, so histories recorded before encryption still replay.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const { keyId, sealed } = this.keyring.seal(ProtoPayload.encode(payload).finish());
      return { metadata: { encoding: text(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text(keyId) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (metadataText(payload, 'encoding') !== ENCRYPTED_ENCODING) return payload;
      const keyId = metadataText(payload, KEY_ID_METADATA) ?? '';
      return ProtoPayload.decode(this.keyring.open(keyId, payload.data ?? new Uint8Array())) as Payload;
    });
  }
}

/** The data converter every Temporal client and worker of ours uses: encryption when a keyring is configured. */
export function temporalDataConverter(encryption: { keyring: Keyring } | null): DataConverter | undefined {
  return encryption ? { payloadCodecs: [new EncryptionCodec(encryption.keyring)] } : undefined;
}
