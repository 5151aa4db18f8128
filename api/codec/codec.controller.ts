import { Body, Controller, Delete, HttpCode, Inject, Post, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Config } from '../../config.js';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { Public } from '../access/roles.js';
import { CONFIG } from '../core/tokens.js';
import { CODEC_COOKIE, CODEC_SESSION_SECONDS, signCodecSession } from './codec-session.js';
import { CodecService, type JsonPayloads } from './codec.service.js';

/**
 * The codec server the Temporal UI calls to show encrypted histories in clear: `POST /codec/decode` and
 * `/codec/encode` in the remote-codec protocol (payloads with base64 metadata and data). Callers need a
 * Custody token, as a bearer header or as the session cookie the console sets (`POST /codec/session`).
 */
@Controller('codec')
export class CodecController {
  constructor(
    private readonly codec: CodecService,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Post('decode')
  @HttpCode(200)
  async decode(@Body() body: unknown): Promise<JsonPayloads> {
    return await this.codec.decode(body);
  }

  @Post('encode')
  @HttpCode(200)
  async encode(@Body() body: unknown): Promise<JsonPayloads> {
    return await this.codec.encode(body);
  }

  /** Sets the codec session cookie for the caller's token (the console calls this at sign-in). */
  @Post('session')
  @HttpCode(204)
  openSession(@CurrentCaller() caller: Caller, @Res({ passthrough: true }) res: ServerResponse): void {
    const keyring = this.codec.keyring();
    const secure = this.config.env === 'production' ? '; Secure' : '';
    res.setHeader('set-cookie', `${CODEC_COOKIE}=${signCodecSession(keyring, caller.tokenId!)}; Path=/codec; HttpOnly; SameSite=Strict; Max-Age=${CODEC_SESSION_SECONDS}${secure}`);
  }

  /** Ends the codec session (the console calls this at sign-out). */
  @Public()
  @Delete('session')
  @HttpCode(204)
  closeSession(@Res({ passthrough: true }) res: ServerResponse): void {
    res.setHeader('set-cookie', `${CODEC_COOKIE}=; Path=/codec; HttpOnly; SameSite=Strict; Max-Age=0`);
  }
}
