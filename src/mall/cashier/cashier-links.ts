import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../../config/app-config';

/**
 * `pay_link` (SPEC §6): the cashier page's address carries `sig`, an HMAC-SHA256 of the `trade_sn` under
 * `PAY_LINK_KEY`, so that a link cannot be made from a `trade_sn` (whose random part is short) by guessing.
 */
@Injectable()
export class CashierLinks {
  constructor(private readonly config: AppConfig) {}

  /** The page's path with its `sig`, e.g. `/pay/TN…?sig=…`. */
  pathOf(tradeSn: string): string {
    return `/pay/${tradeSn}?sig=${this.sigOf(tradeSn)}`;
  }

  linkOf(tradeSn: string): string {
    return `${this.config.PUBLIC_BASE_URL}${this.pathOf(tradeSn)}`;
  }

  isValid(tradeSn: string, sig: unknown): boolean {
    if (typeof sig !== 'string') return false;
    const expected = Buffer.from(this.sigOf(tradeSn));
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private sigOf(tradeSn: string): string {
    return createHmac('sha256', this.config.PAY_LINK_KEY).update(tradeSn).digest('base64url');
  }
}
