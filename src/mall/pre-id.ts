import { md5Hex } from '../common/signature/hash';

/** YunShop's pre-order id: md5 of the group's goods ids as a JSON integer array, in request order. */
export function preIdOf(goodsIds: number[]): string {
  return md5Hex(JSON.stringify(goodsIds.map((id) => Math.trunc(Number(id)))));
}
