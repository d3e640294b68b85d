import { InvalidParamsError } from '../errors/app-error';

/** SPEC §1: a body nests at most this many levels (the body object itself is level 1). */
export const MAX_BODY_DEPTH = 20;

export const bodyTooDeep = () => new InvalidParamsError({ body: `请求体嵌套不能超过 ${MAX_BODY_DEPTH} 层` });

/**
 * Whether `value` nests deeper than `max` levels of objects and arrays, found without recursion: a body
 * JSON.parse accepted may be thousands of levels deep, and every recursive walk after it (the signature's
 * canonical JSON, validation) would overflow the stack.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
