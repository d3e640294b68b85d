import { Fen } from '../../common/money';

/**
 * Splits `amount` across parts in proportion to `weights`, rounding each share down and giving the
 * remainder to the last part, so the shares always add up to `amount` exactly. BigInt keeps
 * `amount × weight` exact for any realistic fen values.
 */
export function splitByWeight(amount: Fen, weights: Fen[]): Fen[] {
  if (weights.length === 0) return [];
  const total = weights.reduce((sum, w) => sum + BigInt(w), 0n);
  if (total === 0n) return weights.map((_, i) => (i === weights.length - 1 ? amount : 0));
  const shares = weights.map((w) => Number((BigInt(amount) * BigInt(w)) / total));
  const given = shares.slice(0, -1).reduce((sum, s) => sum + s, 0);
  shares[shares.length - 1] = amount - given;
  return shares;
}
