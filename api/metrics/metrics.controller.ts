import { Controller, Get, Header } from '@nestjs/common';
import { MetricsService } from './metrics.service.js';

/** GET /metrics in Prometheus's text format, for any valid token (scrape with `authorization.credentials_file`). */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return await this.metrics.text();
  }
}
