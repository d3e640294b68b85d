import { upperHex } from '../common/ids';
import { compactTime } from '../common/time';

/** `yyMMddHHmmss` in the app's zone: numbers read like the time they were made. */
function stamp(now: Date, timeZone: string): string {
  return compactTime(now, timeZone).slice(2);
}

/** `TN` + yyMMddHHmmss + 6 upper hex; uniqueness is the database's (unique index, retried on collision). */
export function newTradeSn(now: Date, timeZone: string): string {
  return `TN${stamp(now, timeZone)}${upperHex(6)}`;
}

/** `SN` + yyMMddHHmmss + 6 upper hex, as YunShop's order numbers. */
export function newOrderSn(now: Date, timeZone: string): string {
  return `SN${stamp(now, timeZone)}${upperHex(6)}`;
}
