import { Controller, Get } from '@nestjs/common';
import type { PublicJwk } from '../../bundle/signing.js';
import { Public } from '../access/roles.js';
import { BundleSigning } from './bundle-signing.service.js';

/** `GET /v1/keys`: the public key this stack's model bundles are signed with, as a JWK set; public, as keys are. */
@Controller('v1/keys')
export class KeysController {
  constructor(private readonly signing: BundleSigning) {}

  @Public()
  @Get()
  async keys(): Promise<{ keys: PublicJwk[] }> {
    return await this.signing.publicKeys();
  }
}
