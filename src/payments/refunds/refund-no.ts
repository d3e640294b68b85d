import { upperHex } from '../../common/ids';
import { compactTime } from '../../common/time';

/** `RF` + yyMMddHHmmss (APP_TIMEZONE) + 6 upper hex (SPEC §10); unique by index, a collision retries. */
export function newRefundNo(now: Date, timeZone: string): string {
  return `RF${compactTime(now, timeZone).slice(2)}${upperHex(6)}`;
}
